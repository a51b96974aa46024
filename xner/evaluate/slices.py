"""Seen vs unseen entities: the headline F1 on slices of a test set's mentions.

ExplainaBoard's bucketing, applied to what transfer depends on: was a test mention
already a mention of the model's own training data (or of the HRL's)? Each slice is
declared data (`SliceSpec`): a reference and whether its mentions were seen there.

- A gold entity lands in its bucket by its tokens: `seen` when its exact token sequence
  (case-sensitive) is an entity mention of the reference data, as p1 reads "shared".
- A predicted entity is attributed to the bucket of the gold entity with the same span,
  if there is one (a wrong type on a seen mention is an error on a seen mention), else
  to the bucket its own tokens give.

Entities are read as the headline mode reads them (seqeval strict IOB2). Within a bucket
the counts are kept per sentence, and the bootstrap resamples sentences with the
evaluation's own seed and number of resamples, as the whole-set intervals do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from xner.data.records import Sentence
from xner.errors import XnerError
from xner.evaluate.bootstrap import f1_intervals, prf
from xner.evaluate.metrics import HEADLINE, EntitySets, _count_table, check_tags, get_mode
from xner.evaluate.result import gold_tags
from xner.registry import Registry

if TYPE_CHECKING:
    from xner.perturb.resources import PerturbResources, ReferenceIndex

SCHEMA = 1
Mentions = frozenset[tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class SliceSpec:
    """One slice of a test set's mentions: those `seen` (or not) in `reference`'s data."""

    name: str
    reference: str  # own | hrl (xner.perturb.resources.REFERENCES)
    seen: bool
    description: str


SLICES: tuple[SliceSpec, ...] = (
    SliceSpec(
        "seen-own",
        "own",
        True,
        "test mentions whose exact tokens are a mention in the model's own training data",
    ),
    SliceSpec("unseen-own", "own", False, "the other test mentions (own training data)"),
    SliceSpec(
        "seen-hrl",
        "hrl",
        True,
        "test mentions whose exact tokens are a mention in the HRL training data",
    ),
    SliceSpec("unseen-hrl", "hrl", False, "the other test mentions (HRL training data)"),
)
BY_NAME: Registry[SliceSpec] = Registry("slice", error=XnerError)
BY_NAME.register_all(*SLICES)
SLICE_REFERENCES: tuple[str, ...] = tuple(dict.fromkeys(spec.reference for spec in SLICES))


def get_slice(name: str) -> SliceSpec:
    """The declared slice `name`; the error lists the known ones."""
    return BY_NAME.get(name)


def slice_of(reference: str, seen: bool) -> SliceSpec:
    """The declared slice of `reference` holding the seen (or unseen) mentions."""
    return next(s for s in SLICES if s.reference == reference and s.seen == seen)


def is_seen(tokens: Sequence[str], start: int, end: int, mentions: Mentions) -> bool:
    return tuple(tokens[start:end]) in mentions


def bucket_sets(
    tokens: Sequence[Sequence[str]], per_sentence: EntitySets, mentions: Mentions, seen: bool
) -> EntitySets:
    """Each sentence's (gold, predicted) entity sets, `(type, start, end)`, reduced to those
    in the `seen` (or unseen) bucket: gold by its tokens, predicted by the gold entity on
    its span where there is one, else by its own tokens."""
    out: EntitySets = []
    for words, (gold, pred) in zip(tokens, per_sentence, strict=True):
        by_span = {(s, e): is_seen(words, s, e, mentions) for _, s, e in gold}
        out.append(
            (
                {g for g in gold if by_span[(g[1], g[2])] == seen},
                {
                    p
                    for p in pred
                    if by_span.get((p[1], p[2]), is_seen(words, p[1], p[2], mentions)) == seen
                },
            )
        )
    return out


def references_for(resources: PerturbResources) -> dict[str, ReferenceIndex]:
    """The mention indexes the slices read (own, hrl) from a run's perturbation
    resources; a reference whose data is not available here is left out."""
    found = {}
    for name in SLICE_REFERENCES:
        try:
            found[name] = resources.reference(name)
        except XnerError:
            continue
    return found


def slice_scores(
    gold: Sequence[Sentence],
    predicted: Sequence[Sequence[str]],
    references: Mapping[str, ReferenceIndex],
    *,
    seed: int = 0,
    n_resamples: int = 1000,
    level: float = 0.95,
) -> dict[str, Any]:
    """The `slices` record of one evaluation (JSON-ready): per declared slice whose
    reference is in `references`, gold / predicted / correct counts, precision, recall and
    strict F1 with its bootstrap interval (`n_resamples` 0: no interval)."""
    golds, preds = check_tags(gold_tags(gold), predicted)
    extract = get_mode(HEADLINE).entities
    assert extract is not None  # the headline mode is bootstrappable
    per_sentence = extract(golds, preds)
    types = sorted({entity[0] for g, p in per_sentence for entity in g | p})
    tokens = [sentence.tokens for sentence in gold]
    chosen = [spec for spec in SLICES if spec.reference in references]
    record: dict[str, Any] = {
        "schema": SCHEMA,
        "mode": HEADLINE,
        "references": {
            name: references[name].describes for name in SLICE_REFERENCES if name in references
        },
        "slices": {},
    }
    for spec in chosen:
        mentions = references[spec.reference].mentions
        sets = bucket_sets(tokens, per_sentence, mentions, spec.seen)
        counts = _count_table(HEADLINE, sets, types)
        correct, predicted_n, gold_n = (
            int(a.sum()) for a in (counts.tp, counts.predicted, counts.gold)
        )
        entry: dict[str, Any] = {
            "reference": spec.reference,
            "seen": spec.seen,
            "gold": gold_n,
            "predicted": predicted_n,
            "correct": correct,
        }
        if n_resamples > 0:
            found = f1_intervals(counts, n_resamples=n_resamples, seed=seed, level=level)
            entry.update(
                precision=found.micro_precision.estimate,
                recall=found.micro_recall.estimate,
                f1=found.micro_f1.estimate,
                f1_low=found.micro_f1.low,
                f1_high=found.micro_f1.high,
                level=level,
            )
        else:
            totals = (np.asarray(x, dtype=np.float64) for x in (correct, predicted_n, gold_n))
            p, r, f = prf(*totals)
            entry.update(precision=float(p), recall=float(r), f1=float(f))
        record["slices"][spec.name] = entry
    return record


def add_slices(
    record: dict[str, Any],
    gold: Sequence[Sentence],
    predicted: Sequence[Sequence[str]],
    references: Mapping[str, ReferenceIndex],
) -> dict[str, Any]:
    """Set `record["slices"]` (an eval record: `{"result": ..., ...}`) from the evaluated
    sentences and predicted tags, with the evaluation's own bootstrap seed, resamples and
    level. The runner and the backfill both call this, so their files are the same bytes.
    Without any reference available nothing is added."""
    if references:
        boot = record["result"]["bootstrap"]
        record["slices"] = slice_scores(
            gold,
            predicted,
            references,
            seed=int(boot["seed"]),
            n_resamples=int(boot["n_resamples"]),
            level=float(boot["level"]),
        )
    return record
