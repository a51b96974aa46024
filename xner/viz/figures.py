"""Plotly figures built from xner records."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from xner.reference import ReferenceResult

PERTURBATION_ORDER = ("clean", "p1", "p2", "p1+p2")


def reference_f1_figure(results: Sequence[ReferenceResult], model: str) -> go.Figure:
    """Published F1 per pair: one bar group per pair, a bar per setting × perturbation."""
    chosen = [result for result in results if result.model == model]
    pairs = sorted({r.pair_id for r in chosen}, key=lambda p: [r.pair_id for r in chosen].index(p))
    figure = go.Figure()
    for setting in ("native", "transfer"):
        for perturbation in PERTURBATION_ORDER:
            by_pair = {
                r.pair_id: r.f1
                for r in chosen
                if r.setting == setting and r.perturbation == perturbation
            }
            if not by_pair:
                continue
            figure.add_bar(
                name=f"{setting} · {perturbation}",
                x=[pair.replace("-", "→") for pair in pairs],
                y=[by_pair.get(pair) for pair in pairs],
            )
    figure.update_layout(
        barmode="group",
        yaxis_title="entity F1 (×100)",
        xaxis_title="pair (HRL→LRL)",
        legend_title="setting · test set",
        title=f"Published F1, {model} (Manafi & Krishnaswamy 2024)",
        margin={"t": 60, "b": 40},
    )
    return figure
