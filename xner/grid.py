"""Experiment grids: pairs × backbones × settings × seeds, each cell trained and evaluated
on the clean and perturbed test sets.

A grid is declared in YAML (see `configs/`). Every cell is one plain function call,
`run_cell(cell)`, the unit a cluster scheduler would run. Cells write only into their
own checkpoint folder, atomically, and a finished cell is skipped on the next run, so an
interrupted grid resumes where it stopped and gives the same results.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import platform
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from xner.errors import XnerError

CELL_FILE = "cell.json"  # written last: its presence marks a finished cell
SUMMARY_FILE = "grid_results.csv"


class GridError(XnerError, ValueError):
    """A grid config that cannot run; names the file and the field."""


@dataclass(frozen=True)
class GridSpec:
    """A declarative grid, as read from YAML."""

    name: str
    pairs: tuple[str, ...]
    backbones: tuple[str, ...] = ("multilingual-e5-small",)
    settings: tuple[str, ...] = ("native", "transfer")
    seeds: tuple[int, ...] = (42,)
    perturbations: tuple[str, ...] = ()
    train: Mapping[str, Any] = field(default_factory=dict)  # TrainArgs fields
    adapt: Mapping[str, Any] = field(default_factory=dict)  # AdaptArgs (adapted-transfer)
    self_training: Mapping[str, Any] = field(default_factory=dict)  # SelfTrainArgs
    eval: Mapping[str, Any] = field(default_factory=dict)  # EvalSettings fields
    out: Path | None = None  # default: models_dir()
    source: str = "<grid>"

    def out_dir(self) -> Path:
        from xner.config import models_dir

        return self.out or models_dir()

    def cells(self) -> list[GridCell]:
        return [
            GridCell(self, pair, backbone, setting, seed)
            for pair, backbone, setting, seed in itertools.product(
                self.pairs, self.backbones, self.settings, self.seeds
            )
        ]

    def select(
        self,
        *,
        pairs: Iterable[str] = (),
        settings: Iterable[str] = (),
        seeds: Iterable[int] = (),
        backbones: Iterable[str] = (),
    ) -> list[GridCell]:
        """The cells matching every given filter (an empty filter matches all), in grid
        order; a value the grid does not have is an error naming what it has."""
        wanted: dict[str, tuple[Any, ...]] = {
            "pairs": tuple(pairs),
            "settings": tuple(settings),
            "seeds": tuple(seeds),
            "backbones": tuple(backbones),
        }
        for name, values in wanted.items():
            missing = [v for v in values if v not in getattr(self, name)]
            if missing:
                raise GridError(
                    f"{self.source}: {name} {missing} not in the grid; it has "
                    f"{list(getattr(self, name))}"
                )
        return [
            cell
            for cell in self.cells()
            if all(
                not values or getattr(cell, name.rstrip("s")) in values
                for name, values in wanted.items()
            )
        ]


@dataclass(frozen=True)
class GridCell:
    """One fine-tuning run of the grid and its evaluations."""

    grid: GridSpec
    pair: str
    backbone: str
    setting: str
    seed: int

    @property
    def key(self) -> str:
        """A readable, stable folder name, known before any data is read."""
        method = self.grid.train.get("method", "full")
        backbone = Path(self.backbone).name.replace("/", "--")
        return f"{self.pair}_{self.setting}_{method}_{backbone}_seed{self.seed}"

    @property
    def path(self) -> Path:
        return self.grid.out_dir() / self.key

    def run_config(self) -> Any:
        from xner.pairs import pair_languages
        from xner.train.adapt import AdaptArgs
        from xner.train.finetune import TrainArgs
        from xner.train.runconfig import RunConfig
        from xner.train.selftrain import SelfTrainArgs

        hrl, lrl = pair_languages(self.pair)
        source = self.grid.source
        args = TrainArgs.from_dict({**self.grid.train, "seed": self.seed}, where=f"{source}: train")
        self_training = dict(self.grid.self_training)
        teacher = self.sibling("transfer")
        if self.setting == "self-training" and "teacher" not in self_training and teacher:
            # The transfer cell with the same args is the teacher this run would train
            # (same run id); reusing it saves a whole fine-tuning.
            self_training["teacher"] = str(teacher.path)
        return RunConfig(
            backbone=self.backbone,
            hrl=hrl,
            lrl=lrl,
            setting=self.setting,
            args=args,
            adapt=AdaptArgs.from_dict(dict(self.grid.adapt), where=f"{source}: adapt"),
            self_training=SelfTrainArgs.from_dict(self_training, where=f"{source}: self_training"),
        )

    def sibling(self, setting: str) -> GridCell | None:
        """The trained cell of this grid with `setting` instead (else None)."""
        cell = GridCell(self.grid, self.pair, self.backbone, setting, self.seed)
        return cell if cell.path != self.path and _trained(cell) else None

    def eval_settings(self) -> Any:
        from xner.evaluate.runner import EvalSettings

        try:
            return EvalSettings(perturbations=tuple(self.grid.perturbations), **self.grid.eval)
        except TypeError as error:
            raise GridError(f"{self.grid.source}: eval: {error}") from None

    def finished(self) -> bool:
        return (self.path / CELL_FILE).is_file()


@dataclass(frozen=True)
class CellOutcome:
    cell: GridCell
    skipped: bool
    train_seconds: float
    eval_seconds: float
    error: str | None = None


def read_grid(path: Path | str) -> GridSpec:
    """Read and check a grid YAML file; errors name the file and the field."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GridError(f"{path}: no such grid file") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise GridError(f"{path}{where}: not valid YAML ({error})") from None
    if not isinstance(data, dict):
        raise GridError(f"{path}: expected a mapping of grid fields")
    return grid_from_dict(data, source=str(path))


def grid_from_dict(data: Mapping[str, Any], source: str = "<grid>") -> GridSpec:
    known = {"name", "pairs", "backbones", "settings", "seeds", "perturbations"}
    known |= {"train", "adapt", "self_training", "eval", "out"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise GridError(f"{source}: unknown field(s) {unknown}; known: {sorted(known)}")
    if not data.get("pairs"):
        raise GridError(f"{source}: `pairs` must list at least one pair, e.g. [ar-fa]")

    def strings(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = data.get(name, list(default))
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
            raise GridError(f"{source}: `{name}` must be a list")
        return tuple(str(v) for v in value)

    for name in ("train", "adapt", "self_training", "eval"):
        if not isinstance(data.get(name, {}), dict):
            raise GridError(f"{source}: `{name}` must be a mapping of fields")
    try:
        seeds = tuple(int(seed) for seed in data.get("seeds", [42]))
    except (TypeError, ValueError):
        raise GridError(f"{source}: `seeds` must be a list of integers") from None
    spec = GridSpec(
        name=str(data.get("name") or Path(source).stem),
        pairs=strings("pairs", ()),
        backbones=strings("backbones", GridSpec.backbones),
        settings=strings("settings", GridSpec.settings),
        seeds=seeds,
        perturbations=strings("perturbations", ()),
        train=dict(data.get("train", {})),
        adapt=dict(data.get("adapt", {})),
        self_training=dict(data.get("self_training", {})),
        eval=dict(data.get("eval", {})),
        out=Path(data["out"]) if data.get("out") else None,
        source=source,
    )
    for cell in spec.cells():  # every cell's config must build before anything runs
        cell.run_config()
        cell.eval_settings()
    return spec


def hardware() -> dict[str, Any]:
    import torch

    return {
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "python": platform.python_version(),
    }


def run_cell(cell: GridCell) -> CellOutcome:
    """Train (unless a checkpoint is there) and evaluate one cell; skip a finished one."""
    from xner.evaluate.runner import evaluate_checkpoint
    from xner.store import CheckpointError, read_config, write_json_atomic
    from xner.train.run import train_run

    if cell.finished():
        return CellOutcome(cell, skipped=True, train_seconds=0.0, eval_seconds=0.0)
    started = time.perf_counter()
    try:
        read_config(cell.path)
        trained_here = False
    except CheckpointError:
        train_run(cell.run_config(), cell.path, overwrite=cell.path.exists())
        trained_here = True
    train_seconds = time.perf_counter() - started if trained_here else 0.0
    started = time.perf_counter()
    outcomes = evaluate_checkpoint(cell.path, cell.eval_settings())
    eval_seconds = time.perf_counter() - started
    write_json_atomic(
        cell.path / CELL_FILE,
        {
            "grid": cell.grid.name,
            "pair": cell.pair,
            "backbone": cell.backbone,
            "setting": cell.setting,
            "seed": cell.seed,
            "perturbations": [outcome.perturbation for outcome in outcomes],
            "train_seconds": round(train_seconds, 2),
            "eval_seconds": round(eval_seconds, 2),
            "hardware": hardware(),
        },
    )
    return CellOutcome(cell, False, train_seconds, eval_seconds)


CellCallback = Callable[[CellOutcome, int, int], None]


def run_grid(
    spec: GridSpec,
    *,
    cells: Iterable[GridCell] | None = None,
    on_cell: CellCallback | None = None,
    max_cells: int | None = None,
    keep_going: bool = True,
) -> list[CellOutcome]:
    """Run every unfinished cell in order (at most `max_cells` of them; `cells`: only
    these, e.g. from `spec.select`); a failing cell is reported with its error and the rest
    go on (`keep_going`). Writes the summary CSV of the whole grid."""
    cells = spec.cells() if cells is None else list(cells)
    outcomes: list[CellOutcome] = []
    ran = 0
    for index, cell in enumerate(cells):
        if max_cells is not None and ran >= max_cells and not cell.finished():
            break
        try:
            outcome = run_cell(cell)
        except XnerError as error:
            if not keep_going:
                raise
            outcome = CellOutcome(cell, False, 0.0, 0.0, error=str(error))
        ran += not outcome.skipped
        outcomes.append(outcome)
        if on_cell is not None:
            on_cell(outcome, index + 1, len(cells))
    write_summary(spec)
    return outcomes


def summary_rows(spec: GridSpec) -> list[dict[str, Any]]:
    """One row per finished cell and test set: F1 with its interval, drop against clean."""
    rows = []
    for cell in spec.cells():
        if not cell.finished():
            continue
        for path in sorted((cell.path / "eval").glob("*.json")):
            record = json.loads(path.read_text(encoding="utf-8"))
            result = record["result"]
            strict = result["scores"]["strict"]["overall"]
            interval = result.get("intervals", {}).get("strict", {}).get("micro_f1", {})
            drop = (record.get("degradation") or {}).get("drops", {}).get("strict", {})
            absolute = drop.get("micro_f1", {}).get("absolute", {})
            rows.append(
                {
                    "pair": cell.pair,
                    "backbone": cell.backbone,
                    "setting": cell.setting,
                    "seed": cell.seed,
                    "test_set": result["test_set"],
                    "perturbation": result["perturbation"],
                    "f1": strict["f1"],
                    "f1_low": interval.get("low"),
                    "f1_high": interval.get("high"),
                    "drop": absolute.get("estimate"),
                    "drop_low": absolute.get("low"),
                    "drop_high": absolute.get("high"),
                    "run": cell.key,
                }
            )
    return rows


def summary_path(spec: GridSpec) -> Path:
    return spec.out_dir() / f"{spec.name}_{SUMMARY_FILE}"


def write_summary(spec: GridSpec) -> Path:
    from xner.store import write_text_atomic

    rows = summary_rows(spec)
    buffer = io.StringIO()
    columns = list(rows[0]) if rows else ["pair", "backbone", "setting", "seed", "perturbation"]
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    path = summary_path(spec)
    write_text_atomic(path, buffer.getvalue())
    return path


def describe(cells: Iterable[GridCell]) -> list[dict[str, object]]:
    return [
        {
            "cell": cell.key,
            "state": "done" if cell.finished() else ("trained" if _trained(cell) else "todo"),
        }
        for cell in cells
    ]


def _trained(cell: GridCell) -> bool:
    return (cell.path / "config.json").is_file()
