"""Randomly initialised character-level BERTs: models with no pretraining at all.

Two are registered: `tiny` (a few thousand parameters' worth of layers, for tests) and
`scratch-char`, the from-scratch baseline of the study: a small transformer that learns
NER only from the task's training data, so a user can see what multilingual
pretraining buys for transfer and for robustness.

The tokenizer is XLM-R style (Unigram over "▁"-marked pieces) with one piece per
character: each covered character alone and word-initial ("▁x"), so a word starts with
its "▁x" piece and continues one character per piece; label alignment and windowing
work exactly as for the pretrained backbones. Weights come from a fixed seed: the same
build every time.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NotRequired, TypedDict

import torch
from tokenizers import normalizers
from transformers import BertConfig, BertModel

from xner.backbones.sptok import BOS, EOS, MASK, METASPACE, PAD, UNK, unigram_tokenizer

Block = tuple[int, int]  # first and last code point, inclusive


class BertShape(TypedDict):
    """The `BertConfig` sizes a recipe sets (keyword arguments of `BertConfig`)."""

    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    type_vocab_size: int
    max_position_embeddings: NotRequired[int]


TINY_BLOCKS: tuple[Block, ...] = (
    (0x0021, 0x007E),  # Basic Latin, printable
    (0x00A1, 0x00FF),  # Latin-1 Supplement
    (0x0100, 0x017F),  # Latin Extended-A
    (0x0400, 0x04FF),  # Cyrillic
    (0x0600, 0x06FF),  # Arabic
    (0x0900, 0x097F),  # Devanagari
    (0x2010, 0x2027),  # general punctuation: dashes, quotes, ellipsis
)

# The scripts of the catalog's pairs and then some: Latin with its extensions (Turkic ə,
# Vietnamese), Greek, Cyrillic, Armenian, Hebrew, Arabic with its supplement (Urdu,
# Persian), the Indic scripts, Georgian.
SCRATCH_BLOCKS: tuple[Block, ...] = (
    *TINY_BLOCKS[:3],
    (0x0180, 0x024F),  # Latin Extended-B
    (0x0250, 0x02AF),  # IPA Extensions (Azerbaijani ə)
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x052F),  # Cyrillic + Supplement
    (0x0530, 0x058F),  # Armenian
    (0x0590, 0x05FF),  # Hebrew
    (0x0600, 0x06FF),  # Arabic
    (0x0750, 0x077F),  # Arabic Supplement
    (0x0900, 0x0DFF),  # Devanagari, Bengali, Gurmukhi, Gujarati, Oriya, Tamil, ..., Sinhala
    (0x10A0, 0x10FF),  # Georgian
    (0x1E00, 0x1EFF),  # Latin Extended Additional
    (0x2010, 0x2027),  # general punctuation
    (0x20A0, 0x20BF),  # currency signs
)


@dataclass(frozen=True)
class CharBertRecipe:
    """What a character-level random BERT is made of; `version` changes invalidate
    cached builds."""

    name: str
    blocks: tuple[Block, ...]
    config: BertShape
    version: int
    seed: int = 0
    max_positions: int = 512

    def characters(self) -> list[str]:
        """The assigned, visible characters covered, in block order."""
        chars: list[str] = []
        seen: set[str] = set()
        for first, last in self.blocks:
            for codepoint in range(first, last + 1):
                char = chr(codepoint)
                # Skip unassigned code points and controls/format characters; NFKC
                # forms that change a character are never seen after normalization.
                if unicodedata.category(char) in {"Cn", "Cc", "Cf", "Zs"} or char in seen:
                    continue
                if unicodedata.normalize("NFKC", char) != char:
                    continue
                seen.add(char)
                chars.append(char)
        return chars

    def vocab(self) -> list[tuple[str, float]]:
        """Specials, "▁", then each character word-initial and alone.

        Word-initial pieces score higher than "▁" + bare character, so a word
        starts with one "▁x" piece and continues one character per piece.
        """
        vocab: list[tuple[str, float]] = [(BOS, 0.0), (PAD, 0.0), (EOS, 0.0), (UNK, 0.0)]
        vocab.append((METASPACE, -3.0))
        for char in self.characters():
            vocab.append((METASPACE + char, -2.0))
            vocab.append((char, -2.5))
        vocab.append((MASK, 0.0))
        return vocab

    def parameters(self) -> int:
        """Parameter count of the encoder (embeddings included)."""
        config = BertConfig(vocab_size=len(self.vocab()), pad_token_id=1, **self.full_config())
        with torch.device("meta"):
            model = BertModel(config, add_pooling_layer=False)
        return sum(p.numel() for p in model.parameters())

    def full_config(self) -> BertShape:
        return {**self.config, "max_position_embeddings": self.max_positions}

    def fingerprint(self) -> dict[str, Any]:
        return {"builder": self.name, "version": self.version}


def build(recipe: CharBertRecipe, directory: Path) -> dict[str, Any]:
    """Write the recipe's tokenizer and randomly initialised encoder into `directory`."""
    vocab = recipe.vocab()
    tokenizer = unigram_tokenizer(vocab, normalizers.NFKC(), model_max_length=recipe.max_positions)
    config = BertConfig(vocab_size=len(vocab), pad_token_id=1, **recipe.full_config())
    # A private RNG state keeps the weights fixed without disturbing callers' seeds.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(recipe.seed)
        model = BertModel(config, add_pooling_layer=False)
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return {"vocab_size": len(vocab), "seed": recipe.seed, "config": recipe.config}


TINY = CharBertRecipe(
    name="tiny",
    blocks=TINY_BLOCKS,
    config={
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 64,
        "type_vocab_size": 2,
    },
    version=1,
)

SCRATCH = CharBertRecipe(
    name="scratch-char",
    blocks=SCRATCH_BLOCKS,
    config={
        "hidden_size": 128,
        "num_hidden_layers": 4,
        "num_attention_heads": 4,
        "intermediate_size": 512,
        "type_vocab_size": 2,
    },
    version=1,
)
