"""The findings (`xner.analysis.findings`) in words for people: the clauses their answers
are built from, the answer in three plain sentences for the Overview page, and the
Markdown list the README carries (`xner findings --markdown`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from xner.analysis.findings_stats import both_settings, paper_drops, seed_spread
from xner.analysis.reference import PAPER_KINDS

if TYPE_CHECKING:  # the findings build their answers from the clauses here
    from xner.analysis.findings import Finding, FindingSpec


def readings_clause(scores: pd.DataFrame, first: str, second: str, pairs: pd.Index) -> str:
    """' On the paper's kinds: ... (own) ...; ... (hrl).' for two settings, or ''."""
    parts = []
    for reading, label in (
        ("own", "against each model's own training data, as the paper"),
        ("hrl", "against the HRL training data, the same test set for both"),
    ):
        matrix = both_settings(paper_drops(scores, reading), first, second).reindex(pairs).dropna()
        if not matrix.empty:
            parts.append(
                f"{first} {matrix[first].mean():.1f} vs {second} {matrix[second].mean():.1f} "
                f"points {label}"
            )
    kinds = ", ".join(PAPER_KINDS)
    return f" On the paper's kinds ({kinds}): {'; '.join(parts)}." if parts else ""


def extreme_clause(series: pd.Series, pick: str) -> str:
    """`+3.1 (es→ca)`: the largest or smallest value of a per-pair series, and its pair."""
    index = series.idxmax() if pick == "max" else series.idxmin()
    return f"{series[index]:+.1f} ({index.replace('-', '→')})"


def noise_clause(table: pd.DataFrame, backbone: str | None, change: float) -> str:
    """Whether a mean `change` (points) is within or beyond the seed-to-seed spread."""
    spread, runs = seed_spread(table, backbone)
    if not runs:
        return " Every run has one seed, so seed-to-seed noise is unknown."
    side = "within" if abs(change) <= spread else "beyond"
    return (
        f" Between seeds the same pair and setting differ by {spread:.1f} points on average "
        f"({runs} pair × settings with 2+ seeds), so a mean change of {change:+.1f} is "
        f"{side} seed noise."
    )


def summary_sentences(answered: Sequence[tuple[FindingSpec, Finding | None]]) -> list[str]:
    """The answer in (up to) three plain sentences for a newcomer, from the findings'
    tables: clean native vs transfer, the paper's perturbations read both ways, overlap."""
    found = {spec.name: finding for spec, finding in answered if finding is not None}
    out: list[str] = []
    if (clean := found.get("native-vs-transfer")) is not None:
        t = clean.table
        out.append(
            f"Trained on the target language itself, a model beats one transferred from the "
            f"related high-resource language in {int((t['gap'] > 0).sum())} of {len(t)} "
            f"pairs ({t['native'].mean():.1f} vs {t['transfer'].mean():.1f} F1)."
        )
    if (paper := found.get("paper-perturbations")) is not None:
        t = paper.table.set_index(["kind", "reading", "setting"])["drop"]

        def drop(reading: str, setting: str) -> float:
            key = ("p1+p2", reading, setting)
            return float(t[key]) if key in t.index else math.nan

        # Only a comparison both settings have: a missing number is left out, never "nan".
        if math.isfinite(drop("own", "native")) and math.isfinite(drop("own", "transfer")):
            sentence = (
                "Replacing the entities and context words a model saw in training (the "
                f"paper's p1+p2) costs native models {drop('own', 'native'):.1f} F1 points "
                f"and transfer models {drop('own', 'transfer'):.1f}"
            )
            if math.isfinite(drop("hrl", "native")) and math.isfinite(drop("hrl", "transfer")):
                sentence += (
                    "; replacing what the high-resource training data holds, the same for "
                    f"both, costs {drop('hrl', 'native'):.1f} vs {drop('hrl', 'transfer'):.1f}"
                )
            out.append(sentence + ".")
    if (overlap := found.get("drop-vs-overlap")) is not None:
        rho = overlap.table.attrs.get("spearman", {}).get("p1", math.nan)
        trend = "rises" if rho >= 0.5 else ("falls" if rho <= -0.5 else "shows no clear trend")
        out.append(
            f"Across {overlap.n_pairs} pairs, the transfer model's loss under p1 {trend} "
            f"with how many entity words the two languages share (Spearman ρ = {rho:+.2f})."
        )
    return out


def findings_markdown(answered: Sequence[tuple[FindingSpec, Finding | None]]) -> str:
    """The answers as a Markdown list (for the README; `xner findings --markdown`)."""
    lines = []
    for spec, finding in answered:
        answer = finding.answer if finding else f"Not answered: needs {spec.needs}."
        lines.append(f"- **{spec.question}** {answer}")
    return "\n".join(lines) + "\n"
