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
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from transformers import PreTrainedModel, PreTrainedTokenizerBase, get_linear_schedule_with_warmup

from xner.data.records import Sentence
from xner.errors import XnerError
from xner.train.args import ArgsDict
from xner.train.encode import Window, bucket_batches, encode, max_tokens, special_tokens
from xner.train.runtime import Runtime

ADAPT_METHODS = ("full", "lora")
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
            raise XnerError(f"AdaptArgs.method: unknown {self.method!r}; use one of full, lora")
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
# Masking


@dataclass(frozen=True, slots=True)
class MaskedBatch:
    input_ids: torch.Tensor  # (batch, width), masked
    attention_mask: torch.Tensor
    positions: torch.Tensor  # (masked, 2): row, column of each prediction target
    targets: torch.Tensor  # (masked,): original ids there

    def to(self, device: torch.device) -> MaskedBatch:
        fields = (self.input_ids, self.attention_mask, self.positions, self.targets)
        return MaskedBatch(*(t.to(device) for t in fields))


def _word_groups(window: Window, suffix: int) -> list[range]:
    """Token positions of each word of the window (the `suffix` closing specials excluded)."""
    ends = [*window.first[1:], len(window.input_ids) - suffix]
    return [range(a, b) for a, b in zip(window.first, ends, strict=True) if b > a]


def mask_batch(
    windows: Sequence[Window],
    pad_id: int,
    mask_id: int,
    vocab: int,
    suffix: int,
    args: AdaptArgs,
    generator: torch.Generator,
) -> MaskedBatch:
    """BERT masking: `mlm_probability` of the content tokens (or words) chosen; of those
    80% become the mask token, 10% a random token, 10% stay. At least one per window.
    Only the words' pieces are candidates: `suffix` is the count of closing specials."""
    width = max(len(w) for w in windows)
    ids = torch.full((len(windows), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(windows), width), dtype=torch.long)
    chosen = torch.zeros((len(windows), width), dtype=torch.bool)
    for row, window in enumerate(windows):
        ids[row, : len(window)] = torch.tensor(window.input_ids)
        attention[row, : len(window)] = 1
        if args.whole_word_masking:
            groups = _word_groups(window, suffix)
            draws = torch.rand(len(groups), generator=generator) < args.mlm_probability
            if groups and not draws.any():
                draws[int(torch.randint(len(groups), (1,), generator=generator))] = True
            for group, pick in zip(groups, draws.tolist(), strict=True):
                if pick:
                    chosen[row, group.start : group.stop] = True
        else:
            start, stop = window.first[0], len(window) - suffix
            if stop <= start:
                continue
            draws = torch.rand(stop - start, generator=generator) < args.mlm_probability
            if not draws.any():
                draws[int(torch.randint(stop - start, (1,), generator=generator))] = True
            chosen[row, start:stop] = draws
    targets = ids[chosen]
    roll = torch.rand(int(chosen.sum()), generator=generator)
    replaced = ids.clone()
    values = targets.clone()
    values[roll < 0.8] = mask_id
    random_ids = torch.randint(vocab, (int(chosen.sum()),), generator=generator)
    swap = (roll >= 0.8) & (roll < 0.9)
    values[swap] = random_ids[swap]
    replaced[chosen] = values
    return MaskedBatch(replaced, attention, chosen.nonzero(), targets)


# ---------------------------------------------------------------------------
# The MLM head and LoRA


def mlm_head(model: PreTrainedModel, backbone: str) -> tuple[nn.Module, bool]:
    """The MLM head for `model`'s encoder, decoder tied to its input embeddings, and
    whether it came pretrained (False: freshly initialised from the current seed)."""
    from transformers import AutoModelForMaskedLM
    from transformers.utils import logging as hf_logging

    from xner.backbones import backbone_path

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # a backbone saved without its head is expected
    try:
        mlm, info = AutoModelForMaskedLM.from_pretrained(
            backbone_path(backbone), output_loading_info=True
        )
    except ValueError as error:
        raise XnerError(
            f"backbone {backbone!r} has no masked-LM form ({str(error).splitlines()[0]}); "
            "adapted-transfer needs an MLM-capable encoder"
        ) from None
    finally:
        hf_logging.set_verbosity(verbosity)
    prefix = mlm.base_model_prefix
    heads = [(name, module) for name, module in mlm.named_children() if name != prefix]
    if len(heads) != 1:
        raise XnerError(
            f"backbone {backbone!r}: expected one MLM head module beside {prefix!r}, found "
            f"{[n for n, _ in heads]}; this architecture is not supported for adaptation"
        )
    name, head = heads[0]
    missing = set(info.get("missing_keys", ()))
    pretrained = not any(key.startswith(f"{name}.") for key in missing)
    decoder = mlm.get_output_embeddings()
    embeddings = model.get_input_embeddings()
    if decoder is not None and (mlm.config.tie_word_embeddings or not pretrained):
        # Tie to the model being adapted (not the throwaway copy), so the MLM reads the
        # same vocabulary matrix the NER model embeds with.
        decoder.weight = embeddings.weight
    del mlm
    return head, pretrained


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


def _encoder(model: PreTrainedModel) -> nn.Module:
    return getattr(model, model.base_model_prefix)


@torch.no_grad()
def eval_mlm_loss(
    encoder: nn.Module,
    head: nn.Module,
    batches: Sequence[MaskedBatch],
    runtime: Runtime | None = None,
) -> float:
    """Mean MLM loss over fixed masked batches (the same masks before and after), on
    the device the batches are on."""
    runtime = runtime or Runtime.of(encoder)
    was_training = encoder.training
    encoder.eval()
    head.eval()
    total, count = 0.0, 0
    for batch in batches:
        with runtime.autocast():
            loss = _mlm_loss(encoder, head, batch)
        total += float(loss) * len(batch.targets)
        count += len(batch.targets)
    encoder.train(was_training)
    head.train(was_training)
    return total / max(count, 1)


def _mlm_loss(encoder: nn.Module, head: nn.Module, batch: MaskedBatch) -> torch.Tensor:
    hidden = encoder(input_ids=batch.input_ids, attention_mask=batch.attention_mask)[0]
    picked = hidden[batch.positions[:, 0], batch.positions[:, 1]]  # (masked, hidden)
    logits = head(picked)
    return nn.functional.cross_entropy(logits.float(), batch.targets)


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
    from xner.train.finetune import set_seed

    runtime = (runtime or Runtime()).resolved()
    device = runtime.torch_device

    if tokenizer.mask_token_id is None:
        raise XnerError(f"backbone {backbone!r}: its tokenizer has no mask token; MLM needs one")
    sentences = list(sentences)[: args.max_sentences]
    sentences = [s for s in sentences if s.tokens]
    if not sentences:
        raise XnerError("adaptation: no unlabelled sentences with words to adapt on")
    set_seed(seed)
    encoder = _encoder(model)
    head, pretrained = mlm_head(model, backbone)
    model.to(device)
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
    loras: dict[str, LoraDelta] = {}
    hooks = []
    if args.method == "lora":
        for name, linear in _lora_targets(encoder, args.lora_targets).items():
            loras[name] = LoraDelta(linear, args.lora_r, args.lora_alpha).to(device)
            hooks.append(linear.register_forward_hook(loras[name].hook))
        trainable = [p for delta in loras.values() for p in delta.parameters()]
    else:
        tied = model.get_input_embeddings().weight
        for parameter in encoder.parameters():
            parameter.requires_grad = parameter is not tied
        trainable = [p for p in encoder.parameters() if p.requires_grad]
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
                    loss = _mlm_loss(encoder, head, inputs)
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
        for hook in hooks:
            hook.remove()

    tensors: dict[str, torch.Tensor]
    meta = {"method": args.method}
    if args.method == "lora":
        tensors = {}
        for name, delta in loras.items():
            tensors[f"{name}.A"] = delta.A.detach().clone().cpu().contiguous()
            tensors[f"{name}.B"] = delta.B.detach().clone().cpu().contiguous()
        scale = args.lora_alpha / args.lora_r
        meta["scale"] = repr(scale)
        merge_lora(encoder, tensors, scale)
    else:
        tensors = {}
        with torch.no_grad():
            for name, parameter in encoder.named_parameters():
                if parameter.requires_grad:
                    rounded = parameter.detach().half()
                    parameter.copy_(rounded.float())  # what the fp16 file will rebuild
                    tensors[name] = rounded.cpu().contiguous()
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
    encoder = _encoder(model)
    if meta.get("method") == "lora":
        merge_lora(encoder, tensors, float(meta["scale"]))
        return
    own = dict(encoder.named_parameters())
    with torch.no_grad():
        for name, tensor in tensors.items():
            if name not in own or own[name].shape != tensor.shape:
                raise XnerError(
                    f"{file}: {name} does not fit this backbone's encoder; the checkpoint "
                    "belongs to another backbone - fix config.json or retrain"
                )
            own[name].copy_(tensor.to(own[name].dtype))
