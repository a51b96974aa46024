"""Fine-tuning for token classification: a plain PyTorch loop, full or LoRA.

AdamW with linear warmup and decay, gradient clipping, seeded shuffling, optional early
stopping on a dev set. Deliberately not `transformers.Trainer`: the benchmark compares
this loop against it, and the loop is small enough to read in one sitting.
"""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase, get_linear_schedule_with_warmup

from xner.data.records import Sentence
from xner.errors import XnerError
from xner.train.args import ArgsDict
from xner.train.encode import (
    IGNORE,
    LabelSpace,
    bucket_batches,
    collate,
    encode,
    max_tokens,
    pack,
    position_offset,
)
from xner.train.runtime import Runtime

# ---------------------------------------------------------------------------
# Arguments


@dataclass(frozen=True)
class TrainArgs(ArgsDict):
    """Training hyper-parameters and caps (the names follow HF TrainingArguments)."""

    method: str = field(default="full", metadata={"help": "full or lora (see METHODS)"})
    learning_rate: float | None = field(
        default=None,
        metadata={"help": "peak AdamW learning rate (default: the method's, see METHODS)"},
    )
    per_device_train_batch_size: int = field(default=16, metadata={"help": "sentences per step"})
    per_device_eval_batch_size: int = field(default=64, metadata={"help": "inference batch"})
    num_train_epochs: float = field(default=3.0, metadata={"help": "passes over the data"})
    max_steps: int = field(default=-1, metadata={"help": "> 0: stop after this many steps"})
    max_train_sentences: int | None = field(
        default=None, metadata={"help": "keep at most this many training sentences"}
    )
    warmup_ratio: float = field(default=0.1, metadata={"help": "share of steps warming up"})
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay"})
    max_grad_norm: float = field(default=1.0, metadata={"help": "gradient clipping norm"})
    max_length: int | None = field(
        default=None, metadata={"help": "tokens per input; longer sentences are windowed"}
    )
    freeze_embeddings: bool = field(
        default=False, metadata={"help": "keep the embedding layer fixed (full method)"}
    )
    # r=8 on query/key/value/dense: on multilingual-e5-small (fa, 100 steps of 16) strict F1
    # 0.84 against 0.77 for r=16 on query/value, with a ~2.6 MB adapter.
    lora_r: int = field(default=8, metadata={"help": "LoRA rank"})
    lora_alpha: int = field(default=16, metadata={"help": "LoRA scaling numerator"})
    lora_dropout: float = field(default=0.1, metadata={"help": "dropout on the LoRA path"})
    lora_targets: tuple[str, ...] = field(
        default=("query", "key", "value", "dense"),
        metadata={"help": "modules LoRA adapts (attention projections, dense layers)"},
    )
    early_stopping_patience: int | None = field(
        default=None, metadata={"help": "stop after this many dev checks without gain"}
    )
    early_stopping_metric: str = field(default="loss", metadata={"help": "loss or f1"})
    eval_steps: int | None = field(
        default=None, metadata={"help": "dev check every N steps (default: each epoch)"}
    )
    pack_tokens: int = field(
        default=0,
        metadata={
            "help": "> 0: pack a batch's sentences several to a row of at least this many "
            "tokens (block-diagonal attention: the same loss, less padding)",
            "since": 2,
        },
    )
    bucket_batches: int = field(
        default=50,
        metadata={
            "help": "batches sorted by length together (1: random batches, as the Trainer "
            "draws them: slower, but they learn faster per step)",
            "since": 2,
        },
    )
    seed: int = field(default=42, metadata={"help": "seeds torch, random and numpy"})
    num_threads: int | None = field(default=None, metadata={"help": "torch CPU threads"})

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise XnerError(
                f"TrainArgs.method: unknown {self.method!r}; use one of {list(METHODS)}"
            )
        if self.learning_rate is None:
            object.__setattr__(self, "learning_rate", METHODS[self.method].learning_rate)
        if self.early_stopping_metric not in ("loss", "f1"):
            raise XnerError("TrainArgs.early_stopping_metric must be 'loss' or 'f1'")
        if self.pack_tokens < 0:
            raise XnerError("TrainArgs.pack_tokens must be 0 (off) or a number of tokens")
        if self.bucket_batches < 1:
            raise XnerError("TrainArgs.bucket_batches must be at least 1 (1: random batches)")
        if self.per_device_train_batch_size < 1 or self.learning_rate <= 0:
            raise XnerError("TrainArgs: batch size must be >= 1 and learning_rate > 0")
        if self.max_steps <= 0 and self.num_train_epochs <= 0:
            raise XnerError("TrainArgs: set num_train_epochs > 0 or max_steps > 0")
        if not isinstance(self.lora_targets, tuple):
            object.__setattr__(self, "lora_targets", tuple(self.lora_targets))


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


# ---------------------------------------------------------------------------
# Methods (declared registry entries)


@dataclass(frozen=True)
class MethodSpec:
    """A way to fine-tune: which parameters train, and how the model is wrapped."""

    name: str
    description: str
    parameters: tuple[str, ...]  # the TrainArgs fields it reads
    prepare: Callable[[PreTrainedModel, TrainArgs], PreTrainedModel] = field(repr=False)
    learning_rate: float  # the default when TrainArgs.learning_rate is not given


def _freeze_embeddings(model: PreTrainedModel) -> None:
    for parameter in model.get_input_embeddings().parameters():
        parameter.requires_grad = False
    base = getattr(model, model.base_model_prefix, model)
    embeddings = getattr(base, "embeddings", None)
    if embeddings is not None:  # position / token-type embeddings and their LayerNorm
        for parameter in embeddings.parameters():
            parameter.requires_grad = False


def _prepare_full(model: PreTrainedModel, args: TrainArgs) -> PreTrainedModel:
    if args.freeze_embeddings:
        _freeze_embeddings(model)
    return model


def _prepare_lora(model: PreTrainedModel, args: TrainArgs) -> PreTrainedModel:
    try:
        from peft import LoraConfig, TaskType, get_peft_model
    except ImportError as error:
        raise XnerError("method 'lora' needs peft: pip install peft==0.21.2") from error
    config = LoraConfig(
        task_type=TaskType.TOKEN_CLS,
        r=args.lora_r,
        lora_alpha=args.lora_alpha,
        lora_dropout=args.lora_dropout,
        target_modules=list(args.lora_targets),
        # The head is new: it must train in full and be saved beside the adapter.
        modules_to_save=["classifier"],
    )
    return get_peft_model(model, config)


METHODS: dict[str, MethodSpec] = {
    spec.name: spec
    for spec in (
        MethodSpec(
            "full",
            "Full fine-tuning: every weight trains (embeddings optionally frozen)",
            ("learning_rate", "freeze_embeddings"),
            _prepare_full,
            # measured: fa native, 100 steps of 16, frozen embeddings: strict F1 0.82
            learning_rate=3e-4,
        ),
        MethodSpec(
            "lora",
            "LoRA adapters on the attention and dense layers; encoder frozen, head trained. "
            "Checkpoints hold only the adapter and the head.",
            ("learning_rate", "lora_r", "lora_alpha", "lora_dropout", "lora_targets"),
            _prepare_lora,
            learning_rate=2e-3,  # adapters need a larger step than full fine-tuning
        ),
    )
}


def get_method(name: str) -> MethodSpec:
    try:
        return METHODS[name]
    except KeyError:
        raise XnerError(f"unknown training method {name!r}; use one of {list(METHODS)}") from None


# ---------------------------------------------------------------------------
# The loop


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


def span_f1(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> float:
    """Micro span F1 with exact boundaries and type, from the entity counts of the
    metrics' `conlleval` mode (a stray I- opens an entity, as `xner.data.tags.spans`
    reads it): enough to pick a checkpoint (xner.evaluate.metrics reports the full set)."""
    from xner.evaluate.metrics import sentence_counts

    counts = sentence_counts("conlleval", gold, predicted)
    tp = int(counts.tp.sum())
    return 0.0 if tp == 0 else 2 * tp / int(counts.gold.sum() + counts.predicted.sum())


@torch.no_grad()
def dev_scores(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    dev: Sequence[Sentence],
    labels: LabelSpace,
    *,
    max_length: int,
    batch_size: int,
    with_f1: bool,
    runtime: Runtime | None = None,
) -> dict[str, float]:
    """Token-level loss on the dev set (first subwords), and span F1 when asked."""
    runtime = runtime or Runtime.of(model)
    was_training = model.training
    model.eval()
    windows = encode(dev, tokenizer, max_length=max_length, labels=labels)
    pad = tokenizer.pad_token_id or 0
    total, count = 0.0, 0
    for batch in bucket_batches([len(w) for w in windows], batch_size, seed=None):
        inputs = runtime.put(collate([windows[i] for i in batch], pad))
        n = int((inputs["labels"] != -100).sum())
        with runtime.autocast():
            total += float(model(**inputs).loss) * n
        count += n
    scores = {"loss": total / max(count, 1)}
    if with_f1:
        from xner.evaluate.predict import predict

        predictions = predict(
            model,
            tokenizer,
            dev,
            labels=labels,
            batch_size=batch_size,
            max_length=max_length,
            runtime=runtime,
        )
        scores["f1"] = span_f1([s.tags or () for s in dev], [p.tags for p in predictions])
    model.train(was_training)
    return scores


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
    runtime = (runtime or Runtime()).resolved()
    model.to(runtime.torch_device)
    scaler = runtime.grad_scaler()
    batch_size = args.per_device_train_batch_size
    per_epoch = math.ceil(len(lengths) / batch_size)
    total_steps = (
        args.max_steps if args.max_steps > 0 else math.ceil(per_epoch * args.num_train_epochs)
    )

    decay, no_decay = [], []
    for name, parameter in model.named_parameters():
        if parameter.requires_grad:
            # The usual HF split: no decay on biases and LayerNorm weights.
            (no_decay if name.endswith("bias") or "LayerNorm" in name else decay).append(parameter)
    optimizer = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": args.weight_decay},
            {"params": no_decay, "weight_decay": 0.0},
        ],
        lr=args.learning_rate,
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


def finetune(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    train: Sequence[Sentence],
    labels: LabelSpace,
    args: TrainArgs,
    *,
    dev: Sequence[Sentence] | None = None,
    progress: ProgressCallback | None = None,
    runtime: Runtime | None = None,
) -> TrainResult:
    """Fine-tune `model` (a token-classification model with `len(labels)` outputs).

    Seeds are set from `args.seed` here; seed again before building the model so its
    new head starts the same way too (`train_run` does). `runtime`: see `train_loop`.
    """
    runtime = (runtime or Runtime()).resolved()
    start_training(model, labels, args)
    model = get_method(args.method).prepare(model, args)
    if args.max_train_sentences is not None:
        train = list(train)[: args.max_train_sentences]
    if not train:
        raise XnerError("no training sentences: check the split and max_train_sentences")
    limit = args.max_length or max_tokens(model, tokenizer)
    windows = encode(train, tokenizer, max_length=limit, labels=labels)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    first_position = position_offset(model.config) if args.pack_tokens else 0

    def loss_fn(model: PreTrainedModel, batch: list[int]) -> tuple[torch.Tensor, dict[str, Any]]:
        inputs = collate([windows[i] for i in batch], pad)
        if args.pack_tokens:
            lengths = [len(windows[i]) for i in batch]
            fills = {"input_ids": pad, "labels": IGNORE}
            inputs = pack(inputs, lengths, args.pack_tokens, fills, first_position)
        return model(**runtime.put(inputs)).loss, {}

    return train_loop(
        model,
        tokenizer,
        labels,
        args,
        [len(w) for w in windows],
        loss_fn,
        max_length=limit,
        dev=dev,
        progress=progress,
        runtime=runtime,
    )
