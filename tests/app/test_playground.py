"""AppTest: the playground tags typed text, perturbs it, compares checkpoints, and
answers bad input with a message."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from xner.config import DATA_DIR_ENV, MODELS_DIR_ENV
from xner.perturb.spec import ParamSpec

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "playground.py")


@pytest.fixture(scope="module")
def runs(tiny_runs: Callable[..., Path]) -> Path:
    return tiny_runs("app-playground", settings=("native", "transfer"), perturbations=("mask",))


@pytest.fixture
def fresh_caches() -> Iterator[None]:
    """Streamlit's caches emptied before and after: the page's resources (data local or
    not) are cached per checkpoint, across AppTest runs in this process."""
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


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


def perturbation(at: AppTest):
    return next(s for s in at.selectbox if s.label == "Perturbation")


def test_case_draws_the_perturbed_line_when_it_changes_a_word(runs: Path):
    # case lower-cases every word (target "all"), entity or not: the example sentence's
    # capitals change whatever the model tags
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    perturbation(at).set_value("case").run()
    assert not at.exception
    clean, perturbed = sentences(at)
    assert "perturbed (case)" in perturbed and "edited" in perturbed
    assert "kervella" not in clean and "kervella" in perturbed
    assert not [i.value for i in at.info if "changed nothing" in i.value]


def test_case_on_a_lowercase_sentence_says_it_changed_nothing(runs: Path):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.text_area[0].input("ana vive en brenn con xoan .").run()
    perturbation(at).set_value("case").run()
    assert not at.exception
    assert len(sentences(at)) == 1  # the typed line only
    (message,) = [i.value for i in at.info if "changed nothing" in i.value]
    assert message.startswith("case changed nothing here (no eligible entity or word)")


def test_a_parameter_widget_changes_the_perturbation(runs: Path):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    perturbation(at).set_value("case").run()
    at.selectbox(key="param-case.mode").set_value("upper").run()
    assert not at.exception
    perturbed = sentences(at)[1]
    assert "KERVELLA" in perturbed and "kervella" not in perturbed


def test_the_second_checkpoint_is_compared_on_the_clean_and_the_perturbed_text(runs: Path):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    perturbation(at).set_value("typos").run()
    next(n for n in at.number_input if n.label.startswith("Seed")).set_value(3).run()
    assert not at.exception
    assert len(sentences(at)) == 2  # typos (rate 0.2 of every word) changed the sentence
    second = next(s for s in at.selectbox if s.label == "Second checkpoint")
    second.select_index(1).run()
    assert not at.exception
    assert any(m.value.startswith("**Only the first:**") for m in at.markdown)
    shown = sentences(at)
    assert len(shown) == 4  # first clean, first perturbed, second clean, second perturbed
    assert "clean ·" in shown[2] and "perturbed ·" in shown[3]
    assert any(" under typos** — lost:" in m.value for m in at.markdown)


def widget_of(at: AppTest, spec: ParamSpec, key: str):
    if spec.choices:
        return at.selectbox(key=key)
    if spec.type == "bool":
        return at.checkbox(key=key)
    if spec.type in ("int", "float"):
        return at.number_input(key=key)
    return at.text_input(key=key)


def test_parameter_widgets_are_built_from_the_declarations(runs: Path):
    from xner.app.controls import param_key
    from xner.app.playground import FIXED, needs_reference
    from xner.perturb import kinds

    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert perturbation(at).options == ["(none)", *(spec.name for spec in kinds())]
    checked = set()
    for spec in kinds():
        if not spec.params or needs_reference(spec.name):
            continue  # p1 / p2 need the pair's data loaded: their widgets are built the same
        perturbation(at).set_value(spec.name).run()
        assert not at.exception, spec.name
        for param in spec.params:
            key = param_key(f"param-{spec.name}", param)
            if param.name in FIXED:  # set from the checkpoint, not offered
                assert not [w for w in at.get("text_input") if w.key == key]
                continue
            widget = widget_of(at, param, key)
            assert widget.label == param.name and widget.help == param.help, key
            assert widget.value == param.default, key
            if param.choices:
                assert widget.options == list(param.choices)
            elif param.type in ("int", "float"):
                assert widget.min == param.min and widget.max == param.max, key
            checked.add(param.type if not param.choices else "choices")
    assert checked == {"float", "int", "str", "bool", "choices"}  # every kind of widget


def test_kinds_needing_hrl_data_explain_when_the_pair_is_not_local(
    runs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_caches: None
):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))  # no es/gl WikiANN files here
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    perturbation(at).set_value("p1").run()
    assert not at.exception
    (warning,) = [w.value for w in at.warning if w.value.startswith("**p1** replaces")]
    assert "es-gl pair's WikiANN files" in warning and "they are not there" in warning
    assert len(sentences(at)) == 1  # nothing perturbed


def test_kinds_needing_hrl_data_run_when_the_pair_is_local(runs: Path, fresh_caches: None):
    at = AppTest.from_file(PAGE, default_timeout=60).run()  # the fixture's es/gl data
    perturbation(at).set_value("p1").run()
    assert not at.exception
    assert not [w.value for w in at.warning if "replaces what" in w.value]
    assert at.selectbox(key="param-p1.reference").value == "own"


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
