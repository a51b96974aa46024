"""What a grid reports: each cell's state, wall times and hardware (`xner grid --status`)."""

from __future__ import annotations

from xner.experiments.run import run_grid
from xner.experiments.summary import describe


def test_status_rows_carry_wall_times_and_hardware_of_finished_cells(
    tiny_grid, pipeline_env, tmp_path
):
    spec = tiny_grid(tmp_path, settings=["native", "transfer"], perturbations=[])
    run_grid(spec, cells=spec.select(settings=["native"]))
    done, todo = describe(spec.cells())
    assert done["state"] == "done" and isinstance(done["train s"], int)
    assert isinstance(done["eval s"], int) and str(done["ran on"]).startswith("CPU×")
    assert todo == {
        "cell": todo["cell"],
        "state": "todo",
        "train s": None,
        "eval s": None,
        "ran on": None,
    }
