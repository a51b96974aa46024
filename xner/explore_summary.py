"""What the explorer says about a sentence beyond its tokens: which predicted entities a
perturbation kept, lost, added or relabelled, and whether its gold mentions were seen in
the model's training data.

The entity diff is the Playground's (`xner.explore.entity_diff`): mentions matched by
span, the clean spans mapped through the perturbation's edits (`token_ranges`). The seen
test is the slices' (`xner.evaluate.slices`): a mention's exact tokens are a mention of
the reference data. Plain functions over `SentenceView`s, tested without Streamlit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from xner.data.tags import spans
from xner.evaluate.slices import SLICES, SliceSpec, get_slice, is_seen
from xner.explore import SentenceView, entities, entity_diff, token_ranges

DIFF_KINDS = ("kept", "lost", "new", "relabelled")
ANY = "any"


@dataclass(frozen=True)
class EntityChanges:
    """Predicted entities of one sentence, clean against perturbed."""

    kept: tuple[str, ...] = ()
    lost: tuple[str, ...] = ()
    new: tuple[str, ...] = ()
    relabelled: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        return {kind: len(getattr(self, kind)) for kind in DIFF_KINDS}

    def line(self) -> str:
        """One line for the page: counts, and the mentions that changed."""
        parts = []
        for kind in DIFF_KINDS:
            found = getattr(self, kind)
            text = f"{kind} {len(found)}"
            if found and kind != "kept":
                text += f" ({', '.join(found)})"
            parts.append(text)
        return " · ".join(parts)


def entity_changes(view: SentenceView) -> EntityChanges | None:
    """How the prediction's entities changed from the clean sentence to its perturbed
    copy; None when the sentence was not changed or a side has no prediction."""
    clean, perturbed = view.clean, view.perturbed
    if not view.changed or perturbed is None or clean.pred is None or perturbed.pred is None:
        return None
    found = entity_diff(
        entities(clean.tokens, clean.pred),
        entities(perturbed.tokens, perturbed.pred),
        token_ranges(len(clean.tokens), view.edits),
    )
    return EntityChanges(**{kind: tuple(found[kind]) for kind in DIFF_KINDS})


def change_counts(views: Iterable[SentenceView]) -> tuple[dict[str, int], int]:
    """Kept / lost / new / relabelled entities summed over the changed sentences, and
    how many changed sentences with predictions there were."""
    total = dict.fromkeys(DIFF_KINDS, 0)
    sentences = 0
    for view in views:
        changes = entity_changes(view)
        if changes is None:
            continue
        sentences += 1
        for kind, n in changes.counts().items():
            total[kind] += n
    return total, sentences


# ---------------------------------------------------------------------------
# Seen / unseen gold mentions


def slice_choices(references: Iterable[str]) -> list[str]:
    """`any`, then the declared slices whose reference is available."""
    available = set(references)
    return [ANY, *(spec.name for spec in SLICES if spec.reference in available)]


def has_mention_in(
    view: SentenceView, spec: SliceSpec, mentions: frozenset[tuple[str, ...]], side: str
) -> bool:
    """Whether a gold mention of the sentence (on `side`: clean, perturbed or either)
    falls in the slice: seen (or unseen) in the slice's reference data."""
    sides = [view.clean, view.perturbed] if side == "either" else [view.side(side)]
    for part in sides:
        if part is None or part.gold is None:
            continue
        for span in spans(part.gold):
            if is_seen(part.tokens, span.start, span.end, mentions) == spec.seen:
                return True
    return False


def filter_slice(
    views: Iterable[SentenceView],
    name: str,
    mentions_by_reference: Mapping[str, frozenset[tuple[str, ...]]],
    side: str = "either",
) -> list[SentenceView]:
    """The sentences with a gold mention in slice `name` (`any`: all of them)."""
    if name == ANY:
        return list(views)
    spec = get_slice(name)
    mentions = mentions_by_reference[spec.reference]
    return [view for view in views if has_mention_in(view, spec, mentions, side)]
