"""Token-level HTML for sentences: entities coloured by type, errors and edits marked.

Pure functions returning HTML strings (the pages pass them to `st.markdown(...,
unsafe_allow_html=True)`). Everything that comes from data or from a user is escaped.

How a sentence reads:

- predicted entity: a light background in its type's colour, a small type badge on the
  first token;
- gold entity: a solid underline in its type's colour (so gold and prediction can be
  compared on the same line without two rows);
- error: a dashed red box around the token, the error kinds in its tooltip;
- edit (a perturbation changed it): an orange bar above the token, the old text in its
  tooltip.

Right-to-left text: every token is wrapped in `<bdi>` (bidi isolation, so a Latin name
inside Arabic text, or `(` and digits, cannot reorder its neighbours) and the sentence
container gets `dir="rtl"` when most strongly-directional letters are right-to-left,
else `dir="auto"`.
"""

from __future__ import annotations

import hashlib
import html
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


def text_direction(tokens: Iterable[str]) -> str:
    """`rtl` when most strongly-directional letters are right-to-left (Arabic, Hebrew,
    Persian, Urdu...), else `ltr`; digits and punctuation do not vote."""
    rtl = ltr = 0
    for token in tokens:
        for char in token:
            bidi = unicodedata.bidirectional(char)
            if bidi in _RTL_CLASSES:
                rtl += 1
            elif bidi in _LTR_CLASSES:
                ltr += 1
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


def render_tokens(
    tokens: Sequence[str],
    marks: TokenMarks | None = None,
    *,
    caption: str = "",
    show_confidence: bool = False,
) -> str:
    """One sentence as a single line of HTML (no blank lines: markdown keeps it raw)."""
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
    parts: list[str] = []
    for index, token in enumerate(tokens):
        style = ["padding:1px 3px", "margin:1px 1px", "border-radius:3px", "line-height:2.2"]
        title: list[str] = []
        badge = ""
        if pred and pred[index][0] != "O":
            prefix, entity_type = pred[index]
            style.append(f"background:{_tint(type_color(entity_type))}")
            title.append(f"predicted {prefix}-{entity_type}")
            starts = prefix == "B" or index == 0 or pred[index - 1][1] != entity_type
            if starts:
                badge = (
                    f'<span style="font-size:0.65em;font-weight:600;color:'
                    f'{type_color(entity_type)};margin-inline-end:2px">'
                    f"{html.escape(entity_type)}</span>"
                )
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
                    f'<sub style="font-size:0.6em;color:#666;margin-inline-start:2px">'
                    f"{value:.2f}</sub>"
                )
        attributes = f'class="xner-tok" style="{";".join(style)}"'
        if title:
            attributes += f' title="{html.escape("; ".join(title), quote=True)}"'
        parts.append(
            f"<span {attributes}>{badge}<bdi>{html.escape(token)}</bdi>{confidence}</span>"
        )
    head = ""
    if caption:
        head = f'<div style="font-size:0.8em;color:#666" dir="auto">{html.escape(caption)}</div>'
    body = " ".join(parts) if parts else '<span style="color:#999">(no tokens)</span>'
    dir_attr = "rtl" if direction == "rtl" else "auto"
    return (
        f'<div class="xner-sentence" dir="{dir_attr}" '
        f'style="unicode-bidi:isolate;margin:4px 0 10px 0">{head}{body}</div>'
    )


def legend_html(types: Iterable[str], *, errors: bool = True, edits: bool = True) -> str:
    """The key: one swatch per entity type, then how gold, errors and edits look."""
    items = []
    for entity_type in sorted(set(types)):
        color = type_color(entity_type)
        items.append(
            f'<span style="background:{_tint(color)};border-bottom:3px solid {color};'
            f'padding:1px 6px;margin-inline-end:8px">{html.escape(entity_type)}</span>'
        )
    items.append('<span style="margin-inline-end:8px">background = predicted</span>')
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
