"""The masked-language-model objective of language adaptation: BERT masking, the MLM
head borrowed for the encoder, and its loss (at masked positions only)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
from torch import nn
from transformers import PreTrainedModel

from xner.errors import XnerError
from xner.train.encode import Window
from xner.train.runtime import Runtime

if TYPE_CHECKING:  # adapt imports this module
    from xner.train.adapt import AdaptArgs


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


def mlm_head(model: PreTrainedModel, backbone: str) -> tuple[nn.Module, bool]:
    """The MLM head for `model`'s encoder, decoder tied to its input embeddings, and
    whether it came pretrained (False: freshly initialised from the current seed)."""
    from transformers import AutoModelForMaskedLM
    from transformers.utils import logging as hf_logging

    from xner.backbones.api import backbone_path

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


def encoder_of(model: PreTrainedModel) -> nn.Module:
    """The encoder (base model) inside a token-classification model: what adapts."""
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
            loss = mlm_loss(encoder, head, batch)
        total += float(loss) * len(batch.targets)
        count += len(batch.targets)
    encoder.train(was_training)
    head.train(was_training)
    return total / max(count, 1)


def mlm_loss(encoder: nn.Module, head: nn.Module, batch: MaskedBatch) -> torch.Tensor:
    hidden = encoder(input_ids=batch.input_ids, attention_mask=batch.attention_mask)[0]
    picked = hidden[batch.positions[:, 0], batch.positions[:, 1]]  # (masked, hidden)
    logits = head(picked)
    return nn.functional.cross_entropy(logits.float(), batch.targets)
