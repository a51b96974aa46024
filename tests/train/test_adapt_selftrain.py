"""adapted-transfer (MLM adaptation) and self-training (teacher-student) on the tiny backbone."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from xner.data.resolve import load_split
from xner.errors import XnerError
from xner.evaluate.predict import predict
from xner.runs.checkpoint import build_model, load_checkpoint, save_checkpoint
from xner.runs.records import read_log
from xner.train import AdaptArgs, RunConfig, SelfTrainArgs, TrainArgs, predict_split, train_run
from xner.train.adapt import ADAPTATION_FILE, adapt
from xner.train.encode import LabelSpace, Window
from xner.train.mlm import mask_batch
from xner.train.run import train_model

ARGS = TrainArgs(
    method="full", learning_rate=5e-3, num_train_epochs=1, per_device_train_batch_size=4, seed=7
)
ADAPT = AdaptArgs(steps=6, learning_rate=1e-2, batch_size=4)


def config(setting: str = "adapted-transfer", **changes) -> RunConfig:
    base = RunConfig(backbone="tiny", hrl="es", lrl="ar", setting=setting, args=ARGS, adapt=ADAPT)
    return replace(base, **changes)


def test_mlm_adaptation_lowers_the_mlm_loss(env: dict[str, Path]) -> None:
    from xner.backbones import load_tokenizer

    text = load_split("panx", "ar", "unlabelled")
    model = build_model("tiny", LabelSpace(("O", "B-PER", "I-PER")))
    embeddings = model.get_input_embeddings().weight.detach().clone()
    args = AdaptArgs(steps=40, learning_rate=1e-2, batch_size=8)
    result = adapt(model, load_tokenizer("tiny"), text, args, backbone="tiny", seed=1)
    assert result.loss_after < result.loss_before - 0.3
    steps = [r for r in result.log if "mlm_loss" in r]
    assert [r["step"] for r in steps] == list(range(1, 41))
    # The tied word embeddings stay fixed: the decoder over the vocabulary is not stored.
    assert torch.equal(model.get_input_embeddings().weight, embeddings)
    assert result.tensors and not any("word_embeddings" in k for k in result.tensors)
    assert all(p.requires_grad for p in model.parameters())


def _window(ids: list[int], first: list[int]) -> Window:
    return Window(0, 0, len(first), tuple(ids), tuple(first))


def test_masking_rates_whole_words_and_seed() -> None:
    content = list(range(10, 410))
    window = _window([0, *content, 2], list(range(1, 401, 2)))  # 200 two-piece words
    args = AdaptArgs()
    batch = mask_batch([window] * 20, 1, 5, 1000, 1, args, torch.Generator().manual_seed(0))
    chosen = len(batch.targets) / (20 * 400)
    assert 0.13 < chosen < 0.17
    rows, cols = batch.positions[:, 0], batch.positions[:, 1]
    assert bool((cols >= 1).all() and (cols <= 400).all())  # never the specials
    seen = batch.input_ids[rows, cols]
    share_mask = float((seen == 5).float().mean())
    share_kept = float((seen == batch.targets).float().mean())
    assert 0.75 < share_mask < 0.85 and 0.07 < share_kept < 0.14
    again = mask_batch([window] * 20, 1, 5, 1000, 1, args, torch.Generator().manual_seed(0))
    assert torch.equal(again.input_ids, batch.input_ids)
    whole = mask_batch(
        [window] * 4,
        1,
        5,
        1000,
        1,
        replace(args, whole_word_masking=True),
        torch.Generator().manual_seed(0),
    )
    for row in range(4):
        picked = set(whole.positions[whole.positions[:, 0] == row, 1].tolist())
        assert picked and all((p + 1 if p % 2 else p - 1) in picked for p in picked)


@pytest.fixture(scope="module")
def adapted(env: dict[str, Path]) -> Path:
    return train_run(config(), env["models"] / "adapted")


def test_adapted_transfer_end_to_end(adapted: Path) -> None:
    _, _, run = load_checkpoint(adapted)
    assert run.setting == "adapted-transfer" and run.adapt == ADAPT
    assert set(run.data_hashes) == {"hrl/train", "lrl/unlabelled"}
    log = read_log(adapted)
    assert log[0]["adapt_sentences"] == len(load_split("panx", "ar", "unlabelled"))
    assert len([r for r in log if r.get("phase") == "adapt" and "mlm_loss" in r]) == ADAPT.steps
    summary = next(r for r in log if r.get("summary"))
    assert summary["eval_mlm_loss_before"] > 0 and summary["steps"] == ADAPT.steps
    test = load_split("panx", "ar", "test")
    assert [len(p) for p in predict_split(adapted, test)] == [len(s) for s in test]
    stored = load_file(str(adapted / ADAPTATION_FILE))
    assert not any("word_embeddings" in k for k in stored)


def test_adapted_transfer_same_seed_same_predictions(adapted: Path, env: dict[str, Path]) -> None:
    again = train_run(config(), env["models"] / "adapted-again")
    a, b = (load_file(str(p / ADAPTATION_FILE)) for p in (adapted, again))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    test = load_split("panx", "ar", "test", limit=6)
    assert predict_split(adapted, test) == predict_split(again, test)
    other = train_run(config(adapt=replace(ADAPT, steps=7)), env["models"] / "adapted-other")
    c = load_file(str(other / ADAPTATION_FILE))
    assert any(not torch.equal(a[k], c[k]) for k in a)


@pytest.mark.parametrize("adapt_method", ["full", "lora"])
def test_adapted_checkpoint_rebuilds_the_same_model(
    adapt_method: str, env: dict[str, Path]
) -> None:
    args = replace(ARGS, method="lora", lora_r=2, lora_alpha=4, max_steps=3)
    adapt_args = replace(ADAPT, method=adapt_method, lora_r=2, lora_alpha=4)
    trained = train_model(config(args=args, adapt=adapt_args))
    path = save_checkpoint(
        trained.model,
        trained.config,
        trained.labels,
        env["models"] / f"rebuild-{adapt_method}",
        log=trained.log,
        adaptation=trained.adaptation,
    )
    model, tokenizer, _ = load_checkpoint(path)
    test = load_split("panx", "ar", "test")
    assert predict(trained.model, tokenizer, test) == predict(model, tokenizer, test)
    # Small: the adapter, the head and the adaptation, never a copy of the base model.
    stored = sum(
        t.numel()
        for file in (path / ADAPTATION_FILE, path / "adapter" / "adapter_model.safetensors")
        for t in load_file(str(file)).values()
    )
    base = sum(p.numel() for n, p in model.named_parameters() if "lora" not in n)
    assert stored < base / (2 if adapt_method == "full" else 10)


def test_full_finetune_after_adaptation_loads_exactly(env: dict[str, Path]) -> None:
    args = replace(ARGS, freeze_embeddings=True, max_steps=2)
    trained = train_model(config(args=args))
    path = save_checkpoint(
        trained.model,
        trained.config,
        trained.labels,
        env["models"] / "frozen-adapted",
        adaptation=trained.adaptation,
    )
    model, _, _ = load_checkpoint(path)
    # Frozen embedding parts changed by adaptation come from the adaptation file (fp16,
    # rounded before fine-tuning), fine-tuned weights from model.safetensors (fp16), the
    # word embeddings from the backbone (neither adapted nor fine-tuned).
    tuned = load_file(str(path / "model.safetensors"))
    for (name, mine), (_, loaded) in zip(
        trained.model.named_parameters(), model.named_parameters(), strict=True
    ):
        expected = mine.detach().half().float() if name in tuned else mine.detach()
        assert torch.equal(expected, loaded), name
    position = "bert.embeddings.position_embeddings.weight"
    base = build_model("tiny", trained.labels).state_dict()[position]
    assert not torch.equal(base, dict(model.named_parameters())[position])


def test_given_text_file_is_used_and_bad_files_fail(tmp_path: Path, env: dict[str, Path]) -> None:
    text = tmp_path / "ar.txt"
    text.write_text("زار كريم مدينة تامبا\n\nقال سامي فارس اليوم\nشركة نورا للنفط\n", "utf-8")
    path = train_run(
        config(adapt=replace(ADAPT, text=str(text), max_sentences=2, steps=2)),
        env["models"] / "text",
    )
    _, _, run = load_checkpoint(path)
    assert set(run.data_hashes) == {"hrl/train", "adapt-text"}
    assert read_log(path)[0]["adapt_sentences"] == 2  # blank line skipped, cap applied
    # The path is for the record; the text's hash names the run.
    moved = tmp_path / "elsewhere.txt"
    moved.write_text(text.read_text("utf-8"), "utf-8")
    assert replace(run, adapt=replace(run.adapt, text=str(moved))).run_id == run.run_id
    missing = tmp_path / "nope.txt"
    with pytest.raises(XnerError, match=f"{missing}: no such file"):
        train_run(config(adapt=replace(ADAPT, text=str(missing))), env["models"] / "x")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n", "utf-8")
    with pytest.raises(XnerError, match=f"{empty}: no words"):
        train_run(config(adapt=replace(ADAPT, text=str(empty))), env["models"] / "y")


def test_config_blocks_belong_to_their_setting() -> None:
    adapted = config(adapt=replace(ADAPT, whole_word_masking=True, lora_targets=("key",)))
    assert RunConfig.from_dict(adapted.to_dict()) == adapted
    student = config("self-training", self_training=SelfTrainArgs(teacher="t", hrl_gold=False))
    assert RunConfig.from_dict(student.to_dict()) == student
    assert "adapt" not in student.to_dict() and "self_training" not in adapted.to_dict()
    plain = config("transfer")
    assert plain.adapt == AdaptArgs() and "adapt" not in plain.to_dict()
    assert plain.run_id == RunConfig(backbone="tiny", hrl="es", lrl="ar", args=ARGS).run_id
    with pytest.raises(XnerError, match=r"AdaptArgs\.method"):
        AdaptArgs(method="prefix")


# ---------------------------------------------------------------------------
# Self-training

STUDENT = replace(ARGS, num_train_epochs=3)


@pytest.fixture(scope="module")
def teacher(env: dict[str, Path]) -> Path:
    return train_run(config("transfer", args=STUDENT), env["models"] / "teacher")


def test_self_training_with_a_teacher_checkpoint(teacher: Path, env: dict[str, Path]) -> None:
    options = SelfTrainArgs(teacher=str(teacher), max_unlabelled_sentences=10)
    path = train_run(
        config("self-training", args=STUDENT, self_training=options), env["models"] / "st"
    )
    _, _, run = load_checkpoint(path)
    _, _, teacher_run = load_checkpoint(teacher)
    assert run.data_hashes["teacher"] == teacher_run.run_id
    log = read_log(path)
    assert log[0]["unlabelled_sentences"] == 10
    assert log[1]["source"] == "checkpoint" and log[1]["run_id"] == teacher_run.run_id
    summary = next(r for r in log if r.get("phase") == "student" and r.get("summary"))
    assert summary["eval_soft_loss_after"] < summary["eval_soft_loss_before"]
    steps = [r for r in log if "soft_loss" in r]
    assert steps and all(r["gold_loss"] is not None or r["soft_loss"] is not None for r in steps)
    test = load_split("panx", "ar", "test")
    assert [len(p) for p in predict_split(path, test)] == [len(s) for s in test]


def test_self_training_trains_its_teacher_and_repeats(teacher: Path, env: dict[str, Path]) -> None:
    make = config("self-training", args=STUDENT, self_training=SelfTrainArgs(hrl_gold=False))
    a = train_run(make, env["models"] / "st-a")
    b = train_run(make, env["models"] / "st-b")
    log = read_log(a)
    _, _, teacher_run = load_checkpoint(teacher)
    # The in-run teacher is the transfer run with the same args: the same run id.
    assert log[1]["source"] == "trained in this run" and log[1]["run_id"] == teacher_run.run_id
    assert any("teacher_loss" in r for r in log)
    assert all(r["gold_loss"] is None for r in log if "soft_loss" in r)  # no HRL gold
    test = load_split("panx", "ar", "test", limit=6)
    assert predict_split(a, test) == predict_split(b, test)


def test_wrong_teacher_path_errors(env: dict[str, Path], tmp_path: Path) -> None:
    wrong = tmp_path / "no-such-run"
    options = SelfTrainArgs(teacher=str(wrong))
    with pytest.raises(XnerError, match=f"self_training.teacher '{wrong}'.*no such checkpoint"):
        train_run(config("self-training", self_training=options), env["models"] / "z")
