"""p2, context-word replacement (Manafi & Krishnaswamy 2024), and backbone word vectors.

A non-entity word of the perturbed (LRL test) set is *eligible* when it is a word
(`resources.is_word`: letters only, two characters or more, so no punctuation, numbers
or one-character words), is not a stopword of the LRL, and occurs in the HRL training
data (exact token match). Each eligible word is replaced by its nearest neighbour, by
cosine similarity of the backbone's word vectors, among the *candidates*: words of the
LRL training data (tokens tagged O) and unlabelled LRL text that do not occur in the HRL
training data (and pass the same word/stopword filters, and are never inside an entity
mention of the LRL training data; the `max_vocab` most frequent).

Word vectors come from a declared strategy (`EMBEDDINGS`): `input-mean` is the mean of
the backbone's input subword embeddings (static, fast; a lone SentencePiece "▁" piece
is dropped). They are cached per backbone and strategy under
`cache_dir()/word-vectors/`, and each substitution table (query words x candidates) under
`cache_dir()/perturb/p2/`, so a second run with the same data is a dictionary lookup.
Unit tests pass their own embedder (`Resources(embedder=...)`).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from xner.config import cache_dir
from xner.data.records import Sentence
from xner.perturb import entities as _entities  # noqa: F401  (p1, for p1+p2)
from xner.perturb.base import (
    OUTSIDE,
    Need,
    ParamSpec,
    PerturbationSpec,
    PerturbError,
    Resource,
    register,
    replace_spans,
)
from xner.perturb.resources import Resources, is_word, mentions, outside_tokens


class WordEmbedder(Protocol):
    """A word representation: `key` names it in caches ("" = do not cache)."""

    key: str

    def embed(self, words: Sequence[str]) -> np.ndarray:
        """One row per word, float32."""
        ...


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "__", name)


class InputEmbeddingMean:
    """Mean of the backbone's input (subword) embedding rows of a word's pieces."""

    strategy = "input-mean"

    def __init__(self, backbone: str) -> None:
        self.backbone = backbone
        self.key = f"{_safe(backbone)}--{self.strategy}"
        self._tokenizer: Any = None
        self._matrix: np.ndarray | None = None
        self._space_id: int | None = None

    def _load(self) -> None:
        from xner.backbones import load_encoder, load_tokenizer

        self._tokenizer = load_tokenizer(self.backbone)
        encoder = load_encoder(self.backbone)
        weight = encoder.get_input_embeddings().weight.detach().float().numpy()
        self._matrix = np.ascontiguousarray(weight)
        space = self._tokenizer.convert_tokens_to_ids("▁")
        unk = self._tokenizer.unk_token_id
        self._space_id = space if isinstance(space, int) and space != unk else None

    def embed(self, words: Sequence[str]) -> np.ndarray:
        if self._matrix is None:
            self._load()
        assert self._matrix is not None
        out = np.zeros((len(words), self._matrix.shape[1]), dtype=np.float32)
        batch = 4096
        for offset in range(0, len(words), batch):
            chunk = list(words[offset : offset + batch])
            encoded = self._tokenizer(chunk, add_special_tokens=False)["input_ids"]
            for row, ids in enumerate(encoded, offset):
                if len(ids) > 1 and self._space_id is not None:
                    ids = [i for i in ids if i != self._space_id] or ids
                if ids:
                    out[row] = self._matrix[ids].mean(axis=0)
        return out


EMBEDDINGS: dict[str, Callable[[str], WordEmbedder]] = {
    InputEmbeddingMean.strategy: InputEmbeddingMean,
}


def make_embedder(backbone: str, strategy: str = "input-mean") -> WordEmbedder:
    try:
        return EMBEDDINGS[strategy](backbone)
    except KeyError:
        raise PerturbError(
            f"unknown word representation {strategy!r}; known: {', '.join(EMBEDDINGS)}"
        ) from None


# ---------------------------------------------------------------------------- caches


def _atomic_write(path: Path, write: Callable[[Any], None], binary: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(
            handle, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8"})
        ) as out:
            write(out)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class WordVectorCache:
    """Word vectors of one embedder, kept on disk and grown as new words are asked for."""

    def __init__(self, embedder: WordEmbedder, root: Path | None = None) -> None:
        self.embedder = embedder
        self.directory = (root or cache_dir()) / "word-vectors" / embedder.key
        self._index: dict[str, int] = {}
        self._vectors: np.ndarray | None = None
        words_path = self.directory / "words.json"
        vectors_path = self.directory / "vectors.npy"
        if embedder.key and words_path.is_file() and vectors_path.is_file():
            try:
                words = json.loads(words_path.read_text(encoding="utf-8"))
                vectors = np.load(vectors_path)
                if len(words) == len(vectors):
                    self._index = {w: i for i, w in enumerate(words)}
                    self._vectors = vectors
            except (OSError, ValueError):
                self._index, self._vectors = {}, None  # a broken cache is rebuilt

    def get(self, words: Sequence[str]) -> np.ndarray:
        """float32 vectors of `words` (computing and caching the missing ones)."""
        missing = list(dict.fromkeys(w for w in words if w not in self._index))
        if missing:
            fresh = np.asarray(self.embedder.embed(missing), dtype=np.float16)
            start = len(self._index)
            self._vectors = fresh if self._vectors is None else np.vstack([self._vectors, fresh])
            for offset, word in enumerate(missing):
                self._index[word] = start + offset
            if self.embedder.key:
                stored_words = list(self._index)
                vectors = self._vectors
                _atomic_write(self.directory / "vectors.npy", lambda f: np.save(f, vectors), True)
                _atomic_write(
                    self.directory / "words.json",
                    lambda f: json.dump(stored_words, f, ensure_ascii=False),
                )
        if not words:
            width = 0 if self._vectors is None else self._vectors.shape[1]
            return np.zeros((0, width), dtype=np.float32)
        assert self._vectors is not None
        return self._vectors[[self._index[w] for w in words]].astype(np.float32)


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


def nearest_words(
    queries: Sequence[str],
    candidates: Sequence[str],
    query_vectors: np.ndarray,
    candidate_vectors: np.ndarray,
    chunk: int = 512,
) -> dict[str, tuple[str, float]]:
    """Each query's most cosine-similar candidate (ties: the earlier candidate)."""
    if not queries or not candidates:
        return {}
    q = _normalise(query_vectors.astype(np.float32))
    c = _normalise(candidate_vectors.astype(np.float32)).T.copy()
    table: dict[str, tuple[str, float]] = {}
    for offset in range(0, len(queries), chunk):
        sims = q[offset : offset + chunk] @ c
        best = sims.argmax(axis=1)
        for row, index in enumerate(best):
            table[queries[offset + row]] = (candidates[index], float(sims[row, index]))
    return table


def substitution_table(
    queries: Sequence[str],
    candidates: Sequence[str],
    embedder: WordEmbedder,
    root: Path | None = None,
) -> dict[str, tuple[str, float]]:
    """p2's query -> (substitute, cosine) table, cached on disk per embedder and inputs."""
    digest = hashlib.blake2b(digest_size=12)
    for group in (queries, candidates):
        digest.update("\x1f".join(sorted(group)).encode("utf-8"))
        digest.update(b"\x1e")
    path = (
        (root or cache_dir())
        / "perturb"
        / "p2"
        / (embedder.key or "_")
        / (digest.hexdigest() + ".json")
    )
    if embedder.key and path.is_file():
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            return {q: (s, float(sim)) for q, (s, sim) in stored.items()}
        except (OSError, ValueError):
            pass
    vectors = WordVectorCache(embedder, root)
    table = nearest_words(queries, candidates, vectors.get(queries), vectors.get(candidates))
    if embedder.key:
        _atomic_write(path, lambda f: json.dump(table, f, ensure_ascii=False))
    return table


# ---------------------------------------------------------------------------- p2


def p2_vocabulary(
    sentences: Sequence[Sentence], resources: Resources, stopwords_top: int, max_vocab: int
) -> tuple[list[str], list[str]]:
    """(queries, candidates) of p2 for a batch; see the module docstring."""
    lang = resources.lang or (sentences[0].lang if sentences else None)
    hrl_vocab = resources.hrl_vocab
    stop = resources.stopwords(lang, stopwords_top, sentences) if stopwords_top else frozenset()
    queries = list(
        dict.fromkeys(
            t for t in outside_tokens(sentences) if t in hrl_vocab and t not in stop and is_word(t)
        )
    )
    lrl_entity_tokens = {t for tokens, _ in mentions(resources.lrl_train) for t in tokens}
    counts: Counter[str] = Counter(
        t
        for source in (resources.lrl_train, resources.lrl_text)
        for t in outside_tokens(source)
        if t not in hrl_vocab and t not in stop and t not in lrl_entity_tokens and is_word(t)
    )
    candidates = [w for w, _ in counts.most_common(max_vocab)]
    if not candidates:
        resources.notes.append(
            "p2: no candidate words (LRL train + unlabelled text minus the HRL vocabulary); "
            "no context word was replaced"
        )
    return queries, candidates


def _prepare_p2(sentences, resources: Resources, params: Mapping[str, Any], seed, kind):
    queries, candidates = p2_vocabulary(
        sentences, resources, params["stopwords_top"], params["max_vocab"]
    )
    backbone = params["backbone"]
    key = ("p2-table", backbone, params["embedding"], tuple(queries), len(candidates))
    if key not in resources.memo:
        embedder = resources.embedder(backbone, params["embedding"])
        resources.memo[key] = substitution_table(queries, candidates, embedder)
    table = resources.memo[key]
    rate = params["rate"]

    def apply(sentence: Sentence, rng: random.Random):
        replacements = []
        for index, (token, tag) in enumerate(zip(sentence.tokens, sentence.tags, strict=False)):
            if tag != OUTSIDE:
                continue
            found = table.get(token)
            if found is None or (rate < 1.0 and rng.random() >= rate):
                continue
            replacements.append((index, index + 1, (found[0],), "", f"cos={found[1]:.3f}"))
        if not replacements:
            return None
        return replace_spans(sentence.id, kind, sentence.tokens, sentence.tags, replacements)

    return apply


register(
    PerturbationSpec(
        name="p2",
        description=(
            "Context-word replacement (Manafi & Krishnaswamy 2024): each non-entity word "
            "that also occurs in the HRL training data (no punctuation, numbers, "
            "one-character words or stopwords) is replaced by its most similar LRL word "
            "absent from the HRL training data, by cosine over the backbone's own word "
            "vectors (so substitutes differ per backbone)."
        ),
        params=(
            ParamSpec("rate", "float", 1.0, "share of eligible words to replace", 0.0, 1.0),
            ParamSpec(
                "backbone",
                "str",
                "multilingual-e5-small",
                "backbone whose word vectors rank substitutes",
            ),
            ParamSpec(
                "embedding",
                "str",
                "input-mean",
                "word representation strategy",
                choices=tuple(EMBEDDINGS),
            ),
            ParamSpec(
                "stopwords_top",
                "int",
                100,
                "the language's N most frequent words count as stopwords (0: none)",
                min=0,
            ),
            ParamSpec(
                "max_vocab",
                "int",
                50000,
                "at most this many candidate words (most frequent)",
                min=1,
            ),
        ),
        needs=(
            Need(Resource.HRL_TRAIN, why="which words the HRL has seen"),
            Need(Resource.LRL_TRAIN, required=False, why="candidate words"),
            Need(Resource.LRL_TEXT, required=False, why="candidate words"),
            Need(Resource.BACKBONE, why="word vectors"),
            Need(Resource.WORD_LIST, why="stopwords"),
        ),
        prepare=_prepare_p2,
        source="Manafi & Krishnaswamy 2024",
    )
)

register(
    PerturbationSpec(
        name="p1+p2",
        description="p1 then p2: entities and context words unseen in the HRL training data.",
        steps=("p1", "p2"),
        source="Manafi & Krishnaswamy 2024",
    )
)
