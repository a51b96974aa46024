"""Surface noise that keeps every token in place: `typos` and `case`.

`typos` edits one token at a time on *grapheme clusters* (user-perceived characters,
`regex`'s `\\X`), never on code points, so a Devanagari vowel sign or a combining accent
stays attached to its letter. Operations: `swap` two neighbouring clusters, `drop` one,
`insert` (repeat a cluster, the commonest insertion typo), `keyboard` (replace a letter by
a neighbour on the language's keyboard, where a layout is known: QWERTY for Latin,
ЙЦУКЕН for Cyrillic, Arabic, Persian, Greek, Hebrew, Devanagari InScript). Every result is
re-segmented and rejected unless it has the intended clusters and none starts with a
combining mark; the token is then left as it was or another operation is tried.

`case` changes letter case where the script has case (Latin, Cyrillic, Greek, Armenian,
...), with Turkish/Azerbaijani dotted and dotless i; caseless scripts are left unchanged
(and a note says so).
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import regex

from xner.data.records import Sentence
from xner.data.tags import OUTSIDE
from xner.perturb.names import LANG_SCRIPT, char_script, text_script
from xner.perturb.resources import PerturbResources, is_word
from xner.perturb.spec import Edit, ParamSpec, PerturbationSpec, PerturbError, Prepared, register

_CLUSTER = regex.compile(r"\X")

# Keyboard rows per layout (lower case); a key's neighbours are its left/right keys and
# the keys at the same index on the rows above and below.
LAYOUTS: dict[str, tuple[str, ...]] = {
    "latin-qwerty": ("qwertyuiop", "asdfghjkl", "zxcvbnm"),
    "cyrillic-jcuken": ("йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю"),
    "arabic": ("ضصثقفغعهخحجد", "شسيبلاتنمكط", "ئءؤرىةوزظ"),
    "persian": ("ضصثقفغعهخحجچ", "شسیبلاتنمکگ", "ظطزرذدپو"),
    "greek": ("ςερτυθιοπ", "ασδφγηξκλ", "ζχψωβνμ"),
    "hebrew": ("קראטוןםפ", "שדגכעיחלךף", "זסבהנמצתץ"),
    "devanagari-inscript": ("ौैाीूबहगदजड", "ोेअिुपरकतचट", "ंमनवलसयश"),
}
LANG_LAYOUT = {"fa": "persian", "ur": "persian"}
SCRIPT_LAYOUT = {
    "LATIN": "latin-qwerty",
    "CYRILLIC": "cyrillic-jcuken",
    "ARABIC": "arabic",
    "GREEK": "greek",
    "HEBREW": "hebrew",
    "DEVANAGARI": "devanagari-inscript",
}


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch).startswith("M")


def _neighbours(rows: Sequence[str]) -> dict[str, str]:
    found: dict[str, set[str]] = {}
    for r, row in enumerate(rows):
        for c, key in enumerate(row):
            near = found.setdefault(key, set())
            for cc in (c - 1, c + 1):
                if 0 <= cc < len(row):
                    near.add(row[cc])
            for rr in (r - 1, r + 1):
                if 0 <= rr < len(rows) and c < len(rows[rr]):
                    near.add(rows[rr][c])
            near.discard(key)
    # Letters only replace letters and marks only marks, so no cluster breaks.
    return {
        key: "".join(sorted(n for n in near if _is_mark(n) == _is_mark(key)))
        for key, near in found.items()
    }


_NEIGHBOURS = {name: _neighbours(rows) for name, rows in LAYOUTS.items()}


def layout_for(lang: str, sample: str = "") -> str | None:
    """The keyboard layout name of a language (None where none is known)."""
    if lang in LANG_LAYOUT:
        return LANG_LAYOUT[lang]
    script = LANG_SCRIPT.get(lang) or text_script([sample])
    return SCRIPT_LAYOUT.get(script or "")


def clusters(word: str) -> list[str]:
    return _CLUSTER.findall(word)


def well_formed(word: str, intended: Sequence[str] | None = None) -> bool:
    """True when no grapheme cluster of `word` starts with a combining mark (and, if
    given, `word` segments into exactly `intended`)."""
    if not word:
        return False
    found = clusters(word)
    if intended is not None and found != list(intended):
        return False
    return not any(_is_mark(c[0]) for c in found)


OPS = ("swap", "drop", "insert", "keyboard")


def typo(word: str, rng: random.Random, ops: Sequence[str], layout: str | None) -> tuple[str, str]:
    """A misspelling of `word` and its operation; `(word, "")` when none is possible."""
    parts = clusters(word)
    n = len(parts)
    if n == 0 or any(_is_mark(p[0]) for p in parts):
        return word, ""
    neighbours = _NEIGHBOURS.get(layout) if layout else None
    order = list(ops)
    rng.shuffle(order)
    for op in order:
        for _ in range(3):
            if op == "swap" and n >= 2:
                i = rng.randrange(n - 1)
                new = [*parts[:i], parts[i + 1], parts[i], *parts[i + 2 :]]
            elif op == "drop" and n >= 3:
                i = rng.randrange(n)
                new = parts[:i] + parts[i + 1 :]
            elif op == "insert":
                i = rng.randrange(n)
                new = [*parts[: i + 1], parts[i], *parts[i + 1 :]]
            elif op == "keyboard" and neighbours:
                i = rng.randrange(n)
                base = parts[i][0]
                near = neighbours.get(base.lower())
                if not near:
                    continue
                swap_in = near[rng.randrange(len(near))]
                if base.isupper():
                    swap_in = swap_in.upper()
                new = [*parts[:i], swap_in + parts[i][1:], *parts[i + 1 :]]
            else:
                break
            result = "".join(new)
            if result != word and well_formed(result, new):
                return result, op
    return word, ""


def _targets(target: str, tag: str) -> bool:
    if target == "all":
        return True
    return (tag != OUTSIDE) == (target == "entities")


# A token's new form and the edit's detail (its operation), or None to keep it.
TokenChange = Callable[[Sentence, int, random.Random], "tuple[str, str] | None"]


def _token_changer(kind: str, change: TokenChange) -> Prepared:
    """The per-sentence step of a perturbation that keeps every token in place: `change`
    sees each token in order (sentence, index, rng) and returns its replacement or None."""

    def apply(
        sentence: Sentence, rng: random.Random
    ) -> tuple[list[str], list[str], list[Edit]] | None:
        tokens = list(sentence.tokens)
        edits: list[Edit] = []
        for index, token in enumerate(sentence.tokens):
            changed = change(sentence, index, rng)
            if changed is not None:
                tokens[index], detail = changed
                edits.append(
                    Edit(sentence.id, kind, index, token, tokens[index], index, 1, 1, detail)
                )
        if not edits:
            return None
        return tokens, list(sentence.tags or ()), edits

    return apply


TARGET = ParamSpec(
    "target",
    "str",
    "all",
    "which tokens: all, entities or context (non-entity)",
    choices=("all", "entities", "context"),
)


def _prepare_typos(
    sentences: Sequence[Sentence],
    resources: PerturbResources,
    params: Mapping[str, Any],
    seed: int,
    kind: str,
):
    ops = tuple(op.strip() for op in params["ops"].split(",") if op.strip())
    unknown = [op for op in ops if op not in OPS]
    if unknown or not ops:
        raise PerturbError(f"typos: unknown ops {unknown or ops}; choose from {', '.join(OPS)}")
    rate, target = params["rate"], params["target"]
    want_entities = target == "entities"
    layouts: dict[str, str | None] = {}
    for sentence in sentences:
        if sentence.lang not in layouts:
            layouts[sentence.lang] = layout_for(sentence.lang, "".join(sentence.tokens))
            if layouts[sentence.lang] is None and "keyboard" in ops:
                resources.notes.append(
                    f"typos: no keyboard layout known for {sentence.lang}; "
                    "keyboard typos skipped there (swap/drop/insert still apply)"
                )

    def change(sentence: Sentence, index: int, rng: random.Random) -> tuple[str, str] | None:
        if rng.random() >= rate:
            return None
        tags = sentence.tags
        assert tags is not None  # perturb() takes labelled sentences only
        if target != "all" and (tags[index] == OUTSIDE) == want_entities:
            return None
        token = sentence.tokens[index]
        if not is_word(token):
            return None
        new, op = typo(token, rng, ops, layouts[sentence.lang])
        return (new, op) if op else None

    return _token_changer(kind, change)


register(
    PerturbationSpec(
        name="typos",
        description=(
            "Character noise (TextFlint/nlpaug-style): swap, drop, repeat or keyboard-"
            "neighbour typos inside words, on whole grapheme clusters in every script."
        ),
        params=(
            ParamSpec(
                "rate", "float", 0.2, "probability that an eligible word gets a typo", 0.0, 1.0
            ),
            TARGET,
            ParamSpec(
                "ops", "str", ",".join(OPS), f"comma-separated operations ({', '.join(OPS)})"
            ),
        ),
        prepare=_prepare_typos,
        source="TextFlint; nlpaug",
    )
)


# ---------------------------------------------------------------------------- case

_TURKIC = frozenset({"tr", "az"})
CASE_MODES = ("lower", "upper", "title", "random")


def change_case(token: str, mode: str, lang: str) -> str:
    """`token` in `mode` case, with Turkish/Azerbaijani i/İ and ı/I."""
    if mode == "title":
        return change_case(token[:1], "upper", lang) + change_case(token[1:], "lower", lang)
    if lang in _TURKIC:
        if mode == "upper":
            token = token.replace("i", "İ").replace("ı", "I")
        else:
            token = token.replace("I", "ı").replace("İ", "i")
    return token.upper() if mode == "upper" else token.lower()


_CASED = frozenset({"LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "GEORGIAN", "COPTIC", "DESERET"})


def _prepare_case(sentences, resources: PerturbResources, params, seed, kind):
    mode, target, rate = params["mode"], params["target"], params["rate"]
    for lang in sorted({s.lang for s in sentences}):
        sample = "".join(t for s in sentences[:50] if s.lang == lang for t in s.tokens)
        script = LANG_SCRIPT.get(lang) or text_script([sample])
        if script not in _CASED:
            resources.notes.append(
                f"case: the {script or 'unknown'} script of {lang} has no letter case; "
                "its sentences stay unchanged"
            )

    def change(sentence: Sentence, index: int, rng: random.Random) -> tuple[str, str] | None:
        tags = sentence.tags
        assert tags is not None  # perturb() takes labelled sentences only
        token, tag = sentence.tokens[index], tags[index]
        if not _targets(target, tag) or (rate < 1.0 and rng.random() >= rate):
            return None
        chosen = mode if mode != "random" else CASE_MODES[rng.randrange(3)]
        new = change_case(token, chosen, sentence.lang)
        return (new, chosen) if new != token and new else None

    return _token_changer(kind, change)


register(
    PerturbationSpec(
        name="case",
        description=(
            "Casing changes (CheckList/TextFlint): lower, upper, title or random case, on "
            "entities, context or all tokens; scripts without case stay unchanged."
        ),
        params=(
            ParamSpec(
                "mode",
                "str",
                "lower",
                "lower, upper, title or random (per token)",
                choices=CASE_MODES,
            ),
            TARGET,
            ParamSpec("rate", "float", 1.0, "share of the targeted tokens to change", 0.0, 1.0),
        ),
        prepare=_prepare_case,
        source="CheckList; TextFlint",
    )
)

# `char_script` is re-exported for tests that check scripts of outputs.
__all__ = ["LAYOUTS", "change_case", "char_script", "clusters", "layout_for", "typo", "well_formed"]
