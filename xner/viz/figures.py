"""Plotly figures built from xner records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from xner.analysis.reference import ReferenceResult
from xner.viz.palette import (
    PERTURBATION_ORDER,
    SLICE_COLORS,
    SOURCE_COLORS,
    perturbation_color,
    perturbation_rank,
    setting_color,
    setting_rank,
)

_F1_AXIS_TITLE = "entity F1 (×100)"
_MARGIN = {"t": 60, "b": 40}  # room for the title above and the axis labels below


def _grouped_bars(figure: go.Figure, title: str, legend_title: str, **axes: object) -> go.Figure:
    """`figure` with the layout every grouped bar chart here shares; `axes`: its axis
    titles and ranges, set in the order given."""
    figure.update_layout(
        barmode="group", title=title, **axes, legend_title=legend_title, margin=_MARGIN
    )
    return figure


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
        yaxis_title=_F1_AXIS_TITLE,
        xaxis_title="pair (HRL→LRL)",
        legend_title="setting · test set",
        title=f"Published F1, {model} (Manafi & Krishnaswamy 2024)",
        margin=_MARGIN,
    )
    return figure


# ---------------------------------------------------------------------------
# Figures over this project's results (tables from xner.analysis.table)


def _empty(title: str, message: str) -> go.Figure:
    """A figure that says why it is empty instead of showing blank axes."""
    figure = go.Figure()
    figure.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    figure.update_layout(title=title, xaxis={"visible": False}, yaxis={"visible": False})
    return figure


def drop_heatmap(
    matrix: pd.DataFrame,
    *,
    relative: bool = False,
    title: str = "",
    coverage: pd.DataFrame | None = None,
    not_perturbed: float = 0.01,
    significance: pd.DataFrame | None = None,
) -> go.Figure:
    """Pair · setting × perturbation heatmap of the F1 drop (clean - perturbed, in F1
    points ×100, or % of clean F1 when `relative`); red = worse, blue = better. With
    `coverage` (the share of sentences each perturbation changed, same layout), each
    cell shows it under the drop, and a cell below `not_perturbed` reads "not perturbed"
    on grey: its drop says nothing about robustness. With `significance` (the share of
    runs whose paired bootstrap calls the drop significant), a drop significant in every
    run is marked `*`."""
    title = title or ("Relative F1 drop" if relative else "F1 drop (clean − perturbed)")
    if matrix.empty:
        return _empty(title, "no perturbed evaluations for this choice")
    values = matrix.to_numpy(dtype=float) * 100
    unit = "% of clean F1" if relative else "F1 points"
    shares = (
        coverage.reindex(index=matrix.index, columns=matrix.columns).to_numpy(dtype=float)
        if coverage is not None and not coverage.empty
        else np.full(values.shape, np.nan)
    )
    sure = (
        significance.reindex(index=matrix.index, columns=matrix.columns).to_numpy(dtype=float)
        if significance is not None and not significance.empty
        else np.full(values.shape, np.nan)
    )
    text = []
    for row, share_row, sure_row in zip(values, shares, sure, strict=True):
        cells = []
        for v, share, certain in zip(row, share_row, sure_row, strict=True):
            star = "*" if certain == 1.0 else ""
            if np.isnan(v):
                cells.append("")
            elif np.isfinite(share) and share < not_perturbed:
                cells.append("not perturbed")
            elif np.isfinite(share):
                cells.append(f"{v:.1f}{star}<br><sub>{100 * share:.0f}% changed</sub>")
            else:
                cells.append(f"{v:.1f}{star}")
        text.append(cells)
    untouched = np.isfinite(shares) & (shares < not_perturbed)
    values = np.where(untouched, np.nan, values)
    limit = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    figure = go.Figure(
        go.Heatmap(
            z=values,
            x=[str(c) for c in matrix.columns],
            y=[str(i) for i in matrix.index],
            text=text,
            texttemplate="%{text}",
            colorscale="RdBu_r",
            zmid=0,
            zmin=-(limit or 1.0),
            zmax=limit or 1.0,
            colorbar={"title": unit},
            customdata=[
                [f"<br>sentences changed: {100 * c:.1f}%" if np.isfinite(c) else "" for c in row]
                for row in shares
            ],
            hovertemplate="%{y}<br>%{x}: %{z:.2f} " + unit + "%{customdata}<extra></extra>",
        )
    )
    figure.update_layout(plot_bgcolor="#d9d9d9")  # "not perturbed" cells show grey
    rows = [str(i) for i in matrix.index]
    figure.update_layout(
        height=160 + 34 * len(rows),  # every row readable, however many there are
        yaxis={"tickmode": "array", "tickvals": rows, "ticktext": rows, "automargin": True},
        xaxis={"side": "top", "automargin": True},
    )
    figure.update_traces(textfont={"size": 11})
    figure.update_layout(
        title=title,
        xaxis_title="perturbation",
        yaxis_title="pair · setting",
        yaxis={"autorange": "reversed"},
        margin=_MARGIN,
    )
    return figure


def type_f1_bars(scores: pd.DataFrame, *, title: str = "F1 per entity type") -> go.Figure:
    """Bars per entity type, one per test set (clean first), F1 ×100 with the bootstrap
    interval as error bars where the mode has one."""
    if scores.empty:
        return _empty(title, "no scores for this choice")
    figure = go.Figure()
    for perturbation, group in scores.groupby("perturbation", sort=False):
        f1 = group["f1"].to_numpy(dtype=float) * 100
        low = group["f1_low"].to_numpy(dtype=float) * 100
        high = group["f1_high"].to_numpy(dtype=float) * 100
        has_ci = bool(np.isfinite(low).any())
        figure.add_bar(
            name=str(perturbation),
            x=group["type"].tolist(),
            y=f1.tolist(),
            marker_color=perturbation_color(str(perturbation)),
            error_y=(
                {
                    "type": "data",
                    "symmetric": False,
                    "array": np.nan_to_num(high - f1).tolist(),
                    "arrayminus": np.nan_to_num(f1 - low).tolist(),
                }
                if has_ci
                else None
            ),
        )
    return _grouped_bars(
        figure, title, "test set", xaxis_title="entity type", yaxis_title=_F1_AXIS_TITLE
    )


LABELLED_POINTS = 12  # above this many points in a facet, pair names go to the hover only


def overlap_scatter(
    points: pd.DataFrame,
    reference: pd.DataFrame | None = None,
    *,
    relative: bool = False,
    overlap_source: str = "",
) -> go.Figure:
    """Drop against entity overlap, one facet per setting (declared order): this
    project's pairs coloured by perturbation (the declared palette), the paper's
    published points as hollow grey diamonds. Pair names sit beside the markers while a
    facet holds at most `LABELLED_POINTS` of ours, else they are in the hover, so labels
    never pile up."""
    unit = "relative F1 drop (% of clean)" if relative else "F1 drop (points ×100)"
    title = "F1 drop against entity overlap"
    has_ours = not points.empty
    has_paper = reference is not None and not reference.empty
    settings = sorted(
        set(points["setting"] if has_ours else [])
        | set(reference["setting"] if has_paper and reference is not None else []),
        key=setting_rank,
    )
    if not settings:
        return _empty(title, "no pair with both a drop and an entity overlap")
    figure = go.Figure()
    gap = 0.06
    width = (1 - gap * (len(settings) - 1)) / len(settings)
    shown: set[str] = set()

    def add_points(name: str, rows: pd.DataFrame, axis: str, **style: Any) -> None:
        """`rows`' overlap and drop (x100) in the facet of `axis`, one legend entry per name."""
        figure.add_scatter(
            name=name,
            legendgroup=name,
            showlegend=name not in shown,
            x=(rows["overlap"] * 100).tolist(),
            y=(rows["drop"] * 100).tolist(),
            xaxis=f"x{axis}",
            yaxis=f"y{axis}",
            **style,
        )
        shown.add(name)

    for index, setting in enumerate(settings):
        axis = "" if index == 0 else str(index + 1)
        ours = points[points["setting"] == setting] if has_ours else points
        labelled = len(ours) <= LABELLED_POINTS
        for perturbation, group in sorted(
            ours.groupby("perturbation"), key=lambda item: perturbation_rank(str(item[0]))
        ):
            add_points(
                f"xner · {perturbation}",
                group,
                axis,
                mode="markers+text" if labelled else "markers",
                text=[p.replace("-", "→") for p in group["pair"]],
                textposition="top center",
                hovertemplate=f"%{{text}} · {setting} · {perturbation}<br>overlap %{{x:.0f}}%,"
                " drop %{y:.1f}<extra>xner</extra>",
                marker={"size": 10, "color": perturbation_color(str(perturbation))},
            )
        if has_paper and reference is not None:
            published = reference[reference["setting"] == setting]
            if not published.empty:
                add_points(
                    "paper (published)",
                    published,
                    axis,
                    mode="markers",
                    text=[
                        f"{p.replace('-', '→')} {q} · {m}"
                        for p, q, m in zip(
                            published["pair"],
                            published["perturbation"],
                            published["model"],
                            strict=True,
                        )
                    ],
                    hovertemplate="%{text}<br>overlap %{x:.0f}%, drop %{y:.1f}<extra>paper</extra>",
                    marker={"size": 8, "symbol": "diamond-open", "color": SOURCE_COLORS["paper"]},
                )
        left = index * (width + gap)
        figure.layout[f"xaxis{axis}"] = {
            "domain": [left, left + width],
            "anchor": f"y{axis}",
            "title": {"text": f"{setting}: entity overlap %"},
        }
        figure.layout[f"yaxis{axis}"] = {
            "anchor": f"x{axis}",
            "matches": None if index == 0 else "y",
            "showticklabels": index == 0,
            **({"title": {"text": unit}} if index == 0 else {}),
        }
    figure.update_layout(
        title=f"{title} (overlap = % of LRL test entity tokens in HRL train{overlap_source})",
        legend_title="points",
        margin=_MARGIN,
        height=460,
    )
    return figure


def slice_bars(cells: pd.DataFrame, *, reference: str, test_set: str = "clean") -> go.Figure:
    """Strict F1 (×100) on test mentions seen in `reference`'s training data beside the
    unseen ones, one bar pair per cell (`xner.analysis.slicetable.slice_cells`), the
    bootstrap interval as error bars, counts on the bar and in the hover. A slice without any gold
    mention has no bar: its F1 would say nothing."""
    data = "the model's own training data" if reference == "own" else "the HRL training data"
    title = f"Strict F1 on entities seen vs unseen in {data} ({test_set})"
    if cells.empty:
        return _empty(title, "no slices for this choice (xner evaluate RUN --slices-only)")
    figure = go.Figure()
    order = list(dict.fromkeys(cells["cell"]))
    for seen, name in ((True, "seen"), (False, "unseen")):
        group = cells[cells["seen"] == seen].set_index("cell").reindex(order)
        gold = group["gold"].fillna(0).astype(int)
        has = gold > 0
        f1 = (group["f1"] * 100).where(has)
        low, high = (group["f1_low"] * 100).where(has), (group["f1_high"] * 100).where(has)
        figure.add_bar(
            name=name,
            x=order,
            y=[None if pd.isna(v) else float(v) for v in f1],
            marker_color=SLICE_COLORS[name],
            text=[f"{g}" if h else "no mentions" for g, h in zip(gold, has, strict=True)],
            textposition="outside",
            customdata=np.column_stack(
                [
                    gold,
                    group["predicted"].fillna(0).astype(int),
                    group["correct"].fillna(0).astype(int),
                    low.round(1),
                    high.round(1),
                    group["runs"].fillna(0).astype(int),
                ]
            ),
            hovertemplate="%{x} · "
            + name
            + "<br>F1 %{y:.1f} [%{customdata[3]}, %{customdata[4]}]"
            + "<br>gold %{customdata[0]}, predicted %{customdata[1]}, correct %{customdata[2]}"
            + "<br>runs (seeds): %{customdata[5]}<extra></extra>",
            error_y={
                "type": "data",
                "symmetric": False,
                "array": np.nan_to_num(high - f1).tolist(),
                "arrayminus": np.nan_to_num(f1 - low).tolist(),
            },
        )
    return _grouped_bars(
        figure,
        title,
        "test mentions",
        yaxis_title="strict F1 (×100)",
        yaxis_range=[0, 110],
        xaxis_title="pair · setting (number on a bar: gold mentions, summed over seeds)",
    )


def headline_figure(rows: pd.DataFrame) -> go.Figure:
    """Overview headline from this project's runs: strict micro F1 ×100 per pair, a bar
    per backbone · setting · clean/perturbed (perturbed = mean over the kinds run)."""
    title = "This project's runs: clean vs perturbed F1 (strict, micro, mean over seeds)"
    if rows.empty:
        return _empty(title, "no evaluated runs")
    pairs = list(dict.fromkeys(rows["pair"]))
    figure = go.Figure()
    for (backbone, setting), group in rows.groupby(["backbone", "setting"], sort=True):
        by_pair = group.set_index("pair")
        for column, pattern in (("clean", ""), ("perturbed", "/")):
            values = [by_pair[column].get(p) if p in by_pair.index else None for p in pairs]
            values = [None if v is None or pd.isna(v) else 100 * float(v) for v in values]
            if all(v is None for v in values):
                continue
            figure.add_bar(
                name=f"{backbone} · {setting} · {column}",
                x=[p.replace("-", "→") for p in pairs],
                y=values,
                marker={"color": setting_color(str(setting)), "pattern_shape": pattern},
            )
    return _grouped_bars(
        figure,
        title,
        "backbone · setting · test set",
        yaxis_title=_F1_AXIS_TITLE,
        xaxis_title="pair (HRL→LRL)",
    )


def reference_comparison_figure(rows: pd.DataFrame, *, setting: str) -> go.Figure:
    """Grouped bars per pair × perturbation: the paper's published F1 beside this
    project's, every trace named by source, model and split."""
    title = f"Published vs this project's F1, {setting}"
    chosen = rows[rows["setting"] == setting] if not rows.empty else rows
    if chosen.empty:
        return _empty(title, "no numbers for this setting")
    figure = go.Figure()
    order = {p: i for i, p in enumerate(PERTURBATION_ORDER)}
    cells = sorted(
        {(p, q) for p, q in zip(chosen["pair"], chosen["perturbation"], strict=True)},
        key=lambda c: (list(dict.fromkeys(chosen["pair"])).index(c[0]), order.get(c[1], 9)),
    )
    models = sorted(set(chosen["model"]))
    for (source, model), group in chosen.groupby(["source", "model"], sort=True):
        values = {
            (p, q): f
            for p, q, f in zip(group["pair"], group["perturbation"], group["f1"], strict=True)
        }
        label = "paper (published)" if source == "paper" else "xner (this project)"
        figure.add_bar(
            name=f"{label} · {model}",
            x=[[c[0].replace("-", "→") for c in cells], [c[1] for c in cells]],
            y=[values.get(c) for c in cells],
            marker={
                "color": SOURCE_COLORS.get(str(source), "#333333"),
                "pattern_shape": ("", "/", ".", "x")[models.index(model) % 4],
            },
        )
    return _grouped_bars(
        figure, title, "source · model", yaxis_title=_F1_AXIS_TITLE, xaxis_title="pair · test set"
    )


def figure_html(figure: go.Figure) -> str:
    """A standalone HTML file of the figure with plotly.js inlined, so it opens offline."""
    return figure.to_html(include_plotlyjs=True, full_html=True)
