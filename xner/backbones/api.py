"""Turn a backbone name into something transformers loads, building offline
backbones on first use."""

from __future__ import annotations

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


def load_encoder(name: str | Path, **kwargs: Any) -> PreTrainedModel:
    """The bare encoder (AutoModel, no task head), in eval mode."""
    spec = get_backbone(name)
    model = AutoModel.from_pretrained(_resolve(spec), **{**spec.model_kwargs, **kwargs})
    return model.eval()
