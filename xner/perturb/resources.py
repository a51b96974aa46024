"""What perturbations need beyond the sentences: HRL/LRL data, word lists, embedders.

`PerturbResources` holds them, built lazily (a loader runs on first use) and cached with the
indexes derived from them (the HRL vocabulary, its entity mentions, LRL entity pools),
so composing several perturbations loads and indexes each thing once.

Tests pass ready values (`PerturbResources(hrl_train=[...], embedder=Fake())`); the command
line uses `PerturbResources.for_pair("ar-fa")`, which loads PAN-X splits through the data layer.
"""

from __future__ import annotations

import string
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import regex

from xner.data.records import Sentence
from xner.data.tags import OUTSIDE, span_tuples
from xner.pairs import pair_languages
from xner.perturb.spec import PerturbationSpec, PerturbError, Resource

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


_ASCII_PUNCTUATION = frozenset(string.punctuation)


def has_punctuation(token: str) -> bool:
    """True when a character of `token` is ASCII punctuation (the paper's
    `string.punctuation` test) or any Unicode punctuation (so '،' and '«' count too)."""
    return any(ch in _ASCII_PUNCTUATION or unicodedata.category(ch).startswith("P") for ch in token)


# What p1 and p2 measure "shared" against: the labelled data of a reading. `own` is the
# evaluated model's own labelled training data, as its setting declares it
# (`SettingSpec.train`); `hrl` and `lrl` are the pair's training splits, the same for
# every setting (the controlled comparison).
REFERENCES: dict[str, str] = {
    "own": "the evaluated model's own labelled training data (the paper's comparison)",
    "hrl": "the HRL training data, for every setting (the controlled comparison)",
    "lrl": "the LRL training data, for every setting",
}
REFERENCE_DEFAULT = "own"


@dataclass(frozen=True, slots=True)
class ReferenceIndex:
    """What a reference's labelled data holds, as p1 and p2 compare against it."""

    name: str  # own | hrl | lrl
    describes: str  # which data, e.g. "lrl/train[:5000]"
    sentences: int
    mentions: frozenset[tuple[str, ...]]  # entity mentions (token tuples, any type)
    entity_tokens: frozenset[str]  # tokens inside a mention


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
        for start, end, entity_type in span_tuples(sentence.tags):
            yield tokens[start:end], entity_type


class PerturbResources:
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
        own_train: SentenceSource = None,
        own_describes: str = "",
    ) -> None:
        self._sources: dict[Resource, SentenceSource] = {
            Resource.HRL_TRAIN: hrl_train,
            Resource.LRL_TRAIN: lrl_train,
            Resource.LRL_TEXT: lrl_text,
            Resource.OWN_TRAIN: own_train,
        }
        self.own_describes = own_describes or ("the given own_train" if own_train else "")
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
        setting: str | None = None,
        own_train: SentenceSource = None,
        own_describes: str = "",
        split_policy: str | None = None,
    ) -> PerturbResources:
        """PerturbResources of an `HRL-LRL` pair, loaded on first use from `dataset` splits
        (default: each language's WikiANN source, local PAN-X or Rahimi files, else the hub).

        The `own` reference is `own_train` where given (a run's exact training data), else
        the training splits `setting` declares (`SettingSpec.train`), else unknown. Every
        split is read under `split_policy` (default: each dataset's own)."""
        hrl, lrl = pair_languages(pair_id)
        languages = {"hrl": hrl, "lrl": lrl}

        def loader(lang: str, split: str) -> Callable[[], list[Sentence]]:
            def load() -> list[Sentence]:
                from xner.data.datasets import with_policy
                from xner.data.resolve import load_split, wikiann_dataset

                source = with_policy(dataset or wikiann_dataset(lang, data_dir), split_policy)
                return load_split(source, lang, split, data_dir=data_dir)

            return load

        if own_train is None and setting is not None:
            from xner.train.settings import get_setting

            parts = [loader(languages[role], split) for role, split in get_setting(setting).train]
            own_describes = " + ".join(
                f"{languages[role]}/{split}" for role, split in get_setting(setting).train
            )

            def own_train() -> list[Sentence]:
                return [sentence for part in parts for sentence in part()]

        return cls(
            hrl_train=loader(hrl, "train"),
            lrl_train=loader(lrl, "train"),
            lrl_text=loader(lrl, "unlabelled"),
            backbone=backbone,
            lang=lrl,
            pair=pair_id,
            own_train=own_train,
            own_describes=own_describes,
        )

    # ------------------------------------------------------------------ raw data

    def _get(self, resource: Resource) -> list[Sentence] | None:
        if resource not in self._loaded:
            self._loaded[resource] = _materialise(self._sources[resource])
        return self._loaded[resource]

    def has(self, resource: Resource) -> bool:
        if resource in (
            Resource.NAME_SOURCE,
            Resource.WORD_LIST,
            Resource.BACKBONE,
            Resource.REFERENCE,
        ):
            return True  # built on use, with a clear message per language / backbone / reading
        return self._sources[resource] is not None

    def check(self, spec: PerturbationSpec) -> None:
        """Raise a clear error when `spec` needs something these resources lack."""
        for need in spec.needs:
            if need.required and not self.has(need.resource):
                hint = {
                    Resource.HRL_TRAIN: (
                        "give a pair (--pair HRL-LRL) or PerturbResources(hrl_train=...)"
                    ),
                    Resource.LRL_TRAIN: "give a pair or PerturbResources(lrl_train=...)",
                    Resource.LRL_TEXT: "give a pair or PerturbResources(lrl_text=...)",
                }.get(need.resource, "")
                raise PerturbError(
                    f"{spec.name} needs {need.resource.value}"
                    f"{' (' + need.why + ')' if need.why else ''}: {hint}"
                )

    @property
    def hrl_train(self) -> list[Sentence]:
        found = self._get(Resource.HRL_TRAIN)
        if found is None:
            raise PerturbError(
                "no HRL training data: give a pair or PerturbResources(hrl_train=...)"
            )
        return found

    @property
    def lrl_train(self) -> list[Sentence]:
        return self._get(Resource.LRL_TRAIN) or []

    @property
    def lrl_text(self) -> list[Sentence]:
        return self._get(Resource.LRL_TEXT) or []

    # ------------------------------------------------------------------ references

    def reference_data(self, name: str) -> tuple[list[Sentence], str]:
        """The labelled sentences of reference `name` (see `REFERENCES`) and what they are."""
        if name == "hrl":
            return self.hrl_train, f"{self._role_lang('hrl')}/train"
        if name == "lrl":
            if self._sources[Resource.LRL_TRAIN] is None:
                raise PerturbError(
                    "reference=lrl needs the LRL training data: give a pair or "
                    "PerturbResources(lrl_train=...)"
                )
            return self.lrl_train, f"{self._role_lang('lrl')}/train"
        if name == "own":
            own = self._get(Resource.OWN_TRAIN)
            if own is None:
                raise PerturbError(
                    "reference=own is the evaluated model's own training data, which is not "
                    "known here: give the setting (--setting NAME) or a run folder, or choose "
                    "-p reference=hrl or -p reference=lrl"
                )
            return own, self.own_describes
        known = ", ".join(REFERENCES)
        raise PerturbError(f"unknown reference {name!r}; known: {known}")

    def _role_lang(self, role: str) -> str:
        if self.pair:
            hrl, lrl = pair_languages(self.pair)
            return hrl if role == "hrl" else lrl
        return role

    def reference(self, name: str) -> ReferenceIndex:
        """The mention index of reference `name`, built once per PerturbResources."""
        key = ("reference", name)
        if key not in self.memo:
            sentences, describes = self.reference_data(name)
            found = [tokens for tokens, _ in mentions(sentences)]
            self.memo[key] = ReferenceIndex(
                name=name,
                describes=describes,
                sentences=len(sentences),
                mentions=frozenset(found),
                entity_tokens=frozenset(t for tokens in found for t in tokens),
            )
        return self.memo[key]

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

    def stopwords(self, lang: str | None, top: int) -> frozenset[str]:
        """The stopwords of `lang`: the stopwords-iso list (the paper's) where it has one,
        else wordfreq's `top` most frequent words, else the `top` most frequent words of
        the LRL data (train + unlabelled text; never the sentences being perturbed, so a
        sentence's perturbation does not depend on its batch). A fallback leaves a note."""
        if self._stopwords is not None:
            return self._stopwords
        key = ("stopwords", lang, top)
        if key in self.memo:
            return self.memo[key]
        words = stopwords_iso(lang) if lang else None
        if words is None and top:
            words = wordfreq_top(lang, top) if lang else None
            if words is not None:
                self.notes.append(
                    f"stopwords for {lang}: stopwords-iso has no list; used wordfreq's "
                    f"{top} most frequent words"
                )
            elif lang == self.lang or lang is None:
                counts: Counter[str] = Counter()
                for source in (self.lrl_train, self.lrl_text):
                    for sentence in source:
                        counts.update(t.lower() for t in sentence.tokens if is_word(t))
                words = frozenset(word for word, _ in counts.most_common(top))
                self.notes.append(
                    f"stopwords for {lang or 'this language'}: neither stopwords-iso nor "
                    f"wordfreq has a list; used the {len(words)} most frequent words of the "
                    "LRL data"
                )
        if words is None:
            words = frozenset()
            self.notes.append(f"stopwords for {lang}: no list found; none used")
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


def stopwords_iso(lang: str) -> frozenset[str] | None:
    """The stopwords-iso list of `lang` (the list the paper used), or None where it has none."""
    try:
        import stopwordsiso
    except ImportError:
        return None
    if not stopwordsiso.has_lang(lang):
        return None
    return frozenset(stopwordsiso.stopwords(lang))


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
