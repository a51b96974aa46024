"""typos never break grapheme clusters, in any script."""

from __future__ import annotations

import random
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from xner.perturb.noise import LAYOUTS, clusters, layout_for, typo, well_formed

# Made-up words with vowel signs, viramas, harakat, combining accents, ZWNJ.
WORDS = [
    "किताब",
    "क्षत्रिय",
    "स्कूल",
    "पढ़ाई",
    "मुंबई",
    "كِتَابٌ",
    "می‌روم",
    "café",
    "Ёлка",
    "ñandú",
    "ছাত্র",
    "தமிழ்",
    "ভাষা",
]


def _no_dangling_marks(word: str) -> bool:
    return all(not unicodedata.category(c[0]).startswith("M") for c in clusters(word))


@settings(max_examples=60, deadline=None)
@given(
    word=st.sampled_from(WORDS),
    seed=st.integers(0, 10_000),
    ops=st.lists(st.sampled_from(["swap", "drop", "insert", "keyboard"]), min_size=1, unique=True),
)
def test_typos_keep_clusters_whole(word, seed, ops):
    lang = {"क": "hi", "ك": "ar", "م": "fa"}.get(word[0], "en")
    new, op = typo(word, random.Random(seed), ops, layout_for(lang))
    assert _no_dangling_marks(new)
    if op:
        assert new != word and op in ops
        assert set(clusters(new)) - set(clusters(word)) == set() or op == "keyboard"
        assert well_formed(new)


def test_devanagari_word_never_starts_with_a_vowel_sign():
    for seed in range(300):
        new, _ = typo(
            "किताब",
            random.Random(seed),
            ["swap", "drop", "insert", "keyboard"],
            "devanagari-inscript",
        )
        assert not unicodedata.category(new[0]).startswith("M")


def test_layouts_known():
    assert layout_for("fa") == "persian"
    assert layout_for("ru") == "cyrillic-jcuken"
    assert layout_for("hi") == "devanagari-inscript"
    assert layout_for("ka") is None
    assert all(rows for rows in LAYOUTS.values())


def test_keyboard_neighbour_latin_keeps_case():
    seen = set()
    for seed in range(50):
        new, op = typo("Gato", random.Random(seed), ["keyboard"], "latin-qwerty")
        if op:
            seen.add(new)
            assert new[0].isupper()
    assert seen
