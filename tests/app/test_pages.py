"""Streamlit AppTest over every page: renders without exception, widgets change the view."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def test_app_entry_renders_the_overview():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert any("transfer" in title.value for title in at.title)


def test_overview_model_choice_changes_the_chart():
    at = AppTest.from_file(str(ROOT / "pages" / "overview.py"), default_timeout=60).run()
    assert not at.exception
    assert at.dataframe[0].value["pair"].tolist()[0] == "fr→br"
    chart_before = at.get("plotly_chart")[0].proto.spec
    at.selectbox[0].set_value("bert-base-multilingual-cased").run()
    assert not at.exception
    chart_after = at.get("plotly_chart")[0].proto.spec
    assert chart_before != chart_after
    assert "bert-base-multilingual-cased" in chart_after
