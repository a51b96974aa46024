"""Label-preserving perturbations: declared kinds, composition, overlap statistics.

    from xner.perturb import perturb, kinds, Resources
    out = perturb(sentences, "p1+p2", seed=0, resources=Resources.for_pair("ar-fa"))

Every kind keeps tags aligned and valid IOB2 and records its edits; see `base` for the
contract and each module for the definitions.
"""

from xner.perturb.base import (
    REGISTRY,
    Edit,
    Need,
    ParamSpec,
    PerturbationSpec,
    Perturbed,
    PerturbError,
    Preserves,
    Resource,
    get,
    kinds,
    perturb,
    register,
    resolve_steps,
)
from xner.perturb.overlap import OverlapStats, overlap_stats
from xner.perturb.resources import Resources

__all__ = [
    "REGISTRY",
    "Edit",
    "Need",
    "OverlapStats",
    "ParamSpec",
    "PerturbError",
    "PerturbationSpec",
    "Perturbed",
    "Preserves",
    "Resource",
    "Resources",
    "get",
    "kinds",
    "overlap_stats",
    "perturb",
    "register",
    "resolve_steps",
]
