"""Checkpoint folders: layout, atomic writes, clear errors on damage, the run index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from xner.errors import XnerError
from xner.evaluate.predict import Prediction
from xner.runs import checkpoint, layout, records
from xner.runs.checkpoint import build_model, load_checkpoint, save_checkpoint
from xner.runs.index import list_runs
from xner.runs.records import CheckpointError
from xner.train import LabelSpace, RunConfig, TrainArgs

LABELS = LabelSpace.from_schema("wikiann")
RUN = RunConfig(backbone="tiny", hrl="es", lrl="ar", args=TrainArgs(seed=1))


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    torch.manual_seed(0)
    return save_checkpoint(build_model("tiny", LABELS), RUN, LABELS, tmp_path / "run")


def test_layout_and_round_trip(saved: Path) -> None:
    names = {p.name for p in saved.iterdir()}
    assert names == {
        "config.json",
        "labels.json",
        "model.safetensors",
        "train_log.jsonl",
        "eval",
        "preds",
    }
    assert json.loads((saved / "labels.json").read_text())[0] == "O"
    data = json.loads((saved / "config.json").read_text())
    assert data["run_id"] == RUN.run_id and data["checkpoint"]["dtype"] == "float16"
    model, tokenizer, run = load_checkpoint(saved)
    assert run == RUN and model.config.num_labels == 7 and tokenizer.is_fast
    assert not any(p.name.startswith(".") for p in saved.parent.iterdir())


def test_existing_target_needs_overwrite(saved: Path) -> None:
    model = build_model("tiny", LABELS)
    with pytest.raises(CheckpointError, match="already exists"):
        save_checkpoint(model, RUN, LABELS, saved)
    save_checkpoint(model, RUN, LABELS, saved, overwrite=True)
    assert [p.name for p in saved.parent.iterdir()] == ["run"]


def test_crash_leaves_no_half_checkpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint.atomic, "write_json", boom)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(build_model("tiny", LABELS), RUN, LABELS, tmp_path / "run")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: (p / "config.json").unlink(), r"config.json: missing"),
        (lambda p: (p / "config.json").write_text("{oops"), r"config.json: not valid JSON"),
        (lambda p: (p / "model.safetensors").unlink(), r"model.safetensors: missing"),
        (lambda p: (p / "model.safetensors").write_bytes(b"xx"), r"model.safetensors: damaged"),
        (lambda p: (p / "labels.json").write_text('["O", "B-PER", "I-PER"]'), r"labels.json"),
        (lambda p: (p / "labels.json").write_text('{"O": 0}'), r"labels.json: expected a JSON"),
    ],
)
def test_damaged_checkpoint_names_the_file(saved: Path, damage, message: str) -> None:
    damage(saved)
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(saved)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "nothing")


RECORD = {"result": {"test_set": "panx/ar/test", "perturbation": "p1+p2"}, "degradation": None}


def test_eval_preds_and_list_runs(saved: Path) -> None:
    records.write_eval(saved, "panx/ar/test", "p1+p2", RECORD)
    assert records.read_eval(saved, "panx/ar/test", "p1+p2").to_dict() == RECORD
    prediction = Prediction("panx/ar/dev/000001", "abc", ("B-PER", "O"), (1, 0), (0.9, 0.8))
    path = records.write_predictions(saved, "panx/ar/test", "clean", [prediction])
    assert path.name == "panx-ar-test__clean.jsonl.gz"
    expected = [{"id": "panx/ar/dev/000001", "hash": "abc", "tags": [1, 0]}]
    assert records.read_predictions(saved, "panx/ar/test") == expected  # clean by default
    again = records.write_predictions(saved, "panx/ar/test", "clean", [prediction])
    assert again.read_bytes() == path.read_bytes()  # no timestamp inside: reproducible bytes
    broken = saved.parent / "broken"
    broken.mkdir()
    runs = list_runs(saved.parent)
    assert [r.path.name for r in runs] == ["broken", "run"]
    assert runs[0].problem and "config.json" in runs[0].problem
    assert runs[1].run_id == RUN.run_id and runs[1].evals == ("panx-ar-test__p1+p2",)
    assert runs[1].preds == ("panx-ar-test__clean",)


def test_older_plain_predictions_are_read_and_replaced_on_rewrite(saved: Path) -> None:
    folder = saved / layout.PREDS_DIR
    folder.mkdir(exist_ok=True)
    plain = folder / "panx-ar-test__mask.jsonl"
    plain.write_text('{"id": "a", "hash": "h", "tags": [0]}\n', encoding="utf-8")
    assert records.read_predictions(saved, "panx/ar/test", "mask") == [
        {"id": "a", "hash": "h", "tags": [0]}
    ]
    prediction = Prediction("a", "h", ("O",), (0,), (1.0,))
    records.write_predictions(saved, "panx/ar/test", "mask", [prediction])
    assert not plain.exists()
    assert records.read_predictions(saved, "panx/ar/test", "mask")[0]["tags"] == [0]


def test_corrupt_gzip_predictions_name_the_file(saved: Path) -> None:
    folder = saved / layout.PREDS_DIR
    folder.mkdir(exist_ok=True)
    (folder / "panx-ar-test__typos.jsonl.gz").write_bytes(b"not gzip")
    with pytest.raises(records.CheckpointError, match=r"panx-ar-test__typos.jsonl.gz: unreadable"):
        records.read_predictions(saved, "panx/ar/test", "typos")


def _edit_config(folder: Path, change) -> None:
    path = folder / "config.json"
    data = json.loads(path.read_text("utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: bytes(range(256)) * (len(data) // 256 + 1),  # overwritten at random
    ],
    ids=["truncated", "random"],
)
def test_a_damaged_weights_file_is_named_and_the_run_listed_as_broken(saved: Path, damage) -> None:
    weights = saved / "model.safetensors"
    weights.write_bytes(damage(weights.read_bytes()))
    with pytest.raises(CheckpointError, match=r"model.safetensors: damaged"):
        load_checkpoint(saved)
    (listed,) = list_runs(saved.parent)
    assert listed.problem is not None and "damaged" in listed.problem


def test_labels_in_another_order_than_the_head_are_refused(saved: Path) -> None:
    labels = json.loads((saved / "labels.json").read_text("utf-8"))
    assert json.loads((saved / "config.json").read_text("utf-8"))["checkpoint"]["labels"] == labels
    (saved / "labels.json").write_text(json.dumps([labels[0], *reversed(labels[1:])]))
    with pytest.raises(CheckpointError, match="not in the order the head was trained with"):
        load_checkpoint(saved)


def test_config_fields_are_type_checked_and_the_run_id_kept(saved: Path) -> None:
    _edit_config(saved, lambda data: data["args"].update(lora_r="eight"))
    with pytest.raises(CheckpointError, match=r"args: lora_r must be int, not 'eight'"):
        load_checkpoint(saved)
    _edit_config(saved, lambda data: data["args"].update(lora_r=8))
    assert checkpoint.read_config(saved).run_id == RUN.run_id
    # checked, never converted: an int where a float goes is kept as written
    assert TrainArgs.from_dict({"num_train_epochs": 1}).to_dict()["num_train_epochs"] == 1
    with pytest.raises(XnerError, match="freeze_embeddings must be bool, not 1"):
        TrainArgs.from_dict({"freeze_embeddings": 1}, "x")


def test_an_unknown_backbone_names_config_json_and_the_field(
    saved: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    _edit_config(saved, lambda data: data.update(backbone="no-such-model"))
    with pytest.raises(CheckpointError) as caught:
        load_checkpoint(saved)
    message = str(caught.value)
    assert "config.json: field 'backbone' is 'no-such-model'" in message
    assert "multilingual-e5-small" in message


def test_written_files_have_ordinary_permissions(saved: Path) -> None:
    import os

    mask = os.umask(0o022)
    os.umask(mask)
    path = records.write_eval(saved, "panx/ar/test", "p1", RECORD)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask
    assert saved.stat().st_mode & 0o777 == 0o777 & ~mask
    assert (saved / "model.safetensors").stat().st_mode & 0o777 == 0o666 & ~mask
