"""How a grid's cells are run: one after another in this process, or as Ray tasks.

Executors are declared entries looked up by name (`get_executor("local" | "ray")`). Both
run the same `run_cell` and report each outcome as it finishes; a cell publishes its
folder whole (`xner.experiments.gridstore`), so where and how often it ran never changes
the results.
The Ray executor uses an existing engine for the scheduling, retries and placement on
GPUs rather than a home-made one: each unfinished cell is one task with the grid's
`resources:` (num_cpus, num_gpus, max_retries).
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from xner.config import CACHE_DIR_ENV, DATA_DIR_ENV, MODELS_DIR_ENV
from xner.errors import XnerError
from xner.experiments.run import CellOutcome, run_cell
from xner.experiments.spec import GridCell, GridError
from xner.hubprobe import OFFLINE_ENV
from xner.registry import Registry

OutcomeCallback = Callable[[CellOutcome], None]
CellFunction = Callable[[GridCell], CellOutcome]
RAY_VERSION = "2.60.0"
# Passed from the driver to every task: on a cluster they name the shared storage, and
# every offline switch, so a task never waits on a hub its driver was told not to reach.
PASSED_ENV = (DATA_DIR_ENV, CACHE_DIR_ENV, MODELS_DIR_ENV, "HF_HOME", *OFFLINE_ENV)


class Executor(ABC):
    """Runs cells, calling `report(outcome)` as each finishes; returns them in cell order."""

    name: ClassVar[str]
    description: ClassVar[str]

    @abstractmethod
    def run(
        self, cells: Sequence[GridCell], report: OutcomeCallback, *, keep_going: bool = True
    ) -> list[CellOutcome]: ...


def attempt_cell(cell: GridCell, cell_function: CellFunction = run_cell) -> CellOutcome:
    """`cell_function(cell)`, with an error a user can fix (XnerError) as the outcome."""
    try:
        return cell_function(cell)
    except XnerError as error:
        return CellOutcome(cell, False, 0.0, 0.0, error=str(error))


class LocalExecutor(Executor):
    name = "local"
    description = "One cell after another in this process (the default)."

    def __init__(self, cell_function: CellFunction = run_cell) -> None:
        self.cell_function = cell_function

    def run(
        self, cells: Sequence[GridCell], report: OutcomeCallback, *, keep_going: bool = True
    ) -> list[CellOutcome]:
        outcomes = []
        for cell in cells:
            if keep_going:
                outcome = attempt_cell(cell, self.cell_function)
            else:
                outcome = self.cell_function(cell)  # the error itself stops the grid
            outcomes.append(outcome)
            report(outcome)
        return outcomes


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise XnerError(
            f"the ray executor needs Ray: pip install ray=={RAY_VERSION} (on every node of "
            "the cluster), or use --executor local"
        ) from None
    return ray


class RayExecutor(Executor):
    """Each unfinished cell as a Ray task. `address`: None starts a Ray instance on this
    machine (or uses the one this process already joined), `auto` joins the cluster
    started here with `ray start`, `ray://HOST:PORT` one elsewhere (Ray client)."""

    name = "ray"
    description = "Each cell as a Ray task on a cluster (resources: from the grid config)."

    def __init__(self, address: str | None = None, cell_function: CellFunction = run_cell) -> None:
        self.address = address
        self.cell_function = cell_function

    def run(
        self, cells: Sequence[GridCell], report: OutcomeCallback, *, keep_going: bool = True
    ) -> list[CellOutcome]:
        ray = _import_ray()
        outcomes: dict[int, CellOutcome] = {}
        todo = []
        for index, cell in enumerate(cells):
            if cell.finished():  # no task (and no worker start) for a finished cell
                outcomes[index] = CellOutcome(cell, True, 0.0, 0.0)
                report(outcomes[index])
            else:
                todo.append(index)
        if not todo:
            return [outcomes[i] for i in range(len(cells))]
        joined_here = not ray.is_initialized()
        if joined_here:
            ray.init(address=self.address, include_dashboard=False)
        try:
            resources = cells[todo[0]].grid.resources
            options: dict[str, Any] = {
                "num_cpus": resources.num_cpus,
                "num_gpus": resources.num_gpus,
                "max_retries": resources.max_retries,  # reruns of a cell whose worker died
                "retry_exceptions": False,  # an error in the cell itself would only repeat
            }
            env = {name: os.environ[name] for name in PASSED_ENV if name in os.environ}
            if env:
                options["runtime_env"] = {"env_vars": env}
            task = ray.remote(attempt_cell)
            pending = {
                task.options(name=cells[i].key, **options).remote(cells[i], self.cell_function): i
                for i in todo
            }
            while pending:
                [ref], _ = ray.wait(list(pending), num_returns=1)
                index = pending.pop(ref)
                outcome = self._outcome(ray, ref, cells[index])
                outcomes[index] = outcome
                report(outcome)
                if outcome.error and not keep_going:
                    for other in pending:
                        ray.cancel(other)
                    raise GridError(f"{outcome.cell.key}: {outcome.error}")
        finally:
            if joined_here:
                ray.shutdown()
        return [outcomes[i] for i in range(len(cells))]

    @staticmethod
    def _outcome(ray: Any, ref: Any, cell: GridCell) -> CellOutcome:
        try:
            return ray.get(ref)
        except ray.exceptions.RayTaskError as error:  # a bug or a crash inside the cell
            cause = error.cause
            message = f"{type(cause).__name__}: {cause}"
        except ray.exceptions.RayError as error:  # worker died past its retries, cancelled
            message = f"{type(error).__name__}: {str(error).strip().splitlines()[0]}"
        return CellOutcome(cell, False, 0.0, 0.0, error=message)


EXECUTORS: Registry[type[Executor]] = Registry("executor", error=GridError)
EXECUTORS.register_all(LocalExecutor, RayExecutor)


def get_executor(name: str, **options: Any) -> Executor:
    """The executor `name` built with `options` (ray: address)."""
    kind = EXECUTORS.get(name)
    try:
        return kind(**options)
    except TypeError as error:
        raise GridError(f"executor {name!r}: {error}") from None
