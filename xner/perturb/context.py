"""p2, context-word replacement (Manafi & Krishnaswamy 2024), and backbone word vectors.

As the authors' notebooks do it: a test token tagged O is *eligible* when it is longer
than one character, holds no punctuation character (`resources.has_punctuation`), and
its lowercased form is not a stopword of the LRL (stopwords-iso; see
`PerturbResources.stopwords` for the fallbacks). The *reference words* are the O-tagged tokens
of the reference data (`reference`: by default the evaluated model's own training data)
that are not stopwords of their language, compared as they are written (the notebooks
do not lowercase them). An eligible word is *shared* when its lowercased form is a
reference word; it is replaced by the most similar eligible word type of the test set
(lowercased) that is not a reference word, by cosine between word vectors, identical
vectors excluded, with the original capitalisation restored. No candidate: unchanged.

Word vectors come from a declared strategy (`EMBEDDINGS`): `cls` (the paper's) is the
pretrained backbone's final-layer state of the first token of the word encoded alone;
`input-mean` is the mean of the backbone's input subword embeddings (static, cheap; a
lone SentencePiece "▁" piece is dropped). Both are cached per backbone and strategy
under `cache_dir()/word-vectors/`, and each substitution table (query words x
candidates) under `cache_dir()/perturb/p2/`, so a second run is a dictionary lookup.
Unit tests pass their own embedder (`PerturbResources(embedder=...)`).
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import re
from collections.abc import Callable, Mapping, Sequence
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

import numpy as np

from xner import atomic
from xner.config import cache_dir
from xner.data.records import Sentence
from xner.data.tags import OUTSIDE
from xner.perturb.base import replace_spans
from xner.perturb.entities import REFERENCE, REFERENCE_NEED
from xner.perturb.resources import PerturbResources, has_punctuation, outside_tokens
from xner.perturb.spec import Need, ParamSpec, PerturbationSpec, PerturbError, Resource, register
from xner.registry import Registry

if TYPE_CHECKING:
    import torch


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
        from xner.backbones.api import load_encoder, shared_tokenizer

        # Only encodes: the process's one instance (the Playground has it loaded already).
        self._tokenizer = shared_tokenizer(self.backbone)
        encoder = load_encoder(self.backbone)
        # nn.Module types attributes loosely (Tensor | Module); an embedding's weight is a Tensor.
        weight = cast("torch.Tensor", encoder.get_input_embeddings().weight)
        self._matrix = np.ascontiguousarray(weight.detach().float().numpy())
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


class ClsVectors:
    """The pretrained backbone's final-layer state of the first token (CLS / <s>) of a
    word encoded alone with its special tokens: the paper's word vectors.

    Words are encoded in full batches of equal token length, so neither padding nor the
    batch's shape enters a vector: a word's vector does not depend on which words came
    with it (a test holds it to that, bit for bit).
    """

    strategy = "cls"
    batch = 64

    def __init__(self, backbone: str) -> None:
        self.backbone = backbone
        self.key = f"{_safe(backbone)}--{self.strategy}"
        self._tokenizer: Any = None
        self._encoder: Any = None

    def embed(self, words: Sequence[str]) -> np.ndarray:
        import torch

        from xner.backbones.api import load_encoder, shared_tokenizer

        if self._encoder is None:
            self._tokenizer = shared_tokenizer(self.backbone)  # only encodes: shared
            self._encoder = load_encoder(self.backbone)
        encoded = self._tokenizer(list(words), add_special_tokens=True)["input_ids"]
        by_length: dict[int, list[int]] = {}
        for row, ids in enumerate(encoded):
            by_length.setdefault(len(ids), []).append(row)
        width = self._encoder.config.hidden_size
        out = np.zeros((len(words), width), dtype=np.float32)
        with torch.inference_mode():
            for length in sorted(by_length):
                rows = sorted(by_length[length], key=lambda row: words[row])
                for offset in range(0, len(rows), self.batch):
                    chunk = rows[offset : offset + self.batch]
                    # Always a full batch (the last row repeated): kernels pick their
                    # blocking by batch shape, and a word's vector must not depend on it.
                    filled = chunk + [chunk[-1]] * (self.batch - len(chunk))
                    ids = torch.tensor([encoded[row] for row in filled], dtype=torch.long)
                    states = self._encoder(input_ids=ids).last_hidden_state[:, 0]
                    out[chunk] = states[: len(chunk)].float().numpy()
        return out


EMBEDDINGS: Registry[Callable[[str], WordEmbedder]] = Registry(
    "word representation", error=PerturbError
)
EMBEDDINGS.register_all(ClsVectors, InputEmbeddingMean, key=attrgetter("strategy"))


def make_embedder(backbone: str, strategy: str = "cls") -> WordEmbedder:
    """The word embedder of `backbone` under the declared `strategy`."""
    return EMBEDDINGS.get(strategy)(backbone)


# ---------------------------------------------------------------------------- caches


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
                buffer = io.BytesIO()
                np.save(buffer, self._vectors)
                atomic.write_bytes(self.directory / "vectors.npy", buffer.getvalue())
                atomic.write_json(self.directory / "words.json", list(self._index), indent=None)
        if not words:
            width = 0 if self._vectors is None else self._vectors.shape[1]
            return np.zeros((0, width), dtype=np.float32)
        assert self._vectors is not None
        return self._vectors[[self._index[w] for w in words]].astype(np.float32)


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return matrix / norms


# The paper drops candidates whose cosine is 1 (`output_cos[output_cos>=1]=0`): the
# word itself and words with the same vector (equal fp16 rows give a cosine within
# float32 rounding of 1).
IDENTICAL = 1.0 - 1e-6


def nearest_words(
    queries: Sequence[str],
    candidates: Sequence[str],
    query_vectors: np.ndarray,
    candidate_vectors: np.ndarray,
    chunk: int = 512,
) -> dict[str, tuple[str, float]]:
    """Each query's most cosine-similar candidate other than itself and other than one
    with an identical vector (ties: the earlier candidate); queries left with no
    candidate are absent."""
    if not queries or not candidates:
        return {}
    q = _normalise(query_vectors.astype(np.float32))
    c = _normalise(candidate_vectors.astype(np.float32)).T.copy()
    position = {word: index for index, word in enumerate(candidates)}
    table: dict[str, tuple[str, float]] = {}
    for offset in range(0, len(queries), chunk):
        sims = q[offset : offset + chunk] @ c
        sims[sims >= IDENTICAL] = -np.inf
        for row in range(sims.shape[0]):
            own = position.get(queries[offset + row])
            if own is not None:
                sims[row, own] = -np.inf
        best = sims.argmax(axis=1)
        for row, index in enumerate(best):
            if np.isfinite(sims[row, index]):
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
        atomic.write_json(path, table, indent=None)
    return table


# ---------------------------------------------------------------------------- p2


def eligible(token: str, stopwords: frozenset[str]) -> bool:
    """A p2 word: longer than one character, no punctuation, lowercased not a stopword."""
    return len(token) > 1 and not has_punctuation(token) and token.lower() not in stopwords


def restore_case(original: str, substitute: str) -> str:
    """`substitute` written with the capitalisation of `original` (the paper capitalises
    any word that was not all lowercase; an all-uppercase word stays all uppercase)."""
    if original == original.lower():
        return substitute
    if len(original) > 1 and original == original.upper():
        return substitute.upper()
    return substitute[:1].upper() + substitute[1:]


def reference_words(
    resources: PerturbResources, reference: str, stopwords_top: int
) -> frozenset[str]:
    """The O-tagged tokens of the reference data that are not stopwords of their language."""
    key = ("p2-reference-words", reference, stopwords_top)
    if key not in resources.memo:
        sentences, _ = resources.reference_data(reference)
        words: set[str] = set()
        for sentence in sentences:
            stop = resources.stopwords(sentence.lang, stopwords_top)
            words.update(t for t in outside_tokens([sentence]) if t not in stop)
        resources.memo[key] = frozenset(words)
    return resources.memo[key]


def p2_vocabulary(
    sentences: Sequence[Sentence], resources: PerturbResources, reference: str, stopwords_top: int
) -> tuple[list[str], list[str]]:
    """(queries, candidates) of p2 for a test set: its eligible O word types, lowercased,
    in first-seen order, split by whether they are reference words."""
    lang = resources.lang or (sentences[0].lang if sentences else None)
    stop = resources.stopwords(lang, stopwords_top)
    seen = reference_words(resources, reference, stopwords_top)
    words = dict.fromkeys(t.lower() for t in outside_tokens(sentences) if eligible(t, stop))
    queries = [w for w in words if w in seen]
    candidates = [w for w in words if w not in seen]
    if queries and not candidates:
        resources.notes.append(
            "p2: every eligible test word is a reference word; no context word was replaced"
        )
    return queries, candidates


def _prepare_p2(sentences, resources: PerturbResources, params: Mapping[str, Any], seed, kind):
    reference = params["reference"]
    queries, candidates = p2_vocabulary(sentences, resources, reference, params["stopwords_top"])
    backbone = params["backbone"]
    key = ("p2-table", backbone, params["vectors"], tuple(queries), tuple(candidates))
    if key not in resources.memo:
        embedder = resources.embedder(backbone, params["vectors"])
        resources.memo[key] = substitution_table(queries, candidates, embedder)
    table = resources.memo[key]
    lang = resources.lang or (sentences[0].lang if sentences else None)
    stop = resources.stopwords(lang, params["stopwords_top"])
    rate = params["rate"]

    def apply(sentence: Sentence, rng: random.Random):
        tags = sentence.tags
        assert tags is not None  # perturb() takes labelled sentences only
        replacements = []
        for index, (token, tag) in enumerate(zip(sentence.tokens, tags, strict=False)):
            if tag != OUTSIDE or not eligible(token, stop):
                continue
            found = table.get(token.lower())
            if found is None or (rate < 1.0 and rng.random() >= rate):
                continue
            new = restore_case(token, found[0])
            replacements.append((index, index + 1, (new,), "", f"cos={found[1]:.3f}"))
        if not replacements:
            return None
        return replace_spans(sentence.id, kind, sentence.tokens, tags, replacements)

    return apply


register(
    PerturbationSpec(
        name="p2",
        description=(
            "Context-word replacement (Manafi & Krishnaswamy 2024): each non-entity test "
            "word (no punctuation, one-character words or stopwords) whose lowercased form "
            "occurs as a non-entity word of the reference data (by default the evaluated "
            "model's own training data) is replaced by the most similar test word that does "
            "not, by cosine over the pretrained backbone's word vectors, keeping its "
            "capitalisation."
        ),
        params=(
            ParamSpec("rate", "float", 1.0, "share of shared words to replace", 0.0, 1.0),
            REFERENCE,
            ParamSpec(
                "backbone",
                "str",
                "multilingual-e5-small",
                "backbone whose word vectors rank substitutes",
            ),
            ParamSpec(
                "vectors",
                "str",
                "cls",
                "word vectors: cls (the paper's: the pretrained backbone's first-token state "
                "of the word alone) or input-mean (mean input subword embedding, cheap)",
                choices=tuple(EMBEDDINGS),
            ),
            ParamSpec(
                "stopwords_top",
                "int",
                100,
                "where stopwords-iso has no list: the N most frequent words (wordfreq, else "
                "the LRL data) count as stopwords (0: none)",
                min=0,
            ),
        ),
        needs=(
            REFERENCE_NEED,
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
        description=(
            "p1 then p2: shared entities and shared context words both replaced, against "
            "one reference."
        ),
        steps=("p1", "p2"),
        source="Manafi & Krishnaswamy 2024",
    )
)
