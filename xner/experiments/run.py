"""Running a grid's cells: `run_cell(cell)` is one plain function call, the unit an
executor runs (`xner.experiments.executors`: one after another here, or as Ray tasks).

A cell is built in a private staging folder and published whole
(`xner.experiments.gridstore`), so a killed, retried or duplicated cell never leaves half
a folder; a finished cell is skipped on the next run, so an interrupted grid resumes where
it stopped and gives the same results.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from xner.experiments.spec import GridCell, GridSpec
from xner.experiments.summary import write_summary
from xner.runs.layout import CELL_FILE

if TYPE_CHECKING:
    from xner.experiments.executors import Executor
    from xner.train.runtime import Runtime


@dataclass(frozen=True)
class CellOutcome:
    """What running one cell did: skipped (already finished), or its wall times, or the
    error that stopped it."""

    cell: GridCell
    skipped: bool
    train_seconds: float
    eval_seconds: float
    error: str | None = None
    duplicate: bool = False  # ran, but a finished copy got there first; ours was discarded


def hardware(runtime: Runtime | None = None) -> dict[str, Any]:
    """Where a cell ran (stored in its cell.json): timings only compare on like machines."""
    import torch

    info: dict[str, Any] = {
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "python": platform.python_version(),
    }
    return info | (runtime.to_dict() if runtime is not None else {})


def run_cell(cell: GridCell) -> CellOutcome:
    """Train (unless a trained checkpoint is there) and evaluate one cell in a private
    staging folder, write cell.json last, then publish the folder whole; skip a finished
    cell. Safe to run twice at once or to kill at any point: the cell's name only ever
    holds a complete folder, and the first finished copy wins."""
    from xner.atomic import write_json as write_json_atomic
    from xner.evaluate.runner import EVAL_VERSION, evaluate_checkpoint
    from xner.experiments.gridstore import discard
    from xner.runs.checkpoint import read_config
    from xner.runs.layout import CONFIG_FILE, EVAL_DIR, PREDS_DIR
    from xner.runs.records import CheckpointError
    from xner.train.run import train_run

    store = cell.grid.store()
    # Checked first and cheaply: copies racing on one cell must see the same state.
    finished = store.has(cell.key, CELL_FILE)
    stale = finished and cell.stale()
    if finished and not stale:
        return CellOutcome(cell, skipped=True, train_seconds=0.0, eval_seconds=0.0)
    runtime = cell.grid.resources.runtime().resolved()
    staged = store.staging(cell.key)
    try:
        trained = False
        earlier: dict[str, Any] = {}
        if store.has(cell.key, CONFIG_FILE):  # trained by an interrupted run: evaluate it
            store.fetch(cell.key, staged)
            try:
                read_config(staged)
                trained = True
            except CheckpointError:
                discard(staged)
        if trained and stale:  # re-evaluate: no test set of the old evaluation survives
            earlier = json.loads((staged / CELL_FILE).read_text("utf-8"))
            for old in (CELL_FILE, EVAL_DIR, PREDS_DIR):
                path = staged / old
                shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        started = time.perf_counter()
        if not trained:
            train_run(cell.run_config(), staged, runtime=runtime)
        train_seconds = 0.0 if trained else time.perf_counter() - started
        started = time.perf_counter()
        # Evaluated in fp32 whatever the training precision: stored predictions are then
        # reproduced bit for bit by `xner evaluate` (bf16 would change a few tags).
        exact = replace(runtime, precision="fp32")
        outcomes = evaluate_checkpoint(staged, cell.eval_settings(), runtime=exact)
        eval_seconds = time.perf_counter() - started
        write_json_atomic(
            staged / CELL_FILE,
            {
                "grid": cell.grid.name,
                "pair": cell.pair,
                "backbone": cell.backbone,
                "setting": cell.setting,
                "seed": cell.seed,
                "split_policy": cell.grid.split_policy,
                "perturbations": [outcome.perturbation for outcome in outcomes],
                "eval_version": EVAL_VERSION,
                "train_seconds": earlier.get("train_seconds", round(train_seconds, 2)),
                "eval_seconds": round(eval_seconds, 2),
                "hardware": hardware(runtime) | {"eval_precision": exact.precision},
                **({"train_hardware": earlier["hardware"]} if "hardware" in earlier else {}),
            },
        )
        placed = store.publish(staged, cell.key, replace=stale)
    except BaseException:
        discard(staged)
        raise
    return CellOutcome(cell, False, train_seconds, eval_seconds, duplicate=not placed)


CellCallback = Callable[[CellOutcome, int, int], None]


def run_grid(
    spec: GridSpec,
    *,
    cells: Iterable[GridCell] | None = None,
    on_cell: CellCallback | None = None,
    max_cells: int | None = None,
    keep_going: bool = True,
    executor: Executor | None = None,
) -> list[CellOutcome]:
    """Run every unfinished cell (at most `max_cells` of them, the first in grid order;
    `cells`: only these, e.g. from `spec.select`) on `executor` (default: local, one after
    another). `on_cell(outcome, done, total)` sees each cell as it finishes; a failing
    cell is reported with its error and the rest go on (`keep_going`). Returns the
    outcomes in grid order and writes the summary CSV of the whole grid."""
    from xner.experiments.executors import LocalExecutor

    spec.store().clean()  # what an earlier, killed run left half-written
    cells = spec.cells() if cells is None else list(cells)
    total = len(cells)
    if max_cells is not None:
        cells = _first_unfinished(cells, max_cells)
    done = 0

    def report(outcome: CellOutcome) -> None:
        nonlocal done
        done += 1
        if on_cell is not None:
            on_cell(outcome, done, total)

    outcomes = (executor or LocalExecutor()).run(cells, report, keep_going=keep_going)
    write_summary(spec)
    return outcomes


def _first_unfinished(cells: list[GridCell], limit: int) -> list[GridCell]:
    """The cells up to (not including) the `limit + 1`-th unfinished one."""
    chosen: list[GridCell] = []
    todo = 0
    for cell in cells:
        if not cell.finished() or cell.stale():
            if todo >= limit:
                break
            todo += 1
        chosen.append(cell)
    return chosen
