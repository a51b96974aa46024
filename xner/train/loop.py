"""The training loop `finetune` and the self-training student share, and what it needs
around it: seeding, the thread pool, progress records, the result."""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase, get_linear_schedule_with_warmup

from xner.data.records import Sentence
from xner.errors import XnerError
from xner.train.encode import LabelSpace, bucket_batches
from xner.train.runtime import Runtime

if TYPE_CHECKING:  # finetune imports this module
    from xner.train.finetune import TrainArgs


def set_seed(seed: int) -> None:
    """Seed every generator training touches: Python, NumPy, torch."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def set_threads(num_threads: int | None = None) -> int:
    """Use the cores this process may run on (intra-op only; inter-op pools on a small
    machine only contend with it), at most $OMP_NUM_THREADS where that is set (Ray sets it
    to a task's num_cpus, so cells sharing a node do not oversubscribe it)."""
    if num_threads is None:
        try:
            num_threads = len(os.sched_getaffinity(0))
        except AttributeError:  # not Linux
            num_threads = os.cpu_count() or 1
        limit = os.environ.get("OMP_NUM_THREADS", "")
        if limit.strip().isdigit() and int(limit) > 0:
            num_threads = min(num_threads, int(limit))
    num_threads = max(1, num_threads)
    if torch.get_num_threads() != num_threads:
        torch.set_num_threads(num_threads)
    return num_threads


@dataclass(frozen=True, slots=True)
class TrainProgress:
    """What a progress callback sees after each step (and each dev check)."""

    step: int
    total_steps: int
    epoch: float
    loss: float
    learning_rate: float
    elapsed_s: float
    dev: dict[str, float] | None = None


ProgressCallback = Callable[[TrainProgress], None]


@dataclass
class TrainResult:
    """The trained model (peft-wrapped for LoRA) and one log record per step / check."""

    model: PreTrainedModel
    log: list[dict[str, Any]]
    steps: int
    train_tokens: int
    train_seconds: float
    best_dev: dict[str, float] | None = None


def _trainable_state(model: PreTrainedModel) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}


def start_training(
    model: PreTrainedModel, labels: LabelSpace, args: TrainArgs, *, who: str = "model"
) -> None:
    """Seed and size the thread pool from `args`, and check the head fits `labels`."""
    set_seed(args.seed)
    set_threads(args.num_threads)
    if model.config.num_labels != len(labels):
        raise XnerError(
            f"the {who} has {model.config.num_labels} outputs but the label list has "
            f"{len(labels)}; build it with num_labels=len(labels)"
        )


LossFn = Callable[[PreTrainedModel, list[int]], tuple[torch.Tensor, dict[str, Any]]]
"""One step: the loss on the training items at these indices, and extra log fields (put
right after `loss` in the step's record, e.g. the student's `gold_loss` / `soft_loss`).
It puts its batch on the model's device; `train_loop` runs it under the runtime's
autocast."""


def _epoch_fraction(step: int, epoch: int, per_epoch: int) -> float:
    return epoch + (step - epoch * per_epoch) / per_epoch


def train_loop(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    labels: LabelSpace,
    args: TrainArgs,
    lengths: Sequence[int],
    loss_fn: LossFn,
    *,
    max_length: int,
    dev: Sequence[Sentence] | None = None,
    progress: ProgressCallback | None = None,
    epoch_fraction: Callable[[int, int, int], float] = _epoch_fraction,
    runtime: Runtime | None = None,
) -> TrainResult:
    """The loop `finetune` and the self-training student share.

    `model` is already prepared (`get_method(args.method).prepare`); `lengths` holds the
    token count of each training item, batched by `bucket_batches` with seed
    `args.seed + epoch`; `loss_fn` computes each step's loss. AdamW (no decay on biases and
    LayerNorm weights), linear warmup and decay, gradient clipping; dev checks every
    `args.eval_steps` (default: each epoch) and at the last step, with early stopping that
    keeps the best check's weights. `epoch_fraction(step, epoch, per_epoch)` gives the
    logged epoch (before rounding). `runtime` (default: auto) places the model and sets
    the forward pass's precision; fp16 scales the loss (GradScaler).
    """
    from xner.train.finetune import dev_scores  # it scores with span_f1, kept there

    runtime = (runtime or Runtime()).resolved()
    model.to(runtime.torch_device)  # type: ignore[arg-type]  # @wraps(Module.to) mistypes it
    scaler = runtime.grad_scaler()
    batch_size = args.per_device_train_batch_size
    per_epoch = math.ceil(len(lengths) / batch_size)
    total_steps = (
        args.max_steps if args.max_steps > 0 else math.ceil(per_epoch * args.num_train_epochs)
    )

    decay: list[torch.nn.Parameter] = []
    no_decay: list[torch.nn.Parameter] = []
    for name, parameter in model.named_parameters():
        if parameter.requires_grad:
            # The usual HF split: no decay on biases and LayerNorm weights.
            (no_decay if name.endswith("bias") or "LayerNorm" in name else decay).append(parameter)
    optimizer = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": args.weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        lr=float(args.learning_rate or 0.0),  # TrainArgs fills in the method's default
    )
    scheduler = get_linear_schedule_with_warmup(
        optimizer, math.ceil(total_steps * args.warmup_ratio), total_steps
    )
    eval_every = args.eval_steps or per_epoch
    use_dev = dev is not None and len(dev) > 0
    metric = args.early_stopping_metric
    better = (lambda a, b: a > b) if metric == "f1" else (lambda a, b: a < b)

    log: list[dict[str, Any]] = []
    best: dict[str, float] | None = None
    best_state: dict[str, torch.Tensor] | None = None
    checks_without_gain = 0
    step = tokens = 0
    started = time.perf_counter()
    model.train()
    stop = False
    epoch = 0
    while not stop:
        for batch in bucket_batches(
            lengths, batch_size, seed=args.seed + epoch, chunk_batches=args.bucket_batches
        ):
            with runtime.autocast():
                loss, extra = loss_fn(model, batch)
            if scaler is None:
                loss.backward()
                torch.nn.utils.clip_grad_norm_(decay + no_decay, args.max_grad_norm)
                optimizer.step()
            else:
                scaler.scale(loss).backward()
                scaler.unscale_(optimizer)  # clip the true gradients, not the scaled ones
                torch.nn.utils.clip_grad_norm_(decay + no_decay, args.max_grad_norm)
                scaler.step(optimizer)  # skipped when the scaled gradients overflowed
                scaler.update()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            tokens += sum(lengths[i] for i in batch)  # the batch's attention-mask total
            record = {
                "step": step,
                "epoch": round(epoch_fraction(step, epoch, per_epoch), 4),
                "loss": round(float(loss.detach()), 6),
                **extra,
                "learning_rate": scheduler.get_last_lr()[0],
                "tokens": tokens,
                "elapsed_s": round(time.perf_counter() - started, 3),
            }
            log.append(record)
            dev_result = None
            if use_dev and (step % eval_every == 0 or step == total_steps):
                assert dev is not None
                dev_result = dev_scores(
                    model,
                    tokenizer,
                    dev,
                    labels,
                    max_length=max_length,
                    batch_size=args.per_device_eval_batch_size,
                    with_f1=metric == "f1",
                    runtime=runtime,
                )
                log.append({"step": step, "dev": dev_result})
                if best is None or better(dev_result[metric], best[metric]):
                    best, checks_without_gain = {**dev_result, "step": step}, 0
                    if args.early_stopping_patience is not None:
                        best_state = _trainable_state(model)
                else:
                    checks_without_gain += 1
            if progress is not None:
                progress(
                    TrainProgress(
                        step,
                        total_steps,
                        record["epoch"],
                        record["loss"],
                        record["learning_rate"],
                        record["elapsed_s"],
                        dev_result,
                    )
                )
            patience = args.early_stopping_patience
            if step >= total_steps or (patience is not None and checks_without_gain >= patience):
                stop = True
                break
        epoch += 1
    if best_state is not None:
        # Early stopping keeps the best dev check, not the last step.
        with torch.no_grad():
            for name, parameter in model.named_parameters():
                if name in best_state:
                    parameter.copy_(best_state[name])
    model.eval()
    return TrainResult(model, log, step, tokens, time.perf_counter() - started, best)
