"""The run folder: one place that knows its names, its records and its weights.

- `xner.runs.layout`: every file and folder name, eval/prediction file names from
  (test set, perturbation) and back, `is_run` and `find_runs`, the one run finder
  (torch-free: imported here).
- `xner.runs.records`: `EvalRecord`, the one reader and writer of `eval/*.json`;
  predictions and the training log (torch-free; import it from there).
- `xner.runs.checkpoint`: saving and loading the trained model (imports torch; import
  it from there).
- `xner.runs.index`: `RunInfo` and `list_runs`, the index of every run under a models
  folder for the app (imports torch through `checkpoint`; import it from there).
"""

from xner.runs.layout import (
    CELL_FILE,
    CLEAN,
    CONFIG_FILE,
    EVAL_DIR,
    PREDS_DIR,
    TRAIN_LOG,
    artifact_name,
    eval_path,
    evaluation_stamp,
    find_runs,
    is_run,
    preds_path,
    split_artifact_name,
)

__all__ = [
    "CELL_FILE",
    "CLEAN",
    "CONFIG_FILE",
    "EVAL_DIR",
    "PREDS_DIR",
    "TRAIN_LOG",
    "artifact_name",
    "eval_path",
    "evaluation_stamp",
    "find_runs",
    "is_run",
    "preds_path",
    "split_artifact_name",
]
