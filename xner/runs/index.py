"""The run index for the app: every run folder under a models folder, what has been
evaluated in it, and what is wrong with the broken ones."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from xner import atomic
from xner import config as xconfig
from xner.errors import XnerError
from xner.runs.checkpoint import check_weights, read_config, read_labels
from xner.runs.layout import CONFIG_FILE, artifact_stem, eval_files, find_runs, is_run, pred_files
from xner.runs.records import read_json
from xner.train.runconfig import RunConfig

__all__ = ["RunInfo", "list_runs"]


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
