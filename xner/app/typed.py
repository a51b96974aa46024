"""Perturbing one typed sentence with the parameters a reader chose in the Playground.

`xner.explore.perturb_text` perturbs with the declared defaults; this is the same call
with the reader's parameters on top. (To fold into `perturb_text` as a `params`
argument once that module is free to change.)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from xner.data.tags import repair_iob2
from xner.explore import needs_reference, text_sentence
from xner.perturb import Perturbed, PerturbError, Resources, get, perturb, resolve_steps
from xner.perturb.base import Resource

# Parameters the Playground sets from the checkpoint rather than by hand: a typed
# sentence is a test set of one, so p1 draws replacements from the LRL training data,
# and p2 reads words with the checkpoint's own backbone.
FIXED = ("pool", "backbone")


def fixed_params(kind: str, backbone: str | None) -> dict[str, Any]:
    declared = {p.name for step in resolve_steps(kind) for p in get(step).params}
    fixed: dict[str, Any] = {}
    if "pool" in declared:
        fixed["pool"] = "lrl-train"
    if "backbone" in declared and backbone:
        fixed["backbone"] = backbone
    return fixed


def perturb_typed(
    tokens: Sequence[str],
    tags: Sequence[str],
    kind: str,
    params: Mapping[str, Any],
    *,
    seed: int,
    resources: Resources,
    lang: str,
    backbone: str | None,
) -> Perturbed:
    """`kind` with `params` (the reader's, `FIXED` ones excepted) on one typed sentence,
    around the model's own tags (read as conlleval does: a stray I- opens an entity).
    Raises `PerturbError` with the reason when the kind needs what `resources` lack."""
    sentence = text_sentence(tokens, repair_iob2(tags)[0], lang=lang)
    if needs_reference(kind) and not resources.has(Resource.HRL_TRAIN):
        raise PerturbError(
            f"{kind} replaces what the model's training data has seen, so it needs the "
            "checkpoint pair's training data in the local data directory"
        )
    chosen = {k: v for k, v in params.items() if k not in FIXED}
    everything = {**chosen, **fixed_params(kind, backbone or resources.backbone)}
    return perturb([sentence], kind, seed=seed, resources=resources, params=everything)[0]
