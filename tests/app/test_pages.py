"""Streamlit AppTest over every page of the catalog (`xner/app/catalog.py`), each opened
through `app.py`'s navigation as a visitor opens it: on the shipped models it renders
their runs; on an empty models folder it says where runs come from instead of crashing.

A page declared in the catalog is tested here without touching this file; a file in
`pages/` the catalog does not declare fails `test_the_catalog_declares_every_page_file`.
Each page's own behaviour is tested in `test_<page>.py`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from xner.app.catalog import PAGES, PageSpec
from xner.config import MODELS_DIR_ENV

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
SHIPPED = ROOT / "models"
SMOKE = "xner grid configs/smoke-tiny.yaml"  # every "no runs" message says how to get some


def open_page(spec: PageSpec) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page(spec.path)
    return at.run()


def text_of(at: AppTest) -> str:
    """What a reader sees, as one string: text, choices, tables and chart specs."""
    parts = [e.value for kind in ("markdown", "caption", "info") for e in getattr(at, kind)]
    for widget in (*at.selectbox, *at.multiselect, *at.radio):
        parts.extend(str(option) for option in widget.options)
    parts.extend(frame.value.to_string() for frame in at.dataframe)
    parts.extend(  # chart specs escape non-ASCII (→): decoded, they read as written
        json.dumps(json.loads(chart.proto.spec), ensure_ascii=False)
        for chart in at.get("plotly_chart")
    )
    return json.dumps(parts, ensure_ascii=False)


def test_the_catalog_declares_every_page_file() -> None:
    declared = [spec.path for spec in PAGES]
    on_disk = sorted(f"pages/{path.name}" for path in (ROOT / "pages").glob("*.py"))
    assert sorted(declared) == on_disk
    assert len(set(declared)) == len(declared)
    assert [spec.name for spec in PAGES if spec.default] == ["overview"]


def test_app_entry_opens_the_default_page_and_links_every_other() -> None:
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert not at.exception
    (default,) = [spec for spec in PAGES if spec.default]
    assert [title.value for title in at.title] == [default.heading]
    # the Overview's "Every page" list: one link per other page of the catalog
    links = {link.proto.page: link.label for link in at.get("page_link")}
    assert {spec.blurb for spec in PAGES if not spec.default} <= set(links.values())


@pytest.mark.parametrize("spec", PAGES, ids=lambda spec: spec.name)
def test_every_page_says_what_to_do_on_an_empty_models_folder(
    spec: PageSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "models"
    empty.mkdir()
    monkeypatch.setenv(MODELS_DIR_ENV, str(empty))
    at = open_page(spec)
    assert not at.exception, [e.value for e in at.exception]
    assert [title.value for title in at.title] == [spec.heading]
    assert not at.error
    messages = [m.value for m in (*at.info, *at.warning)]
    if spec.reads_runs:  # one message: which folder is empty and how to fill it
        (message,) = [m for m in messages if str(empty) in m]
        assert SMOKE in message
    else:  # a page that needs no runs has nothing to warn about
        assert messages == []


@pytest.mark.integration
@pytest.mark.parametrize("spec", PAGES, ids=lambda spec: spec.name)
def test_every_page_renders_the_shipped_models(
    spec: PageSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    cells = [json.loads(p.read_text("utf-8")) for p in SHIPPED.glob("*/cell.json")]
    if not cells:
        pytest.skip("no shipped grid cells")
    monkeypatch.setenv(MODELS_DIR_ENV, str(SHIPPED))
    at = open_page(spec)
    assert not at.exception, [e.value for e in at.exception]
    assert [title.value for title in at.title] == [spec.heading]
    assert not at.error, [e.value for e in at.error]
    assert not any(str(SHIPPED) in i.value for i in at.info)  # no "no runs here" message
    if spec.reads_runs:  # the shipped runs are what it shows: a shipped pair appears
        shown = text_of(at)
        pairs = {cell["pair"] for cell in cells}
        assert any(p in shown or p.replace("-", "→") in shown for p in pairs), spec.name
