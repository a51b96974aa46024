"""Full fine-tune weights stored as the rows training changed, over the rebuilt backbone.

A full fine-tune updates an embedding table only in the rows of the pieces its training
data holds (a Breton model sees a few hundred of scratch-char's 5,622 characters). The
other rows differ from the backbone's only by AdamW's weight decay, the same factor for
every element. So a table is stored as that factor (`<name>@scale`), the indices of the
rows that `half(backbone × factor)` does not reproduce bit for bit (`<name>@rows`) and
those rows (`<name>@values`). Decoding rebuilds the table exactly as it was saved; encoding
checks that before it keeps the short form, and keeps the whole tensor where the short form
is not at least a fifth smaller.

The backbone is rebuilt from a fixed recipe (xner.backbones), so the base is the same on
every machine; only the backbone's own weights are used as bases, never a fresh head.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from xner.errors import XnerError

SCALE, ROWS, VALUES = "@scale", "@rows", "@values"
PARTS = (SCALE, ROWS, VALUES)
MIN_SAVING = 0.2  # keep the short form only where it saves at least this share
_NEIGHBOURS = 16  # float32 steps searched either side of the fitted factor
_SAMPLE_ROWS = 8192


def _decayed(base: torch.Tensor, scale: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    return (base.float() * scale).to(dtype)


def _fit_scale(stored: torch.Tensor, base: torch.Tensor) -> torch.Tensor:
    """The factor that reproduces the most rows: the median element ratio, then the
    float32 neighbours around it (weight decay multiplies step by step, so the exact
    product can sit a few float32 steps away from any one estimate)."""
    step = max(1, len(base) // _SAMPLE_ROWS)  # a large table is judged on a sample
    stored, base = stored[::step], base[::step]
    sure = base.abs() > 1e-2
    if not bool(sure.any()):
        return torch.tensor(1.0)
    median = (stored.float()[sure] / base.float()[sure]).median()
    steps = torch.arange(-_NEIGHBOURS, _NEIGHBOURS + 1, dtype=torch.float32)
    candidates = torch.unique(median * (1 + steps * 2**-23))
    misses = [int((_decayed(base, c, stored.dtype) != stored).any(dim=1).sum()) for c in candidates]
    return candidates[misses.index(min(misses))].clone()


def encode(
    tensors: Mapping[str, torch.Tensor], bases: Mapping[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """`tensors` with each 2-D floating table that has a same-shaped base in `bases`
    replaced by its row delta, where that is lossless (checked) and worth it."""
    out: dict[str, torch.Tensor] = {}
    for name, tensor in tensors.items():
        base = bases.get(name)
        if (
            base is None
            or tensor.dim() != 2
            or not tensor.is_floating_point()
            or base.shape != tensor.shape
        ):
            out[name] = tensor
            continue
        scale = _fit_scale(tensor, base)
        changed = (_decayed(base, scale, tensor.dtype) != tensor).any(dim=1)
        rows = changed.nonzero().flatten().to(torch.int64)
        short = {
            name + SCALE: scale.reshape(()),
            name + ROWS: rows,
            name + VALUES: tensor[rows].contiguous(),
        }
        short_bytes = sum(t.numel() * t.element_size() for t in short.values())
        worth_it = short_bytes <= (1 - MIN_SAVING) * tensor.numel() * tensor.element_size()
        if worth_it and torch.equal(_rebuild(name, short, base), tensor):  # never lossy
            out.update(short)
        else:
            out[name] = tensor
    return out


def _rebuild(name: str, parts: Mapping[str, torch.Tensor], base: torch.Tensor) -> torch.Tensor:
    values = parts[name + VALUES]
    table = _decayed(base, parts[name + SCALE], values.dtype)
    table[parts[name + ROWS]] = values
    return table


def decode(
    stored: Mapping[str, torch.Tensor], bases: Mapping[str, torch.Tensor], source: str
) -> dict[str, torch.Tensor]:
    """The full tensors of an encoded state; `source` (the file) names any problem."""
    out = {name: t for name, t in stored.items() if not name.endswith(PARTS)}
    encoded = sorted({name[: -len(SCALE)] for name in stored if name.endswith(SCALE)})
    for name in encoded:
        missing = [name + part for part in PARTS if name + part not in stored]
        base = bases.get(name)
        if missing or base is None:
            why = f"lacks {missing}" if missing else "has no base in the backbone"
            raise XnerError(
                f"{source}: the row delta of {name} {why}; the weights file is damaged or "
                "belongs to another backbone - retrain the run"
            )
        rows, values = stored[name + ROWS], stored[name + VALUES]
        if values.dim() != 2 or values.shape[1:] != base.shape[1:] or len(rows) != len(values):
            raise XnerError(
                f"{source}: the row delta of {name} has {tuple(values.shape)} values for "
                f"{len(rows)} rows of a {tuple(base.shape)} table; retrain the run"
            )
        if len(rows) and (int(rows.min()) < 0 or int(rows.max()) >= base.shape[0]):
            raise XnerError(
                f"{source}: the row delta of {name} names rows outside the table's "
                f"{base.shape[0]}; retrain the run"
            )
        out[name] = _rebuild(name, stored, base)
    stray = sorted(n for n in stored if n.endswith(PARTS) and n.rsplit("@", 1)[0] not in out)
    if stray:
        raise XnerError(f"{source}: {stray[:3]} belong to no row delta; retrain the run")
    return out
