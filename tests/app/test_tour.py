"""AppTest: the teaching tour walks forward and back, and its perturbation choice acts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from xner.app.tour import STEPS
from xner.config import MODELS_DIR_ENV

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "tour.py")


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def sentences(at: AppTest) -> str:
    return "".join(m.value for m in at.markdown if "xner-sentence" in m.value)


def test_next_and_back_walk_every_step():
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert at.header[0].value == STEPS[0].title
    assert button(at, "← Back").disabled
    for step in STEPS[1:]:
        button(at, "Next →").click().run()
        assert not at.exception
        assert at.header[0].value == step.title
    assert button(at, "Next →").disabled
    button(at, "← Back").click().run()
    assert at.header[0].value == STEPS[-2].title


def test_perturbation_choice_and_redraw_change_the_examples():
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["tour_step"] = 2  # "What a perturbation does"
    at.run()
    assert not at.exception
    masked = sentences(at)
    assert "[MASK]" in masked and 'dir="rtl"' in masked
    at.radio[0].set_value("case").run()
    assert not at.exception
    cased = sentences(at)
    assert "[MASK]" not in cased and "ольга" in cased
    at.radio[0].set_value("typos").run()
    before = sentences(at)
    for _ in range(3):  # a new seed draws other typos (three tries rule out a coincidence)
        button(at, "Re-draw the random choices").click().run()
        if sentences(at) != before:
            break
    assert sentences(at) != before


def test_overlap_step_shows_live_numbers():
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["tour_step"] = 3
    at.run()
    assert not at.exception
    assert at.metric[0].value == "1 of 4"
    # p1 on the tour's own sentences: the Persian example kept, its perturbed line drawn
    assert "شیراز" in sentences(at) and "perturbed (p1)" in sentences(at)


def last_step(models: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv(MODELS_DIR_ENV, str(models))
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["tour_step"] = len(STEPS) - 1  # "How to read the charts"
    return at.run()


def test_step_six_draws_one_pairs_drops_from_the_runs(monkeypatch: pytest.MonkeyPatch):
    from xner.analysis.table import load_results
    from xner.app.tour import example_drops

    shipped = ROOT / "models"
    if not list(shipped.glob("*/cell.json")):
        pytest.skip("no shipped grid cells")
    at = last_step(shipped, monkeypatch)
    assert not at.exception
    title, drops, _, _ = example_drops(load_results(shipped))
    assert not drops.empty
    (chart,) = [c for c in at.get("plotly_chart") if c.key == "tour-chart"]
    spec = json.loads(chart.proto.spec)
    assert spec["layout"]["title"]["text"] == title
    assert spec["data"][0]["y"] == list(drops.index)
    assert spec["data"][0]["x"] == list(drops.columns)


def test_step_six_without_runs_says_how_to_get_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    at = last_step(tmp_path, monkeypatch)
    assert not at.exception
    assert not [c for c in at.get("plotly_chart") if c.key == "tour-chart"]
    (message,) = [i.value for i in at.info if "No evaluated runs yet" in i.value]
    assert "xner grid configs/smoke-tiny.yaml" in message
