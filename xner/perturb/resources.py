"""What perturbations need beyond the sentences: HRL/LRL data, word lists, embedders.

`Resources` holds them, built lazily (a loader runs on first use) and cached with the
indexes derived from them (the HRL vocabulary, its entity mentions, LRL entity pools),
so composing several perturbations loads and indexes each thing once.

Tests pass ready values (`Resources(hrl_train=[...], embedder=Fake())`); the command
line uses `Resources.for_pair("ar-fa")`, which loads PAN-X splits through the data layer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

import regex

from xner.data.records import Sentence
from xner.pairs import pair_languages
from xner.perturb.base import OUTSIDE, PerturbationSpec, PerturbError, Resource, fast_spans

if TYPE_CHECKING:
    from xner.perturb.context import WordEmbedder

SentenceSource = Sequence[Sentence] | Callable[[], Sequence[Sentence]] | None

# A word for p2 and the word-type statistics: letters (and combining marks, ZWNJ/ZWJ as
# in Persian), optionally joined by an inner hyphen or apostrophe. Not punctuation, not
# numbers, not mixed alphanumerics.
_WORD = regex.compile(r"[\p{L}\p{M}\u200c\u200d]+(?:[-'’][\p{L}\p{M}\u200c\u200d]+)*")
_word_cache: dict[str, bool] = {}


def is_word(token: str) -> bool:
    """True for a token of two or more characters made of letters (p2's eligible words)."""
    found = _word_cache.get(token)
    if found is None:
        found = len(token) > 1 and _WORD.fullmatch(token) is not None
        if len(_word_cache) < 2_000_000:
            _word_cache[token] = found
    return found


def _materialise(source: SentenceSource) -> list[Sentence] | None:
    if source is None:
        return None
    if callable(source):
        return list(source())
    return list(source)


def mentions(sentences: Iterable[Sentence]) -> Iterable[tuple[tuple[str, ...], str]]:
    """`(tokens, type)` of every entity mention of labelled sentences."""
    for sentence in sentences:
        if sentence.tags is None:
            continue
        tokens = sentence.tokens
        for start, end, entity_type in fast_spans(sentence.tags):
            yield tokens[start:end], entity_type


class Resources:
    """Lazily built inputs for perturbations of one LRL (optionally for one HRL->LRL pair)."""

    def __init__(
        self,
        *,
        hrl_train: SentenceSource = None,
        lrl_train: SentenceSource = None,
        lrl_text: SentenceSource = None,
        embedder: WordEmbedder | None = None,
        backbone: str | None = None,
        stopwords: Iterable[str] | None = None,
        lang: str | None = None,
        pair: str | None = None,
    ) -> None:
        self._sources: dict[Resource, SentenceSource] = {
            Resource.HRL_TRAIN: hrl_train,
            Resource.LRL_TRAIN: lrl_train,
            Resource.LRL_TEXT: lrl_text,
        }
        self._loaded: dict[Resource, list[Sentence] | None] = {}
        self._embedder = embedder
        self._embedders: dict[tuple[str, str], WordEmbedder] = {}
        self.backbone = backbone
        self._stopwords = None if stopwords is None else frozenset(stopwords)
        self.lang = lang
        self.pair = pair
        self.notes: list[str] = []
        self.memo: dict[Any, Any] = {}  # derived indexes, shared by the steps of a run

    @classmethod
    def for_pair(
        cls,
        pair_id: str,
        *,
        data_dir: Any = None,
        backbone: str | None = None,
        dataset: str | None = None,
    ) -> Resources:
        """Resources of an `HRL-LRL` pair, loaded on first use from `dataset` splits
        (default: each language's WikiANN source, local PAN-X or Rahimi files, else the hub)."""
        hrl, lrl = pair_languages(pair_id)

        def loader(lang: str, split: str) -> Callable[[], list[Sentence]]:
            def load() -> list[Sentence]:
                from xner.data.resolve import load_split, wikiann_dataset

                source = dataset or wikiann_dataset(lang, data_dir)
                return load_split(source, lang, split, data_dir=data_dir)

            return load

        return cls(
            hrl_train=loader(hrl, "train"),
            lrl_train=loader(lrl, "train"),
            lrl_text=loader(lrl, "unlabelled"),
            backbone=backbone,
            lang=lrl,
            pair=pair_id,
        )

    # ------------------------------------------------------------------ raw data

    def _get(self, resource: Resource) -> list[Sentence] | None:
        if resource not in self._loaded:
            self._loaded[resource] = _materialise(self._sources[resource])
        return self._loaded[resource]

    def has(self, resource: Resource) -> bool:
        if resource in (Resource.NAME_SOURCE, Resource.WORD_LIST, Resource.BACKBONE):
            return True  # built on use, with a clear message per language / backbone
        return self._sources[resource] is not None

    def check(self, spec: PerturbationSpec) -> None:
        """Raise a clear error when `spec` needs something these resources lack."""
        for need in spec.needs:
            if need.required and not self.has(need.resource):
                hint = {
                    Resource.HRL_TRAIN: "give a pair (--pair HRL-LRL) or Resources(hrl_train=...)",
                    Resource.LRL_TRAIN: "give a pair or Resources(lrl_train=...)",
                    Resource.LRL_TEXT: "give a pair or Resources(lrl_text=...)",
                }.get(need.resource, "")
                raise PerturbError(
                    f"{spec.name} needs {need.resource.value}"
                    f"{' (' + need.why + ')' if need.why else ''}: {hint}"
                )

    @property
    def hrl_train(self) -> list[Sentence]:
        found = self._get(Resource.HRL_TRAIN)
        if found is None:
            raise PerturbError("no HRL training data: give a pair or Resources(hrl_train=...)")
        return found

    @property
    def lrl_train(self) -> list[Sentence]:
        return self._get(Resource.LRL_TRAIN) or []

    @property
    def lrl_text(self) -> list[Sentence]:
        return self._get(Resource.LRL_TEXT) or []

    # ------------------------------------------------------------------ HRL indexes

    @cached_property
    def hrl_vocab(self) -> frozenset[str]:
        """Every token type of the HRL training data."""
        return frozenset(token for s in self.hrl_train for token in s.tokens)

    @cached_property
    def hrl_entity_tokens(self) -> frozenset[str]:
        """Token types that occur inside an entity mention of the HRL training data."""
        return frozenset(token for tokens, _ in mentions(self.hrl_train) for token in tokens)

    @cached_property
    def hrl_mentions(self) -> frozenset[tuple[str, ...]]:
        """Entity mentions (token tuples, any type) of the HRL training data."""
        return frozenset(tokens for tokens, _ in mentions(self.hrl_train))

    # ------------------------------------------------------------------ LRL indexes

    def lrl_mention_pool(self, extra: Iterable[Sentence] = ()) -> dict[str, list[tuple[str, ...]]]:
        """Distinct mentions per type: LRL training data first, then `extra` (the batch),
        in first-seen order (deterministic)."""
        if "lrl-train-pool" not in self.memo:
            base: dict[str, dict[tuple[str, ...], None]] = {}
            for tokens, entity_type in mentions(self.lrl_train):
                base.setdefault(entity_type, {})[tokens] = None
            self.memo["lrl-train-pool"] = base
        pool = {t: dict(found) for t, found in self.memo["lrl-train-pool"].items()}
        for tokens, entity_type in mentions(extra):
            pool.setdefault(entity_type, {})[tokens] = None
        return {entity_type: list(found) for entity_type, found in pool.items()}

    def stopwords(self, lang: str | None, top: int, extra: Iterable[Sentence] = ()) -> frozenset:
        """The language's `top` most frequent words: wordfreq's list where it covers the
        language, else the most frequent words of the LRL data (train + text + `extra`)."""
        if self._stopwords is not None:
            return self._stopwords
        key = ("stopwords", lang, top)
        if key in self.memo:
            return self.memo[key]
        words: frozenset[str] | None = None
        if lang:
            words = wordfreq_top(lang, top)
        if words is None:
            counts: Counter[str] = Counter()
            for source in (self.lrl_train, self.lrl_text, extra):
                for sentence in source:
                    counts.update(t for t in sentence.tokens if is_word(t))
            words = frozenset(word for word, _ in counts.most_common(top))
            self.notes.append(
                f"stopwords for {lang or 'this language'}: wordfreq has no list, used the "
                f"{len(words)} most frequent words of the LRL data"
            )
        self.memo[key] = words
        return words

    def embedder(self, backbone: str, strategy: str) -> WordEmbedder:
        """The word representation p2 uses: an injected one, else built from `backbone`."""
        if self._embedder is not None:
            return self._embedder
        key = (backbone, strategy)
        if key not in self._embedders:
            from xner.perturb.context import make_embedder

            self._embedders[key] = make_embedder(backbone, strategy)
        return self._embedders[key]


def wordfreq_top(lang: str, top: int) -> frozenset[str] | None:
    """wordfreq's `top` most frequent words of `lang`, or None where it has no list."""
    try:
        import wordfreq
    except ImportError:
        return None
    if lang not in wordfreq.available_languages():
        return None
    try:
        return frozenset(wordfreq.top_n_list(lang, top))
    except (LookupError, ValueError, ImportError):  # e.g. ja/zh tokenizers not installed
        return None


def outside_tokens(sentences: Iterable[Sentence]) -> Iterable[str]:
    """Tokens tagged O (all tokens of unlabelled sentences)."""
    for sentence in sentences:
        if sentence.tags is None:
            yield from sentence.tokens
        else:
            pairs = zip(sentence.tokens, sentence.tags, strict=False)
            yield from (t for t, tag in pairs if tag == OUTSIDE)
