"""AppTest: the paper-vs-xner page, with and without this project's runs."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "reference.py")


@pytest.fixture(scope="module")
def runs(tiny_runs: Callable[..., Path]) -> Path:
    return tiny_runs("app-results")


def test_published_numbers_without_runs(tmp_path: Path) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.sidebar.text_input[0].set_value(str(tmp_path)).run()
    assert not at.exception
    assert "published numbers only" in at.info[0].value
    pair_by_pair, table = at.dataframe[0].value, at.dataframe[1].value
    assert set(table["source"]) == {"paper"} and set(table["setting"]) == {"transfer"}
    assert set(pair_by_pair["xner clean F1 (95% CI)"]) == {"–"}  # no runs of ours
    assert "74.3 / 66.3" in set(pair_by_pair["paper clean F1 (mBERT / XLM-R)"])  # fr→br
    before = at.get("plotly_chart")[0].proto.spec
    at.radio(key="setting").set_value("native").run()
    assert set(at.dataframe[1].value["setting"]) == {"native"}
    assert at.get("plotly_chart")[0].proto.spec != before


def test_our_runs_beside_the_paper(runs: Path) -> None:
    started = time.perf_counter()
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    print(f"reference first render: {time.perf_counter() - started:.2f} s")
    assert not at.exception
    # es-gl is not a paper pair: choose it next to one that is
    at.multiselect(key="pairs").set_value(["es-gl", "fr-br"]).run()
    assert not at.exception
    table = at.dataframe[1].value
    assert set(table["source"]) == {"paper", "xner"}
    wide = at.dataframe[0].value.set_index("pair")
    assert wide.loc["es→gl", "xner clean F1 (95% CI)"] != "–"  # ours, with its interval
    assert wide.loc["fr→br", "paper clean F1 (mBERT / XLM-R)"] == "74.3 / 66.3"
    ours = table[table["source"] == "xner"]
    assert set(ours["model"]) == {"tiny"} and set(ours["perturbation"]) == {"clean", "p1"}
    assert all("PAN-X" in split for split in ours["split"])
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert "xner (this project) · tiny" in [trace["name"] for trace in spec["data"]]
    at.multiselect(key="pairs").set_value([]).run()
    assert not at.exception and "Choose at least one pair" in at.info[0].value


def test_the_papers_kinds_are_described_as_declared(tmp_path: Path) -> None:
    from xner.app.controls import summary
    from xner.perturb import get

    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.sidebar.text_input[0].set_value(str(tmp_path)).run()
    kind = at.radio(key="kind")
    assert kind.options == ["p1+p2", "p1", "p2"] and kind.value == "p1+p2"
    assert kind.help.splitlines() == [f"- **{k}**: {summary(get(k))}" for k in kind.options]
