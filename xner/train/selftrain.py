"""Self-training (Wu et al. 2020, teacher-student): a transfer model labels LRL text softly.

The teacher's per-word label distributions on unlabelled LRL sentences become soft
targets at each word's first subword; a student (the same backbone, a fresh head) learns
them with soft cross-entropy (the gradient of KL(teacher || student)), optionally mixed
with the HRL gold labels as one-hot targets. Soft labels are per word, so a teacher with
another tokenizer (another backbone) works too, as long as its label list is the same.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from xner.data.records import Sentence
from xner.errors import XnerError
from xner.train.args import ArgsDict
from xner.train.encode import (
    IGNORE,
    LabelSpace,
    Window,
    bucket_batches,
    collate,
    encode,
    max_tokens,
    pack,
    position_offset,
)
from xner.train.finetune import TrainArgs
from xner.train.loop import ProgressCallback, TrainResult, start_training, train_loop
from xner.train.methods import get_method
from xner.train.runtime import Runtime

EVAL_WINDOWS = 64  # soft windows the before/after distillation loss is measured on


@dataclass(frozen=True)
class SelfTrainArgs(ArgsDict):
    """Teacher-student options (setting `self-training`); the student uses the run's
    TrainArgs (method, learning rate, epochs / max_steps, batch size)."""

    teacher: str | None = field(
        default=None,
        metadata={
            "help": "teacher checkpoint folder; default: train a transfer teacher in the run "
            "with the same TrainArgs"
        },
    )
    max_unlabelled_sentences: int | None = field(
        default=10_000, metadata={"help": "keep at most this many LRL unlabelled sentences"}
    )
    hrl_gold: bool = field(
        default=True, metadata={"help": "train the student on HRL gold labels too"}
    )
    temperature: float = field(
        default=1.0, metadata={"help": "softmax temperature of the teacher's probabilities"}
    )
    soft_weight: float = field(
        default=1.0, metadata={"help": "weight of a soft-labelled word against a gold one"}
    )

    def __post_init__(self) -> None:
        if self.max_unlabelled_sentences is not None and self.max_unlabelled_sentences < 1:
            raise XnerError("SelfTrainArgs.max_unlabelled_sentences must be >= 1 or None")
        if self.temperature <= 0 or self.soft_weight <= 0:
            raise XnerError("SelfTrainArgs: temperature and soft_weight must be > 0")


# ---------------------------------------------------------------------------
# Soft labels


def soft_labels(
    teacher: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    sentences: Sequence[Sentence],
    labels: LabelSpace,
    *,
    temperature: float = 1.0,
    batch_size: int = 64,
    max_length: int | None = None,
    runtime: Runtime | None = None,
) -> list[torch.Tensor]:
    """Per sentence, the teacher's (words x labels) probabilities at first subwords.

    Disjoint windows (as in training) see every word exactly once. The teacher runs on
    `runtime`'s device (default: auto) and precision; the probabilities come back on the
    CPU in fp32.
    """
    from xner.evaluate.predict import model_labels, window_logits

    runtime = (runtime or Runtime()).resolved()

    own = model_labels(teacher)
    if own != labels:
        raise XnerError(
            f"the teacher predicts {list(own.labels)} but the student learns "
            f"{list(labels.labels)}; train the teacher with the same schema"
        )
    limit = max_length or max_tokens(teacher, tokenizer)
    windows = encode(sentences, tokenizer, max_length=limit)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    was_training = teacher.training
    teacher.eval()
    teacher.to(runtime.torch_device)  # type: ignore[arg-type]  # @wraps(Module.to) mistypes it
    try:
        logits = window_logits(teacher, windows, pad, batch_size, runtime)
    finally:
        teacher.train(was_training)
    out = [torch.zeros((len(s.tokens), len(labels))) for s in sentences]
    for window, window_logit in zip(windows, logits, strict=True):
        # clone(): inference-mode tensors cannot take part in a backward pass later
        out[window.sentence][window.start : window.end] = (
            (window_logit / temperature).softmax(-1).clone()
        )
    return out


# ---------------------------------------------------------------------------
# Student training


@dataclass(frozen=True, slots=True)
class _Item:
    window: Window
    soft: torch.Tensor | None  # (window words x labels); None: gold labels in the window


def _items(
    gold: Sequence[Sentence],
    unlabelled: Sequence[Sentence],
    soft: Sequence[torch.Tensor],
    tokenizer: PreTrainedTokenizerBase,
    labels: LabelSpace,
    limit: int,
) -> tuple[list[_Item], list[_Item]]:
    gold_items = [_Item(w, None) for w in encode(gold, tokenizer, max_length=limit, labels=labels)]
    soft_items = [
        _Item(w, soft[w.sentence][w.start : w.end])
        for w in encode(unlabelled, tokenizer, max_length=limit)
    ]
    return gold_items, soft_items


_Batch = tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor, torch.Tensor]


def _batch(items: Sequence[_Item], pad: int, n_labels: int) -> _Batch:
    """Inputs, target distributions (batch x width x labels), gold and soft position masks."""
    inputs = collate([item.window for item in items], pad, with_labels=False)
    rows, width = inputs["input_ids"].shape
    targets = torch.zeros((rows, width, n_labels))
    gold = torch.zeros((rows, width), dtype=torch.bool)
    soft = torch.zeros((rows, width), dtype=torch.bool)
    for row, item in enumerate(items):
        if item.soft is None:
            assert item.window.labels is not None
            for position, label in enumerate(item.window.labels):
                if label != IGNORE:
                    targets[row, position, label] = 1.0
                    gold[row, position] = True
        else:
            positions = list(item.window.first)
            targets[row, positions] = item.soft
            soft[row, positions] = True
    return inputs, targets, gold, soft


def _losses(
    model: PreTrainedModel,
    inputs: dict[str, torch.Tensor],
    targets: torch.Tensor,
    gold: torch.Tensor,
    soft: torch.Tensor,
    soft_weight: float,
) -> tuple[torch.Tensor, float | None, float | None]:
    """The weighted soft cross-entropy over all labelled positions, plus the mean gold
    cross-entropy and the mean KL(teacher || student) of the batch, for the log."""
    log_probs = model(**inputs).logits.float().log_softmax(-1)
    cross = -(targets * log_probs).sum(-1)  # (batch, width)
    weights = gold.float() + soft_weight * soft.float()
    loss = (cross * weights).sum() / (gold.sum() + soft.sum()).clamp(min=1)
    gold_loss = float(cross[gold].detach().mean()) if gold.any() else None
    soft_loss = None
    if soft.any():
        # KL = cross-entropy minus the teacher's entropy: 0 when the student matches.
        entropy = -(targets * targets.clamp(min=1e-12).log()).sum(-1)
        soft_loss = float((cross.detach() - entropy)[soft].mean())
    return loss, gold_loss, soft_loss


def _on(runtime: Runtime, batch: _Batch) -> _Batch:
    """`_batch`'s tensors on the runtime's device."""
    inputs, targets, gold, soft = batch
    moved = runtime.put({"targets": targets, "gold": gold, "soft": soft})
    return runtime.put(inputs), moved["targets"], moved["gold"], moved["soft"]


@torch.no_grad()
def distillation_loss(
    model: PreTrainedModel,
    items: Sequence[_Item],
    pad: int,
    n_labels: int,
    batch_size: int,
    runtime: Runtime | None = None,
) -> float:
    """Mean KL(teacher || student) over the soft words of `items`."""
    runtime = runtime or Runtime.of(model)
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for batch in bucket_batches([len(i.window) for i in items], batch_size, seed=None):
        inputs, targets, gold, soft = _on(runtime, _batch([items[i] for i in batch], pad, n_labels))
        with runtime.autocast():
            _, _, kl = _losses(model, inputs, targets, gold, soft, 1.0)
        n = int(soft.sum())
        total += (kl or 0.0) * n
        count += n
    model.train(was_training)
    return total / max(count, 1)


def train_student(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    gold: Sequence[Sentence],
    unlabelled: Sequence[Sentence],
    soft: Sequence[torch.Tensor],
    labels: LabelSpace,
    args: TrainArgs,
    options: SelfTrainArgs,
    *,
    dev: Sequence[Sentence] | None = None,
    progress: ProgressCallback | None = None,
    runtime: Runtime | None = None,
) -> TrainResult:
    """Train the student on `soft` targets for `unlabelled` (plus `gold` when given).

    The loop is `finetune`'s (`train_loop`): AdamW, linear warmup and decay, clipping,
    seeded length-bucketed batches, optional dev checks and early stopping on dev loss /
    F1; only the batches and the loss differ. `runtime`: see `train_loop`.
    """
    runtime = (runtime or Runtime()).resolved()
    start_training(model, labels, args, who="student")
    if len(soft) != len(unlabelled):
        raise XnerError("soft labels and unlabelled sentences differ in number")
    model = get_method(args.method).prepare(model, args)
    model.to(runtime.torch_device)  # type: ignore[arg-type]  # @wraps(Module.to) mistypes it
    limit = args.max_length or max_tokens(model, tokenizer)
    gold_items, soft_items = _items(gold, unlabelled, soft, tokenizer, labels, limit)
    items = gold_items + soft_items
    if not soft_items:
        raise XnerError("self-training: no unlabelled LRL sentences to learn soft labels from")
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    n_labels = len(labels)
    eval_items = soft_items[:EVAL_WINDOWS]
    eval_batch = args.per_device_eval_batch_size
    before = distillation_loss(model, eval_items, pad, n_labels, eval_batch, runtime)

    first_position = position_offset(model.config) if args.pack_tokens else 0

    def loss_fn(model: PreTrainedModel, batch: list[int]) -> tuple[torch.Tensor, dict[str, Any]]:
        chosen = [items[i] for i in batch]
        padded = _batch(chosen, pad, n_labels)
        if args.pack_tokens:  # the same loss over the same positions, fewer pad tokens
            inputs, targets, gold, soft = padded
            packed = pack(
                {**inputs, "targets": targets, "gold": gold, "soft": soft},
                [len(item.window) for item in chosen],
                args.pack_tokens,
                {"input_ids": pad, "targets": 0.0, "gold": False, "soft": False},
                first_position,
            )
            model_inputs = {k: packed.pop(k) for k in ("input_ids", "attention_mask")}
            model_inputs["position_ids"] = packed.pop("position_ids")
            padded = (model_inputs, packed["targets"], packed["gold"], packed["soft"])
        inputs, targets, gold_mask, soft_mask = _on(runtime, padded)
        loss, gold_loss, soft_loss = _losses(
            model, inputs, targets, gold_mask, soft_mask, options.soft_weight
        )
        return loss, {
            "gold_loss": None if gold_loss is None else round(gold_loss, 6),
            "soft_loss": None if soft_loss is None else round(soft_loss, 6),
        }

    result = train_loop(
        model,
        tokenizer,
        labels,
        args,
        [len(i.window) for i in items],
        loss_fn,
        max_length=limit,
        dev=dev,
        progress=progress,
        # step / per_epoch, as this loop has always logged it (the same up to float rounding)
        epoch_fraction=lambda step, epoch, per_epoch: step / per_epoch,
        runtime=runtime,
    )
    started = time.perf_counter()
    after = distillation_loss(result.model, eval_items, pad, n_labels, eval_batch, runtime)
    result.train_seconds += time.perf_counter() - started
    result.log.append(
        {
            "phase": "student",
            "summary": True,
            "gold_windows": len(gold_items),
            "soft_windows": len(soft_items),
            "eval_soft_loss_before": round(before, 6),
            "eval_soft_loss_after": round(after, 6),
        }
    )
    return result
