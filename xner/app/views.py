"""A sentence as the pages draw it: its sides, their marks, its entities and their diff.

The Explorer joins stored predictions into `SentenceView`s, the Tour builds them from its
examples, and the Playground and the Explorer both compare the entities of a sentence
before and after a perturbation (`entity_diff` through `token_ranges`): so these records
live here, shared, rather than in either page's back end. Plain records, no Streamlit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from xner.data.tags import spans
from xner.evaluate.errors import EntityError
from xner.perturb.spec import Edit
from xner.runs.layout import CLEAN
from xner.viz.tokens import TokenMarks


@dataclass(frozen=True)
class SideView:
    """One side (clean or perturbed) of a sentence: text, gold, prediction, errors."""

    tokens: tuple[str, ...]
    gold: tuple[str, ...] | None
    pred: tuple[str, ...] | None  # None: no stored prediction fits this text
    errors: tuple[EntityError, ...] = ()
    stale: bool = False  # the stored hash is not this text's hash

    @property
    def error_kinds(self) -> set[str]:
        return {error.kind for error in self.errors}

    @property
    def entity_types(self) -> set[str]:
        found = {span.type for span in spans(self.gold or ())}
        return found | {span.type for span in spans(self.pred or ())}


@dataclass(frozen=True)
class SentenceView:
    """A sentence, clean and (when perturbed) its perturbed copy with the edits between."""

    id: str
    clean: SideView
    perturbed: SideView | None = None
    edits: tuple[Edit, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.edits)

    def side(self, name: str) -> SideView | None:
        return self.clean if name == CLEAN else self.perturbed


def _error_positions(errors: Iterable[EntityError]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for error in errors:
        for start, end in ((error.gold_start, error.gold_end), (error.pred_start, error.pred_end)):
            if start is None or end is None:
                continue
            for position in range(start, end):
                kinds = found.setdefault(position, [])
                if error.kind not in kinds:
                    kinds.append(error.kind)
    return found


def _edit_positions(edits: Iterable[Edit], side: str, n_tokens: int) -> dict[int, str]:
    """Token positions an edit touched on `side`. Positions are those of the step that
    made the edit; for compositions a later step that changes lengths can shift them
    slightly, so they are clipped to the sentence."""
    found: dict[int, str] = {}
    for edit in edits:
        note = f"{edit.kind}: {edit.old or '∅'} → {edit.new or '∅'}"
        if edit.detail:
            note += f" ({edit.detail})"
        if side == CLEAN:
            start = edit.old_position if edit.old_position >= 0 else edit.position
            length = edit.n_old
        else:
            start, length = edit.position, edit.n_new
        for position in range(start, min(start + length, n_tokens)):
            found[position] = note
    return found


def view_marks(view: SentenceView, side: str) -> TokenMarks:
    """What the token renderer should draw for one side of a sentence."""
    part = view.side(side)
    if part is None:
        raise ValueError(f"sentence {view.id} has no {side} side")
    return TokenMarks(
        gold=part.gold,
        pred=part.pred,
        errors=_error_positions(part.errors),
        edits=_edit_positions(view.edits, side, len(part.tokens)),
    )


# ---------------------------------------------------------------------------
# Entity mentions, before and after a perturbation


@dataclass(frozen=True, slots=True)
class Entity:
    text: str
    type: str
    start: int
    end: int


def entities(tokens: Sequence[str], tags: Sequence[str]) -> list[Entity]:
    """The entity mentions a tag sequence marks, with their text."""
    return [Entity(" ".join(tokens[s.start : s.end]), s.type, s.start, s.end) for s in spans(tags)]


def token_ranges(n_tokens: int, edits: Sequence[Edit] = ()) -> list[tuple[int, int]]:
    """Where each of `n_tokens` original tokens is after the perturbation `edits` (in the
    order applied): `(start, end)` in the new sentence; a replaced token maps to the
    whole text that replaced it. Edits of one step are in sentence order; each step's
    positions count in that step's input."""
    ranges = [(i, i + 1) for i in range(n_tokens)]
    steps: list[list[Edit]] = []
    for found in edits:
        if (
            steps
            and steps[-1][-1].kind == found.kind
            and found.old_position > steps[-1][-1].old_position
        ):
            steps[-1].append(found)
        else:
            steps.append([found])
    for step in steps:
        shift: list[tuple[int, int, int, int]] = [
            (e.old_position, e.old_position + e.n_old, e.position, e.position + e.n_new)
            for e in step
        ]

        def moved(index: int, end: bool, shift=shift) -> int:
            offset = 0
            for old_start, old_end, new_start, new_end in shift:
                if index < old_start or (end and index == old_start):
                    break
                if index < old_end or (end and index == old_end):
                    return new_end if end else new_start
                offset = new_end - old_end
            return index + offset

        ranges = [(moved(start, False), moved(end, True)) for start, end in ranges]
    return ranges


def entity_diff(
    before: Sequence[Entity],
    after: Sequence[Entity],
    ranges: Sequence[tuple[int, int]] | None = None,
) -> dict[str, list[str]]:
    """Mentions matched by span, not by string: `before` mapped through `ranges` (from
    `token_ranges`; None: the same tokens) onto `after`. `kept`: same span and type
    (its text may have been replaced); `relabelled`: same span, another type; `lost`:
    no mention on that span any more; `new`: a mention on a span none had before."""

    def shown(entity: Entity) -> str:
        return f"{entity.text} ({entity.type})"

    def span(entity: Entity) -> tuple[int, int]:
        if ranges is None:
            return entity.start, entity.end
        return ranges[entity.start][0], ranges[entity.end - 1][1]

    later = {(e.start, e.end): e for e in after}
    matched: set[tuple[int, int]] = set()
    out: dict[str, list[str]] = {"lost": [], "new": [], "kept": [], "relabelled": []}
    for entity in before:
        where = span(entity)
        found = later.get(where)
        if found is None:
            out["lost"].append(shown(entity))
            continue
        matched.add(where)
        if found.type == entity.type:
            text = shown(entity) if found.text == entity.text else f"{shown(entity)} → {found.text}"
            out["kept"].append(text)
        else:
            out["relabelled"].append(f"{shown(entity)} → {found.type}")
    out["new"] = [shown(e) for key, e in later.items() if key not in matched]
    return out
