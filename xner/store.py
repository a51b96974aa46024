"""The store API: a run folder's files for the rest of xner, and the run index for the app.

The run folder itself lives in `xner.runs`: `layout` (every name, the one run finder),
`records` (evaluations, predictions, the training log) and `checkpoint` (the trained
model). This module keeps the names callers import, and `list_runs`, the index of every
run under a models folder with what is wrong with the broken ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xner import atomic
from xner import config as xconfig
from xner.errors import XnerError
from xner.runs.checkpoint import (
    FORMAT,
    build_model,
    check_weights,
    load_checkpoint,
    read_config,
    read_labels,
    save_checkpoint,
    weights_file,
)
from xner.runs.layout import (
    ADAPTER_DIR,
    CLEAN,
    CONFIG_FILE,
    EVAL_DIR,
    LABELS_FILE,
    PREDS_DIR,
    PREDS_SUFFIX,
    TRAIN_LOG,
    WEIGHTS_FILE,
    artifact_name,
    artifact_stem,
    eval_files,
    evaluation_stamp,
    find_runs,
    is_run,
    pred_files,
)
from xner.runs.records import (
    CheckpointError,
    read_json,
    read_log,
    read_predictions,
    write_eval,
    write_predictions,
)
from xner.runs.records import read_eval as read_eval_record
from xner.train.runconfig import RunConfig

__all__ = [
    "ADAPTER_DIR",
    "CONFIG_FILE",
    "EVAL_DIR",
    "FORMAT",
    "LABELS_FILE",
    "LOG_FILE",
    "PREDS_DIR",
    "PREDS_SUFFIX",
    "WEIGHTS_FILE",
    "CheckpointError",
    "RunInfo",
    "artifact_name",
    "build_model",
    "check_weights",
    "evaluation_stamp",
    "list_runs",
    "load_checkpoint",
    "read_config",
    "read_eval",
    "read_labels",
    "read_log",
    "read_predictions",
    "save_checkpoint",
    "weights_file",
    "write_bytes_atomic",
    "write_eval",
    "write_json_atomic",
    "write_predictions",
    "write_text_atomic",
]

LOG_FILE = TRAIN_LOG
write_text_atomic = atomic.write_text
write_bytes_atomic = atomic.write_bytes
write_json_atomic = atomic.write_json


def read_eval(run_dir: Path | str, test: str, perturbation: str = CLEAN) -> dict[str, Any]:
    """A stored evaluation as its JSON object (`EvalRecord.to_dict`)."""
    return read_eval_record(run_dir, test, perturbation).to_dict()


# ---------------------------------------------------------------------------
# The run index


@dataclass(frozen=True, slots=True)
class RunInfo:
    """One folder under models/: its config, what has been evaluated, or what is wrong."""

    path: Path
    run_id: str | None
    config: RunConfig | None
    evals: tuple[str, ...]
    preds: tuple[str, ...]
    problem: str | None = None


def list_runs(models_dir: Path | str | None = None) -> list[RunInfo]:
    """Every run folder `find_runs` finds (a grid's `out:` folder's runs too), in its
    order; broken ones carry `problem` instead of failing the listing (the app shows
    them with the fix), and a top-level folder without a config is listed as broken."""
    root = Path(models_dir) if models_dir is not None else xconfig.models_dir()
    if not root.is_dir():
        return []
    # A run whose re-evaluation died mid-swap, here or in a grid's folder.
    for parent in (root, *(p for p in root.iterdir() if p.is_dir() and not is_run(p))):
        atomic.restore_folders(parent)
    runs = []
    for folder in find_runs(root, broken=True):
        evals = tuple(sorted(artifact_stem(p.name) for p in eval_files(folder)))
        # gzipped, or plain from older runs (read_predictions takes both)
        preds = tuple(sorted({artifact_stem(p.name) for p in pred_files(folder)}))
        try:
            run = read_config(folder)
            read_labels(folder)
            meta = read_json(folder / CONFIG_FILE, "the run configuration").get("checkpoint", {})
            check_weights(folder, run.method, meta)
        except XnerError as error:
            runs.append(RunInfo(folder, None, None, evals, preds, str(error)))
            continue
        runs.append(RunInfo(folder, run.run_id, run, evals, preds))
    return runs
