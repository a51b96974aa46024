"""Split policies as data: which file part and which of its sentences make each split.

A `SplitPolicy` is a declared list of `SplitRule`s (plus a `Pool` for the pooled
policies), looked up by name in `POLICIES`; `xner.data.resolve` applies them and
`split_policy(dataset)` shows a dataset's, for the README and the app.

WikiANN policy (`panx` / `wikiann`, `wikiann-rahimi`, and WikiANN from the hub). The
XTREME PAN-X release withholds the labels of `test-LANG.tsv`, so:

- test       = the labelled `dev-LANG.tsv` file, all of it;
- dev        = a fixed held-out slice of `train-LANG.tsv`: 10% of its sentences, at most
               1,000, drawn with `random.Random(DEV_SEED)` (the same for every run);
- train      = the rest of `train-LANG.tsv`;
- unlabelled = the tokens of `test-LANG.tsv` (tags None): target-language raw text.

Sentence ids name the file the sentence comes from and its index there: a dev-slice
sentence and a train sentence both read `panx/fa/train/001234` (their `split` field
says which split they are in), and a test sentence reads `panx/fa/dev/000017`. Ids
therefore never change when the policy's parameters do.

Official policy (`wnut17`, `ontonotes5`): train/dev/test are the released files;
unlabelled = the test file's tokens without tags.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from xner.data.records import Sentence
from xner.errors import XnerError
from xner.registry import Registry

SPLITS = ("train", "dev", "test", "unlabelled")
DEV_FRACTION = 0.1
DEV_CAP = 1000
DEV_SEED = 20240607


# ---------------------------------------------------------------------------
# Split policies


@dataclass(frozen=True, slots=True)
class SplitRule:
    """Where one split comes from: a file part, and which of its sentences."""

    split: str
    part: str  # the file's own split name (train/dev/test), also used in sentence ids
    take: str  # "all", "held-out" (the dev slice) or "rest" (all but the dev slice)
    labelled: bool
    note: str


@dataclass(frozen=True, slots=True)
class Pool:
    """How a pooled policy draws its splits: every labelled part of a language pooled in
    file order, shuffled with `seed`, capped, cut into test and train, dev carved from
    train. `dedup` drops from test the sentences whose tokens equal a train or dev
    sentence's (WikiANN repeats short title-like sentences across its files)."""

    seed: int
    cap: int | None
    test_fraction: float
    dedup: bool = False


@dataclass(frozen=True, slots=True)
class SplitPolicy:
    name: str
    description: str
    rules: tuple[SplitRule, ...]
    pool: Pool | None = None  # None: each split is read from its own file part

    def rule(self, split: str) -> SplitRule:
        for rule in self.rules:
            if rule.split == split:
                return rule
        raise XnerError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")


WIKIANN_POLICY = SplitPolicy(
    "xtreme",
    "PAN-X test files carry no labels: evaluate on the labelled dev file, tune on a "
    "seeded slice of train, use the test file as unlabelled target text",
    (
        SplitRule("train", "train", "rest", True, "the train file minus the dev slice"),
        SplitRule(
            "dev",
            "train",
            "held-out",
            True,
            f"{DEV_FRACTION:.0%} of the train file, at most {DEV_CAP:,} sentences, seed {DEV_SEED}",
        ),
        SplitRule("test", "dev", "all", True, "the labelled dev file"),
        SplitRule("unlabelled", "test", "all", False, "the test file's tokens, no tags"),
    ),
)

OFFICIAL_POLICY = SplitPolicy(
    "official",
    "the released train/dev/test files; unlabelled text is the test file without tags",
    (
        SplitRule("train", "train", "all", True, "the train file"),
        SplitRule("dev", "dev", "all", True, "the dev file"),
        SplitRule("test", "test", "all", True, "the test file"),
        SplitRule("unlabelled", "test", "all", False, "the test file's tokens, no tags"),
    ),
)


PAPER_CAP = 17_003  # Manafi & Krishnaswamy (2024): WikiANN capped at 17,003 sentences
PAPER_TEST_FRACTION = 0.2  # ... split 80/20 (3,401 test sentences for large languages)
PAPER_SEED = 20240329


def _paper_policy(name: str, dedup: bool) -> SplitPolicy:
    dropped = "; test sentences that repeat a train/dev sentence dropped" if dedup else ""
    return SplitPolicy(
        name,
        f"the paper's split: every labelled sentence of the language pooled, shuffled "
        f"(seed {PAPER_SEED}), capped at {PAPER_CAP:,}, split "
        f"{1 - PAPER_TEST_FRACTION:.0%}/{PAPER_TEST_FRACTION:.0%} train/test{dropped}",
        (
            SplitRule("train", "pool", "rest", True, "the pooled train part minus dev"),
            SplitRule(
                "dev",
                "pool",
                "held-out",
                True,
                f"{DEV_FRACTION:.0%} of the pooled train part, at most {DEV_CAP:,} sentences",
            ),
            SplitRule(
                "test",
                "pool",
                "test",
                True,
                f"{PAPER_TEST_FRACTION:.0%} of the shuffled pool{dropped}",
            ),
            SplitRule(
                "unlabelled",
                "pool",
                "unlabelled",
                False,
                "the unlabelled file where the dataset has one (PAN-X test), else the "
                "train split's tokens without tags (never a test sentence)",
            ),
        ),
        pool=Pool(PAPER_SEED, PAPER_CAP, PAPER_TEST_FRACTION, dedup=dedup),
    )


PAPER_POLICY = _paper_policy("paper", dedup=False)
PAPER_DEDUP_POLICY = _paper_policy("paper-dedup", dedup=True)

POLICIES: Registry[SplitPolicy] = Registry("split policy", error=XnerError)
POLICIES.register_all(WIKIANN_POLICY, PAPER_POLICY, PAPER_DEDUP_POLICY, OFFICIAL_POLICY)
DEFAULT_WIKIANN_POLICY = WIKIANN_POLICY.name
POLICY_SEPARATOR = "@"  # "panx@paper": a dataset read under another split policy


def get_policy(name: str) -> SplitPolicy:
    """The declared split policy `name`; an unknown name lists the known ones."""
    return POLICIES.get(name)


@lru_cache(maxsize=256)
def heldout_indices(n: int) -> tuple[int, ...]:
    """Indices (sorted) of the dev slice of a train file of `n` sentences."""
    k = min(DEV_CAP, round(n * DEV_FRACTION))
    if n >= 2:
        k = max(k, 1)  # tiny languages (jv, qu: 100 sentences) still get a dev set
    return tuple(sorted(random.Random(DEV_SEED).sample(range(n), k)))


def _select(sentences: list[Sentence], take: str) -> list[Sentence]:
    if take == "all":
        return sentences
    held = set(heldout_indices(len(sentences)))
    keep = take == "held-out"
    return [s for index, s in enumerate(sentences) if (index in held) == keep]


def _selected_count(n: int, take: str) -> int:
    if take == "all":
        return n
    k = len(heldout_indices(n)) if n else 0
    return k if take == "held-out" else n - k
