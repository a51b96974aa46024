"""Token-level HTML for sentences: entities coloured by type, errors and edits marked.

Pure functions returning HTML strings (the pages pass them to `st.markdown(...,
unsafe_allow_html=True)`). Everything that comes from data or from a user is escaped.

How a sentence reads:

- predicted entity: one box with a light background in its type's colour and a small
  type badge at its end;
- gold entity: a solid underline in its type's colour (so gold and prediction can be
  compared on the same line without two rows);
- error: a dashed red box around the token, the error kinds in its tooltip;
- edit (a perturbation changed it): an orange bar above the token, the old text in its
  tooltip.

Right-to-left text (as displaCy renders with `rtl`): the sentence container gets
`dir="rtl"` (and right alignment) when most strongly-directional letters are
right-to-left, placeholders such as `[MASK]` not voting, else `dir="ltr"`; each entity is
one `<bdi dir="auto">` box with its tokens and type badge inside, each other token a
`<bdi>` of its own with its confidence inside, so a Latin name, `(`, digits or a badge
cannot reorder their neighbours. `tests/app/test_rtl_browser.py` checks the visual order
in Chromium.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from xner.data.tags import split_tag

# Colour-blind-safe defaults (Okabe-Ito) for the WikiANN types; other types get a stable
# colour from a hash of their name, so one type keeps its colour across pages and runs.
TYPE_COLORS: dict[str, str] = {
    "PER": "#0072B2",
    "ORG": "#009E73",
    "LOC": "#E69F00",
    "MISC": "#CC79A7",
}
_EXTRA_COLORS = ("#56B4E9", "#D55E00", "#8C564B", "#7F7F7F", "#BCBD22", "#17BECF")
ERROR_COLOR = "#D62728"
EDIT_COLOR = "#FF7F0E"
_RTL_CLASSES = frozenset({"R", "AL"})
_LTR_CLASSES = frozenset({"L"})


def type_color(entity_type: str) -> str:
    """The colour of an entity type: fixed for PER/ORG/LOC/MISC, hashed otherwise."""
    if entity_type in TYPE_COLORS:
        return TYPE_COLORS[entity_type]
    digest = hashlib.blake2b(entity_type.encode("utf-8"), digest_size=2).digest()
    return _EXTRA_COLORS[int.from_bytes(digest, "big") % len(_EXTRA_COLORS)]


def _tint(color: str, alpha: str = "33") -> str:
    """`#RRGGBB` -> `#RRGGBBAA`: a see-through background that keeps text readable."""
    return f"{color}{alpha}"


# Placeholders such as [MASK] or <mask> are Latin letters that say nothing about the
# sentence's script: they do not vote on its direction.
_PLACEHOLDER = re.compile(r"^(\[[A-Za-z_]+\]|<[A-Za-z_/]+>)$")


def text_direction(tokens: Iterable[str], default: str = "ltr") -> str:
    """`rtl` when most strongly-directional letters are right-to-left (Arabic, Hebrew,
    Persian, Urdu...), `ltr` when most are left-to-right; digits, punctuation and
    placeholders do not vote (`default` when nothing votes)."""
    rtl = ltr = 0
    for token in tokens:
        if _PLACEHOLDER.match(token):
            continue
        for char in token:
            bidi = unicodedata.bidirectional(char)
            if bidi in _RTL_CLASSES:
                rtl += 1
            elif bidi in _LTR_CLASSES:
                ltr += 1
    if rtl == ltr == 0:
        return default
    return "rtl" if rtl > ltr else "ltr"


@dataclass(frozen=True)
class TokenMarks:
    """What to draw on one sentence. Tags are IOB2 strings aligned with the tokens;
    `errors` maps a token position to the error kinds touching it; `edits` maps a
    position to a note (what the perturbation replaced)."""

    gold: Sequence[str] | None = None
    pred: Sequence[str] | None = None
    confidence: Sequence[float] | None = None
    errors: Mapping[int, Sequence[str]] = field(default_factory=dict)
    edits: Mapping[int, str] = field(default_factory=dict)


def _types(tags: Sequence[str] | None) -> list[tuple[str, str]]:
    """(prefix, type) per token; ("O", "") outside entities or when tags are absent."""
    if tags is None:
        return []
    return [split_tag(tag) for tag in tags]


def _segments(tags: list[tuple[str, str]], n: int) -> list[tuple[int, int, str]]:
    """`(start, end, type)` runs: one per entity of `tags` (type set), one per other token."""
    found: list[tuple[int, int, str]] = []
    index = 0
    while index < n:
        prefix, entity_type = tags[index] if tags else ("O", "")
        end = index + 1
        if prefix != "O":
            while end < n and tags[end][0] == "I" and tags[end][1] == entity_type:
                end += 1
        found.append((index, end, entity_type if prefix != "O" else ""))
        index = end
    return found


def render_tokens(
    tokens: Sequence[str],
    marks: TokenMarks | None = None,
    *,
    caption: str = "",
    show_confidence: bool = False,
) -> str:
    """One sentence as a single line of HTML (no blank lines: markdown keeps it raw).

    As displaCy does with `rtl`: the line's direction comes from its script; each entity
    (predicted, else gold) is one box, a `<bdi dir="auto">` isolate holding its tokens
    and its type badge, so a Latin name in an Arabic line reads left to right inside its
    box while the boxes follow the line; every other token is an isolate of its own, its
    confidence inside it. Gold, errors and edits are marked on the token they concern."""
    marks = marks or TokenMarks()
    n = len(tokens)
    for name, tags in (
        ("gold", marks.gold),
        ("pred", marks.pred),
        ("confidence", marks.confidence),
    ):
        if tags is not None and len(tags) != n:
            raise ValueError(f"{name} has {len(tags)} entries for {n} tokens")
    gold, pred = _types(marks.gold), _types(marks.pred)
    direction = text_direction(tokens)
    boxes = pred or gold
    parts: list[str] = []
    for start, end, entity_type in _segments(boxes, n):
        inner = [
            _token_html(tokens, marks, gold, pred, i, show_confidence) for i in range(start, end)
        ]
        if not entity_type:
            parts.append(f'<bdi dir="auto" class="xner-seg">{inner[0]}</bdi>')
            continue
        color = type_color(entity_type)
        filled = f"background:{_tint(color)};" if pred else ""
        # A box of placeholders ([MASK] [MASK]) reads in the line's direction.
        own = text_direction(tokens[start:end], default=direction)
        badge = (
            f'<span class="xner-badge" style="font-size:0.65em;font-weight:600;color:{color};'
            f'margin-inline-start:3px">{html.escape(entity_type)}</span>'
        )
        parts.append(
            f'<bdi dir="{own}" class="xner-seg xner-ent" data-type="{html.escape(entity_type)}" '
            f'style="{filled}border-radius:4px;padding:1px 2px;margin:0 1px;white-space:nowrap">'
            f"{' '.join(inner)}{badge}</bdi>"
        )
    head = ""
    if caption:
        head = f'<div style="font-size:0.8em;color:#666" dir="auto">{html.escape(caption)}</div>'
    body = " ".join(parts) if parts else '<span style="color:#999">(no tokens)</span>'
    align = "right" if direction == "rtl" else "left"
    return (
        f'<div class="xner-sentence" dir="{direction}" style="unicode-bidi:isolate;'
        f'text-align:{align};margin:4px 0 10px 0">{head}{body}</div>'
    )


def _token_html(
    tokens: Sequence[str],
    marks: TokenMarks,
    gold: list[tuple[str, str]],
    pred: list[tuple[str, str]],
    index: int,
    show_confidence: bool,
) -> str:
    style = ["unicode-bidi:isolate", "padding:1px 2px", "border-radius:3px", "line-height:2.2"]
    title: list[str] = []
    if pred and pred[index][0] != "O":
        prefix, entity_type = pred[index]
        title.append(f"predicted {prefix}-{entity_type}")
    if gold and gold[index][0] != "O":
        prefix, entity_type = gold[index]
        style.append(f"border-bottom:3px solid {type_color(entity_type)}")
        title.append(f"gold {prefix}-{entity_type}")
    if index in marks.errors:
        style.append(f"outline:2px dashed {ERROR_COLOR};outline-offset:1px")
        title.append("error: " + ", ".join(marks.errors[index]))
    if index in marks.edits:
        style.append(f"box-shadow:inset 0 3px 0 {EDIT_COLOR};font-style:italic")
        title.append(f"edited: {marks.edits[index]}")
    confidence = ""
    if marks.confidence is not None:
        value = float(marks.confidence[index])
        title.append(f"confidence {value:.2f}")
        if show_confidence:
            confidence = (
                f'<sub style="font-size:0.6em;color:#666;margin-inline-start:2px">{value:.2f}</sub>'
            )
    attributes = f'class="xner-tok" data-i="{index}" style="{";".join(style)}"'
    if title:
        attributes += f' title="{html.escape("; ".join(title), quote=True)}"'
    return f"<span {attributes}>{html.escape(tokens[index])}{confidence}</span>"


def legend_html(
    types: Iterable[str], *, errors: bool = True, edits: bool = True, gold: bool = True
) -> str:
    """The key: one swatch per entity type, then how gold (when there is any), errors and
    edits look."""
    items = []
    for entity_type in sorted(set(types)):
        color = type_color(entity_type)
        items.append(
            f'<span style="background:{_tint(color)};border-bottom:3px solid {color};'
            f'padding:1px 6px;margin-inline-end:8px">{html.escape(entity_type)}</span>'
        )
    items.append('<span style="margin-inline-end:8px">background = predicted</span>')
    if gold:
        items.append('<span style="margin-inline-end:8px">underline = gold</span>')
    if errors:
        items.append(
            f'<span style="outline:2px dashed {ERROR_COLOR};padding:0 4px;'
            'margin-inline-end:8px">error</span>'
        )
    if edits:
        items.append(
            f'<span style="box-shadow:inset 0 3px 0 {EDIT_COLOR};font-style:italic;'
            'padding:0 4px">edited by the perturbation</span>'
        )
    return f'<div class="xner-legend" style="font-size:0.85em;margin:4px 0">{"".join(items)}</div>'
