"""Where and in what precision a run computes: a runtime choice, not part of the experiment.

`Runtime` is passed beside the run's config, never inside it: the device and the
precision do not enter the run id or config.json (a run trained on a GPU in bf16 is the
same experiment as on a CPU in fp32); they are recorded in the train log and in the
grid's cell.json. `auto` picks CUDA when torch sees a GPU, and there bf16 mixed precision
(fp16 with loss scaling where the GPU has no bf16); on a CPU it is fp32, the exact path
the runs have always taken. Checkpoints are saved from fp32 weights either way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import torch

from xner.errors import XnerError

# Autocast dtypes; fp32 means no autocast at all (the CPU default, bit for bit as before).
PRECISIONS: dict[str, torch.dtype | None] = {
    "fp32": None,
    "bf16": torch.bfloat16,
    "fp16": torch.float16,
}
AUTO = "auto"


@dataclass(frozen=True)
class Runtime:
    """`device`: auto, cpu, cuda or cuda:N; `precision`: auto, fp32, bf16 or fp16."""

    device: str = AUTO
    precision: str = AUTO

    def __post_init__(self) -> None:
        kind = self.device.split(":", 1)[0]
        if self.device != AUTO and kind not in ("cpu", "cuda"):
            raise XnerError(f"device {self.device!r}: use auto, cpu, cuda or cuda:N")
        if self.precision != AUTO and self.precision not in PRECISIONS:
            raise XnerError(f"precision {self.precision!r}: use auto or one of {list(PRECISIONS)}")

    @classmethod
    def of(cls, model: torch.nn.Module) -> Runtime:
        """Where `model` already is, in fp32 (inference on a model placed by the caller)."""
        return cls(str(next(model.parameters()).device), "fp32")

    def resolved(self) -> Runtime:
        """The concrete device and precision on this machine (auto decided)."""
        device = self.device
        if device == AUTO:
            device = "cuda" if torch.cuda.is_available() else "cpu"
        elif device.startswith("cuda") and not torch.cuda.is_available():
            raise XnerError(
                f"device {device!r}: torch sees no CUDA GPU here (torch.cuda.is_available() "
                "is False); use device auto or cpu, or install a CUDA build of torch"
            )
        precision = self.precision
        if precision == AUTO:
            if device == "cpu":
                precision = "fp32"
            else:
                precision = "bf16" if torch.cuda.is_bf16_supported() else "fp16"
        return Runtime(device, precision)

    @property
    def torch_device(self) -> torch.device:
        return torch.device(self.resolved().device)

    @contextlib.contextmanager
    def autocast(self) -> Iterator[None]:
        """Mixed precision for the forward pass (nothing at all in fp32)."""
        run = self.resolved()
        dtype = PRECISIONS[run.precision]
        if dtype is None:
            yield
            return
        with torch.autocast(torch.device(run.device).type, dtype=dtype):
            yield

    def grad_scaler(self) -> torch.amp.GradScaler | None:
        """A loss scaler for fp16 (its small range underflows gradients), else None."""
        run = self.resolved()
        if run.precision != "fp16":
            return None
        return torch.amp.GradScaler(torch.device(run.device).type)

    def put(self, tensors: Mapping[str, Any]) -> dict[str, Any]:
        """A batch's tensors on this device (a no-op on the CPU)."""
        device = self.torch_device
        return {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in tensors.items()}

    def to_dict(self) -> dict[str, str]:
        """What the train log and cell.json record (concrete values)."""
        run = self.resolved()
        return {"device": run.device, "precision": run.precision}
