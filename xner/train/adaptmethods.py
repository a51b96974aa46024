"""Ways to adapt an encoder (`AdaptArgs.method`), each declared once: what trains, what
is stored of it, and how a stored adaptation is applied again at load time.

- `full`: every encoder weight except the word embeddings (tied to the MLM decoder)
  trains; the changed tensors are rounded to fp16, in memory too, so the stored file
  rebuilds exactly the model that was fine-tuned.
- `lora`: low-rank updates `B @ A` on the target linears (forward hooks while training),
  merged into the weights afterwards; the fp32 factors are stored and merged the same way
  at load time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch import nn
from transformers import PreTrainedModel

from xner.errors import XnerError
from xner.registry import Registry

if TYPE_CHECKING:  # AdaptArgs checks its method against ADAPT_METHODS: no import cycle
    from xner.train.adapt import AdaptArgs

Stored = tuple[dict[str, torch.Tensor], dict[str, str]]  # tensors, safetensors metadata


class LoraDelta(nn.Module):
    """Rank-r factors for one linear layer: adds `scale * x A^T B^T` to its output."""

    def __init__(self, linear: nn.Linear, r: int, alpha: int) -> None:
        super().__init__()
        self.A = nn.Parameter(torch.empty(r, linear.in_features))
        self.B = nn.Parameter(torch.zeros(linear.out_features, r))
        nn.init.kaiming_uniform_(self.A, a=math.sqrt(5))  # as peft: B = 0, so no change at start
        self.scale = alpha / r

    def hook(
        self, module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor
    ) -> torch.Tensor:
        return output + (inputs[0] @ self.A.T @ self.B.T) * self.scale

    def delta(self) -> torch.Tensor:
        return (self.B @ self.A) * self.scale


def _lora_targets(encoder: nn.Module, targets: Sequence[str]) -> dict[str, nn.Linear]:
    found = {
        name: module
        for name, module in encoder.named_modules()
        if isinstance(module, nn.Linear) and name.rsplit(".", 1)[-1] in targets
    }
    if not found:
        raise XnerError(
            f"AdaptArgs.lora_targets {list(targets)} match no linear layer of the encoder; "
            "use names such as query, key, value, dense"
        )
    return found


def merge_lora(encoder: nn.Module, factors: dict[str, torch.Tensor], scale: float) -> None:
    """W += scale * B @ A for each `<module>.A` / `<module>.B` pair (training and loading
    merge through this one function, so both give the same bits)."""
    modules = dict(encoder.named_modules())
    names = sorted({key.rsplit(".", 1)[0] for key in factors})
    with torch.no_grad():
        for name in names:
            if name not in modules or f"{name}.A" not in factors or f"{name}.B" not in factors:
                raise XnerError(f"LoRA adaptation factors for {name!r} do not fit this encoder")
            weight = modules[name].weight
            # Computed where the factors are (the CPU, as stored), so a GPU-trained run
            # merges the same bits as its reload.
            delta = (factors[f"{name}.B"].float() @ factors[f"{name}.A"].float()) * scale
            weight.add_(delta.to(weight.device, weight.dtype))


@dataclass
class Attached:
    """An adaptation method set up on one encoder: the parameters it trains, `keep` (after
    training: finalise the encoder and return what to store, on the CPU) and `detach`
    (remove what training needed, e.g. hooks; called even when training failed)."""

    trainable: list[nn.Parameter]
    keep: Callable[[], Stored]
    detach: Callable[[], None] = field(default=lambda: None)


@dataclass(frozen=True)
class AdaptMethod:
    """A declared adaptation method: `attach` prepares an encoder (its parameters are all
    frozen on entry) for training; `apply` re-applies a stored adaptation to an encoder."""

    name: str
    description: str
    attach: Callable[[PreTrainedModel, nn.Module, AdaptArgs, torch.device], Attached]
    apply: Callable[[nn.Module, dict[str, torch.Tensor], dict[str, str], Path], None]


def _attach_full(
    model: PreTrainedModel, encoder: nn.Module, args: AdaptArgs, device: torch.device
) -> Attached:
    tied = model.get_input_embeddings().weight
    for parameter in encoder.parameters():
        parameter.requires_grad = parameter is not tied
    trainable = [p for p in encoder.parameters() if p.requires_grad]

    def keep() -> Stored:
        tensors: dict[str, torch.Tensor] = {}
        with torch.no_grad():
            for name, parameter in encoder.named_parameters():
                if parameter.requires_grad:
                    rounded = parameter.detach().half()
                    parameter.copy_(rounded.float())  # what the fp16 file will rebuild
                    tensors[name] = rounded.cpu().contiguous()
        return tensors, {"method": args.method}

    return Attached(trainable, keep)


def _apply_full(
    encoder: nn.Module, tensors: dict[str, torch.Tensor], meta: dict[str, str], file: Path
) -> None:
    own = dict(encoder.named_parameters())
    with torch.no_grad():
        for name, tensor in tensors.items():
            if name not in own or own[name].shape != tensor.shape:
                raise XnerError(
                    f"{file}: {name} does not fit this backbone's encoder; the checkpoint "
                    "belongs to another backbone - fix config.json or retrain"
                )
            own[name].copy_(tensor.to(own[name].dtype))


def _attach_lora(
    model: PreTrainedModel, encoder: nn.Module, args: AdaptArgs, device: torch.device
) -> Attached:
    loras: dict[str, LoraDelta] = {}
    hooks = []
    for name, linear in _lora_targets(encoder, args.lora_targets).items():
        loras[name] = LoraDelta(linear, args.lora_r, args.lora_alpha).to(device)
        hooks.append(linear.register_forward_hook(loras[name].hook))
    trainable = [p for delta in loras.values() for p in delta.parameters()]

    def keep() -> Stored:
        tensors: dict[str, torch.Tensor] = {}
        for name, delta in loras.items():
            tensors[f"{name}.A"] = delta.A.detach().clone().cpu().contiguous()
            tensors[f"{name}.B"] = delta.B.detach().clone().cpu().contiguous()
        scale = args.lora_alpha / args.lora_r
        merge_lora(encoder, tensors, scale)
        return tensors, {"method": args.method, "scale": repr(scale)}

    def detach() -> None:
        for hook in hooks:
            hook.remove()

    return Attached(trainable, keep, detach)


def _apply_lora(
    encoder: nn.Module, tensors: dict[str, torch.Tensor], meta: dict[str, str], file: Path
) -> None:
    merge_lora(encoder, tensors, float(meta["scale"]))


ADAPT_METHODS: Registry[AdaptMethod] = Registry("adaptation method", error=XnerError)
ADAPT_METHODS.register_all(
    AdaptMethod(
        "full", "every encoder weight but the word embeddings trains", _attach_full, _apply_full
    ),
    AdaptMethod("lora", "low-rank updates on the target linears", _attach_lora, _apply_lora),
)
