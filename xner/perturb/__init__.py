"""Label-preserving perturbations: declared kinds, composition, overlap statistics.

    from xner.perturb import perturb, kinds, PerturbResources
    out = perturb(sentences, "p1+p2", seed=0, resources=PerturbResources.for_pair("ar-fa"))

Every kind keeps tags aligned and valid IOB2 and records its edits; see `base` for the
driver, `spec` for the
contract and each module for the definitions.
"""

from xner.perturb.base import perturb
from xner.perturb.overlap import OverlapStats, overlap_stats
from xner.perturb.resources import PerturbResources
from xner.perturb.spec import (
    REGISTRY,
    Edit,
    Need,
    ParamSpec,
    PerturbationSpec,
    Perturbed,
    PerturbError,
    Preserves,
    Resource,
    default_excluded,
    get,
    kinds,
    register,
    resolve_steps,
)

__all__ = [
    "REGISTRY",
    "Edit",
    "Need",
    "OverlapStats",
    "ParamSpec",
    "PerturbError",
    "PerturbResources",
    "PerturbationSpec",
    "Perturbed",
    "Preserves",
    "Resource",
    "default_excluded",
    "get",
    "kinds",
    "overlap_stats",
    "perturb",
    "register",
    "resolve_steps",
]
