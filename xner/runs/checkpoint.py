"""A run's trained model: saving the checkpoint folder atomically, and loading it back.

What is written (see xner.runs.layout for every name):

```
config.json        RunConfig (+ a "checkpoint" block: format, weights kind, dtype, labels)
labels.json        the label list, O first
model.safetensors  full: only the parameters training changed (frozen ones, such as
                   frozen embeddings, are rebuilt from the backbone), fp16 by default;
                   embedding tables as the rows training changed (xner.runs.rowdelta)
adapter/           lora: peft's adapter_config.json + adapter_model.safetensors
                   (adapter and classifier head; never the base model)
adaptation.safetensors  adapted-transfer: what MLM adaptation changed in the encoder,
                   applied to the backbone before the weights above
train_log.jsonl    one record per step and per dev check
eval/, preds/      empty until the run is evaluated
```

A checkpoint is written into a temporary folder beside the target and swapped into
place (`atomic.swap_folder`), so a crash never leaves half a checkpoint under the run's
name.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from xner import atomic
from xner import config as xconfig
from xner.errors import XnerError
from xner.runs import rowdelta
from xner.runs.layout import (
    ADAPTER_DIR,
    ADAPTER_WEIGHTS,
    CONFIG_FILE,
    EVAL_DIR,
    LABELS_FILE,
    PREDS_DIR,
    TRAIN_LOG,
    WEIGHTS_FILE,
)
from xner.runs.records import CheckpointError, jsonl, read_json
from xner.train.encode import LabelSpace
from xner.train.runconfig import RunConfig

if TYPE_CHECKING:
    from xner.train.adapt import AdaptResult

FORMAT = 1


# ---------------------------------------------------------------------------
# Saving


def _changed_parameters(model: PreTrainedModel) -> dict[str, torch.Tensor]:
    """The parameters training could change (requires_grad); frozen ones are the
    backbone's own and are rebuilt from it on load."""
    return {
        name: parameter.detach().cpu().contiguous()
        for name, parameter in model.named_parameters()
        if parameter.requires_grad
    }


def _round_trainable_to_half(model: PreTrainedModel) -> None:
    with torch.no_grad():
        for parameter in model.parameters():
            if parameter.requires_grad and parameter.is_floating_point():
                parameter.copy_(parameter.half().to(parameter.dtype))


def save_checkpoint(
    model: PreTrainedModel,
    config: RunConfig,
    labels: LabelSpace,
    path: Path | str | None = None,
    *,
    log: Sequence[Mapping[str, Any]] = (),
    dtype: str = "float16",
    overwrite: bool = False,
    adaptation: AdaptResult | None = None,
) -> Path:
    """Write the checkpoint folder (default `models_dir()/config.name`) atomically.

    `adaptation` (adapted-transfer) is stored beside the weights and re-applied first
    on load."""
    from safetensors.torch import load_file, save_file

    target = Path(path) if path is not None else xconfig.models_dir() / config.name
    if target.exists() and not overwrite:
        raise CheckpointError(
            f"{target} already exists; pass overwrite=True or choose another folder"
        )
    if dtype not in ("float16", "float32"):
        raise XnerError(f"checkpoint dtype must be float16 or float32, not {dtype!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{target.name}.{atomic.owner_tag()}.tmp-"
    temp = Path(tempfile.mkdtemp(prefix=prefix, dir=target.parent))
    try:
        is_lora = config.method == "lora"
        if is_lora:
            # peft writes the adapter and the modules_to_save head, not the base model.
            if dtype == "float16":
                # Stored in half precision (half the size); the trained weights are rounded
                # in place first, so the model in memory is exactly the one that loads.
                _round_trainable_to_half(model)
            model.save_pretrained(str(temp / ADAPTER_DIR), safe_serialization=True)
            weights = ADAPTER_DIR
            if dtype == "float16":
                adapter_file = temp / ADAPTER_DIR / ADAPTER_WEIGHTS
                tensors = load_file(str(adapter_file))
                tensors = {k: v.half() if v.is_floating_point() else v for k, v in tensors.items()}
                save_file(tensors, str(adapter_file), metadata={"format": "pt"})
        else:
            tensors = _changed_parameters(model)
            if dtype == "float16":
                tensors = {k: v.half() if v.is_floating_point() else v for k, v in tensors.items()}
            if adaptation is None:  # the base on load is then the backbone as built
                tensors = rowdelta.encode(
                    tensors, backbone_weights(build_model(config.backbone, labels))
                )
            save_file(tensors, str(temp / WEIGHTS_FILE), metadata={"format": "pt"})
            weights = WEIGHTS_FILE
        data = config.to_dict()
        data["run_id"] = config.run_id
        data["checkpoint"] = {
            "format": FORMAT,
            "weights": weights,
            "dtype": dtype,
            "labels": list(labels.labels),  # the head's output order, checked on load
        }
        if adaptation is not None:
            from xner.train.adapt import save_adaptation

            data["checkpoint"]["adaptation"] = save_adaptation(temp, adaptation)
        atomic.write_json(temp / CONFIG_FILE, data)
        atomic.write_json(temp / LABELS_FILE, list(labels.labels))
        atomic.write_text(temp / TRAIN_LOG, jsonl(log))
        (temp / EVAL_DIR).mkdir()
        (temp / PREDS_DIR).mkdir()
        atomic.make_ordinary(temp)  # mkdtemp made it private
        atomic.swap_folder(temp, target)  # an overwritten one is moved aside first
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return target


# ---------------------------------------------------------------------------
# Loading


def read_config(path: Path | str) -> RunConfig:
    """The RunConfig of a checkpoint folder."""
    folder = Path(path)
    data = read_json(folder / CONFIG_FILE, "the run configuration")
    if not isinstance(data, dict):
        raise CheckpointError(f"{folder / CONFIG_FILE}: expected a JSON object")
    data = dict(data)
    data.pop("run_id", None)
    data.pop("checkpoint", None)
    try:
        return RunConfig.from_dict(data, str(folder / CONFIG_FILE))
    except XnerError as error:
        raise CheckpointError(str(error)) from None


def read_labels(path: Path | str) -> LabelSpace:
    file = Path(path) / LABELS_FILE
    data = read_json(file, "the label list")
    if not isinstance(data, list) or not all(isinstance(x, str) for x in data):
        raise CheckpointError(f"{file}: expected a JSON list of tag strings, O first")
    try:
        return LabelSpace(tuple(data))
    except XnerError as error:
        raise CheckpointError(f"{file}: {error}") from None


def backbone_weights(model: PreTrainedModel) -> dict[str, torch.Tensor]:
    """The backbone's own tensors in `model` (not its head): the bases of row deltas."""
    prefix = f"{model.base_model_prefix}."
    return {k: v for k, v in model.state_dict().items() if k.startswith(prefix)}


def build_model(backbone: str, labels: LabelSpace) -> PreTrainedModel:
    """The backbone with a fresh token-classification head for `labels`."""
    from transformers import AutoModelForTokenClassification
    from transformers.utils import logging as hf_logging

    from xner.backbones.api import backbone_path

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # "newly initialized classifier" is expected here
    try:
        return AutoModelForTokenClassification.from_pretrained(
            backbone_path(backbone),
            num_labels=len(labels),
            id2label=labels.id2label,
            label2id=labels.label2id,
        )
    finally:
        hf_logging.set_verbosity(verbosity)


def load_checkpoint(
    path: Path | str,
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase, RunConfig]:
    """Rebuild the model from its backbone plus the stored weights (or adapter), in
    eval mode, with the backbone's tokenizer (one instance per backbone per process:
    predicting only encodes with it) and the RunConfig."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from xner.backbones.api import shared_tokenizer

    folder = Path(path)
    if not folder.is_dir():
        atomic.restore_folders(folder.parent)  # a re-evaluation that died mid-swap
    if not folder.is_dir():
        raise CheckpointError(f"{folder}: no such checkpoint folder; see list_runs()")
    run = read_config(folder)
    labels = read_labels(folder)
    meta = read_json(folder / CONFIG_FILE, "the run configuration").get("checkpoint", {})
    stored_labels = meta.get("labels")
    if stored_labels is not None and list(stored_labels) != list(labels.labels):
        raise CheckpointError(
            f"{folder / LABELS_FILE}: the labels {list(labels.labels)} are not in the order the "
            f"head was trained with ({stored_labels}, recorded in config.json); restore "
            "labels.json in that order"
        )
    try:
        model = build_model(run.backbone, labels)
    except XnerError as error:
        from xner.backbones.registry import BACKBONES

        raise CheckpointError(
            f"{folder / CONFIG_FILE}: field 'backbone' is {run.backbone!r}, which cannot be "
            f"loaded here ({error}); the registered backbones are {', '.join(BACKBONES)}"
        ) from None
    if meta.get("adaptation"):
        from xner.train.adapt import apply_adaptation

        try:
            apply_adaptation(model, folder / meta["adaptation"])
        except XnerError as error:
            raise CheckpointError(str(error)) from None
    check_weights(folder, run.method, meta)
    if run.method == "lora":
        adapter = folder / ADAPTER_DIR
        from peft import PeftModel

        try:
            peft_model = PeftModel.from_pretrained(model, str(adapter))
        except (RuntimeError, ValueError, SafetensorError) as error:
            raise CheckpointError(
                f"{adapter}: the adapter does not fit {run.backbone} with {len(labels)} "
                f"labels ({str(error).splitlines()[0]}); check labels.json or retrain"
            ) from None
        # A loaded checkpoint only predicts: folding the adapter into the weights removes
        # the LoRA detour from every layer (multilingual-e5-small: 191 -> 231 sentences/s).
        # (PeftModel forwards merge_and_unload to its LoRA wrapper, which returns the model.)
        model = peft_model.merge_and_unload()
    else:
        file = folder / meta.get("weights", WEIGHTS_FILE)
        try:
            state = load_file(str(file))
        except (SafetensorError, OSError) as error:
            raise CheckpointError(f"{file}: unreadable ({error}); retrain the run") from None
        own = model.state_dict()
        try:
            state = rowdelta.decode(state, backbone_weights(model), str(file))
        except XnerError as error:
            raise CheckpointError(str(error)) from None
        unknown = sorted(set(state) - set(own))
        if unknown:
            raise CheckpointError(
                f"{file}: weights {unknown[:3]} are not in {run.backbone}; the checkpoint "
                "belongs to another backbone - fix config.json's backbone or retrain"
            )
        for name, tensor in state.items():
            if tensor.shape != own[name].shape:
                raise CheckpointError(
                    f"{file}: {name} has shape {tuple(tensor.shape)} but the model expects "
                    f"{tuple(own[name].shape)}; labels.json ({len(labels)} labels) or the "
                    "backbone does not match the weights"
                )
        model.load_state_dict({k: v.to(own[k].dtype) for k, v in state.items()}, strict=False)
    return model.eval(), shared_tokenizer(run.backbone), run


def weights_file(folder: Path, method: str, meta: Mapping[str, Any]) -> Path:
    """Where a run's trained weights are: the LoRA adapter, or the changed parameters."""
    if method == "lora":
        return folder / ADAPTER_DIR / ADAPTER_WEIGHTS
    return folder / meta.get("weights", WEIGHTS_FILE)


def check_weights(folder: Path, method: str, meta: Mapping[str, Any]) -> None:
    """Raise when the weights file is missing or damaged (truncated, overwritten): its
    safetensors header must parse and match the file's size. Reads the header only."""
    from safetensors import SafetensorError, safe_open

    file = weights_file(folder, method, meta)
    if not file.is_file():
        raise CheckpointError(
            f"{file}: missing (the trained weights); the checkpoint is incomplete - "
            "restore the file or retrain the run"
        )
    try:
        with safe_open(str(file), framework="pt") as handle:
            handle.keys()
    except (SafetensorError, OSError, ValueError) as error:
        raise CheckpointError(
            f"{file}: damaged, not a readable safetensors file ({error}); restore the file "
            "(e.g. `git checkout` for a shipped run) or retrain the run"
        ) from None
