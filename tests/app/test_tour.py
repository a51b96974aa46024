"""AppTest: the teaching tour walks forward and back, and its perturbation choice acts."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from xner.tour import STEPS

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "tour.py")


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
    assert "شیراز" in sentences(at) or "perturbed (p1)" in sentences(at)


def test_step_six_draws_one_pairs_drops_from_the_runs():
    from xner.config import models_dir
    from xner.results import load_results
    from xner.tour import example_drops

    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["tour_step"] = len(STEPS) - 1  # "How to read the charts"
    at.run()
    assert not at.exception
    title, drops, _, _ = example_drops(load_results(models_dir()))
    charts = [c for c in at.get("plotly_chart") if c.key == "tour-chart"]
    if drops.empty:
        assert not charts and "No evaluated runs yet" in at.info[0].value
        return
    spec = json.loads(charts[0].proto.spec)
    assert spec["layout"]["title"]["text"] == title
    assert spec["data"][0]["y"] == list(drops.index)
    assert spec["data"][0]["x"] == list(drops.columns)
