"""Inference engines: what runs a prediction's forward passes.

- `torch` (the default): the model itself, on its `Runtime`'s device and precision. Every
  stored result (the grid, the shipped study in models/) is produced by it, in fp32.
- `onnx`: the same weights exported once to ONNX and run by ONNX Runtime on the CPU in
  fp32 (opt-in, for speed: on a 2-core CPU about 1.6-2.8x the torch forward for
  multilingual-e5-small). It sees the same fixed-shape batches as torch; its logits differ
  from torch's in the last bits (about 1e-5), so a tag can in rare ties differ - which is
  why stored results stay torch's.

The export is cached under the user cache dir (`xner.config.cache_dir()/onnx`), keyed by a
hash of the model's weights and configuration: a checkpoint evaluated again reuses it, a
changed checkpoint (or an in-process model whose weights moved) gets a new one. Only the
most recently used `KEEP_EXPORTS` are kept (an e5-small export is about 470 MB).
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from xner import atomic
from xner import config as xconfig
from xner.errors import XnerError
from xner.registry import Registry
from xner.train.runtime import Runtime

if TYPE_CHECKING:  # transformers is heavy to import; the runner imports this module
    from transformers import PreTrainedModel

# (input_ids, attention_mask) -> logits (rows x width x labels), fp32 on the CPU.
Forward = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Engine:
    """A declared engine: its name, one line for help texts, and how to make a forward."""

    name: str
    help: str
    prepare: Callable[[PreTrainedModel, Runtime], Forward]


@dataclass(frozen=True)
class Prepared:
    """An engine ready for one model: prepare once, predict many test sets with it."""

    engine: str
    forward: Forward


def _torch_forward(model: PreTrainedModel, runtime: Runtime) -> Forward:
    def forward(input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        inputs = runtime.put({"input_ids": input_ids, "attention_mask": attention_mask})
        with torch.inference_mode(), runtime.autocast():
            return model(**inputs).logits.float().cpu()

    return forward


# ---------------------------------------------------------------------------
# ONNX Runtime

# Bumped whenever the exported graph would change for the same weights (wrapper, opset).
EXPORT_VERSION = 1
OPSET = 17
KEEP_EXPORTS = 4
EXPORT_DIR = "onnx"
INPUTS = ("input_ids", "attention_mask")


def weights_key(model: PreTrainedModel) -> str:
    """A hash of everything the exported graph depends on: every weight's bytes, the
    model's configuration, the exporter. About 1 s for multilingual-e5-small."""
    digest = hashlib.blake2b(digest_size=16)
    header = f"{EXPORT_VERSION}|{OPSET}|{torch.__version__}|{type(model).__name__}"
    digest.update(header.encode())
    digest.update(model.config.to_json_string(use_diff=False).encode())
    for name, tensor in model.state_dict().items():
        array = tensor.detach().cpu().contiguous().numpy()
        digest.update(f"{name}|{array.dtype}|{array.shape}".encode())
        digest.update(memoryview(array).cast("B"))
    return digest.hexdigest()


def export_dir() -> Path:
    return xconfig.cache_dir() / EXPORT_DIR


class _Logits(torch.nn.Module):
    """The model as a graph of tensors only: (ids, mask) -> logits."""

    def __init__(self, model: PreTrainedModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.model(input_ids=input_ids, attention_mask=attention_mask).logits


def _export_bytes(model: PreTrainedModel) -> bytes:
    # The example batch has padding: were every mask all ones, the attention code could
    # drop the mask and the trace would bake that in.
    ids = torch.ones((2, 8), dtype=torch.long)
    mask = torch.ones((2, 8), dtype=torch.long)
    mask[1, 4:] = 0
    axes = {name: {0: "rows", 1: "width"} for name in (*INPUTS, "logits")}
    buffer = io.BytesIO()
    was_training = model.training
    model.eval()
    try:
        # The TorchScript exporter (the torch.export one needs onnxscript): its deprecation
        # and tracer warnings are about branches fixed by shape, which the dynamic axes
        # and the padded example keep right (the tests compare every tag with torch).
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Logits(model),
                (ids, mask),
                buffer,  # type: ignore[arg-type]  # the TorchScript exporter writes to file objects
                input_names=list(INPUTS),
                output_names=["logits"],
                dynamic_axes=axes,
                opset_version=OPSET,
                dynamo=False,
            )
    finally:
        model.train(was_training)
    return buffer.getvalue()


def exported(model: PreTrainedModel) -> Path:
    """The ONNX file of `model`, exported on first use and cached (see the module doc)."""
    if next(model.parameters()).device.type != "cpu":
        raise XnerError("the onnx engine exports from a model on the CPU; move it there first")
    path = export_dir() / f"{weights_key(model)}.onnx"
    if path.is_file():
        os.utime(path)  # most recently used: kept by _prune
        return path
    atomic.write_bytes(path, _export_bytes(model))
    _prune(path.parent, keep=path)
    return path


def _prune(folder: Path, keep: Path) -> None:
    files = sorted(folder.glob("*.onnx"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [p for p in files if p != keep][KEEP_EXPORTS - 1 :]:
        old.unlink(missing_ok=True)


def _onnx_forward(model: PreTrainedModel, runtime: Runtime) -> Forward:
    run = runtime.resolved()
    if run.device != "cpu" or run.precision != "fp32":
        raise XnerError(
            f"the onnx engine runs on the CPU in fp32, not {run.device} {run.precision}: "
            "use --device cpu --precision fp32, or engine torch"
        )
    try:
        import onnxruntime as ort
    except ImportError:
        raise XnerError(
            "the onnx engine needs onnxruntime: pip install -r requirements.txt"
        ) from None
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # As many threads as torch would use, so the engines compare on equal terms.
    options.intra_op_num_threads = torch.get_num_threads()
    options.inter_op_num_threads = 1
    session: Any = ort.InferenceSession(
        str(exported(model)), options, providers=["CPUExecutionProvider"]
    )

    def forward(input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        feed = {"input_ids": input_ids.numpy(), "attention_mask": attention_mask.numpy()}
        return torch.from_numpy(session.run(["logits"], feed)[0]).float()

    return forward


ENGINES: Registry[Engine] = Registry("engine", error=XnerError)
ENGINES.register_all(
    Engine(
        "torch",
        "the model in torch, on its device and precision (stored results)",
        _torch_forward,
    ),
    Engine(
        "onnx",
        "ONNX Runtime on the CPU in fp32, exported once per checkpoint and cached: faster; "
        "logits differ from torch in the last bits",
        _onnx_forward,
    ),
)
DEFAULT_ENGINE = "torch"


def get_engine(name: str) -> Engine:
    """The declared engine `name`; the error lists the known ones."""
    return ENGINES.get(name)


def prepare(engine: str | Prepared, model: PreTrainedModel, runtime: Runtime) -> Prepared:
    """`engine` ready to run `model` (already prepared: as it is)."""
    if isinstance(engine, Prepared):
        return engine
    return Prepared(engine, get_engine(engine).prepare(model, runtime))
