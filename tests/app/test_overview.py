"""AppTest: the overview page, on published numbers and on this project's runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from xner.grid import grid_from_dict, run_grid

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "overview.py")


def make_runs(models: Path) -> Path:
    spec = grid_from_dict(
        {
            "name": "app-results",
            "backbones": ["tiny"],
            "pairs": ["es-gl"],
            "settings": ["native", "transfer"],
            "seeds": [1],
            "perturbations": ["p1", "mask"],
            "train": {"max_steps": 4, "per_device_train_batch_size": 4},
            "eval": {"n_resamples": 50},
            "out": str(models),
        }
    )
    outcomes = run_grid(spec)
    assert not [o.error for o in outcomes if o.error]
    return models


def test_overview_model_choice_changes_the_chart():
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert at.dataframe[0].value["pair"].tolist()[0] == "fr→br"
    chart_before = at.get("plotly_chart")[-1].proto.spec
    at.selectbox[0].set_value("bert-base-multilingual-cased").run()
    assert not at.exception
    chart_after = at.get("plotly_chart")[-1].proto.spec
    assert chart_before != chart_after
    assert "bert-base-multilingual-cased" in chart_after


@pytest.fixture(scope="module")
def runs(pipeline_env: dict[str, Path]) -> Path:
    return make_runs(pipeline_env["models"])


def test_headline_from_this_projects_runs(runs: Path) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert not at.info  # runs exist: no "no runs" message
    headline = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [trace["name"] for trace in headline["data"]]
    assert "tiny · transfer · clean" in names and "tiny · native · perturbed" in names
    assert any("degradation.py" in m.value for m in at.markdown)  # where to go next
