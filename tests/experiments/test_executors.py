"""Executors and result stores: a grid on a local Ray cluster (a failing cell, a worker
killed mid-cell and retried, duplicated cells) gives the local executor's results; cells
publish whole folders; `out:` may be a URI."""

from __future__ import annotations

import functools
import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xner.cli import app
from xner.errors import XnerError
from xner.experiments.executors import PASSED_ENV, LocalExecutor, RayExecutor, get_executor
from xner.experiments.run import run_cell, run_grid
from xner.experiments.spec import GridCell
from xner.runs.layout import CELL_FILE, PREDS_SUFFIX

ray = pytest.importorskip("ray")

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def grid(tiny_grid):
    """The tiny grid with a pair that has no data anywhere: "xx"'s cells fail at run time
    (native at p1@hrl, which reads the HRL's training data), the others go on."""
    return functools.partial(
        tiny_grid,
        pairs=["es-gl", "xx-gl"],
        perturbations=["p1@hrl", "mask"],
        resources={"num_cpus": 1, "max_retries": 2},
    )


def results(out: Path) -> dict[str, bytes]:
    """Every eval record and prediction file of the finished cells under `out`."""
    files = sorted(out.glob("*/eval/*.json")) + sorted(out.glob(f"*/preds/*{PREDS_SUFFIX}"))
    assert files, f"no results under {out}"
    return {str(p.relative_to(out)): p.read_bytes() for p in files}


def crash_once_mid_cell(marker: str, cell: GridCell):
    """Kill this worker process the first time a transfer cell has trained (before it is
    evaluated), as a lost node or an out-of-memory kill would; Ray then retries the cell."""
    import xner.evaluate.runner

    if cell.setting == "transfer" and not os.path.exists(marker):
        Path(marker).touch()

        def die(*args: object, **kwargs: object) -> None:
            os._exit(1)

        xner.evaluate.runner.evaluate_checkpoint = die  # run_cell looks it up at call time
    return run_cell(cell)


def start_together(folder: str, cell: GridCell):
    """Run the cell once the other copy has started too (a real race, not a skip)."""
    import time
    import uuid

    Path(folder, uuid.uuid4().hex).touch()
    deadline = time.monotonic() + 60
    while len(os.listdir(folder)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    return run_cell(cell)


@pytest.fixture(scope="module")
def ray_cluster(pipeline_env: dict[str, Path]) -> Iterator[None]:
    # The crash hook above travels to the workers by value (they cannot import tests/).
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=100 * 2**20,
        # The workers' view of the data: the executor passes XNER_* too; this checks
        # nothing depends on the raylet having inherited them.
        runtime_env={"env_vars": {k: os.environ[k] for k in os.environ if k.startswith("XNER_")}},
    )
    yield
    ray.shutdown()
    ray.cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


@pytest.fixture(scope="module")
def local_results(pipeline_env: dict[str, Path], grid, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("local") / "out"
    outcomes = run_grid(grid(out))
    assert [o.error is None for o in outcomes] == [True, True, False, False]
    return out


def test_ray_grid_with_a_failure_and_a_killed_cell_equals_the_local_grid(
    ray_cluster: None, grid, local_results: Path, tmp_path: Path
):
    spec = grid(tmp_path / "out")
    marker = tmp_path / "crashed"
    executor = RayExecutor(cell_function=functools.partial(crash_once_mid_cell, str(marker)))
    seen: list[tuple[str, int, int]] = []
    outcomes = run_grid(
        spec, executor=executor, on_cell=lambda o, d, t: seen.append((o.cell.key, d, t))
    )

    assert marker.exists()  # a worker did die mid-cell
    assert [o.cell.key for o in outcomes] == [c.key for c in spec.cells()]  # grid order
    by_key = {o.cell.key: o for o in outcomes}
    failed = [o for o in outcomes if o.error]
    assert [o.cell.pair for o in failed] == ["xx-gl", "xx-gl"]
    assert all("xx" in o.error for o in failed)
    killed = by_key["es-gl_transfer_full_tiny_seed1"]
    assert killed.error is None and killed.train_seconds > 0 and killed.cell.finished()
    assert sorted(d for _, d, _ in seen) == [1, 2, 3, 4] and {t for *_, t in seen} == {4}
    assert results(tmp_path / "out") == results(local_results)
    # The killed copy's staging folder was removed when the cell was staged again.
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "es-gl_native_full_tiny_seed1",
        "es-gl_transfer_full_tiny_seed1",
        "tiny_grid_results.csv",
    ]

    # Re-running finishes only what is missing: nothing left but the failing cells.
    again = run_grid(spec, executor=RayExecutor())
    assert [o.skipped for o in again] == [True, True, False, False]


def test_duplicated_cells_on_ray_publish_one_complete_folder(
    ray_cluster: None, grid, local_results: Path, tmp_path: Path
):
    spec = grid(tmp_path / "out", pairs=["es-gl"], settings=["transfer"])
    [cell] = spec.cells()
    # The same cell twice at once (as a retried task that was not dead after all).
    started = tmp_path / "started"
    started.mkdir()
    executor = RayExecutor(cell_function=functools.partial(start_together, str(started)))
    outcomes = executor.run([cell, cell], lambda outcome: None)
    assert [o.error for o in outcomes] == [None, None]
    assert sorted(o.duplicate for o in outcomes) == [False, True]  # both ran; one published
    assert cell.finished() and results(tmp_path / "out") == {
        k: v for k, v in results(local_results).items() if k.startswith(cell.key)
    }


def test_grid_command_with_the_ray_executor(ray_cluster: None, grid, tmp_path: Path):
    config = tmp_path / "g.yaml"
    data = {
        "name": "cli",
        "pairs": ["es-gl"],
        "backbones": ["tiny"],
        "settings": ["native"],
        "perturbations": [],
        "train": dict(grid(tmp_path).train),
        "eval": {"n_resamples": 20},
        "out": str(tmp_path / "out"),
    }
    config.write_text(json.dumps(data), encoding="utf-8")
    result = CliRunner().invoke(app, ["grid", str(config), "--executor", "ray"])
    assert result.exit_code == 0, result.output
    assert "es-gl_native_full_tiny_seed42: done" in result.output
    bad = CliRunner().invoke(app, ["grid", str(config), "--address", "auto"])
    assert isinstance(bad.exception, XnerError) and "--executor ray" in str(bad.exception)


def fail_or_die(cell: GridCell):
    """A bug in one cell (an exception that is no XnerError); a worker lost for good in
    the other."""
    if cell.setting == "native":
        raise RuntimeError("a bug in the cell")
    os._exit(1)


def test_crashes_in_ray_cells_are_reported_and_the_grid_goes_on(ray_cluster: None, grid, tmp_path):
    spec = grid(tmp_path / "out", pairs=["es-gl"], resources={"max_retries": 0})
    seen = []
    outcomes = RayExecutor(cell_function=fail_or_die).run(spec.cells(), seen.append)
    assert len(seen) == 2
    bug, lost = (o.error or "" for o in outcomes)
    assert bug.startswith("RuntimeError: a bug in the cell")
    assert lost.startswith("WorkerCrashedError: The worker died"), lost
    assert not any(cell.finished() for cell in spec.cells())


def test_a_late_copy_never_replaces_a_finished_cell(pipeline_env, grid, tmp_path: Path):
    spec = grid(tmp_path / "out", pairs=["es-gl"], settings=["transfer"])
    [cell] = spec.cells()
    store = spec.store()
    # Build the same cell elsewhere, to play the copy that finishes second.
    other = grid(tmp_path / "other", pairs=["es-gl"], settings=["transfer"])
    run_cell(other.cells()[0])
    late = tmp_path / "late"

    # An unfinished folder under the name (trained, not evaluated: an interrupted older
    # run) is replaced whole by a finished copy.
    shutil.copytree(other.cells()[0].path, cell.path)
    (cell.path / CELL_FILE).unlink()
    shutil.rmtree(cell.path / "eval")
    shutil.copytree(other.cells()[0].path, late)
    assert store.publish(late, cell.key) and not late.exists()
    assert cell.finished() and results(tmp_path / "out") == results(tmp_path / "other")

    # A finished folder is never touched: the late copy is discarded.
    before = {p: p.read_bytes() for p in cell.path.rglob("*") if p.is_file()}
    shutil.copytree(other.cells()[0].path, late)
    (late / "eval" / "extra.json").write_text("{}", encoding="utf-8")
    assert not store.publish(late, cell.key) and not late.exists()
    assert {p: p.read_bytes() for p in cell.path.rglob("*") if p.is_file()} == before
    assert not (tmp_path / "out" / ".staging").exists()


def test_a_trained_but_unevaluated_cell_is_evaluated_not_retrained(pipeline_env, grid, tmp_path):
    spec = grid(tmp_path / "out", pairs=["es-gl"], settings=["native"])
    [cell] = spec.cells()
    run_cell(cell)
    weights = (cell.path / "model.safetensors").read_bytes()
    (cell.path / CELL_FILE).unlink()  # as if killed after training
    outcome = run_cell(cell)
    assert outcome.train_seconds == 0 and outcome.eval_seconds > 0 and cell.finished()
    assert (cell.path / "model.safetensors").read_bytes() == weights


def test_out_as_a_uri_gives_the_same_results(pipeline_env, grid, local_results: Path, tmp_path):
    uri = (tmp_path / "bucket" / "grid").as_uri()  # file:///...
    spec = grid(uri, pairs=["es-gl"])
    assert uri.startswith("file://") and spec.store().folder is None
    outcomes = run_grid(spec, executor=LocalExecutor())
    assert [o.error for o in outcomes] == [None, None]
    assert all(cell.finished() for cell in spec.cells())
    assert results(tmp_path / "bucket" / "grid") == results(local_results)
    assert (tmp_path / "bucket" / "grid" / "tiny_grid_results.csv").is_file()
    assert [o.skipped for o in run_grid(spec)] == [True, True]
    with pytest.raises(XnerError, match="URI"):
        spec.cells()[0].path  # noqa: B018


def test_executors_by_name():
    assert isinstance(get_executor("local"), LocalExecutor)
    assert get_executor("ray", address="auto").address == "auto"
    with pytest.raises(XnerError, match=r"unknown executor 'slurm'; known: local, ray"):
        get_executor("slurm")


def test_ray_tasks_get_every_offline_switch_of_the_driver():
    # An offline driver must not leave its tasks waiting on the hub.
    from xner.hubprobe import OFFLINE_ENV

    assert set(OFFLINE_ENV) <= set(PASSED_ENV) and "HF_HOME" in PASSED_ENV
