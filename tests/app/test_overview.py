"""AppTest: the overview page, on published numbers and on this project's runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "overview.py")


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
def runs(tiny_runs: Callable[..., Path]) -> Path:
    return tiny_runs("app-results")


def test_headline_from_this_projects_runs(runs: Path) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert not at.info  # runs exist: no "no runs" message
    headline = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [trace["name"] for trace in headline["data"]]
    assert "tiny · transfer · clean" in names and "tiny · native · perturbed" in names
    assert any("degradation.py" in m.value for m in at.markdown)  # where to go next
    # for newcomers: the answer first, then where to start for three kinds of visitor
    texts = [m.value for m in at.markdown]
    assert any(t.startswith("- Trained on the target language itself") for t in texts)
    assert [t for t in texts if t in ("**A researcher**", "**A teacher**", "**Your own sentence**")]
    assert [s.value for s in at.subheader][:2] == ["The answer so far", "Start here"]


def test_headline_findings_are_answered_from_the_runs(runs: Path) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    texts = [m.value for m in at.markdown]
    answered = next(t for t in texts if t.startswith("**Does native fine-tuning beat"))
    assert "tiny: native fine-tuning beats transfer on clean data in" in answered
    assert any(
        t.startswith("**What does multilingual pretraining buy") and "needs" in t for t in texts
    )
    assert at.expander
    tables = [d.value for d in at.dataframe[1:]]  # after the pair catalog: the findings'
    assert any("pair" in t and t["pair"].tolist() == ["es-gl"] for t in tables)
