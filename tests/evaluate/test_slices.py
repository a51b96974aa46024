"""Seen vs unseen slices: bucketing, attribution, counts that add up, and a backfill that
writes the very bytes a fresh evaluation writes."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from xner.atomic import write_json
from xner.cli import app
from xner.data.records import Sentence
from xner.errors import XnerError
from xner.evaluate.result import evaluate_predictions
from xner.evaluate.runner import EvalSettings, evaluate_checkpoint
from xner.evaluate.slicefill import backfill_run
from xner.evaluate.slices import SLICES, get_slice, slice_of, slice_scores
from xner.perturb.resources import ReferenceIndex
from xner.train.finetune import TrainArgs
from xner.train.run import train_run
from xner.train.runconfig import RunConfig


def sentence(index: int, text: str) -> Sentence:
    tokens, tags = zip(*(word.rsplit("/", 1) for word in text.split()), strict=True)
    return Sentence(f"t/xx/test/{index}", tuple(tokens), tuple(tags), "xx", "t", "test")


def reference(name: str, *mentions: str) -> ReferenceIndex:
    found = frozenset(tuple(m.split()) for m in mentions)
    return ReferenceIndex(name, f"{name} data", 1, found, frozenset())


GOLD = [
    sentence(0, "Ana/B-PER Lopa/I-PER vive/O en/O Roma/B-LOC"),
    sentence(1, "Banco/B-ORG Orvo/I-ORG abre/O en/O Tamsa/B-LOC"),
    sentence(2, "nada/O aqui/O"),
]
OWN = reference("own", "Ana Lopa", "Tamsa")
HRL = reference("hrl", "Roma")


def test_slices_are_declared_data() -> None:
    assert [s.name for s in SLICES] == ["seen-own", "unseen-own", "seen-hrl", "unseen-hrl"]
    assert slice_of("hrl", True) == get_slice("seen-hrl")
    with pytest.raises(XnerError, match="unknown slice 'seen-lrl'; known: seen-own, unseen-own"):
        get_slice("seen-lrl")


def test_gold_by_its_tokens_prediction_by_the_gold_on_its_span() -> None:
    predicted = [
        # "Ana Lopa" right (seen-own); "Roma" with a wrong type: the gold on that span
        # is unseen in own, so the error counts there.
        ("B-PER", "I-PER", "O", "O", "B-ORG"),
        # "Banco Orvo" missed (unseen); "Tamsa" right (seen); "en" spurious: its own
        # tokens are no reference mention, so it is an unseen false positive.
        ("O", "O", "O", "B-LOC", "B-LOC"),
        ("O", "O"),
    ]
    record = slice_scores(GOLD, predicted, {"own": OWN, "hrl": HRL}, n_resamples=50)
    assert record["mode"] == "strict"
    assert record["references"] == {"own": "own data", "hrl": "hrl data"}
    counts = {
        name: (s["gold"], s["predicted"], s["correct"]) for name, s in record["slices"].items()
    }
    assert counts["seen-own"] == (2, 2, 2)
    assert counts["unseen-own"] == (2, 2, 0)
    assert counts["seen-hrl"] == (1, 1, 0)
    assert counts["unseen-hrl"] == (3, 3, 2)
    # Each reference's two slices split the whole set's counts.
    whole = evaluate_predictions(GOLD, predicted, run_id="r", test_set="t", n_resamples=0)
    overall = whole.scores["strict"].overall
    for ref in ("own", "hrl"):
        seen, unseen = counts[f"seen-{ref}"], counts[f"unseen-{ref}"]
        assert seen[0] + unseen[0] == overall.support
        assert seen[1] + unseen[1] == overall.predicted
        assert seen[2] + unseen[2] == overall.counts["tp"]
    seen = record["slices"]["seen-own"]
    assert seen["f1"] == 1.0 and seen["f1_low"] <= seen["f1"] <= seen["f1_high"]
    unseen = record["slices"]["unseen-own"]
    assert unseen["f1"] == 0.0 and unseen["level"] == 0.95


def test_a_missing_reference_leaves_its_slices_out() -> None:
    predicted = [s.tags for s in GOLD]
    record = slice_scores(GOLD, predicted, {"hrl": HRL}, n_resamples=0)
    assert set(record["slices"]) == {"seen-hrl", "unseen-hrl"}
    assert (
        record["slices"]["seen-hrl"]["f1"] == 1.0 and "f1_low" not in record["slices"]["seen-hrl"]
    )


@pytest.fixture(scope="module")
def evaluated(pipeline_env):
    config = RunConfig(
        backbone="tiny",
        hrl="es",
        lrl="gl",
        setting="native",
        args=TrainArgs(max_steps=4, per_device_train_batch_size=4, seed=2),
    )
    run = train_run(config, pipeline_env["models"] / "es-gl-native-slices")
    evaluate_checkpoint(run, EvalSettings(perturbations=("p1", "p1@hrl", "mask"), n_resamples=40))
    return run


def test_every_evaluation_stores_its_slices(evaluated) -> None:
    files = sorted((evaluated / "eval").glob("*.json"))
    assert len(files) == 4
    for path in files:
        record = json.loads(path.read_text("utf-8"))
        assert list(record)[-1] == "slices"  # the other keys keep their order
        slices = record["slices"]
        assert set(slices["slices"]) == {s.name for s in SLICES}
        assert slices["references"]["own"].startswith("gl/train")  # native: LRL train
        assert slices["references"]["hrl"] == "es/train"
        gold = record["result"]["scores"]["strict"]["overall"]["support"]
        assert slices["slices"]["seen-own"]["gold"] + slices["slices"]["unseen-own"]["gold"] == gold
    clean = json.loads((evaluated / "eval" / "panx-gl-test__clean.json").read_text("utf-8"))
    assert clean["slices"]["slices"]["seen-own"]["gold"] > 0  # gl test repeats gl train names


def test_backfill_writes_the_bytes_a_fresh_evaluation_writes(evaluated, tmp_path) -> None:
    copy = tmp_path / evaluated.name
    shutil.copytree(evaluated, copy)
    fresh = {p.name: p.read_bytes() for p in sorted((copy / "eval").glob("*.json"))}
    for path in (copy / "eval").glob("*.json"):  # as files evaluated before slices existed
        record = json.loads(path.read_text("utf-8"))
        del record["slices"]
        write_json(path, record)
    done = backfill_run(copy)
    assert sorted(done.written) == sorted(fresh) and not done.kept
    assert {p.name: p.read_bytes() for p in (copy / "eval").glob("*.json")} == fresh
    assert backfill_run(copy).kept == tuple(sorted(fresh))  # nothing left to do


def test_backfill_refuses_predictions_of_other_sentences(evaluated, tmp_path) -> None:
    copy = tmp_path / evaluated.name
    shutil.copytree(evaluated, copy)
    path = copy / "eval" / "panx-gl-test__p1-hrl.json"
    record = json.loads(path.read_text("utf-8"))
    del record["slices"]
    write_json(path, record)
    # p1@hrl replaced mentions the es data has seen: the clean predictions' hashes differ.
    preds = copy / "preds"
    (preds / "panx-gl-test__p1-hrl.jsonl.gz").write_bytes(
        (preds / "panx-gl-test__clean.jsonl.gz").read_bytes()
    )
    done = backfill_run(copy)
    assert [name for name, _ in done.failed] == [path.name]
    assert "re-evaluate the run" in done.failed[0][1]
    assert "slices" not in json.loads(path.read_text("utf-8"))  # left as it was


def test_backfill_names_the_few_sentences_it_could_not_reproduce(evaluated, tmp_path) -> None:
    copy = tmp_path / evaluated.name
    shutil.copytree(evaluated, copy)
    path = copy / "eval" / "panx-gl-test__mask.json"
    record = json.loads(path.read_text("utf-8"))
    del record["slices"]
    write_json(path, record)
    preds = copy / "preds"  # masked sentences have the clean lengths, other hashes
    (preds / "panx-gl-test__mask.jsonl.gz").write_bytes(
        (preds / "panx-gl-test__clean.jsonl.gz").read_bytes()
    )
    assert "sentences are not the ones" in backfill_run(copy).failed[0][1]
    assert backfill_run(copy, tolerance=1.0).written == (path.name,)
    slices = json.loads(path.read_text("utf-8"))["slices"]
    assert slices["unreproduced"] == record["coverage"]["sentences_changed"] > 0


def test_slices_only_command_over_a_folder_of_runs(evaluated, tmp_path) -> None:
    folder = tmp_path / "runs"
    shutil.copytree(evaluated, folder / evaluated.name)
    path = folder / evaluated.name / "eval" / "panx-gl-test__clean.json"
    before = path.read_bytes()
    record = json.loads(before)
    del record["slices"]
    write_json(path, record)
    result = CliRunner().invoke(app, ["evaluate", str(folder), "--slices-only"])
    assert result.exit_code == 0, result.output
    assert "slices added to 1, 3 had them" in result.output
    assert path.read_bytes() == before
