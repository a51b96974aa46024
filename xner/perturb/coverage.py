"""How much of a test set a perturbation touched: stored beside every perturbed score, so
a 0.0 drop on nothing replaced reads as "not perturbed", not as "robust".

Entity-preserving kinds keep the number and order of mentions and of O-tagged tokens, so
mention i of the source is compared with mention i of the output and likewise for O
tokens; where a kind changes those counts (concat, type-swap, case splits), the counts
come from the edits instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from xner.data.records import Sentence
from xner.data.tags import OUTSIDE, span_tuples
from xner.perturb.spec import Perturbed


@dataclass(frozen=True, slots=True)
class Coverage:
    """What one perturbed test set changed, against its clean source."""

    reference: str | None  # own | hrl | lrl for kinds measured against data, else None
    reference_data: str | None  # e.g. "fa/train[:5000]"
    mentions_total: int
    mentions_replaced: int
    mentions_distinct: int  # distinct mention token sequences (the paper counts these)
    mentions_distinct_replaced: int  # of those, replaced at least once
    o_tokens_total: int
    o_tokens_replaced: int
    sentences_total: int
    sentences_changed: int

    @property
    def mention_share(self) -> float:
        return self.mentions_replaced / self.mentions_total if self.mentions_total else 0.0

    @property
    def distinct_mention_share(self) -> float:
        return (
            self.mentions_distinct_replaced / self.mentions_distinct
            if self.mentions_distinct
            else 0.0
        )

    @property
    def o_token_share(self) -> float:
        return self.o_tokens_replaced / self.o_tokens_total if self.o_tokens_total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _outside(sentence: Sentence) -> list[str]:
    tags = sentence.tags or ()
    return [token for token, tag in zip(sentence.tokens, tags, strict=True) if tag == OUTSIDE]


def _mentions(sentence: Sentence) -> list[tuple[tuple[str, ...], str]]:
    tags = sentence.tags or ()
    return [(sentence.tokens[a:b], kind) for a, b, kind in span_tuples(tags)]


def coverage(
    source: Sequence[Sentence],
    perturbed: Sequence[Perturbed],
    *,
    reference: str | None = None,
    reference_data: str | None = None,
) -> Coverage:
    """Counts of mentions and O tokens replaced, and of sentences changed."""
    mentions_total = mentions_replaced = outside_total = outside_replaced = changed = 0
    distinct: set[tuple[str, ...]] = set()
    distinct_replaced: set[tuple[str, ...]] = set()
    for old, new in zip(source, perturbed, strict=True):
        old_mentions, old_outside = _mentions(old), _outside(old)
        distinct.update(tokens for tokens, _ in old_mentions)
        mentions_total += len(old_mentions)
        outside_total += len(old_outside)
        if not new.changed:
            continue
        changed += 1
        new_mentions, new_outside = _mentions(new.sentence), _outside(new.sentence)
        if len(new_mentions) == len(old_mentions):
            replaced = [a for a, b in zip(old_mentions, new_mentions, strict=True) if a != b]
            mentions_replaced += len(replaced)
            distinct_replaced.update(tokens for tokens, _ in replaced)
        else:
            mentions_replaced += min(len(old_mentions), len(new.edits))
            touched = {tuple(e.old.split()) for e in new.edits}
            distinct_replaced.update(t for t, _ in old_mentions if t in touched)
        if len(new_outside) == len(old_outside):
            words = zip(old_outside, new_outside, strict=True)
            outside_replaced += sum(a != b for a, b in words)
        else:
            outside_replaced += min(len(old_outside), sum(e.n_old for e in new.edits))
    return Coverage(
        reference=reference,
        reference_data=reference_data,
        mentions_total=mentions_total,
        mentions_replaced=mentions_replaced,
        mentions_distinct=len(distinct),
        mentions_distinct_replaced=len(distinct_replaced),
        o_tokens_total=outside_total,
        o_tokens_replaced=outside_replaced,
        sentences_total=len(source),
        sentences_changed=changed,
    )
