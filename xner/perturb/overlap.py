"""Overlap between an HRL training set and an LRL test set: the paper's explanatory variable.

Definitions (exact, case-sensitive token match):

- entity-token overlap: share of LRL test tokens inside entity mentions whose surface
  form is a token of some entity mention of the HRL training data;
- mention overlap: share of LRL test mentions whose token sequence is an entity mention
  of the HRL training data (any type); also per type;
- word-type overlap: share of the LRL test's word types (`is_word`: letters, two
  characters or more) that occur anywhere in the HRL training data;
- context-word overlap: share of the LRL test's non-entity word tokens that occur in the
  HRL training data (what p2 can replace, before removing stopwords).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from xner.data.records import Sentence
from xner.data.tags import OUTSIDE, span_tuples
from xner.perturb.resources import is_word, mentions


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


@dataclass(frozen=True)
class OverlapStats:
    hrl_sentences: int
    lrl_sentences: int
    entity_tokens: int
    entity_tokens_in_hrl: int
    mentions: int
    mentions_in_hrl: int
    word_types: int
    word_types_in_hrl: int
    context_words: int
    context_words_in_hrl: int
    per_type: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def entity_token_overlap(self) -> float:
        return _share(self.entity_tokens_in_hrl, self.entity_tokens)

    @property
    def mention_overlap(self) -> float:
        return _share(self.mentions_in_hrl, self.mentions)

    @property
    def word_type_overlap(self) -> float:
        return _share(self.word_types_in_hrl, self.word_types)

    @property
    def context_word_overlap(self) -> float:
        return _share(self.context_words_in_hrl, self.context_words)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = asdict(self)
        out.update(
            entity_token_overlap=self.entity_token_overlap,
            mention_overlap=self.mention_overlap,
            word_type_overlap=self.word_type_overlap,
            context_word_overlap=self.context_word_overlap,
        )
        return out


def overlap_stats(hrl_train: Iterable[Sentence], lrl_test: Iterable[Sentence]) -> OverlapStats:
    """How much of the LRL test set the HRL training data has already seen."""
    hrl = list(hrl_train)
    lrl = list(lrl_test)
    hrl_vocab = {t for s in hrl for t in s.tokens}
    hrl_mentions: set[tuple[str, ...]] = set()
    hrl_entity_tokens: set[str] = set()
    for tokens, _ in mentions(hrl):
        hrl_mentions.add(tokens)
        hrl_entity_tokens.update(tokens)

    entity_tokens = entity_hits = mention_count = mention_hits = 0
    context = context_hits = 0
    per_type: dict[str, list[int]] = {}
    word_types: set[str] = set()
    for sentence in lrl:
        tokens = sentence.tokens
        word_types.update(t for t in tokens if is_word(t))
        if sentence.tags is None:
            continue
        for token, tag in zip(tokens, sentence.tags, strict=False):
            if tag == OUTSIDE:
                if is_word(token):
                    context += 1
                    context_hits += token in hrl_vocab
            else:
                entity_tokens += 1
                entity_hits += token in hrl_entity_tokens
        for start, end, entity_type in span_tuples(sentence.tags):
            seen = tokens[start:end] in hrl_mentions
            mention_count += 1
            mention_hits += seen
            counts = per_type.setdefault(entity_type, [0, 0])
            counts[0] += 1
            counts[1] += seen
    return OverlapStats(
        hrl_sentences=len(hrl),
        lrl_sentences=len(lrl),
        entity_tokens=entity_tokens,
        entity_tokens_in_hrl=entity_hits,
        mentions=mention_count,
        mentions_in_hrl=mention_hits,
        word_types=len(word_types),
        word_types_in_hrl=sum(1 for w in word_types if w in hrl_vocab),
        context_words=context,
        context_words_in_hrl=context_hits,
        per_type={
            t: {"mentions": n, "in_hrl": k, "overlap": _share(k, n)}
            for t, (n, k) in sorted(per_type.items())
        },
    )
