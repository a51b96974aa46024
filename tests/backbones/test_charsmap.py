from __future__ import annotations

import random

from tokenizers import normalizers

from xner.backbones.charsmap import build_precompiled_charsmap


def _normalizer(mapping: dict[str, str]) -> normalizers.Normalizer:
    return normalizers.Precompiled(build_precompiled_charsmap(mapping))


def test_replaces_removes_and_expands_characters() -> None:
    norm = _normalizer({"\x01": "", "\t": " ", "ｆ": "f", "ﬁ": "fi", "①": "1"})
    assert norm.normalize_str("a\x01b") == "ab"
    assert norm.normalize_str("x\ty") == "x y"
    assert norm.normalize_str("ｆﬁ①") == "ffi1"
    assert norm.normalize_str("plain text") == "plain text"


def test_characters_sharing_a_prefix_byte_do_not_match_each_other() -> None:
    # U+00E0 and U+00E1 share their first UTF-8 byte; only one is mapped.
    norm = _normalizer({"à": "a"})
    assert norm.normalize_str("àá") == "aá"


def test_thousands_of_random_codepoints_round_trip() -> None:
    rng = random.Random(7)
    pool = [cp for cp in range(0x80, 0x30000) if not 0xD800 <= cp <= 0xDFFF]
    sources = rng.sample(pool, 3000)
    mapping = {
        chr(cp): "".join(chr(rng.randrange(0x21, 0x3000)) for _ in range(cp % 3)) for cp in sources
    }
    norm = _normalizer(mapping)
    wrong = [s for s, want in mapping.items() if norm.normalize_str(s) != want]
    assert wrong == []
    unmapped = [chr(cp) for cp in rng.sample(pool, 2000) if chr(cp) not in mapping]
    assert all(norm.normalize_str(c) == c for c in unmapped)
