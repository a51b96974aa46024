"""The tiny grid the experiments tests run: one pair, the tiny backbone, a few steps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from xner.experiments.spec import GridSpec, grid_from_dict

TRAIN = {"method": "full", "max_steps": 4, "per_device_train_batch_size": 4}

TinyGrid = Callable[..., GridSpec]


def _tiny_grid(out: Path | str, **overrides: object) -> GridSpec:
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


@pytest.fixture(scope="session")
def tiny_grid() -> TinyGrid:
    """`tiny_grid(out, **overrides)`: the grid spec, with any field overridden."""
    return _tiny_grid
