"""What scoring yields: `Score` (one type or all), `ModeScores` (one metric mode) and
`SentenceCounts` (per-sentence counts the bootstrap resamples). Plain data, apart from
the modes that compute it (`xner.evaluate.metrics`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import Field, dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar, Self

import numpy as np

from xner.errors import XnerError


class MetricError(XnerError, ValueError):
    """Inputs that cannot be scored (unknown mode, length mismatch, malformed tag)."""


@dataclass(frozen=True, slots=True)
class Score:
    """Precision, recall and F1 of one entity type (or all of them).

    `support` counts gold entities and `predicted` predicted ones (nervaluate:
    `possible` and `actual`). `counts` holds the raw counts the library reports:
    seqeval `tp`/`fp`/`fn`; nervaluate `correct`/`incorrect`/`partial`/`missed`/`spurious`.
    """

    precision: float
    recall: float
    f1: float
    support: int
    predicted: int
    counts: Mapping[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
            "support": self.support,
            "predicted": self.predicted,
            "counts": dict(self.counts),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Score:
        return cls(
            precision=float(data["precision"]),
            recall=float(data["recall"]),
            f1=float(data["f1"]),
            support=int(data["support"]),
            predicted=int(data["predicted"]),
            counts={k: int(v) for k, v in data.get("counts", {}).items()},
        )


class ModeRecord:
    """Mixin for a frozen dataclass of one mode's results (`ModeScores`, and the
    bootstrap's `F1Intervals` and `PairedDrops`): the field `mode`, then fields that each
    hold one `_item` record, last a mapping from entity type to an `_item` record.

    `to_dict` writes the fields in order, each record through its `to_dict`;
    `from_dict` reads them back through `_item.from_dict`.
    """

    __slots__ = ()
    _item: ClassVar[Any]  # the record class of every field but `mode`

    if TYPE_CHECKING:
        # Every subclass is a dataclass with a `mode`; this tells the type checker so.
        __dataclass_fields__: ClassVar[dict[str, Field[Any]]]
        mode: str

    def to_dict(self) -> dict[str, Any]:
        *records, per_type = [f.name for f in fields(self)[1:]]
        return {
            "mode": self.mode,
            **{name: getattr(self, name).to_dict() for name in records},
            per_type: {k: v.to_dict() for k, v in getattr(self, per_type).items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        *records, per_type = [f.name for f in fields(cls)[1:]]
        values: dict[str, Any] = {"mode": str(data["mode"])}
        values.update((name, cls._item.from_dict(data[name])) for name in records)
        values[per_type] = {k: cls._item.from_dict(v) for k, v in data[per_type].items()}
        return cls(**values)


@dataclass(frozen=True, slots=True)
class ModeScores(ModeRecord):
    """One mode's scores: micro (`overall`), macro over types, and per type."""

    _item = Score

    mode: str
    overall: Score
    macro: Score
    per_type: Mapping[str, Score]


@dataclass(frozen=True)
class SentenceCounts:
    """Per-sentence entity counts of one mode: arrays of shape (sentences, types).

    `tp[i, t]`: entities of type `types[t]` in sentence `i` predicted with the right
    span and type; `predicted`/`gold`: entities of that type predicted / in the gold.
    """

    mode: str
    types: tuple[str, ...]
    tp: np.ndarray
    predicted: np.ndarray
    gold: np.ndarray

    def __len__(self) -> int:
        return int(self.tp.shape[0])

    def with_types(self, types: Sequence[str]) -> SentenceCounts:
        """The same counts over `types` (a superset): absent types get zero columns."""
        index = {name: i for i, name in enumerate(self.types)}
        missing = set(self.types) - set(types)
        if missing:
            raise MetricError(f"with_types would drop entity types {sorted(missing)}")

        def widen(array: np.ndarray) -> np.ndarray:
            out = np.zeros((array.shape[0], len(types)), dtype=array.dtype)
            for j, name in enumerate(types):
                if name in index:
                    out[:, j] = array[:, index[name]]
            return out

        return SentenceCounts(
            self.mode, tuple(types), widen(self.tp), widen(self.predicted), widen(self.gold)
        )

    def take(self, rows: Sequence[int] | np.ndarray) -> SentenceCounts:
        """The counts of the sentences at `rows`, in that order."""
        rows = np.asarray(rows, dtype=np.intp)
        return SentenceCounts(
            self.mode, self.types, self.tp[rows], self.predicted[rows], self.gold[rows]
        )

    def stacked(self) -> np.ndarray:
        """`[tp | predicted | gold]` as one float matrix (sentences, 3 * types)."""
        return np.hstack([self.tp, self.predicted, self.gold]).astype(np.float64)


EntitySets = list[tuple[set, set]]
Scored = dict[str, tuple[ModeScores, SentenceCounts | None]]
