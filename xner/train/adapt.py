"""Language adaptation: continue masked-language-model pretraining on unlabelled LRL text.

The encoder adapted here is the encoder of the token-classification model that is then
fine-tuned, so no weights move between model classes. An MLM head is borrowed from
`AutoModelForMaskedLM` (pretrained when the backbone ships one, else freshly initialised)
with its decoder tied to the encoder's input embeddings, and it is dropped afterwards:
only the encoder change is kept.

The loss is computed at masked positions only (hidden states gathered, then projected),
so a 250k-word decoder costs `masked tokens x vocab`, not `all tokens x vocab`.

Two ways to adapt, each stored as what it changed, never as a base-model copy:

- `full`: every encoder weight except the word embeddings (tied to the decoder; 96M of
  e5's 118M parameters) trains. The changed tensors are rounded to fp16 in memory before
  fine-tuning starts, so the fp16 file rebuilds exactly the model that was fine-tuned.
- `lora`: low-rank updates `B @ A` on the target linears, merged into the weights after
  training. The fp32 factors are stored and merged the same way at load time.

The methods are declared in `xner.train.adaptmethods`, the masking and the MLM head in
`xner.train.mlm`; this module holds the arguments, the text, the loop and storage.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase, get_linear_schedule_with_warmup

from xner.data.records import Sentence
from xner.errors import XnerError
from xner.train.adaptmethods import ADAPT_METHODS
from xner.train.args import ArgsDict
from xner.train.encode import Window, bucket_batches, encode, max_tokens, special_tokens
from xner.train.loop import set_seed
from xner.train.mlm import MaskedBatch, encoder_of, eval_mlm_loss, mask_batch, mlm_head, mlm_loss
from xner.train.runtime import Runtime

__all__ = [
    "ADAPTATION_FILE",
    "AdaptArgs",
    "AdaptResult",
    "adapt",
    "apply_adaptation",
    "read_text_file",
    "save_adaptation",
]

ADAPTATION_FILE = "adaptation.safetensors"
EVAL_WINDOWS = 64  # windows the before/after MLM loss is measured on


@dataclass(frozen=True)
class AdaptArgs(ArgsDict):
    """MLM adaptation hyper-parameters and caps (setting `adapted-transfer`)."""

    text: str | None = field(
        default=None,
        metadata={
            "help": "plain-text file, one sentence per line; default: the LRL unlabelled split"
        },
    )
    steps: int = field(default=200, metadata={"help": "MLM optimisation steps"})
    max_sentences: int | None = field(
        default=10_000, metadata={"help": "keep at most this many adaptation sentences"}
    )
    method: str = field(default="full", metadata={"help": "full (non-embedding weights) or lora"})
    learning_rate: float = field(default=5e-5, metadata={"help": "peak AdamW learning rate"})
    batch_size: int = field(default=16, metadata={"help": "sentences per MLM step"})
    max_length: int = field(default=128, metadata={"help": "tokens per MLM input (windowed)"})
    mlm_probability: float = field(default=0.15, metadata={"help": "share of tokens masked"})
    whole_word_masking: bool = field(
        default=False, metadata={"help": "mask all subwords of a chosen word"}
    )
    warmup_ratio: float = field(default=0.06, metadata={"help": "share of steps warming up"})
    lora_r: int = field(default=8, metadata={"help": "LoRA rank (method lora)"})
    lora_alpha: int = field(default=16, metadata={"help": "LoRA scaling numerator"})
    lora_targets: tuple[str, ...] = field(
        default=("query", "value"), metadata={"help": "linear layers LoRA adapts"}
    )

    def __post_init__(self) -> None:
        if self.method not in ADAPT_METHODS:
            raise XnerError(f"AdaptArgs.method: {ADAPT_METHODS.unknown_message(self.method)}")
        if self.steps < 1:
            raise XnerError(f"AdaptArgs.steps must be >= 1, not {self.steps}")
        if self.max_sentences is not None and self.max_sentences < 1:
            raise XnerError("AdaptArgs.max_sentences must be >= 1 or None (no cap)")
        if not 0 < self.mlm_probability < 1:
            raise XnerError("AdaptArgs.mlm_probability must be between 0 and 1, e.g. 0.15")
        if self.batch_size < 1 or self.learning_rate <= 0 or self.max_length < 4:
            raise XnerError("AdaptArgs: batch_size >= 1, learning_rate > 0, max_length >= 4")
        if not isinstance(self.lora_targets, tuple):
            object.__setattr__(self, "lora_targets", tuple(self.lora_targets))


# ---------------------------------------------------------------------------
# Text


def read_text_file(path: str | Path, *, lang: str = "", limit: int | None = None) -> list[Sentence]:
    """Sentences from a plain-text file, one per line, split on whitespace.

    Blank lines are skipped. Ids are `adapt-text/<line>` (not the file name), so the
    same text under another name hashes the same.
    """
    file = Path(path).expanduser()
    if not file.is_file():
        raise XnerError(
            f"adaptation text {file}: no such file; give a plain-text file with one "
            "sentence per line (AdaptArgs.text), or leave it unset to use the LRL "
            "unlabelled split"
        )
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as error:
        raise XnerError(
            f"adaptation text {file}: not UTF-8 ({error}); re-save it as UTF-8"
        ) from None
    sentences: list[Sentence] = []
    for number, line in enumerate(lines, 1):
        tokens = line.split()
        if tokens:
            sentences.append(
                Sentence(f"adapt-text/{number:07d}", tuple(tokens), None, lang, "text", "adapt")
            )
            if limit is not None and len(sentences) >= limit:
                break
    if not sentences:
        raise XnerError(
            f"adaptation text {file}: no words in it; give one sentence per line, or leave "
            "AdaptArgs.text unset to use the LRL unlabelled split"
        )
    return sentences


# ---------------------------------------------------------------------------
# The loop


@dataclass
class AdaptResult:
    """What adaptation changed (to store), how, and its log (one record per step)."""

    tensors: dict[str, torch.Tensor]  # names relative to the encoder (base model)
    meta: dict[str, str]  # adapt method, LoRA scale
    log: list[dict[str, Any]]
    loss_before: float
    loss_after: float


def adapt(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    sentences: Sequence[Sentence],
    args: AdaptArgs,
    *,
    backbone: str,
    seed: int,
    progress: Callable[[dict[str, Any]], None] | None = None,
    runtime: Runtime | None = None,
) -> AdaptResult:
    """MLM-adapt `model`'s encoder in place on `sentences` (tokens; tags ignored).

    Leaves the encoder in its adapted state (LoRA merged, full weights fp16-rounded),
    every parameter trainable again, and returns what to store (on the CPU). `runtime`
    (default: auto) places the model and sets the precision; masks are drawn on the CPU,
    so they do not depend on the device.
    """
    runtime = (runtime or Runtime()).resolved()
    device = runtime.torch_device

    if tokenizer.mask_token_id is None:
        raise XnerError(f"backbone {backbone!r}: its tokenizer has no mask token; MLM needs one")
    sentences = list(sentences)[: args.max_sentences]
    sentences = [s for s in sentences if s.tokens]
    if not sentences:
        raise XnerError("adaptation: no unlabelled sentences with words to adapt on")
    set_seed(seed)
    encoder = encoder_of(model)
    head, pretrained = mlm_head(model, backbone)
    model.to(device)  # type: ignore[arg-type]  # @wraps(Module.to) mistypes it
    head.to(device)  # its decoder is the model's embedding matrix, already moved
    limit = min(args.max_length, max_tokens(model, tokenizer))
    unlabelled = [s if s.tags is None else s.with_content(s.tokens, None) for s in sentences]
    windows = encode(unlabelled, tokenizer, max_length=limit)
    suffix = len(special_tokens(tokenizer)[1])
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    mask_id = int(tokenizer.mask_token_id)
    vocab = len(tokenizer)

    def masked(batch_windows: Sequence[Window], generator: torch.Generator) -> MaskedBatch:
        return mask_batch(batch_windows, pad, mask_id, vocab, suffix, args, generator)

    eval_generator = torch.Generator().manual_seed(seed + 1)
    eval_windows = windows[:EVAL_WINDOWS]
    eval_batches = [
        masked([eval_windows[i] for i in batch], eval_generator).to(device)
        for batch in bucket_batches([len(w) for w in eval_windows], args.batch_size, seed=None)
    ]

    for parameter in model.parameters():
        parameter.requires_grad = False
    attached = ADAPT_METHODS.get(args.method).attach(model, encoder, args, device)
    trainable = attached.trainable
    head_params = [p for p in head.parameters() if p is not model.get_input_embeddings().weight]
    for parameter in head_params:
        parameter.requires_grad = True
    optimizer = torch.optim.AdamW(
        [{"params": trainable}, {"params": head_params}], lr=args.learning_rate, weight_decay=0.01
    )
    scheduler = get_linear_schedule_with_warmup(
        optimizer, math.ceil(args.steps * args.warmup_ratio), args.steps
    )
    before = eval_mlm_loss(encoder, head, eval_batches, runtime)
    scaler = runtime.grad_scaler()
    generator = torch.Generator().manual_seed(seed)
    log: list[dict[str, Any]] = []
    started = time.perf_counter()
    step = epoch = 0
    encoder.train()
    head.train()
    try:
        while step < args.steps:
            for batch in bucket_batches(
                [len(w) for w in windows], args.batch_size, seed=seed + epoch
            ):
                inputs = masked([windows[i] for i in batch], generator).to(device)
                with runtime.autocast():
                    loss = mlm_loss(encoder, head, inputs)
                if scaler is None:
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(trainable + head_params, 1.0)
                    optimizer.step()
                else:  # fp16: as in train_loop
                    scaler.scale(loss).backward()
                    scaler.unscale_(optimizer)
                    torch.nn.utils.clip_grad_norm_(trainable + head_params, 1.0)
                    scaler.step(optimizer)
                    scaler.update()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                step += 1
                record = {
                    "phase": "adapt",
                    "step": step,
                    "mlm_loss": round(float(loss.detach()), 6),
                    "learning_rate": scheduler.get_last_lr()[0],
                    "elapsed_s": round(time.perf_counter() - started, 3),
                }
                log.append(record)
                if progress is not None:
                    progress(record)
                if step >= args.steps:
                    break
            epoch += 1
        after = eval_mlm_loss(encoder, head, eval_batches, runtime)
    finally:
        attached.detach()

    tensors, meta = attached.keep()
    for parameter in model.parameters():
        parameter.requires_grad = True
    log.append(
        {
            "phase": "adapt",
            "summary": True,
            "steps": step,
            "sentences": len(sentences),
            "windows": len(windows),
            "eval_mlm_loss_before": round(before, 6),
            "eval_mlm_loss_after": round(after, 6),
            "head": "pretrained" if pretrained else "fresh (tied to the input embeddings)",
            "method": args.method,
            "stored_parameters": sum(t.numel() for t in tensors.values()),
            "seconds": round(time.perf_counter() - started, 3),
        }
    )
    return AdaptResult(tensors, meta, log, before, after)


# ---------------------------------------------------------------------------
# Storing and applying


def save_adaptation(folder: Path, result: AdaptResult) -> str:
    """Write the adaptation file into a checkpoint folder; returns its name."""
    from safetensors.torch import save_file

    save_file(result.tensors, str(folder / ADAPTATION_FILE), metadata=dict(result.meta))
    return ADAPTATION_FILE


def apply_adaptation(model: PreTrainedModel, file: Path) -> None:
    """Re-apply a stored adaptation to a freshly built model (before its own weights)."""
    from safetensors import SafetensorError, safe_open

    if not file.is_file():
        raise XnerError(
            f"{file}: missing (the MLM adaptation); the checkpoint is incomplete - retrain the run"
        )
    try:
        with safe_open(str(file), framework="pt") as handle:
            meta = handle.metadata() or {}
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}  # noqa: SIM118
    except (SafetensorError, OSError) as error:
        raise XnerError(f"{file}: unreadable ({error}); retrain the run") from None
    # Files without a method (none are written so) were full adaptations.
    method = ADAPT_METHODS.get(meta.get("method", "full"))
    method.apply(encoder_of(model), tensors, meta, file)
