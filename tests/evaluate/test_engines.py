"""Inference engines: ONNX Runtime predicts what torch fp32 predicts; its export is cached."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import torch
from transformers import BertConfig, BertForTokenClassification

from xner.backbones import load_tokenizer
from xner.backbones.charbert import TINY
from xner.data.records import Sentence
from xner.errors import XnerError
from xner.evaluate import engines
from xner.evaluate.engines import ENGINES, exported, prepare
from xner.evaluate.predict import predict
from xner.evaluate.runner import EvalSettings, evaluate_checkpoint
from xner.runs.records import read_predictions
from xner.train.encode import LabelSpace
from xner.train.finetune import TrainArgs
from xner.train.run import train_run
from xner.train.runconfig import RunConfig
from xner.train.runtime import Runtime

pytest.importorskip("onnxruntime")

LABELS = LabelSpace.from_schema("wikiann")
CPU = Runtime("cpu", "fp32")


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XNER_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield load_tokenizer("tiny")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XNER_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / engines.EXPORT_DIR


def small_model(vocab_size: int, positions: int = 64) -> BertForTokenClassification:
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=vocab_size,
        **{**TINY.config, "max_position_embeddings": positions},
        num_labels=len(LABELS),
        id2label=LABELS.id2label,
        label2id=LABELS.label2id,
    )
    return BertForTokenClassification(config).eval()


def varied(n: int) -> list[Sentence]:
    # Lengths from 2 to 41 words: many padded widths, and windows cut from long sentences.
    words = ["Ana", "visita", "Vellora", "con", "Mira", "en", "Tarsa", "y", "Koro", "ayer"]
    return [
        Sentence(
            f"t/xx/test/{i:06d}",
            tuple(words[(i + j) % 10] for j in range(2 + (i * 7) % 40)),
            None,
            "xx",
            "t",
            "test",
        )
        for i in range(n)
    ]


def test_engines_are_declared():
    assert set(ENGINES) == {"torch", "onnx"}
    assert engines.DEFAULT_ENGINE == "torch"
    with pytest.raises(XnerError, match="unknown engine 'tensorrt'; known: torch, onnx"):
        engines.get_engine("tensorrt")


@pytest.mark.parametrize("batch_size", [1, 32])
def test_onnx_predicts_the_tags_of_torch_fp32(tokenizer, cache, batch_size) -> None:
    model = small_model(len(tokenizer))
    sentences = varied(60)
    torch_preds = predict(model, tokenizer, sentences, batch_size=batch_size)
    onnx_preds = predict(model, tokenizer, sentences, batch_size=batch_size, engine="onnx")
    assert [p.tags for p in onnx_preds] == [p.tags for p in torch_preds]
    for ours, theirs in zip(onnx_preds, torch_preds, strict=True):
        assert ours.confidence == pytest.approx(theirs.confidence, abs=1e-4)
    assert model.training is False


def test_a_prepared_engine_is_reused_across_calls(tokenizer, cache, monkeypatch) -> None:
    model = small_model(len(tokenizer))
    prepared = prepare("onnx", model, CPU)
    monkeypatch.setattr(engines, "exported", lambda _: pytest.fail("prepared twice"))
    first = predict(model, tokenizer, varied(5), engine=prepared)
    assert predict(model, tokenizer, varied(5), engine=prepared) == first


def test_export_is_cached_and_follows_the_weights(tokenizer, cache, monkeypatch) -> None:
    model = small_model(len(tokenizer))
    made: list[int] = []
    export_bytes = engines._export_bytes
    monkeypatch.setattr(engines, "_export_bytes", lambda m: made.append(1) or export_bytes(m))
    path = exported(model)
    assert path.parent == cache and path.is_file()
    assert exported(model) == path and len(made) == 1  # reused, not exported again
    with torch.no_grad():
        model.classifier.bias[1] += 5.0  # the weights change: a new export
    changed = exported(model)
    assert changed != path and len(made) == 2
    sentences = varied(20)
    assert [p.tags for p in predict(model, tokenizer, sentences, engine="onnx")] == [
        p.tags for p in predict(model, tokenizer, sentences)
    ]


def test_old_exports_are_pruned(tokenizer, cache) -> None:
    model = small_model(len(tokenizer))
    for step in range(engines.KEEP_EXPORTS + 2):
        with torch.no_grad():
            model.classifier.bias[0] = float(step)
        newest = exported(model)
    assert len(list(cache.glob("*.onnx"))) == engines.KEEP_EXPORTS
    assert newest.is_file()


def test_onnx_refuses_other_precisions(tokenizer, cache) -> None:
    model = small_model(len(tokenizer))
    with pytest.raises(XnerError, match="CPU in fp32"):
        prepare("onnx", model, Runtime("cpu", "bf16"))


def test_evaluate_checkpoint_with_onnx_matches_torch_and_says_so(pipeline_env) -> None:
    config = RunConfig(
        backbone="tiny",
        hrl="es",
        lrl="gl",
        setting="native",
        args=TrainArgs(max_steps=6, per_device_train_batch_size=4, seed=3),
    )
    run = train_run(config, pipeline_env["models"] / "es-gl-native-engines")
    settings = EvalSettings(perturbations=("mask",), n_resamples=20)
    with pytest.raises(XnerError, match="unknown engine 'nope'; known: torch, onnx"):
        evaluate_checkpoint(run, settings, runtime=CPU, engine="nope")
    by_engine = {}
    for engine in ("torch", "onnx"):
        outcomes = evaluate_checkpoint(run, settings, runtime=CPU, engine=engine)
        test = outcomes[0].result.test_set
        records = [json.loads(o.eval_path.read_text("utf-8")) for o in outcomes]
        assert all(r.get("engine") == (None if engine == "torch" else engine) for r in records)
        by_engine[engine] = [read_predictions(run, test, o.perturbation) for o in outcomes]
    assert by_engine["onnx"] == by_engine["torch"]
