"""One declared colour per perturbation and per setting, and the order they are shown in:
every figure takes its colours from here, so a kind looks the same on every chart and
does not change colour when the selection changes.

Okabe-Ito-based (colour-blind safe) where there are enough; a readings' `@hrl` variant is
a lighter tint of its kind. Names not declared get a stable colour hashed from the name.
"""

from __future__ import annotations

import hashlib

from xner.analysis.reference import PAPER_KINDS, REFERENCE_PERTURBATIONS

# The paper's kinds first, then their controlled readings, then the other kinds.
PERTURBATION_ORDER: tuple[str, ...] = (
    *REFERENCE_PERTURBATIONS,
    *(f"{kind}@hrl" for kind in PAPER_KINDS),
    "random-entity",
    "names",
    "typos",
    "case",
    "type-swap",
    "concat",
    "mask",
    "mask-or-random",
)
PERTURBATION_COLORS: dict[str, str] = {
    "clean": "#595959",
    "p1": "#0072B2",
    "p2": "#009E73",
    "p1+p2": "#D55E00",
    "p1@hrl": "#7FB8D8",
    "p2@hrl": "#7FCEB9",
    "p1+p2@hrl": "#EAAE7F",
    "random-entity": "#CC79A7",
    "names": "#E69F00",
    "typos": "#56B4E9",
    "case": "#8C564B",
    "type-swap": "#BCBD22",
    "concat": "#17BECF",
    "mask": "#000000",
    "mask-or-random": "#9467BD",
}
# Kinds whose drops dwarf the others (the entity text is gone): a heatmap shows them on
# their own colour scale so they do not wash the rest out.
OWN_SCALE: frozenset[str] = frozenset({"mask", "mask-or-random"})

SETTING_ORDER: tuple[str, ...] = (
    "native",
    "transfer",
    "adapted-transfer",
    "self-training",
    "combined",
)
SETTING_COLORS: dict[str, str] = {
    "native": "#0072B2",
    "transfer": "#D55E00",
    "adapted-transfer": "#009E73",
    "self-training": "#CC79A7",
    "combined": "#E69F00",
}
SOURCE_COLORS: dict[str, str] = {"paper": "#7F7F7F", "xner": "#0072B2"}
# Seen vs unseen entity slices (Paul Tol's indigo and sand: apart from every setting).
SLICE_COLORS: dict[str, str] = {"seen": "#332288", "unseen": "#DDCC77"}
_EXTRA = ("#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#B279A2", "#FF9DA6")


def _hashed(name: str) -> str:
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=2).digest()
    return _EXTRA[int.from_bytes(digest, "big") % len(_EXTRA)]


def perturbation_color(name: str) -> str:
    return PERTURBATION_COLORS.get(name) or _hashed(name)


def setting_color(name: str) -> str:
    return SETTING_COLORS.get(name) or _hashed(name)


def perturbation_rank(name: str) -> tuple[int, str]:
    """Sort key: the declared order, undeclared kinds after it by name."""
    order = PERTURBATION_ORDER
    return (order.index(name), "") if name in order else (len(order), name)


def setting_rank(name: str) -> tuple[int, str]:
    return (SETTING_ORDER.index(name), "") if name in SETTING_ORDER else (len(SETTING_ORDER), name)
