"""AppTest: the tour tags its examples with a trained checkpoint when asked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from xner.app.playground import predict_tokens
from xner.app.tour import BY_KEY, STEPS, default_checkpoint
from xner.app.views import SentenceView, SideView, view_marks
from xner.evaluate.errors import sentence_errors
from xner.viz.tokens import render_tokens

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "tour.py")


@pytest.fixture(scope="module")
def runs(tiny_runs: Callable[..., Path]) -> Path:
    return tiny_runs("app-tour", settings=("native", "transfer"), perturbations=("mask",))


def sentences(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if "xner-sentence" in m.value]


def test_the_toggle_shows_a_checkpoints_predictions(runs: Path):
    from xner.runs.checkpoint import load_checkpoint

    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    gold_only = sentences(at)
    assert not at.selectbox  # no model until asked
    at.toggle(key="tour_model").set_value(True).run()
    assert not at.exception
    chosen = at.selectbox(key="tour_checkpoint").value
    model, tokenizer, _ = load_checkpoint(chosen)
    shown = sentences(at)
    assert shown != gold_only
    for example, html in zip(STEPS[0].examples, shown, strict=True):
        entry = BY_KEY[example.sentence]
        pred = predict_tokens(model, tokenizer, entry.tokens).tags
        errors = tuple(sentence_errors(entry.key, entry.tags, pred))
        view = SentenceView(entry.key, SideView(entry.tokens, entry.tags, pred, errors))
        assert html == render_tokens(entry.tokens, view_marks(view, "clean"))
    at.toggle(key="tour_model").set_value(False).run()
    assert sentences(at) == gold_only


def test_the_first_checkpoint_is_a_transfer_run_of_the_tours_pair():
    runs = [("a", "es-gl", "native"), ("b", "ar-fa", "native"), ("c", "ar-fa", "transfer")]
    assert default_checkpoint(runs) == 2
    assert default_checkpoint(runs[:2]) == 1
    assert default_checkpoint(runs[:1]) == 0
