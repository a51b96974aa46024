"""Evaluation: metric modes (seqeval, nervaluate), bootstrap intervals, error records.

`predict` (running a checkpoint) lives in `xner.evaluate.predict` and is not imported
here, so scoring never pulls in the model stack.
"""

from xner.evaluate.bootstrap import (
    Drop,
    F1Intervals,
    Interval,
    PairedDrops,
    f1_intervals,
    paired_drops,
)
from xner.evaluate.errors import KINDS as ERROR_KINDS
from xner.evaluate.errors import EntityError, entity_errors, error_counts, sentence_errors
from xner.evaluate.metrics import (
    HEADLINE,
    MODES,
    MetricError,
    MetricMode,
    ModeScores,
    Score,
    SentenceCounts,
    get_mode,
    score,
    sentence_counts,
)
from xner.evaluate.result import (
    Degradation,
    EvalInputs,
    EvalResult,
    compare,
    evaluate_predictions,
)

__all__ = [
    "ERROR_KINDS",
    "HEADLINE",
    "MODES",
    "Degradation",
    "Drop",
    "EntityError",
    "EvalInputs",
    "EvalResult",
    "F1Intervals",
    "Interval",
    "MetricError",
    "MetricMode",
    "ModeScores",
    "PairedDrops",
    "Score",
    "SentenceCounts",
    "compare",
    "entity_errors",
    "error_counts",
    "evaluate_predictions",
    "f1_intervals",
    "get_mode",
    "paired_drops",
    "score",
    "sentence_counts",
    "sentence_errors",
]
