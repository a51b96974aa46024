"""`tiny`: a small randomly initialised BERT with a character-level XLM-R style
tokenizer, for tests that need a real model in well under a second.

The vocabulary holds every character of the Latin (Basic Latin, Latin-1,
Latin Extended-A), Cyrillic, Arabic and Devanagari blocks, each also with the
word-initial "▁" marker, so text in those scripts tokenizes without `<unk>`.
Weights come from a fixed seed: the same build every time.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import torch
from tokenizers import normalizers
from transformers import BertConfig, BertModel

from xner.backbones.sptok import BOS, EOS, MASK, METASPACE, PAD, UNK, unigram_tokenizer

BUILD_VERSION = 1
SEED = 0
MAX_POSITIONS = 512

_BLOCKS = (
    (0x0021, 0x007E),  # Basic Latin, printable
    (0x00A1, 0x00FF),  # Latin-1 Supplement
    (0x0100, 0x017F),  # Latin Extended-A
    (0x0400, 0x04FF),  # Cyrillic
    (0x0600, 0x06FF),  # Arabic
    (0x0900, 0x097F),  # Devanagari
    (0x2010, 0x2027),  # general punctuation: dashes, quotes, ellipsis
)

CONFIG = {
    "hidden_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "intermediate_size": 64,
    "max_position_embeddings": MAX_POSITIONS,
    "type_vocab_size": 2,
}


def tiny_characters() -> list[str]:
    """The assigned, visible characters the tiny vocabulary covers, in code-point order."""
    chars = []
    for first, last in _BLOCKS:
        for codepoint in range(first, last + 1):
            char = chr(codepoint)
            # Skip unassigned code points and controls/format characters; NFKC
            # forms that change a character are never seen after normalization.
            if unicodedata.category(char) in {"Cn", "Cc", "Cf", "Zs"}:
                continue
            if unicodedata.normalize("NFKC", char) != char:
                continue
            chars.append(char)
    return chars


def tiny_vocab() -> list[tuple[str, float]]:
    """Specials, "▁", then each character alone and word-initial.

    Word-initial pieces score higher than "▁" + bare character, so a word
    starts with one "▁x" piece and continues one character per piece.
    """
    vocab: list[tuple[str, float]] = [(BOS, 0.0), (PAD, 0.0), (EOS, 0.0), (UNK, 0.0)]
    vocab.append((METASPACE, -3.0))
    for char in tiny_characters():
        vocab.append((METASPACE + char, -2.0))
        vocab.append((char, -2.5))
    vocab.append((MASK, 0.0))
    return vocab


def build_tiny(directory: Path) -> dict[str, Any]:
    """Write the tiny tokenizer and encoder into `directory`."""
    vocab = tiny_vocab()
    tokenizer = unigram_tokenizer(vocab, normalizers.NFKC(), model_max_length=MAX_POSITIONS)
    config = BertConfig(vocab_size=len(vocab), pad_token_id=1, **CONFIG)
    # A private RNG state keeps the weights fixed without disturbing callers' seeds.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(SEED)
        model = BertModel(config, add_pooling_layer=False)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return {"vocab_size": len(vocab), "seed": SEED, "config": CONFIG}


def fingerprint() -> dict[str, Any]:
    return {"builder": "tiny", "version": BUILD_VERSION}
