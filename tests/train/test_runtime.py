"""Runtime (device, precision): a runtime choice that never changes a run's identity or its
checkpoint format; mixed precision runs on the CPU too (bf16 autocast, fp16 with a loss
scaler), so the GPU code path is exercised here."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from xner.data.resolve import load_split
from xner.errors import XnerError
from xner.evaluate.runner import EvalSettings, evaluate_checkpoint
from xner.runs.records import read_log
from xner.train import AdaptArgs, RunConfig, SelfTrainArgs, TrainArgs, predict_split, train_run
from xner.train.runtime import Runtime

ARGS = TrainArgs(method="full", learning_rate=5e-3, max_steps=4, per_device_train_batch_size=4)


def config(setting: str = "transfer", **changes) -> RunConfig:
    base = RunConfig(
        backbone="tiny",
        hrl="es",
        lrl="ar",
        setting=setting,
        args=ARGS,
        adapt=AdaptArgs(steps=2, batch_size=4),
        self_training=SelfTrainArgs(max_unlabelled_sentences=6),
    )
    return replace(base, **changes)


def stored(path: Path) -> dict[str, torch.dtype]:
    return {k: v.dtype for k, v in load_file(str(path / "model.safetensors")).items()}


def test_auto_is_the_cpu_in_fp32_without_a_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert Runtime().resolved() == Runtime("cpu", "fp32")
    assert Runtime(precision="bf16").resolved() == Runtime("cpu", "bf16")
    with pytest.raises(XnerError, match="torch sees no CUDA GPU"):
        Runtime("cuda").resolved()
    with Runtime("cpu", "fp32").autocast():
        assert not torch.is_autocast_enabled("cpu")
    with Runtime("cpu", "bf16").autocast():
        assert torch.get_autocast_dtype("cpu") == torch.bfloat16


def test_auto_on_a_gpu_is_bf16_where_supported(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    assert Runtime().resolved() == Runtime("cuda", "bf16")
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: False)
    assert Runtime("cuda:1").resolved() == Runtime("cuda:1", "fp16")


@pytest.mark.parametrize(
    ("fields", "message"),
    [({"device": "tpu"}, "device 'tpu'"), ({"precision": "fp8"}, "precision 'fp8'")],
)
def test_unknown_devices_and_precisions_are_named(fields, message):
    with pytest.raises(XnerError, match=message):
        Runtime(**fields)


@pytest.fixture(scope="module")
def fp32_run(env: dict[str, Path]) -> Path:
    return train_run(config(), env["models"] / "fp32", runtime=Runtime("cpu", "fp32"))


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_mixed_precision_trains_and_saves_the_same_format(
    precision: str, fp32_run: Path, env: dict[str, Path]
):
    path = train_run(config(), env["models"] / precision, runtime=Runtime("cpu", precision))
    files = sorted(p.relative_to(path) for p in path.rglob("*"))
    assert files == sorted(p.relative_to(fp32_run) for p in fp32_run.rglob("*"))
    assert stored(path) == stored(fp32_run)  # fp16 weights, as always
    config_json, fp32_json = (json.loads((p / "config.json").read_text()) for p in (path, fp32_run))
    assert config_json["run_id"] == fp32_json["run_id"]  # the same experiment
    assert config_json.keys() == fp32_json.keys() and "precision" not in json.dumps(config_json)
    log = read_log(path)
    assert (log[0]["device"], log[0]["precision"]) == ("cpu", precision)
    assert read_log(fp32_run)[0]["precision"] == "fp32"
    losses = [r["loss"] for r in log if "loss" in r]
    assert len(losses) == ARGS.max_steps and all(loss == loss for loss in losses)  # no NaN
    assert losses != [r["loss"] for r in read_log(fp32_run) if "loss" in r]  # autocast was on
    outcomes = evaluate_checkpoint(
        path, EvalSettings(perturbations=("mask",), n_resamples=20), runtime=Runtime("cpu", "bf16")
    )
    assert [o.perturbation for o in outcomes] == ["clean", "mask"]
    test = load_split("panx", "ar", "test", limit=4)
    assert [len(p) for p in predict_split(path, test)] == [len(s) for s in test]


@pytest.mark.parametrize("setting", ["adapted-transfer", "self-training"])
def test_adaptation_and_self_training_run_in_bf16(setting: str, env: dict[str, Path]):
    path = train_run(config(setting), env["models"] / setting, runtime=Runtime("cpu", "bf16"))
    assert read_log(path)[0]["precision"] == "bf16"
    assert (path / "config.json").is_file()


def test_thread_count_follows_omp_num_threads_where_set(monkeypatch) -> None:
    import torch

    from xner.train.loop import set_threads

    before = torch.get_num_threads()
    try:
        monkeypatch.setenv("OMP_NUM_THREADS", "1")
        assert set_threads() == 1 and torch.get_num_threads() == 1  # e.g. a 1-CPU Ray task
        monkeypatch.setenv("OMP_NUM_THREADS", "not a number")  # ignored: every core
        assert set_threads() == len(os.sched_getaffinity(0))
        assert set_threads(3) == 3  # an explicit train.num_threads wins
    finally:
        torch.set_num_threads(before)
