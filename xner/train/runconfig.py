"""`RunConfig`, the one record that names a checkpoint.

Its setting (`xner.train.settings`) says which splits of the pair's two languages a run
trains and tunes on, and what it is tested on. The run id is a short hash of the config
without library versions, so the same config on the same data names the same run on any
machine.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from xner.data.records import Sentence
from xner.errors import XnerError
from xner.runs.layout import CONFIG_FILE
from xner.train.adapt import AdaptArgs
from xner.train.finetune import TrainArgs
from xner.train.selftrain import SelfTrainArgs
from xner.train.settings import SettingSpec, get_setting

__all__ = [
    "CONFIG_VERSION",
    "DEFAULT_SPLIT_POLICY",
    "RunConfig",
    "data_hash",
    "library_versions",
]

CONFIG_VERSION = 1
DEFAULT_SPLIT_POLICY = "xtreme"  # xner.data.resolve.DEFAULT_WIKIANN_POLICY (a test checks)


def data_hash(sentences: Sequence[Sentence]) -> str:
    """A digest over the sentences' ids and content hashes, in order."""
    digest = hashlib.blake2b(digest_size=8)
    for sentence in sentences:
        digest.update(f"{sentence.id}\x1f{sentence.hash}\x1e".encode())
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    import tokenizers
    import torch
    import transformers

    import xner

    versions = {
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "xner": getattr(xner, "__version__", "0"),
    }
    try:
        import peft

        versions["peft"] = peft.__version__
    except ImportError:
        pass
    return versions


# The setting-specific blocks of a RunConfig, in the order `to_dict` writes them, with
# the defaults a setting that does not carry one gets.
_BLOCKS: dict[str, AdaptArgs | SelfTrainArgs] = {
    "adapt": AdaptArgs(),
    "self_training": SelfTrainArgs(),
}


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines a trained model.

    `data_hashes` (split name -> `data_hash`) is filled by `train_run` once the data is
    read; `versions` is recorded for the record but left out of the run id.

    `adapt` (setting `adapted-transfer`) and `self_training` (setting `self-training`)
    only mean something for the settings that carry them (`SettingSpec.carries`): for any
    other they are reset to defaults and left out of `to_dict`, so they never split one
    run into two ids. The paths in them (`adapt.text`, `self_training.teacher`) are kept
    for the record but left out of the run id: what they point at enters it as
    `data_hashes["adapt-text"]` (the text's hash) and `data_hashes["teacher"]` (the
    teacher's run id).
    """

    backbone: str
    hrl: str
    lrl: str
    setting: str = "transfer"
    args: TrainArgs = field(default_factory=TrainArgs)
    schema: str = "wikiann"
    hrl_dataset: str | None = None  # None: the local WikiANN copy (wikiann_dataset)
    lrl_dataset: str | None = None
    # How each language's data is split (xner.data.resolve.POLICIES): "xtreme" (PAN-X as
    # XTREME releases it) or the paper's pooled 80/20 split ("paper", "paper-dedup").
    split_policy: str = DEFAULT_SPLIT_POLICY
    adapt: AdaptArgs = field(default_factory=AdaptArgs)
    self_training: SelfTrainArgs = field(default_factory=SelfTrainArgs)
    data_hashes: Mapping[str, str] = field(default_factory=dict)
    versions: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        spec = get_setting(self.setting)
        if not self.backbone or not self.hrl or not self.lrl:
            raise XnerError("RunConfig needs backbone, hrl and lrl")
        if not isinstance(self.adapt, AdaptArgs) or not isinstance(
            self.self_training, SelfTrainArgs
        ):
            raise XnerError("RunConfig.adapt / self_training must be AdaptArgs / SelfTrainArgs")
        if not isinstance(self.split_policy, str) or not self.split_policy:
            raise XnerError("RunConfig.split_policy must name a split policy, e.g. 'paper'")
        for block, default in _BLOCKS.items():
            if block not in spec.carries:
                object.__setattr__(self, block, default)

    @property
    def method(self) -> str:
        return self.args.method

    @property
    def seed(self) -> int:
        return self.args.seed

    @property
    def setting_spec(self) -> SettingSpec:
        return get_setting(self.setting)

    def to_dict(self) -> dict[str, Any]:
        data = {
            "config_version": CONFIG_VERSION,
            "backbone": self.backbone,
            "hrl": self.hrl,
            "lrl": self.lrl,
            "setting": self.setting,
            "schema": self.schema,
            "hrl_dataset": self.hrl_dataset,
            "lrl_dataset": self.lrl_dataset,
            "args": self.args.to_dict(),
            "data_hashes": dict(sorted(self.data_hashes.items())),
            "versions": dict(self.versions),
        }
        # Written only when it is not the default, so that older run ids stay valid.
        if self.split_policy != DEFAULT_SPLIT_POLICY:
            data["split_policy"] = self.split_policy
        # Only the settings that use them carry these blocks (older run ids stay valid).
        carried = self.setting_spec.carries
        for block in _BLOCKS:
            if block in carried:
                data[block] = getattr(self, block).to_dict()
        return data

    @property
    def run_id(self) -> str:
        """A 12-hex-digit hash of the config, library versions and paths excluded."""
        data = self.to_dict()
        data.pop("versions")
        if "adapt" in data:
            data["adapt"].pop("text")
        if "self_training" in data:
            data["self_training"].pop("teacher")
        text = json.dumps(data, sort_keys=True, ensure_ascii=False)
        return hashlib.blake2b(text.encode("utf-8"), digest_size=6).hexdigest()

    @property
    def name(self) -> str:
        """A readable folder name: what it is, then the id."""
        return f"{self.hrl}-{self.lrl}_{self.setting}_{self.method}_{self.run_id}"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = CONFIG_FILE) -> RunConfig:
        values = dict(data)
        version = values.pop("config_version", CONFIG_VERSION)
        if version != CONFIG_VERSION:
            raise XnerError(
                f"{where}: config_version {version} is not {CONFIG_VERSION}; "
                "retrain the run with this build"
            )
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise XnerError(f"{where}: unknown field(s) {unknown}; known: {sorted(known)}")
        try:
            values["args"] = TrainArgs.from_dict(values.get("args", {}), f"{where}: args")
            values["adapt"] = AdaptArgs.from_dict(values.get("adapt", {}), f"{where}: adapt")
            values["self_training"] = SelfTrainArgs.from_dict(
                values.get("self_training", {}), f"{where}: self_training"
            )
            return cls(**values)
        except TypeError as error:
            raise XnerError(f"{where}: {error}; rewrite it from RunConfig.to_dict()") from None

    def with_data(self, hashes: Mapping[str, str]) -> RunConfig:
        return replace(self, data_hashes=dict(hashes), versions=library_versions())
