"""Entity-level scores of predicted tag sequences: declared metric modes, looked up by name.

Each mode is one `MetricMode` entry in `MODES` (name, description, what computes it), so
the CLI and the app list them without special cases. The scores themselves come from the
reference libraries, never from a re-implementation:

- `strict` (the headline): seqeval `mode="strict", scheme=IOB2`. An entity must open
  with `B-`; a predicted run that opens with a stray `I-X` (after `O`, at the start, or
  after another type) is *not an entity at all*, so it is neither a true nor a false
  positive (the gold entity it was meant to hit counts as missed). `B-X I-Y` yields the
  entity `X` of one token and drops the `I-Y` run.
- `conlleval`: seqeval's default mode, which reproduces conlleval: a stray `I-X` opens a
  new entity, as if it were `B-X`. On valid IOB2 both modes agree.
- `nv-strict`, `nv-exact`, `nv-partial`, `nv-type`: nervaluate 1.2.1 (SemEval-2013 task
  9.1 schemas) over the conlleval reading of the tags (`xner.data.tags.spans`), which is
  how nervaluate's own list loader reads them. Per-type nervaluate scores filter both
  sides to that type first, so a wrong-type prediction is a miss for the gold type and
  spurious for the predicted one. Macro averages for nervaluate are our plain mean over
  the per-type scores (nervaluate reports none).

The two seqeval modes also yield per-sentence counts (`SentenceCounts`: true positives,
predicted and gold entities per type) from seqeval's own entity extractors, which the
bootstrap resamples; summed over all sentences they give seqeval's scores exactly.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from xner.data.tags import spans
from xner.evaluate.scores import EntitySets, MetricError, ModeScores, Score, Scored, SentenceCounts
from xner.registry import Registry

# Declared in xner.evaluate.scores; imported from here by most callers.
__all__ = [
    "HEADLINE",
    "MODES",
    "EntitySets",
    "MetricError",
    "MetricMode",
    "ModeScores",
    "Score",
    "Scored",
    "SentenceCounts",
    "check_tags",
    "get_mode",
    "score",
    "score_with_counts",
    "sentence_counts",
]

if TYPE_CHECKING:  # seqeval (with scikit-learn) and nervaluate load on first scoring,
    # so reading HEADLINE or the declared modes (xner.analysis.table, the app) stays cheap.
    from seqeval.scheme import Entities

TagSeqs = Sequence[Sequence[str]]

HEADLINE = "strict"
"""The headline metric mode: the one declaration every table, figure and finding reads."""

Runner = Callable[[list[list[str]], list[list[str]]], Scored]
Extractor = Callable[[list[list[str]], list[list[str]]], EntitySets]


@dataclass(frozen=True, slots=True)
class MetricMode:
    """A declared metric mode.

    `runner` scores gold vs predicted tag lists and returns, keyed by mode name, the
    scores of every mode it computes in one pass (nervaluate computes its four
    together), each with its per-sentence count table where the mode has one.
    `entities`, where set, extracts each sentence's (gold, predicted) entity sets
    exactly as the mode reads them, so the mode can be bootstrapped.
    """

    name: str
    description: str
    library: str
    runner: Runner
    entities: Extractor | None = None

    @property
    def headline(self) -> bool:
        """Whether this is the headline mode (`HEADLINE`, declared once above)."""
        return self.name == HEADLINE

    @property
    def bootstrappable(self) -> bool:
        return self.entities is not None


# -- seqeval ----------------------------------------------------------------------


def _count_table(
    mode: str, per_sentence: EntitySets, types: Sequence[str] | None = None
) -> SentenceCounts:
    """Per-sentence tp / predicted / gold counts per type from entity sets."""
    found = sorted({e[0] for g, p in per_sentence for e in g | p})
    columns = tuple(found if types is None else types)
    if missing := set(found) - set(columns):
        raise MetricError(f"types {sorted(missing)} occur but are not in types={columns}")
    index = {name: i for i, name in enumerate(columns)}
    shape = (len(per_sentence), len(columns))
    tp, npred, ngold = (np.zeros(shape, dtype=np.int64) for _ in range(3))
    for row, (gold_set, pred_set) in enumerate(per_sentence):
        for entity in gold_set:
            ngold[row, index[entity[0]]] += 1
        for entity in pred_set:
            npred[row, index[entity[0]]] += 1
        for entity in gold_set & pred_set:
            tp[row, index[entity[0]]] += 1
    return SentenceCounts(mode, columns, tp, npred, ngold)


def _seqeval_scores(
    mode: str,
    gold: list[list[str]],
    pred: list[list[str]],
    per_sentence: EntitySets,
    prfs: Callable[..., Any],
    **kwargs: Any,
) -> tuple[ModeScores, SentenceCounts]:
    """seqeval's per-type and micro scores, the macro average, and the count table.

    Macro is the plain mean of seqeval's per-type values, which is what seqeval's
    `average="macro"` computes (`np.average` without weights); taking it from the
    per-type arrays saves a third pass over the data.
    """
    counts = _count_table(mode, per_sentence)
    names = counts.types
    if not names:
        # seqeval's averages over no types are NaN (with a warning); nothing was found.
        empty = Score(0.0, 0.0, 0.0, 0, 0, {"tp": 0, "fp": 0, "fn": 0})
        return ModeScores(mode, empty, Score(0.0, 0.0, 0.0, 0, 0), {}), counts
    with warnings.catch_warnings():
        # zero_division=0 already decides the undefined cases; the warning is noise.
        warnings.simplefilter("ignore")
        p, r, f, s = prfs(gold, pred, average=None, zero_division=0, **kwargs)
        mp, mr, mf, ms = prfs(gold, pred, average="micro", zero_division=0, **kwargs)
    tp, npred = counts.tp.sum(0), counts.predicted.sum(0)
    per_type = {}
    for i, name in enumerate(names):
        support, n_tp, n_pred = int(s[i]), int(tp[i]), int(npred[i])
        per_type[name] = Score(
            float(p[i]),
            float(r[i]),
            float(f[i]),
            support,
            n_pred,
            {"tp": n_tp, "fp": n_pred - n_tp, "fn": support - n_tp},
        )
    total_tp, total_pred, total_support = int(tp.sum()), int(npred.sum()), int(ms)
    overall = Score(
        float(mp),
        float(mr),
        float(mf),
        total_support,
        total_pred,
        {"tp": total_tp, "fp": total_pred - total_tp, "fn": total_support - total_tp},
    )
    macro = Score(
        float(np.mean(p)), float(np.mean(r)), float(np.mean(f)), total_support, total_pred
    )
    return ModeScores(mode, overall, macro, per_type), counts


def _entity_sets(entities: Entities) -> list[set]:
    return [{(e.tag, e.start, e.end) for e in sentence} for sentence in entities.entities]


def _strict_entities(gold: list[list[str]], pred: list[list[str]]) -> EntitySets:
    from seqeval.scheme import IOB2, Entities

    return list(
        zip(_entity_sets(Entities(gold, IOB2)), _entity_sets(Entities(pred, IOB2)), strict=True)
    )


def _conlleval_entities(gold: list[list[str]], pred: list[list[str]]) -> EntitySets:
    from seqeval.metrics.sequence_labeling import get_entities

    return [(set(get_entities(g)), set(get_entities(p))) for g, p in zip(gold, pred, strict=True)]


def _run_strict(gold: list[list[str]], pred: list[list[str]]) -> Scored:
    # Extract the entities once and hand them both to seqeval, which reuses them (as
    # its own classification_report does), and to the count table.
    from seqeval.metrics import v1
    from seqeval.scheme import IOB2, Entities

    true_entities, pred_entities = Entities(gold, IOB2), Entities(pred, IOB2)
    per_sentence = list(zip(_entity_sets(true_entities), _entity_sets(pred_entities), strict=True))
    scored = _seqeval_scores(
        "strict",
        gold,
        pred,
        per_sentence,
        # seqeval's f1_score(mode="strict") dispatches to v1; call it directly so the
        # extracted entities can be passed in.
        v1.precision_recall_fscore_support,
        scheme=IOB2,
        entities_true=true_entities,
        entities_pred=pred_entities,
    )
    return {"strict": scored}


def _run_conlleval(gold: list[list[str]], pred: list[list[str]]) -> Scored:
    from seqeval.metrics.sequence_labeling import precision_recall_fscore_support as default_prfs

    per_sentence = _conlleval_entities(gold, pred)
    return {"conlleval": _seqeval_scores("conlleval", gold, pred, per_sentence, default_prfs)}


# -- nervaluate -------------------------------------------------------------------

# Our mode names -> nervaluate 1.2.1 strategy keys in `Evaluator.evaluate()["overall"]`.
_NERVALUATE = {
    "nv-strict": "strict",
    "nv-exact": "exact",
    "nv-partial": "partial",
    "nv-type": "ent_type",
}
_NV_COUNTS = ("correct", "incorrect", "partial", "missed", "spurious")


def _nv_score(result: Any) -> Score:
    return Score(
        float(result.precision),
        float(result.recall),
        float(result.f1),
        int(result.possible),
        int(result.actual),
        {name: int(getattr(result, name)) for name in _NV_COUNTS},
    )


def _macro(per_type: Mapping[str, Score], overall: Score) -> Score:
    if not per_type:
        return Score(0.0, 0.0, 0.0, overall.support, overall.predicted)
    n = len(per_type)
    return Score(
        sum(s.precision for s in per_type.values()) / n,
        sum(s.recall for s in per_type.values()) / n,
        sum(s.f1 for s in per_type.values()) / n,
        overall.support,
        overall.predicted,
    )


def _run_nervaluate(gold: list[list[str]], pred: list[list[str]]) -> Scored:
    # nervaluate's `end` is inclusive; the dict loader keeps empty first documents working
    # (its type inference looks at `true[0][0]`).
    def docs(seqs: list[list[str]]) -> list[list[dict[str, Any]]]:
        return [
            [{"label": s.type, "start": s.start, "end": s.end - 1} for s in spans(seq)]
            for seq in seqs
        ]

    true_docs, pred_docs = docs(gold), docs(pred)
    labels = sorted({e["label"] for doc in true_docs + pred_docs for e in doc})
    out: Scored = {}
    if not labels:
        empty = Score(0.0, 0.0, 0.0, 0, 0, dict.fromkeys(_NV_COUNTS, 0))
        return {name: (ModeScores(name, empty, empty, {}), None) for name in _NERVALUATE}
    from nervaluate import Evaluator

    results = Evaluator(true_docs, pred_docs, tags=labels, loader="dict").evaluate()
    for name, key in _NERVALUATE.items():
        overall = _nv_score(results["overall"][key])
        per_type = {
            label: _nv_score(results["entities"][label][key])
            for label in sorted(results["entities"])
        }
        out[name] = (ModeScores(name, overall, _macro(per_type, overall), per_type), None)
    return out


# -- the registry -----------------------------------------------------------------

MODES: Registry[MetricMode] = Registry("metric mode", error=MetricError)
MODES.register_all(
    MetricMode(
        "strict",
        "seqeval strict IOB2 (headline): exact span and type; an entity must open "
        "with B-, a stray I- run is ignored",
        "seqeval",
        _run_strict,
        _strict_entities,
    ),
    MetricMode(
        "conlleval",
        "seqeval default mode (reproduces conlleval): exact span and type; a stray "
        "I- opens a new entity",
        "seqeval",
        _run_conlleval,
        _conlleval_entities,
    ),
    MetricMode(
        "nv-strict",
        "nervaluate strict: exact boundaries and type; overlaps count as incorrect",
        "nervaluate",
        _run_nervaluate,
    ),
    MetricMode(
        "nv-exact",
        "nervaluate exact: exact boundaries, type ignored",
        "nervaluate",
        _run_nervaluate,
    ),
    MetricMode(
        "nv-partial",
        "nervaluate partial: overlapping boundaries earn half credit, type ignored",
        "nervaluate",
        _run_nervaluate,
    ),
    MetricMode(
        "nv-type",
        "nervaluate ent_type: right type with some overlap",
        "nervaluate",
        _run_nervaluate,
    ),
)


def get_mode(name: str) -> MetricMode:
    """The declared mode `name`; the error lists the known ones."""
    return MODES.get(name)


def score(
    gold: TagSeqs, predicted: TagSeqs, modes: Sequence[str] | None = None
) -> dict[str, ModeScores]:
    """Scores of `predicted` against `gold` tag sequences in each of `modes` (default: all).

    Modes that share a runner (the nervaluate ones) are computed in one pass.
    """
    return {name: scores for name, (scores, _) in score_with_counts(gold, predicted, modes).items()}


def score_with_counts(
    gold: TagSeqs, predicted: TagSeqs, modes: Sequence[str] | None = None
) -> Scored:
    """Like `score`, with each mode's per-sentence `SentenceCounts` (None where the mode
    has none) from the same entity extraction, so bootstrapping costs no second pass."""
    names = list(MODES) if modes is None else list(modes)
    gold_lists, pred_lists = check_tags(gold, predicted)
    done: Scored = {}
    for name in names:
        if name not in done:
            done.update(get_mode(name).runner(gold_lists, pred_lists))
    return {name: done[name] for name in names}


def sentence_counts(
    mode: str, gold: TagSeqs, predicted: TagSeqs, types: Sequence[str] | None = None
) -> SentenceCounts:
    """Per-sentence true-positive, predicted and gold counts per type, read as `mode` reads.

    `types` fixes the columns (default: every type in gold or predictions, sorted); it
    must include them all.
    """
    entry = get_mode(mode)
    if entry.entities is None:
        bootstrappable = [m.name for m in MODES.values() if m.bootstrappable]
        raise MetricError(
            f"mode {mode!r} has no per-sentence counts; bootstrap one of {bootstrappable}"
        )
    gold_lists, pred_lists = check_tags(gold, predicted)
    return _count_table(mode, entry.entities(gold_lists, pred_lists), types)


def check_tags(gold: TagSeqs, predicted: TagSeqs) -> tuple[list[list[str]], list[list[str]]]:
    """Plain lists of `gold` and `predicted`, after checking they line up and parse.

    Predicted tags must be `O`, `B-TYPE` or `I-TYPE` (a stray `I-` is allowed: the modes
    differ exactly there); the message names the sentence and token.
    """
    if len(gold) != len(predicted):
        raise MetricError(
            f"{len(gold)} gold sentences but {len(predicted)} predicted tag sequences; "
            "predict every sentence of the test set, in order"
        )
    gold_lists = [list(seq) for seq in gold]
    pred_lists = [list(seq) for seq in predicted]
    for i, (g, p) in enumerate(zip(gold_lists, pred_lists, strict=True)):
        if len(g) != len(p):
            raise MetricError(
                f"sentence {i}: {len(g)} gold tags but {len(p)} predicted; "
                "predict one tag per token"
            )
        for which, seq in (("gold", g), ("predicted", p)):
            for j, tag in enumerate(seq):
                if tag != "O" and not (tag[:2] in ("B-", "I-") and len(tag) > 2):
                    raise MetricError(
                        f"sentence {i}, token {j}: {which} tag {tag!r} is not O, B-TYPE or "
                        "I-TYPE; map labels to IOB2 before scoring"
                    )
    return gold_lists, pred_lists
