"""Figures as pure functions: traces, axes and values, without Streamlit."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from xner.analysis.reference import reference_results
from xner.viz.figures import (
    drop_heatmap,
    figure_html,
    headline_figure,
    overlap_scatter,
    reference_comparison_figure,
    reference_f1_figure,
    type_f1_bars,
)


def test_reference_f1_figure_keeps_its_bars() -> None:
    figure = reference_f1_figure(reference_results(), "xlm-roberta-base")
    assert len(figure.data) == 8 and figure.data[0].x[0] == "fr→br"


def test_drop_heatmap_values_and_colour_centre() -> None:
    matrix = pd.DataFrame(
        {"p1": [0.2, -0.05], "mask": [0.1, float("nan")]}, index=["ar→fa · transfer", "x · y"]
    )
    figure = drop_heatmap(matrix)
    heat = figure.data[0]
    assert list(heat.x) == ["p1", "mask"] and list(heat.y) == ["ar→fa · transfer", "x · y"]
    assert heat.z[0][0] == pytest.approx(20.0) and math.isnan(heat.z[1][1])
    assert heat.zmid == 0 and heat.zmax == pytest.approx(20.0)
    assert heat.text[1][1] == "" and heat.text[0][1] == "10.0"
    assert "points" in heat.colorbar.title.text
    assert "%" in drop_heatmap(matrix, relative=True).data[0].colorbar.title.text
    assert drop_heatmap(pd.DataFrame()).layout.annotations[0].text.startswith("no perturbed")


def test_type_bars_have_error_bars_only_with_intervals() -> None:
    scores = pd.DataFrame(
        {
            "type": ["LOC", "PER", "LOC", "PER"],
            "perturbation": ["clean", "clean", "p1", "p1"],
            "f1": [0.8, 0.6, 0.5, 0.4],
            "f1_low": [0.7, 0.5, float("nan"), float("nan")],
            "f1_high": [0.9, 0.65, float("nan"), float("nan")],
        }
    )
    figure = type_f1_bars(scores)
    assert [trace.name for trace in figure.data] == ["clean", "p1"]
    clean, p1 = figure.data
    assert list(clean.y) == pytest.approx([80.0, 60.0])
    assert list(clean.error_y.array) == pytest.approx([10.0, 5.0])
    assert list(clean.error_y.arrayminus) == pytest.approx([10.0, 10.0])
    assert p1.error_y.array is None
    assert figure.layout.yaxis.title.text == "entity F1 (×100)"


def test_overlap_scatter_labels_ours_and_the_papers_points() -> None:
    points = pd.DataFrame(
        {
            "pair": ["ar-fa", "es-ca"],
            "setting": ["transfer", "transfer"],
            "perturbation": ["p1", "p1"],
            "drop": [0.1, 0.3],
            "overlap": [0.2, 0.6],
            "n_runs": [1, 2],
        }
    )
    reference = pd.DataFrame(
        {
            "model": ["xlm-roberta-base"],
            "pair": ["fr-br"],
            "setting": ["native"],
            "perturbation": ["p2"],
            "drop": [0.05],
            "overlap": [0.23],
        }
    )
    figure = overlap_scatter(points, reference)
    paper, ours = figure.data  # one facet per setting, in declared order: native, transfer
    assert ours.name == "xner · p1" and list(ours.text) == ["ar→fa", "es→ca"]
    assert ours.mode == "markers+text" and ours.xaxis == "x2"
    assert list(ours.x) == pytest.approx([20.0, 60.0]) and list(ours.y) == pytest.approx([10, 30])
    assert paper.name.startswith("paper (published)") and paper.marker.symbol == "diamond-open"
    assert list(paper.y) == pytest.approx([5.0]) and paper.xaxis == "x"
    assert figure.layout.xaxis.title.text.startswith("native")
    assert figure.layout.xaxis2.title.text.startswith("transfer")
    assert overlap_scatter(points.iloc[0:0]).layout.annotations
    # a crowded facet keeps its pair names in the hover only
    crowded = pd.concat([points] * 7, ignore_index=True)
    assert overlap_scatter(crowded).data[0].mode == "markers"


def test_headline_and_comparison_figures() -> None:
    rows = pd.DataFrame(
        {
            "backbone": ["tiny", "tiny"],
            "pair": ["ar-fa", "ar-fa"],
            "setting": ["native", "transfer"],
            "clean": [0.9, 0.5],
            "perturbed": [0.7, float("nan")],
            "n_perturbations": [2, 0],
        }
    )
    figure = headline_figure(rows)
    names = [trace.name for trace in figure.data]
    assert names == [
        "tiny · native · clean",
        "tiny · native · perturbed",
        "tiny · transfer · clean",
    ]
    assert list(figure.data[1].y) == pytest.approx([70.0])
    comparison = pd.DataFrame(
        {
            "pair": ["ar-fa", "ar-fa", "ar-fa"],
            "setting": ["transfer"] * 3,
            "perturbation": ["clean", "p1", "clean"],
            "source": ["paper", "paper", "xner"],
            "model": ["xlm-roberta-base", "xlm-roberta-base", "tiny"],
            "f1": [43.6, 43.6, 0.35],
        }
    )
    figure = reference_comparison_figure(comparison, setting="transfer")
    paper, ours = figure.data
    assert paper.name == "paper (published) · xlm-roberta-base"
    assert ours.name == "xner (this project) · tiny"
    assert list(ours.y) == [0.35, None]
    assert reference_comparison_figure(comparison, setting="native").layout.annotations
    html = figure_html(figure)
    assert "<html>" in html and "xner (this project)" in html
    assert len(html) > 1_000_000  # plotly.js inlined: the file opens offline


def test_drop_heatmap_shows_coverage_and_marks_what_was_not_perturbed() -> None:
    matrix = pd.DataFrame({"p1": [0.10, 0.0], "p1@hrl": [0.02, 0.001]}, index=["a", "b"])
    shares = pd.DataFrame({"p1": [0.6, 0.4], "p1@hrl": [0.2, 0.0]}, index=["a", "b"])
    figure = drop_heatmap(matrix, coverage=shares)
    text = figure.data[0].text
    assert text[0][0] == "10.0<br><sub>60% changed</sub>"
    assert text[1][1] == "not perturbed"
    assert np.isnan(figure.data[0].z[1][1])  # greyed, not coloured as "robust"
    assert "sentences changed: 60.0%" in figure.data[0].customdata[0][0]


def test_every_figure_takes_its_colours_from_the_declared_palette() -> None:
    from xner.viz.figures import headline_figure, overlap_scatter, slice_bars, type_f1_bars
    from xner.viz.palette import PERTURBATION_COLORS, SETTING_COLORS, SLICE_COLORS

    scores = pd.DataFrame(
        {
            "perturbation": ["clean", "p1", "typos"],
            "type": ["PER"] * 3,
            "f1": [0.8, 0.6, 0.7],
            "f1_low": [np.nan] * 3,
            "f1_high": [np.nan] * 3,
        }
    )
    bars = type_f1_bars(scores)
    assert [t.marker.color for t in bars.data] == [
        PERTURBATION_COLORS[k] for k in ("clean", "p1", "typos")
    ]
    # the same kind keeps its colour when the selection changes
    assert type_f1_bars(scores.iloc[1:]).data[0].marker.color == PERTURBATION_COLORS["p1"]
    points = pd.DataFrame(
        {
            "pair": ["ar-fa", "ar-fa"],
            "setting": ["native", "transfer"],
            "perturbation": ["p1", "p1"],
            "overlap": [0.2, 0.2],
            "drop": [0.1, 0.05],
        }
    )
    scatter = overlap_scatter(points.assign(perturbation=["p1", "typos"]))
    assert [t.marker.color for t in scatter.data] == [
        PERTURBATION_COLORS["p1"],
        PERTURBATION_COLORS["typos"],
    ]
    rows = pd.DataFrame(
        {
            "backbone": ["e5", "e5"],
            "setting": ["native", "transfer"],
            "pair": ["ar-fa", "ar-fa"],
            "clean": [0.8, 0.6],
            "perturbed": [0.7, 0.5],
        }
    )
    colours = {t.marker.color for t in headline_figure(rows).data}
    assert colours == {SETTING_COLORS["native"], SETTING_COLORS["transfer"]}
    cells = pd.DataFrame(
        {
            "cell": ["ar→fa · native"] * 2,
            "seen": [True, False],
            "f1": [0.9, 0.8],
            "f1_low": [0.85, 0.75],
            "f1_high": [0.95, 0.85],
            "gold": [10, 0],
            "predicted": [9, 2],
            "correct": [8, 0],
            "runs": [1, 1],
        }
    )
    sliced = slice_bars(cells, reference="own")
    assert [t.marker.color for t in sliced.data] == [SLICE_COLORS["seen"], SLICE_COLORS["unseen"]]
    # in points, the interval as error bars; a slice without gold mentions has no bar
    assert sliced.data[0].y[0] == pytest.approx(90.0)
    assert sliced.data[0].error_y.array[0] == pytest.approx(5.0)
    assert sliced.data[1].y[0] is None and sliced.data[1].text[0] == "no mentions"


def test_drop_heatmap_marks_drops_significant_in_every_run() -> None:
    matrix = pd.DataFrame({"p1": [0.10, 0.02]}, index=["a", "b"])
    sure = pd.DataFrame({"p1": [1.0, 0.5]}, index=["a", "b"])
    text = drop_heatmap(matrix, significance=sure).data[0].text
    assert text[0][0] == "10.0*" and text[1][0] == "2.0"
