"""Experiment grids: pairs × backbones × settings × seeds, each cell trained and evaluated
on the clean and perturbed test sets.

A grid is declared in YAML (see `configs/`). Every cell is one plain function call,
`run_cell(cell)`, the unit an executor runs (`xner.executors`: one after another here,
or as Ray tasks on a cluster). A cell is built in a private staging folder and published
whole (`xner.gridstore`), so a killed, retried or duplicated cell never leaves half a
folder; a finished cell is skipped on the next run, so an interrupted grid resumes where
it stopped and gives the same results.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import platform
import shutil
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from xner.errors import XnerError
from xner.gridstore import CELL_FILE, CellStore, is_uri, open_store

if TYPE_CHECKING:
    from xner.executors import Executor
    from xner.train.runtime import Runtime

SUMMARY_FILE = "grid_results.csv"


class GridError(XnerError, ValueError):
    """A grid config that cannot run; names the file and the field."""


@dataclass(frozen=True)
class Resources:
    """How each cell runs, not what it computes: none of this enters a run id (YAML
    block `resources:`). `num_cpus` / `num_gpus` / `max_retries` are the Ray executor's
    per-cell request and retries of a cell whose worker died; `device` (auto, cpu, cuda)
    and `precision` (auto, fp32, bf16, fp16) are where and how a cell computes."""

    num_cpus: float = 1.0
    num_gpus: float = 0.0
    max_retries: int = 2
    device: str = "auto"
    precision: str = "auto"

    def runtime(self) -> Runtime:
        from xner.train.runtime import Runtime

        return Runtime(self.device, self.precision)


@dataclass(frozen=True)
class GridSpec:
    """A declarative grid, as read from YAML."""

    name: str
    pairs: tuple[str, ...]
    backbones: tuple[str, ...] = ("multilingual-e5-small",)
    settings: tuple[str, ...] = ("native", "transfer")
    seeds: tuple[int, ...] = (42,)
    # Settings that run fewer seeds than `seeds` (YAML `seeds: {native: [1, 2], ...}`).
    setting_seeds: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    split_policy: str = "xtreme"  # how each language's data is split (RunConfig.split_policy)
    perturbations: tuple[str, ...] = ()
    train: Mapping[str, Any] = field(default_factory=dict)  # TrainArgs fields
    adapt: Mapping[str, Any] = field(default_factory=dict)  # AdaptArgs (adapted-transfer)
    self_training: Mapping[str, Any] = field(default_factory=dict)  # SelfTrainArgs
    eval: Mapping[str, Any] = field(default_factory=dict)  # EvalSettings fields
    out: Path | str | None = None  # a folder or a URI (str with ://); default: models_dir()
    resources: Resources = Resources()
    source: str = "<grid>"

    def store(self) -> CellStore:
        """Where the cells are kept (`out`, else models_dir())."""
        from xner.config import models_dir

        return open_store(self.out or models_dir())

    def out_dir(self) -> Path:
        """The cells' folder on this machine (a grid whose `out` is a URI has none)."""
        folder = self.store().folder
        if folder is None:
            raise GridError(f"{self.source}: out is a URI ({self.out}); it has no local folder")
        return folder

    def cells(self) -> list[GridCell]:
        return [
            GridCell(self, pair, backbone, setting, seed)
            for pair, backbone, setting, seed in itertools.product(
                self.pairs, self.backbones, self.settings, self.seeds
            )
            if seed in self.setting_seeds.get(setting, self.seeds)
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
        policy = "" if self.grid.split_policy == "xtreme" else f"_{self.grid.split_policy}"
        return f"{self.pair}_{self.setting}_{method}_{backbone}{policy}_seed{self.seed}"

    @property
    def path(self) -> Path:
        """The cell's folder on this machine (see `location` for a URI grid)."""
        return self.grid.out_dir() / self.key

    @property
    def location(self) -> str:
        return self.grid.store().where(self.key)

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
            split_policy=self.grid.split_policy,
        )

    def sibling(self, setting: str) -> GridCell | None:
        """The trained cell of this grid with `setting` instead (else None). Only on a
        filesystem: a URI grid's self-training cell trains its own teacher (same run id,
        same results) rather than downloading one."""
        cell = GridCell(self.grid, self.pair, self.backbone, setting, self.seed)
        if cell.key == self.key or self.grid.store().folder is None:
            return None
        return cell if _trained(cell) else None

    def eval_settings(self) -> Any:
        from xner.evaluate.runner import EvalSettings

        try:
            return EvalSettings(perturbations=tuple(self.grid.perturbations), **self.grid.eval)
        except TypeError as error:
            raise GridError(f"{self.grid.source}: eval: {error}") from None

    def finished(self) -> bool:
        return self.grid.store().has(self.key, CELL_FILE)

    def expected_perturbations(self) -> list[str]:
        """The test sets a current evaluation of this cell holds, clean first."""
        from xner.evaluate.runner import expand_perturbations

        return list(expand_perturbations(self.grid.perturbations))

    def stale(self) -> bool:
        """Finished, but evaluated by an older evaluation (`EVAL_VERSION`) or on other
        test sets than the grid now lists: the next run re-evaluates it (weights kept)."""
        from xner.evaluate.runner import EVAL_VERSION

        facts = self.grid.store().cell_facts(self.key)
        if facts is None:
            return False
        return (
            facts.get("eval_version", 1) != EVAL_VERSION
            or facts.get("perturbations") != self.expected_perturbations()
        )


@dataclass(frozen=True)
class CellOutcome:
    cell: GridCell
    skipped: bool
    train_seconds: float
    eval_seconds: float
    error: str | None = None
    duplicate: bool = False  # ran, but a finished copy got there first; ours was discarded


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
    known = {"name", "pairs", "backbones", "settings", "seeds", "split", "perturbations"}
    known |= {"train", "adapt", "self_training", "eval", "out", "resources"}
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

    for name in ("train", "adapt", "self_training", "eval", "resources"):
        if not isinstance(data.get(name, {}), dict):
            raise GridError(f"{source}: `{name}` must be a mapping of fields")
    seeds, setting_seeds = _seeds(data.get("seeds", [42]), source)
    settings = strings("settings", tuple(setting_seeds) or GridSpec.settings)
    stray = sorted(set(setting_seeds) - set(settings))
    if stray:
        raise GridError(f"{source}: `seeds` names settings {stray} that `settings` does not list")
    split = data.get("split", GridSpec.split_policy)
    if not isinstance(split, str):
        raise GridError(f"{source}: `split` must name a split policy, e.g. paper")
    try:
        from xner.data.resolve import get_policy

        get_policy(split)
    except XnerError as error:
        raise GridError(f"{source}: split: {error}") from None
    spec = GridSpec(
        name=str(data.get("name") or Path(source).stem),
        pairs=strings("pairs", ()),
        backbones=strings("backbones", GridSpec.backbones),
        settings=settings,
        seeds=seeds,
        setting_seeds=setting_seeds,
        split_policy=split,
        perturbations=strings("perturbations", ()),
        train=dict(data.get("train", {})),
        adapt=dict(data.get("adapt", {})),
        self_training=dict(data.get("self_training", {})),
        eval=dict(data.get("eval", {})),
        out=_out(data.get("out")),
        resources=_resources(data.get("resources", {}), source),
        source=source,
    )
    for cell in spec.cells():  # every cell's config must build before anything runs
        cell.run_config()
        cell.eval_settings()
    return spec


def _seeds(value: Any, source: str) -> tuple[tuple[int, ...], dict[str, tuple[int, ...]]]:
    """`seeds: [1, 2]` (every setting), or `seeds: {native: [1, 2], self-training: [1]}`:
    the grid's seeds (in first-seen order) and each setting's."""

    def integers(items: Any, where: str) -> tuple[int, ...]:
        if isinstance(items, int) and not isinstance(items, bool):
            items = [items]
        if not isinstance(items, list) or not items:
            raise GridError(f"{source}: `{where}` must be a non-empty list of integers")
        try:
            return tuple(int(seed) for seed in items)
        except (TypeError, ValueError):
            raise GridError(f"{source}: `{where}` must be a list of integers") from None

    if isinstance(value, dict):
        per_setting = {str(k): integers(v, f"seeds: {k}") for k, v in value.items()}
        ordered = tuple(dict.fromkeys(s for seeds in per_setting.values() for s in seeds))
        return ordered, per_setting
    return integers(value, "seeds"), {}


def _out(value: Any) -> Path | str | None:
    if not value:
        return None
    return str(value) if is_uri(str(value)) else Path(str(value)).expanduser()


def _resources(data: Mapping[str, Any], source: str) -> Resources:
    known = {f.name: f for f in fields(Resources)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise GridError(f"{source}: resources: unknown field(s) {unknown}; known: {list(known)}")
    for name, value in data.items():
        number = name not in ("device", "precision")
        kinds = (int,) if name == "max_retries" else (int, float) if number else (str,)
        if isinstance(value, bool) or not isinstance(value, kinds) or (number and value < 0):
            what = "a string"
            if number:
                what = "an integer >= 0" if name == "max_retries" else "a number >= 0"
            raise GridError(f"{source}: resources.{name}: {value!r} must be {what}")
    resources = Resources(**data)
    if resources.num_cpus <= 0:
        raise GridError(f"{source}: resources.num_cpus must be > 0 (a cell needs a core)")
    try:
        resources.runtime()  # device and precision names
    except XnerError as error:
        raise GridError(f"{source}: resources: {error}") from None
    return resources


def hardware(runtime: Runtime | None = None) -> dict[str, Any]:
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
    from xner.gridstore import discard
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
    from xner.executors import LocalExecutor

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


def summary_rows(spec: GridSpec) -> list[dict[str, Any]]:
    """One row per finished cell and test set: F1 with its interval, drop against clean."""
    rows = []
    store = spec.store()
    for cell in spec.cells():
        if not cell.finished():
            continue
        for record in store.eval_records(cell.key):
            result = record.result
            strict = record.scores["strict"]["overall"]
            interval = record.intervals.get("strict", {}).get("micro_f1", {})
            drop = record.drops.get("strict", {})
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


def summary_path(spec: GridSpec) -> str:
    """Where the summary CSV goes: beside the cells (a path or a URI)."""
    return spec.store().where(f"{spec.name}_{SUMMARY_FILE}")


def write_summary(spec: GridSpec) -> str:
    rows = summary_rows(spec)
    buffer = io.StringIO()
    columns = list(rows[0]) if rows else ["pair", "backbone", "setting", "seed", "perturbation"]
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return spec.store().write_text(f"{spec.name}_{SUMMARY_FILE}", buffer.getvalue())


def describe(cells: Iterable[GridCell]) -> list[dict[str, object]]:
    """Each cell's state, and for finished ones their wall times and where they ran."""
    rows: list[dict[str, object]] = []
    for cell in cells:
        facts = cell.grid.store().cell_facts(cell.key)
        state = "done" if facts else ("trained" if _trained(cell) else "todo")
        if facts and cell.stale():
            state = "stale"  # evaluated by an older evaluation: the next run redoes it
        hardware = (facts or {}).get("hardware", {})
        rows.append(
            {
                "cell": cell.key,
                "state": state,
                "train s": _seconds((facts or {}).get("train_seconds")),
                "eval s": _seconds((facts or {}).get("eval_seconds")),
                "ran on": (
                    f"{hardware.get('cuda') or 'CPU'}×{hardware.get('cpus')}" if hardware else None
                ),
            }
        )
    return rows


def _seconds(value: object) -> int | None:
    return round(value) if isinstance(value, int | float) else None


def _trained(cell: GridCell) -> bool:
    from xner.runs.layout import CONFIG_FILE

    return cell.grid.store().has(cell.key, CONFIG_FILE)
