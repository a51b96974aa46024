"""Synthetic gold/predicted tag sequences for the evaluation tests (no data files)."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from xner.data.records import Sentence, sentence_id

TYPES = ("PER", "LOC", "ORG")


def gold_tags(rng: random.Random, length: int) -> list[str]:
    """A valid IOB2 sequence with entities of 1-3 tokens."""
    tags: list[str] = []
    while len(tags) < length:
        if rng.random() < 0.3:
            entity_type = rng.choice(TYPES)
            size = min(rng.randint(1, 3), length - len(tags))
            tags += [f"B-{entity_type}"] + [f"I-{entity_type}"] * (size - 1)
        else:
            tags.append("O")
    return tags


def corrupt(rng: random.Random, tags: list[str], rate: float) -> list[str]:
    """A model's guess: per token, with probability `rate`, a random tag, stray I- included."""
    vocabulary = ["O"] + [f"{p}-{t}" for p in "BI" for t in TYPES]
    return [rng.choice(vocabulary) if rng.random() < rate else tag for tag in tags]


Make = Callable[..., tuple[list[Sentence], list[list[str]]]]


@pytest.fixture
def make() -> Make:
    """`make(n, rate=0.1, seed=0)` -> (gold sentences, predicted tag lists)."""

    def build(n: int, rate: float = 0.1, seed: int = 0) -> tuple[list[Sentence], list[list[str]]]:
        # Separate streams: the gold depends on the seed only, not on the noise rate.
        rng, noise = random.Random(seed), random.Random(f"noise-{seed}")
        gold, predicted = [], []
        for index in range(n):
            tags = gold_tags(rng, rng.randint(3, 15))
            gold.append(
                Sentence(
                    id=sentence_id("synth", "xx", "test", index),
                    tokens=tuple(f"w{i}" for i in range(len(tags))),
                    tags=tuple(tags),
                    lang="xx",
                    dataset="synth",
                    split="test",
                )
            )
            predicted.append(corrupt(noise, tags, rate))
        return gold, predicted

    return build
