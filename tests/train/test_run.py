"""train_run -> save -> load -> predict on the tiny backbone; seeds; LoRA size; settings."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from xner.data.resolve import load_split
from xner.errors import XnerError
from xner.runs.checkpoint import load_checkpoint
from xner.runs.index import list_runs
from xner.runs.records import read_log
from xner.train import RunConfig, TrainArgs, TrainProgress, predict_split, train_run
from xner.train.finetune import span_f1
from xner.train.run import Job, train_model
from xner.train.settings import SETTINGS, SettingSpec

ARGS = TrainArgs(
    method="full", learning_rate=5e-3, num_train_epochs=2, per_device_train_batch_size=4, seed=7
)


def config(**changes) -> RunConfig:
    return replace(RunConfig(backbone="tiny", hrl="es", lrl="ar", setting="transfer"), **changes)


@pytest.fixture(scope="module")
def full_run(env: dict[str, Path]) -> Path:
    return train_run(config(args=ARGS), env["models"] / "full")


def test_train_save_load_predict(full_run: Path, env: dict[str, Path]) -> None:
    _, _, run = load_checkpoint(full_run)
    assert run.setting == "transfer" and set(run.data_hashes) == {"hrl/train"}
    assert run.versions["torch"] and run.run_id in read_log(full_run)[0]["run_id"]
    test = load_split("panx", "ar", "test")
    predictions = predict_split(full_run, test)
    assert [len(p) for p in predictions] == [len(s) for s in test]
    assert [p.id for p in predictions] == [s.id for s in test]
    assert 0 <= span_f1([s.tags for s in test], [p.tags for p in predictions]) <= 1
    steps = [r for r in read_log(full_run) if "loss" in r]
    train = load_split("panx", "es", "train")
    assert len(steps) == 2 * -(-len(train) // 4)  # 2 epochs of ceil(sentences / batch)
    assert [r.stem for r in list_runs(env["models"])[0].path.iterdir()] != []


def test_same_seed_same_weights(full_run: Path, env: dict[str, Path]) -> None:
    again = train_run(config(args=ARGS), env["models"] / "again")
    a, b = (
        load_file(str(full_run / "model.safetensors")),
        load_file(str(again / "model.safetensors")),
    )
    assert a.keys() == b.keys() and all((a[k] == b[k]).all() for k in a)
    other = train_run(config(args=replace(ARGS, seed=8)), env["models"] / "other")
    c = load_file(str(other / "model.safetensors"))
    # (another seed's embedding rows can differ in number: compare keys and whole tensors)
    assert a.keys() != c.keys() or any(not torch.equal(a[k], c[k]) for k in a)
    test = load_split("panx", "ar", "test", limit=5)
    assert predict_split(full_run, test) == predict_split(again, test)


def test_lora_checkpoint_holds_adapter_and_head_only(env: dict[str, Path]) -> None:
    args = replace(ARGS, method="lora", lora_r=2, lora_alpha=4, max_steps=3)
    path = train_run(config(args=args, setting="combined"), env["models"] / "lora")
    assert not (path / "model.safetensors").exists()
    adapter = load_file(str(path / "adapter" / "adapter_model.safetensors"))
    assert any("lora_A" in k for k in adapter) and any("classifier" in k for k in adapter)
    # LoRA factors (also on the dense layers), never the base weights themselves.
    base_weights = [k for k in adapter if "lora_" not in k and "classifier" not in k]
    assert not base_weights
    model, _, run = load_checkpoint(path)
    base = sum(p.numel() for n, p in model.named_parameters() if "lora" not in n)
    assert sum(t.numel() for t in adapter.values()) < base / 10
    assert set(run.data_hashes) == {"hrl/train", "lrl/train"}
    assert len(predict_split(path, load_split("panx", "ar", "test", limit=3))) == 3


def test_frozen_embeddings_are_not_stored(env: dict[str, Path]) -> None:
    args = replace(ARGS, freeze_embeddings=True, max_steps=2)
    path = train_run(config(args=args, setting="native"), env["models"] / "frozen")
    stored = load_file(str(path / "model.safetensors"))
    assert stored and not any("embeddings" in k for k in stored)
    load_checkpoint(path)


def test_progress_caps_and_early_stopping(env: dict[str, Path]) -> None:
    seen: list[TrainProgress] = []
    args = replace(
        ARGS,
        max_steps=50,
        max_train_sentences=8,
        eval_steps=1,
        early_stopping_patience=1,
        learning_rate=1e-1,
        early_stopping_metric="f1",
    )
    path = train_run(config(args=args), env["models"] / "early", progress=seen.append)
    assert seen and seen[-1].step < 50 and seen[0].total_steps == 50
    assert any(p.dev is not None and "f1" in p.dev for p in seen)
    assert read_log(path)[0]["train_sentences"] == 8


def test_run_id_ignores_versions_and_unknown_names_are_named() -> None:
    a = config()
    assert a.run_id == replace(a, versions={"torch": "x"}).run_id != config(lrl="fa").run_id
    assert RunConfig.from_dict(a.to_dict()) == a
    with pytest.raises(XnerError, match="unknown setting 'nope'; known: native, transfer"):
        config(setting="nope")
    with pytest.raises(
        XnerError, match=r"TrainArgs\.method: unknown training method 'prefix'; known: full, lora"
    ):
        TrainArgs(method="prefix")


def test_a_setting_is_its_declared_data_and_a_strategy(env: dict[str, Path]) -> None:
    """train_model reads the splits a setting declares and hands them to its strategy;
    it never asks which setting it runs (a new one is a new entry)."""
    seen: list[Job] = []

    def build(job: Job) -> str:
        seen.append(job)
        return "built"

    spec = SettingSpec(
        "lrl-train-only", "a test setting", (("lrl", "train"),), (), ("lrl", "test"), build
    )
    SETTINGS.register(spec.name, spec)
    try:
        assert train_model(config(setting=spec.name, args=ARGS)) == "built"
        assert "adapt" not in config(setting=spec.name).to_dict()
    finally:
        SETTINGS.unregister(spec.name)
    [job] = seen
    assert list(job.hashes) == ["lrl/train"] and job.dev == []
    assert job.train and all(s.lang == "ar" and s.split == "train" for s in job.train)
    # the declared strategies and the config blocks each setting carries
    assert {name: s.build.__name__ for name, s in SETTINGS.items()} == {
        "native": "fine_tune",
        "transfer": "fine_tune",
        "combined": "fine_tune",
        "adapted-transfer": "adapt_then_fine_tune",
        "self-training": "self_train",
    }
    assert {name: s.carries for name, s in SETTINGS.items() if s.carries} == {
        "adapted-transfer": ("adapt",),
        "self-training": ("self_training",),
    }


def test_a_run_under_the_paper_split_trains_and_tests_on_the_pooled_splits(
    env: dict[str, Path],
) -> None:
    from xner.evaluate.runner import EvalSettings, evaluate_checkpoint

    args = replace(ARGS, num_train_epochs=1, bucket_batches=1)
    run = train_run(config(args=args, split_policy="paper"), env["models"] / "paper")
    _, _, stored = load_checkpoint(run)
    assert stored.split_policy == "paper"
    assert stored.data_hashes != train_run_hashes_under_xtreme(env, args)
    [outcome] = evaluate_checkpoint(run, EvalSettings(n_resamples=20))
    pooled_test = load_split("panx@paper", "ar", "test")
    assert outcome.result.test_set == "panx@paper/ar/test"
    assert outcome.result.n_sentences == len(pooled_test)
    # a pooled test sentence may come from any labelled file; none is in the run's train
    train_ids = {s.id for s in load_split("panx@paper", "es", "train")}
    assert not train_ids & {s.id for s in load_split("panx@paper", "es", "test")}


def train_run_hashes_under_xtreme(env: dict[str, Path], args: TrainArgs) -> dict[str, str]:
    from xner.train.run import load_role_splits
    from xner.train.runconfig import data_hash

    parts = load_role_splits(config(args=args), (("hrl", "train"),))
    return {key: data_hash(value) for key, value in parts.items()}


def test_new_train_fields_at_their_default_keep_older_run_ids() -> None:
    data = config().to_dict()
    assert "bucket_batches" not in data["args"] and "split_policy" not in data
    changed = config(args=replace(ARGS, bucket_batches=1), split_policy="paper")
    assert changed.to_dict()["args"]["bucket_batches"] == 1
    assert RunConfig.from_dict(changed.to_dict()) == changed
    assert changed.run_id != config(args=ARGS).run_id
