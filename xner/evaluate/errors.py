"""Entity error records: what went wrong with each gold entity, and each stray prediction.

Records hold the sentence id, token positions and types, never the text, so they can
be stored beside a checkpoint without shipping the data.

How a sentence is read: gold and predicted spans both come from `xner.data.tags.spans`
(the conlleval reading: a stray `I-X` opens an entity). Predicted spans that open with a
stray `I-` are flagged `pred_invalid`: the headline strict IOB2 score ignores them.

Kinds (records are gold-centred; each gold entity not predicted exactly gets one record,
each prediction overlapping no gold entity gets one):

- `missed`: no predicted entity overlaps the gold entity.
- `wrong_type`: a prediction has exactly the gold span but another type.
- `boundary`: an overlapping prediction has the gold type but other boundaries.
- `boundary_type`: overlapping predictions exist, but none has the gold span or type.
- `spurious`: a predicted entity overlapping no gold entity.
- `invalid_start`: the exact span and type were predicted, but opening with `I-`; right
  under conlleval, missed under strict IOB2.

When several predictions overlap one gold entity, the record names the partner that
decided its kind: the exact span first, then a same-type overlap, then any overlap,
each time the one with the largest overlap (leftmost on ties).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from xner.data.tags import Span, spans, split_tag

KINDS: dict[str, str] = {
    "missed": "gold entity with no overlapping prediction",
    "wrong_type": "exact span predicted with another type",
    "boundary": "overlapping prediction of the right type, other boundaries",
    "boundary_type": "overlapping prediction with other boundaries and another type",
    "spurious": "prediction overlapping no gold entity",
    "invalid_start": "exact span and type, but opened with I- (strict IOB2 ignores it)",
}


@dataclass(frozen=True, slots=True)
class EntityError:
    """One error. Positions are token indices, `end` exclusive; absent sides are None."""

    sentence_id: str
    kind: str
    gold_start: int | None = None
    gold_end: int | None = None
    gold_type: str | None = None
    pred_start: int | None = None
    pred_end: int | None = None
    pred_type: str | None = None
    pred_invalid: bool = False

    @property
    def type(self) -> str:
        """The type the error is filed under: the gold type, or the predicted one for
        spurious predictions."""
        return self.gold_type if self.gold_type is not None else str(self.pred_type)

    def to_dict(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in self.__slots__}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EntityError:
        return cls(**{key: data[key] for key in cls.__slots__ if key in data})


def _overlap(a: Span, b: Span) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))


def _invalid_starts(tags: Sequence[str]) -> set[int]:
    """Positions where a stray `I-X` opens a span (not after `B-X`/`I-X`)."""
    starts = set()
    previous = ""
    for index, tag in enumerate(tags):
        prefix, entity_type = split_tag(tag)
        if prefix == "I" and previous != entity_type:
            starts.add(index)
        previous = entity_type
    return starts


def sentence_errors(
    sentence_id: str, gold_tags: Sequence[str], pred_tags: Sequence[str]
) -> list[EntityError]:
    """The error records of one sentence, gold entities first, in position order."""
    gold, pred = spans(gold_tags), spans(pred_tags)
    invalid = _invalid_starts(pred_tags)
    errors: list[EntityError] = []
    touched: set[Span] = set()

    for g in gold:
        overlapping = [p for p in pred if _overlap(g, p) > 0]
        touched.update(overlapping)
        if not overlapping:
            errors.append(EntityError(sentence_id, "missed", g.start, g.end, g.type))
            continue
        same_span = [p for p in overlapping if (p.start, p.end) == (g.start, g.end)]
        same_type = [p for p in overlapping if p.type == g.type]
        if same_span:
            partner = same_span[0]
            if partner.type == g.type:
                if partner.start not in invalid:
                    continue  # correct
                kind = "invalid_start"
            else:
                kind = "wrong_type"
        else:
            # max() keeps the first of equals: the leftmost on ties.
            partner = max(same_type or overlapping, key=lambda p: _overlap(g, p))
            kind = "boundary" if same_type else "boundary_type"
        errors.append(
            EntityError(
                sentence_id,
                kind,
                g.start,
                g.end,
                g.type,
                partner.start,
                partner.end,
                partner.type,
                partner.start in invalid,
            )
        )

    for p in pred:
        if p not in touched:
            errors.append(
                EntityError(
                    sentence_id,
                    "spurious",
                    pred_start=p.start,
                    pred_end=p.end,
                    pred_type=p.type,
                    pred_invalid=p.start in invalid,
                )
            )
    return errors


def entity_errors(
    sentence_ids: Sequence[str], gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]
) -> list[EntityError]:
    """Error records of every sentence, in sentence order."""
    out: list[EntityError] = []
    for sentence_id, g, p in zip(sentence_ids, gold, predicted, strict=True):
        out.extend(sentence_errors(sentence_id, g, p))
    return out


def error_counts(errors: Iterable[EntityError]) -> dict[str, dict[str, int]]:
    """Counts per kind, then per type (the type filed under), with every kind present."""
    counts: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
    for error in errors:
        counts[error.kind][error.type] += 1
    return {kind: dict(sorted(by_type.items())) for kind, by_type in counts.items()}
