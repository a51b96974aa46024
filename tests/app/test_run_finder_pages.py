"""AppTest: a run inside a grid's `out:` subfolder of the models folder is listed by every
page that lists runs (they all use `xner.runs.layout.find_runs`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from xner.analysis.table import NO_RUNS_HELP

PAGES = Path(__file__).resolve().parents[2] / "pages"
GRID_OUT = "my-grid"


@pytest.fixture(scope="module")
def grid_run(tiny_runs: Callable[..., Path]) -> Path:
    """One tiny evaluated es→gl run at models/my-grid/<cell>, nothing at the top level."""
    models = tiny_runs("finder", settings=("transfer",), perturbations=("mask",), folder=GRID_OUT)
    (run,) = [p for p in (models / GRID_OUT).iterdir() if p.is_dir()]
    assert not [p for p in models.iterdir() if p.name != GRID_OUT]
    return run


def page(name: str) -> AppTest:
    at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=60).run()
    assert not at.exception
    return at


def test_degradation_lists_the_grid_run(grid_run: Path) -> None:
    at = page("degradation")
    assert not [i for i in at.info if "No evaluated runs" in i.value]
    table = at.dataframe[0].value
    assert set(table["perturbation"]) == {"clean", "mask"}
    assert set(table["setting"]) == {"transfer"}


def test_explorer_lists_the_grid_run(grid_run: Path) -> None:
    at = page("explorer")
    assert at.selectbox[0].options == [f"es→gl · transfer · tiny · {grid_run.name}"]
    assert at.selectbox[0].value == str(grid_run)
    assert at.selectbox[1].value.perturbation == "mask"


def test_playground_lists_the_grid_run(grid_run: Path) -> None:
    at = page("playground")
    assert not [w for w in at.warning if "cannot be used" in w.value]  # the grid folder is no run
    assert at.selectbox[0].value == str(grid_run)
    assert at.selectbox[0].options == [f"es→gl · transfer · tiny · {grid_run.name}"]


def test_overview_reads_the_grid_run(grid_run: Path) -> None:
    at = page("overview")
    assert not [i for i in at.info if NO_RUNS_HELP in i.value]
