"""AppTest: the playground tags typed text, perturbs it, compares checkpoints, and
answers bad input with a message."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from xner.config import MODELS_DIR_ENV

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "playground.py")


@pytest.fixture(scope="module")
def runs(tiny_runs: Callable[..., Path]) -> Path:
    return tiny_runs("app-playground", settings=("native", "transfer"), perturbations=("mask",))


def sentences(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if "xner-sentence" in m.value]


def test_typed_text_is_tagged_and_a_new_sentence_changes_the_view(runs: Path):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    first = sentences(at)
    assert len(first) == 1 and "Kervella" in first[0] and "<sub" in first[0]  # confidences
    at.text_area[0].input("Тарас Коваль живе в Ужгороді .").run()
    assert not at.exception
    assert "Коваль" in sentences(at)[0] and "Kervella" not in sentences(at)[0]


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        ("", "warning", "empty"),
        ("   ", "warning", "empty"),
        ("Ana vive en Brenn. " * 200, "info", "only the first 2,000"),
        ("Ana 🎉 vive en Brenn 👩‍🔬", "info", "Emoji"),
        ("Ana vive en تهران با Ольга", "info", "Mixed scripts"),
    ],
)
def test_bad_input_gets_a_clear_message(runs: Path, text: str, kind: str, message: str):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.text_area[0].input(text).run()
    assert not at.exception
    assert any(message in element.value for element in getattr(at, kind))


def test_rtl_text_renders_right_to_left(runs: Path):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.text_area[0].input("احمد در شیراز زندگی می‌کند").run()
    assert not at.exception
    assert 'dir="rtl"' in sentences(at)[0]


def test_live_perturbation_and_comparison(runs: Path):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    perturbation = next(s for s in at.selectbox if s.label == "Perturbation")
    perturbation.set_value("case").run()
    assert not at.exception
    shown = sentences(at)
    if len(shown) == 2:  # the model found entities: the perturbed line is drawn
        assert "perturbed (case)" in shown[1] and "edited" in shown[1]
    else:  # nothing to perturb: said so
        assert any("changed nothing" in i.value for i in at.info)
    # Kinds that need no entities always change something.
    next(s for s in at.selectbox if s.label == "Perturbation").set_value("typos").run()
    next(n for n in at.number_input if n.label.startswith("Seed")).set_value(3).run()
    assert not at.exception
    second = next(s for s in at.selectbox if s.label == "Second checkpoint")
    second.select_index(1).run()
    assert not at.exception
    assert any(m.value.startswith("**Only the first:**") for m in at.markdown)
    # typos changed the sentence: the second checkpoint is drawn, labelled, on both lines
    shown = sentences(at)
    assert any("clean ·" in s for s in shown) and any("perturbed ·" in s for s in shown)
    assert any(" under typos** — lost:" in m.value for m in at.markdown)


def test_kinds_needing_hrl_data_explain_when_the_pair_is_not_local(runs: Path):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    next(s for s in at.selectbox if s.label == "Perturbation").set_value("p1").run()
    assert not at.exception  # es-gl data is local in the fixture: p1 runs or says why not
    assert not any("Traceback" in e.value for e in at.error)


def test_no_checkpoints_says_how_to_get_them(
    runs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(MODELS_DIR_ENV, str(tmp_path / "none"))
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception and "Train" in at.info[0].value


def test_concat_on_one_typed_sentence_says_it_needs_two(runs: Path):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    next(s for s in at.selectbox if s.label == "Perturbation").set_value("concat").run()
    assert not at.exception
    (message,) = [i.value for i in at.info if "changed nothing" in i.value]
    assert "joins two sentences" in message and "another seed" not in message


def test_a_damaged_checkpoint_is_marked_broken_not_offered(
    runs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import shutil

    folder = tmp_path / "models"
    shutil.copytree(runs, folder)
    damaged = sorted(p for p in folder.iterdir() if (p / "config.json").is_file())[0]
    weights = next(damaged.rglob("*.safetensors"))
    weights.write_bytes(weights.read_bytes()[:100])  # truncated
    monkeypatch.setenv(MODELS_DIR_ENV, str(folder))
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    (warning,) = [w.value for w in at.warning if "cannot be used" in w.value]
    assert weights.name in warning and "damaged" in warning
    offered = next(s for s in at.selectbox if s.label == "Checkpoint").options
    assert not any(damaged.name in option for option in offered)
