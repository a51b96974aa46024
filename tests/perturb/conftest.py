"""Shared fixtures: made-up sentences in four scripts, a fake word embedder, a tmp cache."""

from __future__ import annotations

import hashlib
import itertools

import numpy as np
import pytest

from xner.data.records import Sentence
from xner.perturb import PerturbResources


def sent(index: int, text: str, tags: str, lang: str, split: str = "test") -> Sentence:
    """A sentence from space-separated tokens and tags (written for these tests)."""
    tokens, labels = text.split(), tags.split()
    assert len(tokens) == len(labels), (text, tags)
    return Sentence(
        f"toy/{lang}/{split}/{index:06d}", tuple(tokens), tuple(labels), lang, "toy", split
    )


# Made-up examples (not from any dataset), one small "pair" per script.
EXAMPLES = {
    "latin": dict(
        lang="es",
        hrl=[
            ("Marta Ruiz vive en Lugo con Tecnova .", "B-PER I-PER O O B-LOC O B-ORG O"),
            ("Lugo tiene un puerto pequeño", "B-LOC O O O O"),
        ],
        lrl_train=[
            ("Bruno Vaz trabalha em Faro", "B-PER I-PER O O B-LOC"),
            ("A Solmar abriu uma loja em Braga", "O B-ORG O O O O B-LOC"),
        ],
        test=[
            ("Marta Ruiz visitou Lugo com amigos", "B-PER I-PER O B-LOC O O"),
            ("Tecnova tem um puerto novo em Évora", "B-ORG O O O O O B-LOC"),
        ],
    ),
    "arabic": dict(
        lang="fa",
        hrl=[
            ("سافر کریم إلى تبریز مع شركة نور", "O B-PER O B-LOC O B-ORG I-ORG"),
            ("كتاب جديد في مدينة حلب و کتاب", "O O O O B-LOC O O"),
        ],
        lrl_train=[
            ("نسرین به شیراز رفت", "B-PER O B-LOC O"),
            ("بانک آینده در اصفهان شعبه دارد", "B-ORG I-ORG O B-LOC O O"),
        ],
        test=[
            ("کریم دیروز به تبریز رفت و کتاب خرید", "B-PER O O B-LOC O O O O"),
            ("شرکت نور در مدینه کار میکند", "B-ORG I-ORG O B-LOC O O"),
        ],
    ),
    "devanagari": dict(
        lang="hi",
        hrl=[
            ("राधा पुणे में रहती है", "B-PER B-LOC O O O"),
            ("गंगा बैंक ने नया कार्यालय खोला", "B-ORG I-ORG O O O O"),
        ],
        lrl_train=[
            ("सीमा ने नागपूर में किताब लिखी", "B-PER O B-LOC O O O"),
            ("कृष्णा सहकारी ने शाखा खोली", "B-ORG I-ORG O O O"),
        ],
        test=[
            ("राधा ने पुणे में नया घर खरीदा", "B-PER O B-LOC O O O O"),
            ("गंगा बैंक की शाखा दिल्ली में है", "B-ORG I-ORG O O B-LOC O O"),
        ],
    ),
    "cyrillic": dict(
        lang="uk",
        hrl=[
            ("Иван Петров живёт в Казани", "B-PER I-PER O O B-LOC"),
            ("Завод Север открыл новый цех", "B-ORG I-ORG O O O"),
        ],
        lrl_train=[
            ("Олена Коваль працює у Львові", "B-PER I-PER O O B-LOC"),
            ("Компанія Світанок відкрила склад", "B-ORG I-ORG O O"),
        ],
        test=[
            ("Иван Петров приїхав до Казани вчора", "B-PER I-PER O O B-LOC O"),
            ("Завод Север відкрив новый цех у Полтаві", "B-ORG I-ORG O O O O B-LOC"),
        ],
    ),
}


def build(script: str, hrl_lang: str = "xx") -> dict:
    spec = EXAMPLES[script]
    lang = spec["lang"]
    hrl = [sent(i, t, g, hrl_lang, "train") for i, (t, g) in enumerate(spec["hrl"])]
    train = [sent(i, t, g, lang, "train") for i, (t, g) in enumerate(spec["lrl_train"])]
    test = [sent(i, t, g, lang) for i, (t, g) in enumerate(spec["test"])]
    return {"lang": lang, "hrl": hrl, "lrl_train": train, "test": test}


class FakeEmbedder:
    """Character-bigram hashing vectors: similar spellings are similar. Counts calls."""

    def __init__(self, key: str = "") -> None:
        self.key = key
        self.calls = 0

    def embed(self, words):
        self.calls += 1
        out = np.zeros((len(words), 64), dtype=np.float32)
        for row, word in enumerate(words):
            padded = f"<{word}>"
            for a, b in itertools.pairwise(padded):
                digest = hashlib.blake2b(f"{a}{b}".encode(), digest_size=2).digest()
                out[row, int.from_bytes(digest, "little") % 64] += 1.0
        return out


def resources_for(data: dict, **kwargs) -> PerturbResources:
    """Resources of a transfer model: its own training data (`reference=own`) is the HRL's."""
    text = [s.with_content(s.tokens, None) for s in data["lrl_train"]]
    kwargs.setdefault("own_train", data["hrl"])
    return PerturbResources(
        hrl_train=data["hrl"],
        lrl_train=data["lrl_train"],
        lrl_text=text,
        embedder=kwargs.pop("embedder", FakeEmbedder()),
        lang=data["lang"],
        **kwargs,
    )


@pytest.fixture(autouse=True)
def _tmp_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("XNER_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(params=sorted(EXAMPLES))
def script_data(request) -> dict:
    return build(request.param)
