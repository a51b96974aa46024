"""EvalRecord: the one reader and writer of eval/*.json, byte for byte; predictions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xner.runs.layout import CLEAN, eval_files, find_runs
from xner.runs.records import (
    CheckpointError,
    EvalRecord,
    EvalRecordError,
    EvalStamp,
    read_eval,
    read_log,
    read_predictions,
    write_eval,
    write_predictions,
)

SHIPPED = Path(__file__).resolve().parents[2] / "models"


def shipped_evals() -> list[Path]:
    return [path for run in find_runs(SHIPPED) for path in eval_files(run)]


def test_shipped_eval_records_round_trip_byte_for_byte(tmp_path: Path) -> None:
    paths = shipped_evals()
    assert len(paths) > 100
    kinds = set()
    for path in paths:
        data = path.read_bytes()
        record = EvalRecord.read(path)
        assert record.to_json().encode("utf-8") == data, path
        kinds.add(record.coverage is not None)
    assert kinds == {True, False}  # clean ones and perturbed ones with coverage
    # Written through the atomic write: the same bytes on disk.
    path = paths[0]
    written = EvalRecord.read(path).write(tmp_path / "eval" / path.name)
    assert written.read_bytes() == path.read_bytes()
    assert not [p for p in written.parent.iterdir() if p.name.startswith(".")]


def test_typed_fields_of_a_shipped_record() -> None:
    path = next(p for p in shipped_evals() if p.name.endswith("__mask.json"))
    record = EvalRecord.read(path)
    raw = json.loads(path.read_text("utf-8"))
    assert record.test_set == raw["result"]["test_set"]
    assert record.perturbation == "mask" and not record.is_clean
    assert record.n_sentences == raw["result"]["n_sentences"]
    assert record.seed == raw["result"]["bootstrap"]["seed"]
    assert record.stamp == EvalStamp(
        record.test_set,
        record.n_sentences,
        record.seed,
        raw["result"]["bootstrap"]["n_resamples"],
    )
    assert (
        record.scores["strict"]["overall"]["f1"]
        == raw["result"]["scores"]["strict"]["overall"]["f1"]
    )
    assert record.drops["strict"] == raw["degradation"]["drops"]["strict"]
    assert record.slices == raw["slices"]
    with pytest.raises(AttributeError):
        record.engine = "onnx"  # type: ignore[misc]  # frozen


def test_key_order_engine_and_unknown_keys_are_kept() -> None:
    data = {
        "result": {"test_set": "panx/gl/test", "perturbation": "p1"},
        "degradation": {"drops": {}},
        "coverage": {"reference": "own"},
        "engine": "onnx",
        "slices": {"schema": 1},
        "later": [1, 2.5],
    }
    record = EvalRecord.from_dict(data)
    assert record.engine == "onnx" and record.extra == (("later", [1, 2.5]),)
    assert json.dumps(record.to_dict()) == json.dumps(data)
    clean = EvalRecord.from_dict({"result": {"test_set": "t"}, "degradation": None})
    assert list(clean.to_dict()) == ["result", "degradation"] and clean.drops == {}


def test_older_spellings_and_the_flat_format_are_read() -> None:
    record = EvalRecord.from_dict({"result": {"test_set": "t", "perturbation": "none"}})
    assert record.perturbation == CLEAN and record.is_clean
    flat = EvalRecord.from_dict({"test_set": "t", "perturbation": "mask", "scores": {}})
    assert flat.flat and flat.perturbation == "mask" and flat.to_dict()["test_set"] == "t"
    assert flat.seed is None and flat.n_sentences is None


@pytest.mark.parametrize(
    "data",
    [[], {"result": {"scores": {}}}, {"result": "x"}, {"result": {"test_set": "t"}, "slices": 3}],
)
def test_what_is_not_a_record_is_a_value_error(data: object) -> None:
    with pytest.raises(EvalRecordError) as caught:
        EvalRecord.from_dict(data)  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError)  # readers that skip bad files skip it


def test_write_and_read_by_test_set_and_perturbation(tmp_path: Path) -> None:
    data = {"result": {"test_set": "panx/gl/test", "perturbation": "p1+p2"}, "degradation": None}
    path = write_eval(tmp_path, "panx/gl/test", "p1+p2", data)
    assert path == tmp_path / "eval" / "panx-gl-test__p1+p2.json"
    assert path.read_text("utf-8") == json.dumps(data, indent=2) + "\n"
    assert read_eval(tmp_path, "panx/gl/test", "p1+p2").to_dict() == data
    with pytest.raises(CheckpointError, match="missing"):
        read_eval(tmp_path, "panx/gl/test")  # clean by default: not there
    path.write_text('{"result": {}}', encoding="utf-8")
    with pytest.raises(EvalRecordError, match=r"panx-gl-test__p1\+p2\.json"):
        read_eval(tmp_path, "panx/gl/test", "p1+p2")


class Pred:
    def __init__(self, id: str, hash: str, tag_ids: tuple[int, ...]) -> None:
        self.id, self.hash, self.tag_ids = id, hash, tag_ids


def test_predictions_and_log(tmp_path: Path) -> None:
    path = write_predictions(tmp_path, "panx/gl/test", CLEAN, [Pred("a", "h", (1, 0))])
    assert path.name == "panx-gl-test__clean.jsonl.gz"
    assert read_predictions(tmp_path, "panx/gl/test") == [{"id": "a", "hash": "h", "tags": [1, 0]}]
    with pytest.raises(CheckpointError, match=r"panx-gl-test__mask\.jsonl\.gz: missing"):
        read_predictions(tmp_path, "panx/gl/test", "mask")
    assert read_log(tmp_path) == []
    (tmp_path / "train_log.jsonl").write_text('{"step": 1}\n\n{"step": 2}\n', encoding="utf-8")
    assert read_log(tmp_path) == [{"step": 1}, {"step": 2}]
