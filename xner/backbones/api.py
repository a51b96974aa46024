"""Turn a backbone name into something transformers loads, building offline
backbones on first use."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from transformers import AutoModel, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from xner.backbones.cache import BuildResult, cached_build
from xner.backbones.hub import resolve_hub_id
from xner.backbones.registry import BackboneSpec, get_backbone
from xner.errors import XnerError


def build_backbone(name: str, force: bool = False) -> BuildResult:
    """Build (or reuse the cached build of) an offline backbone."""
    spec = get_backbone(name)
    if spec.builder is None or spec.fingerprint is None:
        raise XnerError(
            f"Backbone {spec.name!r} is {spec.source}, not built locally: nothing to build. "
            "It loads directly (hub models download on first use)."
        )
    return cached_build(spec.name, spec.fingerprint(), spec.builder, force=force)


def backbone_path(name: str | Path) -> Path | str:
    """A directory or hub id for `AutoModel*.from_pretrained` / `AutoTokenizer`.

    Offline backbones are built and cached on first use; hub ids fail fast with
    `OfflineError` when the hub cannot be reached and nothing is cached."""
    spec = get_backbone(name)
    return _resolve(spec)


def _resolve(spec: BackboneSpec) -> Path | str:
    if spec.source == "built":
        return build_backbone(spec.name).path
    if spec.source == "local":
        assert spec.local_path is not None
        return spec.local_path
    assert spec.hub_id is not None
    return resolve_hub_id(spec.name, spec.hub_id)


def load_tokenizer(name: str | Path, **kwargs: Any) -> PreTrainedTokenizerBase:
    """The backbone's fast tokenizer (word_ids() needs a fast one)."""
    tokenizer = AutoTokenizer.from_pretrained(backbone_path(name), **kwargs)
    if not tokenizer.is_fast:
        raise XnerError(
            f"Backbone {name!s} has no fast tokenizer; xner aligns labels with word_ids(), "
            "which needs one. Fix: use a checkpoint that ships tokenizer.json."
        )
    return tokenizer


_SHARED_TOKENIZERS: dict[tuple[str, tuple[tuple[str, int, int], ...]], PreTrainedTokenizerBase] = {}
_SHARED_LOCK = threading.Lock()


def shared_tokenizer(name: str | Path) -> PreTrainedTokenizerBase:
    """The backbone's tokenizer, one instance per backbone folder per process: reading a
    250k-piece tokenizer.json takes seconds, and every checkpoint of a backbone encodes
    the same way. For callers that only encode with it (never set its attributes). Keyed
    by the folder's files' sizes and mtimes: a rebuilt backbone is read again."""
    from xner.diskcache import file_signature

    path = backbone_path(name)
    files = (
        file_signature(sorted(p for p in Path(path).iterdir() if p.is_file()))
        if Path(path).is_dir()
        else ()
    )
    key = (str(path), files)
    with _SHARED_LOCK:  # sessions are threads: two first visits load it once
        if key not in _SHARED_TOKENIZERS:
            _SHARED_TOKENIZERS[key] = load_tokenizer(name)
        return _SHARED_TOKENIZERS[key]


def load_encoder(name: str | Path, **kwargs: Any) -> PreTrainedModel:
    """The bare encoder (AutoModel, no task head), in eval mode."""
    spec = get_backbone(name)
    model = AutoModel.from_pretrained(_resolve(spec), **{**spec.model_kwargs, **kwargs})
    return model.eval()
