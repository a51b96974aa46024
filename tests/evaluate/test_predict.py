"""Batched, windowed inference: every word of every sentence gets a tag and a confidence."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch
from transformers import BertConfig, BertForTokenClassification

from xner.backbones import load_tokenizer
from xner.backbones.charbert import TINY
from xner.data.records import Sentence
from xner.evaluate.predict import predict, predict_text, simple_tokenize
from xner.train.encode import LabelSpace, max_tokens

LABELS = LabelSpace.from_schema("wikiann")


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XNER_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield load_tokenizer("tiny")


def small_model(vocab_size: int, positions: int = 32) -> BertForTokenClassification:
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=vocab_size,
        **{**TINY.config, "max_position_embeddings": positions},
        num_labels=len(LABELS),
        id2label=LABELS.id2label,
        label2id=LABELS.label2id,
    )
    return BertForTokenClassification(config).eval()


def sentence(tokens: list[str], index: int = 0) -> Sentence:
    return Sentence(f"t/xx/test/{index:06d}", tuple(tokens), None, "xx", "t", "test")


def test_long_sentence_windows_cover_every_word(tokenizer) -> None:
    model = small_model(len(tokenizer))
    assert max_tokens(model, tokenizer) == 32
    long = sentence([f"word{i % 10}" for i in range(200)])  # ~1000 pieces
    short = sentence(["Ana", "visita", "Vellora"], 1)
    predictions = predict(model, tokenizer, [long, short], batch_size=4)
    assert [len(p) for p in predictions] == [200, 3]
    assert predictions[0].id == long.id and predictions[0].hash == long.hash
    for p in predictions:
        assert all(tag in LABELS.labels for tag in p.tags)
        assert all(0 < c <= 1 for c in p.confidence)
        assert [LABELS.labels[i] for i in p.tag_ids] == list(p.tags)


def test_windowed_equals_whole_when_it_fits(tokenizer) -> None:
    model = small_model(len(tokenizer), positions=512)
    words = ["Ana", "visita", "Vellora", "con", "Mira"]
    whole = predict(model, tokenizer, [sentence(words)])[0]
    # The short sentence fits in 512 tokens: one window, same as batching it with others.
    batched = predict(model, tokenizer, [sentence(["x"] * 30, 1), sentence(words)])[1]
    assert whole.tag_ids == batched.tag_ids
    assert whole.confidence == pytest.approx(batched.confidence, abs=1e-5)


def test_empty_sentence_and_order(tokenizer) -> None:
    model = small_model(len(tokenizer))
    out = predict(model, tokenizer, [sentence([]), sentence(["a", "b"], 1)])
    assert [len(p) for p in out] == [0, 2] and out[1].id.endswith("000001")


def test_simple_tokenize() -> None:
    assert simple_tokenize("Jean-Luc met O'Neil in Paris, (France).") == [
        "Jean-Luc",
        "met",
        "O'Neil",
        "in",
        "Paris",
        ",",
        "(",
        "France",
        ")",
        ".",
    ]
    assert simple_tokenize("زار كريم تامبا.") == ["زار", "كريم", "تامبا", "."]


def test_predict_text(tokenizer) -> None:
    tokens, prediction = predict_text(small_model(len(tokenizer)), tokenizer, "Ana visita Roma.")
    assert tokens == ["Ana", "visita", "Roma", "."] and len(prediction) == 4


def _varied(n: int) -> list[Sentence]:
    words = ["Ana", "visita", "Vellora", "con", "Mira", "en", "Tarsa", "y", "Koro", "ayer"]
    return [sentence([words[(i + j) % 10] for j in range(2 + (i * 7) % 40)], i) for i in range(n)]


@pytest.mark.parametrize("batch_size", [1, 3, 32])
def test_a_prediction_depends_only_on_its_sentence(tokenizer, batch_size) -> None:
    # Fixed-shape forwards: alone, among others, in another order, the same bits. (A
    # model as wide as e5-small: at tiny widths padding happens not to change the sums.)
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=384,
        num_hidden_layers=2,
        num_attention_heads=6,
        intermediate_size=1536,
        max_position_embeddings=512,
        num_labels=len(LABELS),
        id2label=LABELS.id2label,
        label2id=LABELS.label2id,
    )
    model = BertForTokenClassification(config).eval()
    batch = _varied(60)
    together = predict(model, tokenizer, batch, batch_size=batch_size)
    alone = [predict(model, tokenizer, [s], batch_size=batch_size)[0] for s in batch[:12]]
    reversed_ = predict(model, tokenizer, batch[::-1], batch_size=batch_size)[::-1]
    assert together[:12] == alone
    assert together == reversed_


def test_known_predictions_are_reused_and_equal_a_fresh_run(tokenizer) -> None:
    model = small_model(len(tokenizer), positions=512)
    clean = _varied(40)
    known = {(p.id, p.hash): p for p in predict(model, tokenizer, clean)}
    changed = [
        s.with_content(("Zed", *s.tokens[1:]), None) if i % 3 == 0 else s
        for i, s in enumerate(clean)
    ]
    reused = predict(model, tokenizer, changed, known=known)
    assert reused == predict(model, tokenizer, changed)
    assert all(reused[i] is known[clean[i].id, clean[i].hash] for i in range(40) if i % 3)
