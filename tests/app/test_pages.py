"""Streamlit AppTest over every page: renders without exception, widgets change the view."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def test_app_entry_renders_the_overview():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert any("transfer" in title.value for title in at.title)
