"""Tiny evaluated runs for the page tests: one declaration, each module its own folder."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from xner.experiments.run import run_grid
from xner.experiments.spec import grid_from_dict

# Headless Chromium as this machine allows it: no sandbox as root, no network chatter
# (the closed network refuses it), a fresh profile.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def chromium_flags(profile: Path, *extra: str) -> tuple[str, ...]:
    return (*CHROMIUM_FLAGS, *extra, f"--user-data-dir={profile}")


@pytest.fixture(scope="module")
def tiny_runs(pipeline_env: dict[str, Path]) -> Callable[..., Path]:
    """`tiny_runs(name, settings, perturbations, folder)` trains and evaluates es→gl runs
    on the tiny backbone (seconds) into the module's models folder (or its subfolder
    `folder`, as a grid's `out:`) and returns the models folder."""

    def make(
        name: str,
        settings: Sequence[str] = ("native", "transfer"),
        perturbations: Sequence[str] = ("p1", "mask"),
        folder: str | None = None,
    ) -> Path:
        out = pipeline_env["models"] / folder if folder else pipeline_env["models"]
        spec = grid_from_dict(
            {
                "name": name,
                "backbones": ["tiny"],
                "pairs": ["es-gl"],
                "settings": list(settings),
                "seeds": [1],
                "perturbations": list(perturbations),
                "train": {"max_steps": 4, "per_device_train_batch_size": 4},
                "eval": {"n_resamples": 50},
                "out": str(out),
            }
        )
        outcomes = run_grid(spec)
        assert not [o.error for o in outcomes if o.error]
        return pipeline_env["models"]

    return make
