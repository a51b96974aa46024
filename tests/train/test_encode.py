"""Label ids, first-subword alignment, windows, length buckets and dynamic padding."""

from __future__ import annotations

from pathlib import Path

import pytest

from xner.backbones import load_tokenizer
from xner.data.records import Sentence
from xner.errors import XnerError
from xner.train.encode import (
    IGNORE,
    LabelSpace,
    bucket_batches,
    collate,
    encode,
    spans_by_budget,
    word_pieces,
)


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory: pytest.TempPathFactory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XNER_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield load_tokenizer("tiny")


def sentence(tokens: list[str], tags: list[str] | None, index: int = 0) -> Sentence:
    return Sentence(f"t/xx/train/{index:06d}", tuple(tokens), tags, "xx", "t", "train")


WIKIANN = LabelSpace.from_schema("wikiann")


def test_label_space_from_schema_starts_with_o() -> None:
    assert WIKIANN.labels == ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC")
    assert WIKIANN.label2id["B-LOC"] == 5 and WIKIANN.id2label[0] == "O"


def test_label_space_from_data_and_unknown_tag() -> None:
    data = [sentence(["a", "b"], ["B-X", "O"]), sentence(["c"], ["I-A"])]
    assert LabelSpace.from_sentences(data).labels == ("O", "B-A", "I-A", "B-X", "I-X")
    with pytest.raises(XnerError, match=r"B-X.*not in the label list"):
        LabelSpace.from_sentences(data, "wikiann")
    with pytest.raises(XnerError, match="start with 'O'"):
        LabelSpace(("B-PER", "O"))


def test_first_subword_alignment_on_multi_piece_words(tokenizer) -> None:
    # The tiny tokenizer is character-level: "Vellora" is 7 pieces, "." one.
    s = sentence(["Ana", "visita", "Vellora", "."], ["B-PER", "O", "B-LOC", "O"])
    (window,) = encode([s], tokenizer, max_length=512, labels=WIKIANN)
    encoding = tokenizer(list(s.tokens), is_split_into_words=True)
    assert list(window.input_ids) == encoding["input_ids"]
    word_ids = encoding.word_ids()
    expected = []
    previous = None
    for word in word_ids:
        if word is None or word == previous:
            expected.append(IGNORE)  # specials and continuation pieces
        else:
            expected.append(WIKIANN.label2id[s.tags[word]])
        previous = word
    assert list(window.labels) == expected
    assert [word_ids[p] for p in window.first] == [0, 1, 2, 3]
    assert sum(label != IGNORE for label in window.labels) == 4


def test_dropped_word_gets_unk_piece(tokenizer) -> None:
    pieces = word_pieces(tokenizer, [["a", "\u200b", "b"]])[0]
    assert len(pieces) == 3 and all(pieces)


def test_training_windows_cover_every_word_once(tokenizer) -> None:
    words = [f"w{i}x" for i in range(40)]  # 3 pieces each (▁w, digits, x): > 16 tokens
    s = sentence(words, ["O"] * 40)
    windows = encode([s], tokenizer, max_length=16, labels=WIKIANN)
    assert len(windows) > 1 and all(len(w) <= 16 for w in windows)
    covered = [i for w in windows for i in range(w.start, w.end)]
    assert covered == list(range(40))
    assert sum(sum(label != IGNORE for label in w.labels) for w in windows) == 40


def test_spans_by_budget_overlap_and_giant_word() -> None:
    assert spans_by_budget([2, 2, 2, 2], 4) == [(0, 2), (2, 4)]
    overlapping = spans_by_budget([1] * 10, 4, context=2)
    assert overlapping[0] == (0, 4) and overlapping[1][0] == 2 and overlapping[-1][1] == 10
    assert spans_by_budget([1, 9, 1], 4) == [(0, 1), (1, 2), (2, 3)]


def test_bucket_batches_deterministic_and_homogeneous() -> None:
    lengths = [(i * 37) % 101 for i in range(200)]
    a = bucket_batches(lengths, 8, seed=3, chunk_batches=5)
    assert a == bucket_batches(lengths, 8, seed=3, chunk_batches=5)
    assert a != bucket_batches(lengths, 8, seed=4, chunk_batches=5)
    assert sorted(i for b in a for i in b) == list(range(200))
    spread = sum(max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in a) / len(a)
    assert spread < 20  # unsorted batches of this data spread ~80
    inference = bucket_batches(lengths, 8)
    assert [lengths[i] for b in inference for i in b] == sorted(lengths, reverse=True)


def test_collate_pads_to_batch_max(tokenizer) -> None:
    short = sentence(["ab"], ["O"])
    long = sentence(["abcdef", "gh"], ["B-PER", "I-PER"], 1)
    windows = encode([short, long], tokenizer, max_length=512, labels=WIKIANN)
    batch = collate(windows, tokenizer.pad_token_id)
    width = max(len(w) for w in windows)
    assert batch["input_ids"].shape == (2, width) and width < 20
    assert batch["attention_mask"][0].sum() == len(windows[0])
    assert (batch["labels"][0, len(windows[0]) :] == IGNORE).all()


def test_unlabelled_sentence_cannot_train(tokenizer, tmp_path: Path) -> None:
    with pytest.raises(XnerError, match="no tags"):
        encode([sentence(["a"], None)], tokenizer, max_length=32, labels=WIKIANN)


# ---------------------------------------------------------------------------
# Packing several sentences to a row


@pytest.mark.parametrize(
    ("lengths", "width"), [([5, 4, 3, 9], 9), ([1] * 10, 3), ([7], 4), ([3, 3, 3, 3], 6)]
)
def test_pack_rows_fill_each_row_within_its_width(lengths: list[int], width: int) -> None:
    from xner.train.encode import pack_rows

    rows = pack_rows(lengths, max(width, max(lengths)))
    assert sorted(i for row in rows for i in row) == list(range(len(lengths)))
    assert all(sum(lengths[i] for i in row) <= max(width, max(lengths)) for row in rows)
    assert pack_rows(lengths, max(width, max(lengths))) == rows  # deterministic


def test_a_packed_batch_gives_each_sentence_its_own_logits_and_the_same_loss(
    tokenizer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    import torch

    from xner.runs.checkpoint import build_model
    from xner.train.encode import pack, position_offset

    sentences = [
        sentence(["Ana", "vive", "em", "Lisboa"], ["B-PER", "O", "O", "B-LOC"], 0),
        sentence(["Rio"], ["B-LOC"], 1),
        sentence(
            ["o", "Banco", "Central", "do", "Brasil", "abriu"],
            ["O", "B-ORG", "I-ORG", "I-ORG", "I-ORG", "O"],
            2,
        ),
    ]
    windows = encode(sentences, tokenizer, max_length=64, labels=WIKIANN)
    padded = collate(windows, tokenizer.pad_token_id)
    lengths = [len(w) for w in windows]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XNER_CACHE_DIR", str(tmp_path_factory.mktemp("model")))
        torch.manual_seed(0)
        model = build_model("tiny", WIKIANN).eval()
    packed = pack(
        padded,
        lengths,
        min_width=32,
        fills={"input_ids": tokenizer.pad_token_id, "labels": IGNORE},
        first_position=position_offset(model.config),
    )
    assert packed["input_ids"].shape[0] < len(windows)  # fewer rows than sentences
    assert packed["attention_mask"].shape[1:] == (1, 32, 32)
    with torch.no_grad():
        alone = model(**padded)
        together = model(**packed)
    assert float(together.loss) == pytest.approx(float(alone.loss), abs=1e-5)
    labelled = padded["labels"] != IGNORE
    by_item = alone.logits[labelled]
    assert torch.allclose(
        together.logits[packed["labels"] != IGNORE].sort(0).values,
        by_item.sort(0).values,
        atol=1e-5,
    )
    with pytest.raises(XnerError, match="cannot be packed"):
        position_offset(type("C", (), {"model_type": "gpt2"})())
