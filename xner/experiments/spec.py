"""Experiment grids: pairs × backbones × settings × seeds, declared in YAML (see
`configs/`), read and checked here into a `GridSpec` and its cells.

Every check runs when the file is read (each cell's run config and evaluation settings
build), so a grid with a typo fails before its first cell trains. A cell's `key` is its
folder name, known before any data is read; `xner.experiments.run` runs cells and
`xner.experiments.summary` reports on them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from xner.errors import XnerError
from xner.experiments.gridstore import CellStore, is_uri, open_store
from xner.runs.layout import CELL_FILE

if TYPE_CHECKING:
    from xner.train.runtime import Runtime


class GridError(XnerError, ValueError):
    """A grid config that cannot run; names the file and the field."""


@dataclass(frozen=True)
class GridResources:
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
    resources: GridResources = GridResources()
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
        return cell if cell.trained() else None

    def eval_settings(self) -> Any:
        from xner.evaluate.runner import EvalSettings

        try:
            return EvalSettings(perturbations=tuple(self.grid.perturbations), **self.grid.eval)
        except TypeError as error:
            raise GridError(f"{self.grid.source}: eval: {error}") from None

    def finished(self) -> bool:
        """Evaluated and published: its cell.json, written last, is there."""
        return self.grid.store().has(self.key, CELL_FILE)

    def trained(self) -> bool:
        """Its checkpoint is there (config.json), evaluated or not."""
        from xner.runs.layout import CONFIG_FILE

        return self.grid.store().has(self.key, CONFIG_FILE)

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
        from xner.data.policies import get_policy

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


def _resources(data: Mapping[str, Any], source: str) -> GridResources:
    known = {f.name: f for f in fields(GridResources)}
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise GridError(f"{source}: resources: unknown field(s) {unknown}; known: {list(known)}")
    for name, value in data.items():
        number = name not in ("device", "precision")
        kinds = (int,) if name == "max_retries" else (int, float) if number else (str,)
        if (
            isinstance(value, bool)
            or not isinstance(value, kinds)
            or (number and isinstance(value, int | float) and value < 0)
        ):
            what = "a string"
            if number:
                what = "an integer >= 0" if name == "max_retries" else "a number >= 0"
            raise GridError(f"{source}: resources.{name}: {value!r} must be {what}")
    resources = GridResources(**data)
    if resources.num_cpus <= 0:
        raise GridError(f"{source}: resources.num_cpus must be > 0 (a cell needs a core)")
    try:
        resources.runtime()  # device and precision names
    except XnerError as error:
        raise GridError(f"{source}: resources: {error}") from None
    return resources
