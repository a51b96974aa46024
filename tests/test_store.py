"""Checkpoint folders: layout, atomic writes, clear errors on damage, the run index."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from xner import store
from xner.evaluate.predict import Prediction
from xner.store import CheckpointError, build_model, list_runs, load_checkpoint, save_checkpoint
from xner.train import LabelSpace, RunConfig, TrainArgs

LABELS = LabelSpace.from_schema("wikiann")
RUN = RunConfig(backbone="tiny", hrl="es", lrl="ar", args=TrainArgs(seed=1))


@pytest.fixture(autouse=True)
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XNER_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
        yield


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

    monkeypatch.setattr(store, "write_json_atomic", boom)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(build_model("tiny", LABELS), RUN, LABELS, tmp_path / "run")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: (p / "config.json").unlink(), r"config.json: missing"),
        (lambda p: (p / "config.json").write_text("{oops"), r"config.json: not valid JSON"),
        (lambda p: (p / "model.safetensors").unlink(), r"model.safetensors: missing"),
        (lambda p: (p / "model.safetensors").write_bytes(b"xx"), r"model.safetensors: unreadable"),
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


def test_eval_preds_and_list_runs(saved: Path) -> None:
    store.write_eval(saved, "panx/ar/test", "p1+p2", {"f1": 0.5})
    assert store.read_eval(saved, "panx/ar/test", "p1+p2") == {"f1": 0.5}
    prediction = Prediction("panx/ar/dev/000001", "abc", ("B-PER", "O"), (1, 0), (0.9, 0.8))
    path = store.write_predictions(saved, "panx/ar/test", "none", [prediction])
    assert path.name == "panx-ar-test__none.jsonl.gz"
    expected = [{"id": "panx/ar/dev/000001", "hash": "abc", "tags": [1, 0]}]
    assert store.read_predictions(saved, "panx/ar/test") == expected
    again = store.write_predictions(saved, "panx/ar/test", "none", [prediction])
    assert again.read_bytes() == path.read_bytes()  # no timestamp inside: reproducible bytes
    broken = saved.parent / "broken"
    broken.mkdir()
    runs = list_runs(saved.parent)
    assert [r.path.name for r in runs] == ["broken", "run"]
    assert runs[0].problem and "config.json" in runs[0].problem
    assert runs[1].run_id == RUN.run_id and runs[1].evals == ("panx-ar-test__p1+p2",)
    assert runs[1].preds == ("panx-ar-test__none",)


def test_older_plain_predictions_are_read_and_replaced_on_rewrite(saved: Path) -> None:
    folder = saved / store.PREDS_DIR
    folder.mkdir(exist_ok=True)
    plain = folder / "panx-ar-test__mask.jsonl"
    plain.write_text('{"id": "a", "hash": "h", "tags": [0]}\n', encoding="utf-8")
    assert store.read_predictions(saved, "panx/ar/test", "mask") == [
        {"id": "a", "hash": "h", "tags": [0]}
    ]
    prediction = Prediction("a", "h", ("O",), (0,), (1.0,))
    store.write_predictions(saved, "panx/ar/test", "mask", [prediction])
    assert not plain.exists()
    assert store.read_predictions(saved, "panx/ar/test", "mask")[0]["tags"] == [0]


def test_corrupt_gzip_predictions_name_the_file(saved: Path) -> None:
    folder = saved / store.PREDS_DIR
    folder.mkdir(exist_ok=True)
    (folder / "panx-ar-test__typos.jsonl.gz").write_bytes(b"not gzip")
    with pytest.raises(store.CheckpointError, match=r"panx-ar-test__typos.jsonl.gz: unreadable"):
        store.read_predictions(saved, "panx/ar/test", "typos")
