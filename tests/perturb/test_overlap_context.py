"""Overlap statistics and p2's word-vector / substitution caches."""

from __future__ import annotations

import numpy as np

from xner.perturb import overlap_stats, perturb
from xner.perturb.context import WordVectorCache, nearest_words, substitution_table

from .conftest import FakeEmbedder, build, resources_for, sent


def test_overlap_stats_by_hand():
    hrl = [sent(0, "Marta Ruiz vive en Lugo", "B-PER I-PER O O B-LOC", "es", "train")]
    test = [
        sent(0, "Marta Ruiz visitou Lugo", "B-PER I-PER O B-LOC", "pt"),
        sent(1, "Ruiz vive em Faro", "B-PER O O B-LOC", "pt"),
    ]
    stats = overlap_stats(hrl, test)
    assert (stats.mentions, stats.mentions_in_hrl) == (4, 2)
    assert (stats.entity_tokens, stats.entity_tokens_in_hrl) == (5, 4)
    assert stats.mention_overlap == 0.5
    assert stats.per_type["LOC"] == {"mentions": 2, "in_hrl": 1, "overlap": 0.5}
    # word types: Marta Ruiz visitou Lugo vive em Faro -> in HRL: Marta Ruiz Lugo vive
    assert (stats.word_types, stats.word_types_in_hrl) == (7, 4)
    assert (stats.context_words, stats.context_words_in_hrl) == (3, 1)
    assert stats.as_dict()["word_type_overlap"] == 4 / 7


def test_overlap_of_empty_sets():
    stats = overlap_stats([], [])
    assert stats.mention_overlap == 0.0 and stats.word_type_overlap == 0.0


def test_p1_reduces_mention_overlap(script_data):
    res = resources_for(script_data)
    before = overlap_stats(script_data["hrl"], script_data["test"])
    out = perturb(script_data["test"], "p1", params={"pool": "lrl-train"}, resources=res)
    after = overlap_stats(script_data["hrl"], [p.sentence for p in out])
    assert before.mentions_in_hrl > 0
    assert after.mentions_in_hrl == 0


def test_nearest_words():
    q = np.array([[1, 0], [0, 1]], dtype=np.float32)
    c = np.array([[0.1, 1], [1, 0.2], [5, 0.1]], dtype=np.float32)
    table = nearest_words(["a", "b"], ["x", "y", "z"], q, c)
    assert table["a"][0] == "z" and table["b"][0] == "x"
    # the paper drops candidates with an identical vector (cosine 1) and the word itself
    same = np.array([[2, 0], [1, 0.2]], dtype=np.float32)
    assert nearest_words(["a"], ["twin", "y"], q[:1], same)["a"][0] == "y"
    assert nearest_words(["a"], ["a", "y"], q[:1], np.array([[1, 0.01], [1, 0.5]]))["a"][0] == "y"
    assert nearest_words(["a"], ["twin"], q[:1], same[:1]) == {}


def test_word_vectors_and_tables_are_cached(tmp_path):
    embedder = FakeEmbedder(key="fake--test")
    cache = WordVectorCache(embedder, tmp_path)
    first = cache.get(["casa", "puerto"])
    assert embedder.calls == 1
    again = WordVectorCache(embedder, tmp_path).get(["puerto", "casa"])
    assert embedder.calls == 1  # read back from disk
    np.testing.assert_allclose(first[::-1], again, atol=1e-2)
    table = substitution_table(["puerto"], ["puertas", "casa"], embedder, tmp_path)
    calls = embedder.calls
    assert substitution_table(["puerto"], ["puertas", "casa"], embedder, tmp_path) == table
    assert embedder.calls == calls
    assert table["puerto"][0] == "puertas"
    assert list((tmp_path / "perturb" / "p2" / "fake--test").glob("*.json"))


def test_p2_uses_cache_dir_per_backbone(tmp_path, monkeypatch):
    monkeypatch.setenv("XNER_CACHE_DIR", str(tmp_path))
    data = build("latin")
    perturb(data["test"], "p2", resources=resources_for(data, embedder=FakeEmbedder("bb-a")))
    assert (tmp_path / "word-vectors" / "bb-a" / "vectors.npy").is_file()
