"""AppTest: the train page trains and evaluates a tiny run that the other pages then see."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from xner.runs.index import list_runs

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "pages" / "train.py")


def test_train_page_renders_its_controls_from_the_registries(pipeline_env: dict[str, Path]):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    labels = {s.label: s for s in at.selectbox}
    assert labels["Backbone"].value == "tiny"
    assert "multilingual-e5-small" in labels["Backbone"].options
    assert {"native", "transfer"} <= set(labels["Setting"].options)
    assert set(labels["Method"].options) == {"full", "lora"}


def test_train_and_evaluate_then_the_explorer_sees_the_run(pipeline_env: dict[str, Path]):
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    labels = {s.label: s for s in at.selectbox}
    labels["Pair (HRL-LRL)"].set_value("other pair…")
    next(t for t in at.text_input if t.label == "Other pair").input("es-gl")
    next(n for n in at.number_input if n.label == "Training steps").set_value(3)
    next(n for n in at.number_input if n.label == "Batch size").set_value(4)
    at.multiselect[0].set_value(["mask"])
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert "is ready" in at.success[0].value
    table = at.dataframe[0].value
    assert table["perturbation"].tolist() == ["clean", "mask"]
    (run,) = list_runs(pipeline_env["models"])
    from xner.runs.records import read_eval

    stored = read_eval(run.path, "panx/gl/test", "clean").to_dict()["result"]["scores"]["strict"]
    # F1 in points, one decimal, as everywhere a person reads it
    assert table["strict F1 (×100)"][0] == round(100 * stored["overall"]["f1"], 1)
    assert run.config.setting == "transfer" and run.config.args.max_steps == 3
    # The same configuration again: a message, not a crash or a silent overwrite.
    at.button[0].click().run()
    assert not at.exception and "already exists" in at.warning[0].value
    explorer = AppTest.from_file(str(ROOT / "pages" / "explorer.py"), default_timeout=60).run()
    assert not explorer.exception
    assert run.path.name in explorer.selectbox[0].value


def test_a_bad_pair_gets_a_message(pipeline_env: dict[str, Path]):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    next(s for s in at.selectbox if s.label == "Pair (HRL-LRL)").set_value("other pair…")
    next(t for t in at.text_input if t.label == "Other pair").input("nonsense")
    at.button[0].click().run()
    assert not at.exception and "Cannot start this run" in at.error[0].value


def test_setting_and_method_choices_are_described_as_declared(pipeline_env: dict[str, Path]):
    from xner.app.controls import summary
    from xner.train import METHODS, SETTINGS

    at = AppTest.from_file(PAGE, default_timeout=60).run()
    labels = {s.label: s for s in at.selectbox}
    declared = list(SETTINGS)
    assert labels["Setting"].options == declared and labels["Setting"].value == "transfer"
    assert labels["Setting"].help.splitlines() == [
        f"- **{name}**: {summary(SETTINGS[name])}" for name in declared
    ]
    assert labels["Method"].options == list(METHODS)
    assert labels["Method"].help.splitlines() == [
        f"- **{name}**: {summary(spec)}" for name, spec in METHODS.items()
    ]
