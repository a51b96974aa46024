"""The numbers the findings (`xner.analysis.findings`) are made of: strict micro scores in
points, pair × setting matrices of clean F1 and of drops, seed-to-seed noise and Spearman's
rank correlation with a bootstrap interval.

Kept apart from the questions so each question reads as its sentence, and these pieces
can be tested on their own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from xner.analysis.reference import PAPER_KINDS
from xner.analysis.views import reading_of
from xner.evaluate.metrics import HEADLINE
from xner.runs.layout import CLEAN


def micro_rows(table: pd.DataFrame, backbone: str | None = None) -> pd.DataFrame:
    """The strict micro rows (of one backbone, when given): what every finding reads."""
    rows = table[(table["mode"] == HEADLINE) & (table["type"] == "micro")]
    return rows if backbone is None else rows[rows["backbone"] == backbone]


def micro_scores(table: pd.DataFrame, backbone: str | None = None) -> pd.DataFrame:
    """Strict micro rows, F1 and drop in points, mean over seeds per backbone × pair ×
    setting × perturbation."""
    rows = micro_rows(table, backbone)
    if rows.empty:
        return pd.DataFrame(
            columns=["backbone", "pair", "setting", "perturbation", "f1", "drop", "drop_rel"]
        )
    keys = ["backbone", "pair", "setting", "perturbation"]
    out = rows.groupby(keys, sort=True).agg(
        f1=("f1", "mean"), drop=("drop", "mean"), drop_rel=("drop_rel", "mean")
    )
    out["f1"] *= 100
    out["drop"] *= 100
    return out.reset_index()


def clean_matrix(scores: pd.DataFrame) -> pd.DataFrame:
    """pair × setting matrix of clean F1."""
    clean = scores[scores["perturbation"] == CLEAN]
    return clean.pivot_table(index="pair", columns="setting", values="f1", aggfunc="mean")


def drop_means(scores: pd.DataFrame, value: str = "drop") -> pd.DataFrame:
    """pair × setting matrix of the mean drop over the perturbation kinds (each once: the
    paper's kinds in their own reading)."""
    noisy = scores[once_per_kind(scores["perturbation"])]
    return noisy.pivot_table(index="pair", columns="setting", values=value, aggfunc="mean")


def once_per_kind(perturbations: pd.Series) -> pd.Series:
    """True for the perturbed sets a mean over kinds takes: not clean, not `@hrl`."""
    readings = {p: reading_of(str(p)) for p in perturbations.unique()}
    return (perturbations != CLEAN) & perturbations.map(lambda p: readings[p] != "hrl")


def paper_drops(scores: pd.DataFrame, reading: str) -> pd.DataFrame:
    """pair × setting matrix of the mean drop over the paper's kinds read as `reading`."""
    names = [k if reading == "own" else f"{k}@{reading}" for k in PAPER_KINDS]
    chosen = scores[scores["perturbation"].isin(names)]
    return chosen.pivot_table(index="pair", columns="setting", values="drop", aggfunc="mean")


def on_shared_seeds(table: pd.DataFrame, first: str, second: str) -> pd.DataFrame:
    """The rows of settings `first` and `second`, each backbone × pair kept to the seeds
    both were run with: a setting run on seed 1 only is set against the other's seed 1,
    not against a mean that another seed's luck moved."""
    chosen = table[table["setting"].isin([first, second])]
    keys = ["backbone", "pair", "seed"]
    settings = chosen.groupby(keys)["setting"].nunique()
    both = settings[settings == 2].index
    return chosen[pd.MultiIndex.from_frame(chosen[keys]).isin(both)]


def both_settings(matrix: pd.DataFrame, first: str, second: str) -> pd.DataFrame:
    """The rows of a pair × setting matrix that have both settings (an empty frame when
    the matrix lacks one)."""
    if first not in matrix or second not in matrix:
        return pd.DataFrame(columns=[first, second])
    return matrix[[first, second]].dropna()


def seed_spread(table: pd.DataFrame, backbone: str | None) -> tuple[float, int]:
    """Mean seed-to-seed range of clean F1 (points) over the pair × settings run with
    2+ seeds, and how many there are: the noise floor a change must clear."""
    rows = micro_rows(table, backbone)
    rows = rows[rows["perturbation"] == CLEAN]
    per_seed = rows.groupby(["pair", "setting", "seed"])["f1"].mean() * 100
    ranges = per_seed.groupby(["pair", "setting"]).agg(["max", "min", "count"])
    ranges = ranges[ranges["count"] >= 2]
    if ranges.empty:
        return math.nan, 0
    return float((ranges["max"] - ranges["min"]).mean()), len(ranges)


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rank correlation (average ranks for ties); NaN below 3 points."""
    if len(x) < 3:
        return math.nan
    ranks = pd.DataFrame({"x": list(x), "y": list(y)}).rank()
    value = ranks["x"].corr(ranks["y"])
    return float(value) if value == value else math.nan


def spearman_interval(
    x: Sequence[float], y: Sequence[float], *, n_resamples: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """A 95% percentile bootstrap interval of Spearman's ρ, resampling the points (pairs)
    with replacement, all resamples at once; resamples whose ranks do not vary (ρ
    undefined) are skipped."""
    import numpy as np
    from scipy.stats import rankdata

    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(xs) < 3:
        return math.nan, math.nan
    index = np.random.default_rng(seed).integers(0, len(xs), (n_resamples, len(xs)))
    rx = rankdata(xs[index], axis=1)  # average ranks for ties, as `spearman`
    ry = rankdata(ys[index], axis=1)
    rx -= rx.mean(axis=1, keepdims=True)
    ry -= ry.mean(axis=1, keepdims=True)
    scale = np.sqrt((rx**2).sum(axis=1) * (ry**2).sum(axis=1))
    valid = scale > 0
    if not valid.any():
        return math.nan, math.nan
    rho = (rx * ry).sum(axis=1)[valid] / scale[valid]
    low, high = np.percentile(rho, [2.5, 97.5])
    return float(low), float(high)
