"""Evaluating a checkpoint on its clean and perturbed test sets (tiny backbone)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from xner.cli import app
from xner.errors import XnerError
from xner.evaluate.result import EvalResult
from xner.evaluate.runner import EvalSettings, evaluate_checkpoint, expand_perturbations
from xner.perturb import kinds
from xner.runs.records import read_eval, read_predictions
from xner.train.finetune import TrainArgs
from xner.train.run import train_run
from xner.train.runconfig import RunConfig


@pytest.fixture(scope="module")
def checkpoint(pipeline_env):
    config = RunConfig(
        backbone="tiny",
        hrl="es",
        lrl="gl",
        setting="transfer",
        args=TrainArgs(max_steps=6, per_device_train_batch_size=4, seed=3),
    )
    return train_run(config, pipeline_env["models"] / "es-gl-transfer")


def test_expand_perturbations_puts_clean_first_and_expands_all():
    assert expand_perturbations(["p1", "mask,p1"]) == ("clean", "p1", "mask")
    everything = expand_perturbations(["all"])
    assert everything[0] == "clean"
    assert "p1+p2" in everything and "concat" not in everything
    plain = {name for name in everything[1:] if "@" not in name}
    assert plain <= {spec.name for spec in kinds()}
    assert {name for name in everything if "@" in name} == {"p1@hrl", "p2@hrl", "p1+p2@hrl"}


def test_evaluate_writes_results_predictions_and_paired_drops(checkpoint):
    outcomes = evaluate_checkpoint(
        checkpoint, EvalSettings(perturbations=("p1", "mask"), n_resamples=100)
    )
    assert [o.perturbation for o in outcomes] == ["clean", "p1", "mask"]
    for outcome in outcomes[1:]:  # every perturbed set says how much it changed
        stored = json.loads(outcome.eval_path.read_text("utf-8"))
        found = stored["coverage"]
        assert found["mentions_total"] > 0 and found["sentences_total"] > 0
        if outcome.perturbation == "p1":  # a transfer run's own training data: es train
            assert found["reference"] == "own" and found["reference_data"].startswith("es/train")
        else:
            assert found["reference"] is None and found["reference_data"] is None
    clean, p1, mask = outcomes
    assert clean.degradation is None
    for outcome in (p1, mask):
        drop = outcome.degradation["drops"]["strict"]["micro_f1"]
        assert drop["clean"] == pytest.approx(clean.result.f1)
        assert drop["perturbed"] == pytest.approx(outcome.result.f1)
    stored = read_eval(checkpoint, "panx/gl/test", "mask").to_dict()
    assert stored["result"]["perturbation"] == "mask"
    predictions = read_predictions(checkpoint, "panx/gl/test", "clean")
    assert len(predictions) == clean.result.n_sentences
    assert set(predictions[0]) == {"id", "hash", "tags"}  # never the sentence text
    # p1 replaced the entity shared with es train ("Ana Lopa"), so its hashes differ.
    p1_predictions = read_predictions(checkpoint, "panx/gl/test", "p1")
    assert any(a["hash"] != b["hash"] for a, b in zip(predictions, p1_predictions, strict=True))


def test_re_evaluation_reproduces_stored_numbers(checkpoint):
    settings = EvalSettings(perturbations=("mask",), n_resamples=50, seed=7)
    first = evaluate_checkpoint(checkpoint, settings)
    stored = json.loads(first[1].eval_path.read_text("utf-8"))
    second = evaluate_checkpoint(checkpoint, settings)
    assert json.loads(second[1].eval_path.read_text("utf-8")) == stored


def test_unknown_perturbation_fails_before_loading(checkpoint):
    with pytest.raises(XnerError, match="nonsense"):
        evaluate_checkpoint(checkpoint, EvalSettings(perturbations=("nonsense",)))


def test_train_and_evaluate_commands(pipeline_env, tmp_path):
    runner = CliRunner()
    out = tmp_path / "run"
    trained = runner.invoke(
        app,
        ["train", "--pair", "es-gl", "--backbone", "tiny", "--method", "lora",
         "--max-steps", "3", "--arg", "per_device_train_batch_size=4", "--out", str(out)],
    )  # fmt: skip
    assert trained.exit_code == 0, trained.output
    assert (out / "config.json").is_file()
    evaluated = runner.invoke(app, ["evaluate", str(out), "-p", "mask", "--resamples", "20"])
    assert evaluated.exit_code == 0, evaluated.output
    assert "clean" in evaluated.output and "mask" in evaluated.output
    assert (out / "eval" / "panx-gl-test__mask.json").is_file()
    log = (out / "train_log.jsonl").read_text("utf-8").splitlines()[0]
    assert '"device": "cpu"' in log and '"precision": "fp32"' in log
    bf16 = runner.invoke(
        app, ["evaluate", str(out), "--resamples", "5", "--device", "cpu", "--precision", "bf16"]
    )
    assert bf16.exit_code == 0, bf16.output
    bad = runner.invoke(app, ["evaluate", str(out), "--precision", "fp8"])
    assert bad.exit_code != 0 and "precision 'fp8'" in str(bad.exception)


def test_train_command_passes_setting_blocks(pipeline_env, tmp_path):
    out = tmp_path / "adapted"
    result = CliRunner().invoke(
        app,
        ["train", "--pair", "es-gl", "--setting", "adapted-transfer", "--backbone", "tiny",
         "--method", "lora", "--max-steps", "2", "--arg", "per_device_train_batch_size=4",
         "--adapt", "steps=2", "--adapt", "method=lora", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    config = json.loads((out / "config.json").read_text("utf-8"))
    assert config["adapt"]["steps"] == 2 and config["adapt"]["method"] == "lora"
    bad = CliRunner().invoke(
        app, ["train", "--pair", "es-gl", "--backbone", "tiny", "--adapt", "stepz=2"]
    )
    assert bad.exit_code != 0
    assert "--adapt" in str(bad.exception) and "stepz" in str(bad.exception)


def test_stored_evaluations_leave_out_error_records_but_keep_counts(checkpoint):
    evaluate_checkpoint(checkpoint, EvalSettings(n_resamples=20))
    stored = read_eval(checkpoint, "panx/gl/test", "clean").to_dict()["result"]
    assert "errors" not in stored and "error_counts" in stored
    restored = EvalResult.from_dict(stored)
    assert restored.errors == () and restored.error_counts == stored["error_counts"]
