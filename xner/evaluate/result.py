"""Evaluation of one checkpoint on one test set, and clean-vs-perturbed comparison.

`evaluate_predictions` scores predicted tags against gold sentences in every declared
mode, adds bootstrap intervals and error records, and returns an `EvalResult`, a JSON-
ready record the store writes to `eval/<test>__<perturbation>.json`. `compare` pairs a
clean and a perturbed evaluation by sentence id and returns the `Degradation` with
paired-bootstrap intervals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from xner.data.records import Sentence
from xner.data.tags import iob2_problems
from xner.evaluate.bootstrap import F1Intervals, PairedDrops, f1_intervals, paired_drops
from xner.evaluate.errors import EntityError, entity_errors, error_counts
from xner.evaluate.metrics import (
    HEADLINE,
    MODES,
    MetricError,
    ModeScores,
    check_tags,
    get_mode,
    score_with_counts,
    sentence_counts,
)
from xner.runs.layout import CLEAN

SCHEMA = 1


@dataclass(frozen=True)
class EvalInputs:
    """Gold sentences and a model's predicted tags for them, in the same order."""

    gold: tuple[Sentence, ...]
    predicted: tuple[tuple[str, ...], ...]
    perturbation: str = CLEAN

    def __post_init__(self) -> None:
        object.__setattr__(self, "gold", tuple(self.gold))
        object.__setattr__(self, "predicted", tuple(tuple(seq) for seq in self.predicted))
        gold_tags(self.gold)
        check_tags(gold_tags(self.gold), self.predicted)

    @property
    def ids(self) -> list[str]:
        return [sentence.id for sentence in self.gold]


def gold_tags(gold: Sequence[Sentence]) -> list[tuple[str, ...]]:
    """The tags of labelled sentences; an unlabelled one is an error naming it."""
    tags = []
    for sentence in gold:
        if sentence.tags is None:
            raise MetricError(
                f"sentence {sentence.id} has no gold tags; evaluate on a labelled split"
            )
        tags.append(sentence.tags)
    return tags


class _Scored:
    """What an evaluation and a degradation share: the test set they score and the
    bootstrap settings of their intervals, in and out of their JSON records."""

    run_id: str
    test_set: str
    perturbation: str
    n_sentences: int
    seed: int
    n_resamples: int
    level: float

    def _head(self) -> dict[str, Any]:
        """The record's first keys: schema, run, test set and its size."""
        return {
            "schema": SCHEMA,
            "run_id": self.run_id,
            "test_set": self.test_set,
            "perturbation": self.perturbation,
            "n_sentences": self.n_sentences,
        }

    def _bootstrap(self) -> dict[str, Any]:
        return {"seed": self.seed, "n_resamples": self.n_resamples, "level": self.level}

    @staticmethod
    def _shared_fields(data: Mapping[str, Any]) -> dict[str, Any]:
        """The shared fields read back from a record `_head` and `_bootstrap` wrote."""
        boot = data["bootstrap"]
        return {
            "run_id": str(data["run_id"]),
            "test_set": str(data["test_set"]),
            "perturbation": str(data["perturbation"]),
            "n_sentences": int(data["n_sentences"]),
            "seed": int(boot["seed"]),
            "n_resamples": int(boot["n_resamples"]),
            "level": float(boot["level"]),
        }


@dataclass(frozen=True)
class EvalResult(_Scored):
    """Scores of one run on one (possibly perturbed) test set.

    `scores`: mode name -> overall (micro), macro and per-type P/R/F1 with counts.
    `intervals`: bootstrap intervals for the modes that have per-sentence counts.
    `errors`: one record per wrong entity (positions and types, no text);
    `error_counts`: kind -> type -> count. `stray_starts`: predicted entities that open
    with `I-` (where strict and conlleval modes differ).
    """

    run_id: str
    test_set: str
    perturbation: str
    n_sentences: int
    n_tokens: int
    scores: Mapping[str, ModeScores]
    intervals: Mapping[str, F1Intervals]
    error_counts: Mapping[str, Mapping[str, int]]
    errors: tuple[EntityError, ...]
    stray_starts: int
    seed: int
    n_resamples: int
    level: float

    @property
    def f1(self) -> float:
        """The headline: strict IOB2 micro F1."""
        return self.scores[HEADLINE].overall.f1

    def to_dict(self, *, with_errors: bool = True) -> dict[str, Any]:
        """JSON-ready; `with_errors=False` leaves out the per-entity records (stored
        evaluations do: predictions + data reproduce them, and they are most of the bytes)."""
        data = {
            **self._head(),
            "n_tokens": self.n_tokens,
            "headline": HEADLINE,
            "scores": {name: s.to_dict() for name, s in self.scores.items()},
            "intervals": {name: i.to_dict() for name, i in self.intervals.items()},
            "error_counts": {k: dict(v) for k, v in self.error_counts.items()},
            "errors": [error.to_dict() for error in self.errors],
            "stray_starts": self.stray_starts,
            "bootstrap": self._bootstrap(),
        }
        if not with_errors:
            del data["errors"]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EvalResult:
        if data.get("schema") != SCHEMA:
            raise MetricError(
                f"evaluation record has schema {data.get('schema')!r}, this xner reads "
                f"{SCHEMA}; re-run the evaluation"
            )
        return cls(
            **cls._shared_fields(data),
            n_tokens=int(data["n_tokens"]),
            scores={k: ModeScores.from_dict(v) for k, v in data["scores"].items()},
            intervals={k: F1Intervals.from_dict(v) for k, v in data["intervals"].items()},
            error_counts={
                k: {t: int(n) for t, n in v.items()} for k, v in data["error_counts"].items()
            },
            errors=tuple(EntityError.from_dict(e) for e in data.get("errors", ())),
            stray_starts=int(data["stray_starts"]),
        )


def evaluate_predictions(
    gold: Sequence[Sentence],
    predicted_tags: Sequence[Sequence[str]],
    *,
    run_id: str,
    test_set: str,
    perturbation: str = CLEAN,
    seed: int = 0,
    n_resamples: int = 1000,
    level: float = 0.95,
    modes: Sequence[str] | None = None,
) -> EvalResult:
    """Score `predicted_tags` (one tag sequence per gold sentence, same order).

    Every mode in `modes` (default: all declared) is scored; the bootstrappable ones
    (seqeval `strict`, `conlleval`) also get intervals from `n_resamples` sentence
    resamples (0 skips them), deterministic for `seed`.
    """
    if not gold:
        raise MetricError(f"test set {test_set!r} has no sentences to evaluate")
    if len({sentence.id for sentence in gold}) != len(gold):
        raise MetricError(f"test set {test_set!r} repeats sentence ids; ids must be unique")
    names = list(MODES) if modes is None else [get_mode(name).name for name in modes]
    golds, preds = check_tags(gold_tags(gold), predicted_tags)
    scored = score_with_counts(golds, preds, names)
    intervals = {}
    if n_resamples > 0:
        for name, (_, counts) in scored.items():
            if counts is not None:
                intervals[name] = f1_intervals(
                    counts, n_resamples=n_resamples, seed=seed, level=level
                )
    errors = entity_errors([sentence.id for sentence in gold], golds, preds)
    return EvalResult(
        run_id=run_id,
        test_set=test_set,
        perturbation=perturbation,
        n_sentences=len(gold),
        n_tokens=sum(len(seq) for seq in golds),
        scores={name: scores for name, (scores, _) in scored.items()},
        intervals=intervals,
        error_counts=error_counts(errors),
        errors=tuple(errors),
        stray_starts=sum(len(iob2_problems(seq)) for seq in preds),
        seed=seed,
        n_resamples=n_resamples,
        level=level,
    )


@dataclass(frozen=True)
class Degradation(_Scored):
    """How scores fell from clean to perturbed on the same sentences (paired by id)."""

    run_id: str
    test_set: str
    perturbation: str
    n_sentences: int
    drops: Mapping[str, PairedDrops]
    seed: int
    n_resamples: int
    level: float

    @property
    def significant(self) -> bool:
        """Whether the headline micro-F1 drop's interval excludes 0."""
        return self.drops[HEADLINE].micro_f1.significant

    def to_dict(self) -> dict[str, Any]:
        return {
            **self._head(),
            "headline": HEADLINE,
            "drops": {name: d.to_dict() for name, d in self.drops.items()},
            "bootstrap": self._bootstrap(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Degradation:
        return cls(
            **cls._shared_fields(data),
            drops={k: PairedDrops.from_dict(v) for k, v in data["drops"].items()},
        )


def compare(
    clean: EvalInputs,
    perturbed: EvalInputs,
    *,
    run_id: str = "",
    test_set: str = "",
    modes: Sequence[str] = ("strict", "conlleval"),
    seed: int = 0,
    n_resamples: int = 1000,
    level: float = 0.95,
) -> Degradation:
    """Paired-bootstrap degradation from `clean` to `perturbed` predictions.

    Sentences are paired by id (a perturbed test set keeps its clean sentence ids; its
    order may differ); both sets must hold the same ids. Each resample scores both on
    the same sentences, so the interval reflects the change, not test-set noise.
    """
    clean_ids, perturbed_ids = clean.ids, perturbed.ids
    position = {sentence_id: row for row, sentence_id in enumerate(perturbed_ids)}
    if len(set(clean_ids)) != len(clean_ids) or len(position) != len(perturbed_ids):
        raise MetricError("sentence ids repeat within a test set; ids must be unique")
    if set(clean_ids) != set(position):
        only_clean = sorted(set(clean_ids) - set(position))[:3]
        only_perturbed = sorted(set(position) - set(clean_ids))[:3]
        raise MetricError(
            "clean and perturbed test sets hold different sentences "
            f"(only clean: {only_clean}, only perturbed: {only_perturbed}); "
            "perturb the clean test set and keep its sentence ids"
        )
    rows = [position[sentence_id] for sentence_id in clean_ids]
    drops = {}
    for name in modes:
        clean_counts = sentence_counts(name, gold_tags(clean.gold), clean.predicted)
        perturbed_counts = sentence_counts(
            name, gold_tags(perturbed.gold), perturbed.predicted
        ).take(rows)
        drops[name] = paired_drops(
            clean_counts, perturbed_counts, n_resamples=n_resamples, seed=seed, level=level
        )
    return Degradation(
        run_id=run_id,
        test_set=test_set,
        perturbation=perturbed.perturbation,
        n_sentences=len(clean_ids),
        drops=drops,
        seed=seed,
        n_resamples=n_resamples,
        level=level,
    )
