from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

import pytest
import torch
from transformers import AutoModelForTokenClassification

from xner.backbones import (
    backbone_path,
    build_backbone,
    get_backbone,
    load_encoder,
    load_tokenizer,
)
from xner.backbones.charbert import SCRATCH, TINY

WORDS = {
    "latin": ["Angela", "Merkel", "besuchte", "São", "Paulo", "."],
    "cyrillic": ["Владимир", "Путин", "посетил", "Київ", "."],
    "arabic": ["ذهب", "محمد", "إلى", "القاهرة", "."],
    "devanagari": ["नरेंद्र", "मोदी", "ने", "दिल्ली", "।"],
}
# Beyond tiny's scripts: the from-scratch baseline covers every catalog pair's script.
SCRATCH_WORDS = {
    **WORDS,
    "azerbaijani": ["Əliyev", "Bakıda", "çıxış", "etdi", "."],
    "urdu": ["پاکستان", "کے", "وزیرِ", "اعظم", "ڈیرہ", "گئے", "۔"],
    "ukrainian": ["Їжак", "ґанок", "Київ", "."],
    "vietnamese": ["Hà", "Nội", "Nguyễn", "Phú", "Trọng"],
    "greek": ["Αθήνα", "Ελλάδα", "."],
    "hebrew": ["ירושלים", "ישראל", "."],
    "bengali": ["ঢাকা", "বাংলাদেশ", "।"],
    "marathi": ["मुंबई", "महाराष्ट्र", "ळ"],
    "georgian": ["თბილისი", "საქართველო"],
    "armenian": ["Երևան", "Հայաստան"],
}


def test_tiny_builds_deterministically(fresh_cache: Path) -> None:
    first = build_backbone("tiny")
    assert first.built
    digest = hashlib.sha256((first.path / "model.safetensors").read_bytes()).hexdigest()
    torch.manual_seed(123)  # the caller's RNG state must not matter
    second = build_backbone("tiny", force=True)
    assert hashlib.sha256((second.path / "model.safetensors").read_bytes()).hexdigest() == digest
    assert build_backbone("tiny").built is False


@pytest.mark.parametrize(
    ("backbone", "script"),
    [("tiny", script) for script in sorted(WORDS)]
    + [("scratch-char", script) for script in sorted(SCRATCH_WORDS)],
)
def test_char_tokenizers_split_words_of_each_script_without_unknowns(
    fresh_cache: Path, backbone: str, script: str
) -> None:
    tokenizer = load_tokenizer(backbone)
    words = SCRATCH_WORDS[script]
    encoding = tokenizer(words, is_split_into_words=True)
    ids = encoding["input_ids"]
    assert tokenizer.unk_token_id not in ids
    assert ids[0] == tokenizer.bos_token_id and ids[-1] == tokenizer.eos_token_id
    word_ids = encoding.word_ids()
    assert word_ids[0] is None and word_ids[-1] is None
    assert sorted(set(word_ids[1:-1])) == list(range(len(words)))
    tokens = tokenizer.convert_ids_to_tokens(ids)
    first_pieces = [
        tokens[i] for i, w in enumerate(word_ids) if w is not None and w != word_ids[i - 1]
    ]
    assert all(piece.startswith("▁") for piece in first_pieces)
    # one piece per character of the NFKC-normalised word (Armenian և becomes եւ)
    assert len(ids) == 2 + sum(len(unicodedata.normalize("NFKC", w)) for w in words)


def test_scratch_baseline_is_declared_untrained_and_its_size_is_true(fresh_cache: Path) -> None:
    spec = get_backbone("scratch-char")
    assert spec.offline and not spec.pretrained and spec.describe()["pretrained"] is False
    assert get_backbone("multilingual-e5-small").pretrained
    assert spec.num_parameters == f"{SCRATCH.parameters() / 1e6:.1f}M"
    assert set(TINY.characters()) < set(SCRATCH.characters())
    encoder = load_encoder("scratch-char")
    assert encoder.config.hidden_size == spec.hidden_size == 128
    assert sum(p.numel() for p in encoder.parameters()) == SCRATCH.parameters()


def test_tiny_end_to_end_through_a_token_classification_head(fresh_cache: Path) -> None:
    tokenizer = load_tokenizer("tiny")
    batch = tokenizer(
        [WORDS["latin"], WORDS["arabic"]],
        is_split_into_words=True,
        padding=True,
        return_tensors="pt",
    )
    model = AutoModelForTokenClassification.from_pretrained(backbone_path("tiny"), num_labels=7)
    model.eval()
    with torch.no_grad():
        logits = model(**batch).logits
    assert logits.shape == (2, batch["input_ids"].shape[1], 7)
    assert torch.isfinite(logits).all()
    assert batch.word_ids(1)[-1] is None  # padding maps to no word


def test_load_encoder_has_no_pooler_and_returns_hidden_states(fresh_cache: Path) -> None:
    encoder = load_encoder("tiny")
    assert not encoder.training and getattr(encoder, "pooler", None) is None
    tokenizer = load_tokenizer("tiny")
    with torch.no_grad():
        out = encoder(**tokenizer("Привет мир", return_tensors="pt"))
    assert out.last_hidden_state.shape[-1] == encoder.config.hidden_size
