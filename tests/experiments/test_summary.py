"""What a grid reports: each cell's state, wall times and hardware (`xner grid --status`)."""

from __future__ import annotations

from pathlib import Path

from xner.experiments.run import run_grid
from xner.experiments.spec import grid_from_dict
from xner.experiments.summary import describe

TRAIN = {"method": "full", "max_steps": 4, "per_device_train_batch_size": 4}


def grid(out: Path, **overrides: object):
    data = {
        "name": "tiny",
        "pairs": ["es-gl"],
        "backbones": ["tiny"],
        "settings": ["native", "transfer"],
        "seeds": [1],
        "perturbations": ["p1", "mask"],
        "train": TRAIN,
        "eval": {"n_resamples": 50},
        "out": str(out),
        **overrides,
    }
    return grid_from_dict(data, source="test.yaml")


def test_status_rows_carry_wall_times_and_hardware_of_finished_cells(pipeline_env, tmp_path):
    spec = grid(tmp_path, settings=["native", "transfer"], perturbations=[])
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
