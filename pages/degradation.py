"""Degradation browser: how much F1 each perturbation costs, by pair, setting and type."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from xner.analysis.overlap import local_overlaps
from xner.analysis.reference import reference_drops, reference_overlaps
from xner.analysis.slicetable import load_slices, slice_cells
from xner.analysis.table import (
    NO_RUNS_HELP,
    NOT_PERTURBED,
    aggregate_seeds,
    filter_results,
    in_points,
    load_results_with_report,
    main_split,
    options,
    results_signature,
    to_csv,
)
from xner.analysis.views import (
    READINGS,
    coverage_matrix,
    drop_matrix,
    in_reading,
    main_backbone,
    overlap_points,
    provenance,
    type_scores,
)
from xner.app.controls import choose, one_split
from xner.config import data_dir, models_dir
from xner.evaluate.metrics import MODES
from xner.runs.layout import CLEAN
from xner.viz.figures import (
    drop_heatmap,
    figure_html,
    overlap_scatter,
    slice_bars,
    type_f1_bars,
)
from xner.viz.palette import OWN_SCALE, setting_rank

SLICE_READINGS = {"own": "the model's own training data", "hrl": "the HRL training data"}


@st.cache_data(show_spinner="Reading evaluations…")
def cached_results(directory: str, signature: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
    # `signature` (paths, mtimes, sizes) is the key: a new evaluation invalidates it.
    table, report = load_results_with_report(directory)
    return table, report.problems


@st.cache_data(show_spinner="Reading seen/unseen slices…")
def cached_slices(directory: str, signature: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
    return load_slices(directory)


@st.cache_data(show_spinner="Computing entity overlap from the local data…")
def cached_local_overlaps(
    pairs: tuple[str, ...], directory: str, split: str
) -> dict[str, float | None]:
    return local_overlaps(pairs, directory, split)


def download_figure(figure: go.Figure, name: str, key: str) -> None:
    # A callable defers the multi-megabyte HTML (plotly.js inlined, so it opens offline)
    # to the click instead of every rerun.
    st.download_button(
        "Download figure (HTML)",
        data=lambda: figure_html(figure),
        file_name=f"{name}.html",
        mime="text/html",
        key=key,
        on_click="ignore",
    )


st.title("Degradation browser")
st.caption(
    "Drop = clean F1 − perturbed F1 of the same run on the same sentences (positive = the "
    "perturbation hurts). Intervals are paired bootstrap intervals stored with each "
    "evaluation (strict and conlleval modes); other modes show point drops."
)
with st.sidebar:
    runs_dir = st.text_input(
        "Models folder", value=str(models_dir()), help="Set XNER_MODELS_DIR to change the default"
    )
if not Path(runs_dir).is_dir():
    st.warning(f"`{runs_dir}` is not a folder. {NO_RUNS_HELP}")
    st.stop()
signature = results_signature(runs_dir)  # once per rerun: it stats every evaluation file
table, problems = cached_results(runs_dir, signature)
for problem in problems:
    st.warning(problem)
if table.empty:
    st.info(f"No evaluated runs in `{runs_dir}`. {NO_RUNS_HELP}")
    st.stop()
if not (table["perturbation"] != CLEAN).any():
    st.info(
        "These runs were evaluated on clean test sets only. Add perturbations to the grid "
        "(`perturbations: [p1, p2, p1+p2]`) and run it again: `xner grid <config>` evaluates "
        "finished runs without retraining."
    )
    st.stop()

table = one_split(table)
st.caption(f"What produced these results: {provenance(table)}")

left, middle, right = st.columns(3)
main = main_backbone(table)
backbones = left.multiselect(
    "Backbones",
    options(table, "backbone"),
    default=[main] if main else None,
    key="backbones",
    help="One backbone by default: drops of different backbones are never averaged "
    "together (pick several and they are shown side by side).",
)
pairs = middle.multiselect("Pairs", options(table, "pair"), default=None, key="pairs")
settings = right.multiselect("Settings", options(table, "setting"), default=None, key="settings")
reading = st.radio(
    "p1 / p2 measured against",
    [*READINGS, "both"],
    horizontal=True,
    key="reading",
    format_func=lambda r: {"own": "own training data (paper)", "hrl": "HRL training data"}.get(
        r, "both readings"
    ),
    help="\n".join(f"- **{name}**: {text}" for name, text in READINGS.items())
    + "\n- **both**: p1, p2, p1+p2 (own) beside p1@hrl, p2@hrl, p1+p2@hrl",
)
perturbed_kinds = in_reading(
    [p for p in options(table, "perturbation") if p != CLEAN],
    None if reading == "both" else reading,
)
perturbations = left.multiselect(
    "Perturbations",
    perturbed_kinds,
    default=perturbed_kinds,
    key=f"perturbations-{reading}",  # another reading: its own kinds, all selected
)
# The modes these runs were scored in (the headline first), described as declared.
mode = choose("Metric mode", MODES, options(table, "mode"), order=False, where=middle, key="mode")
relative = right.radio("Drop", ["absolute", "relative"], horizontal=True, key="drop") == "relative"
compare = st.radio(
    "Side by side", ["none", "two backbones", "two settings"], horizontal=True, key="compare"
)
if len(set(backbones or options(table, "backbone"))) > 1 and compare != "two backbones":
    st.caption("Several backbones are selected: they are shown side by side, never averaged.")
    compare = "two backbones"

chosen = filter_results(
    table,
    backbones=backbones or None,
    pairs=pairs or None,
    settings=settings or None,
    perturbations=[CLEAN, *perturbations],
    modes=[mode],
)
if not perturbations or chosen.empty:
    st.info("Nothing matches this choice: select at least one perturbation, or clear a filter.")
    st.stop()

column_name = {"two backbones": "backbone", "two settings": "setting"}.get(compare)
if column_name:
    values = sorted(options(chosen, column_name), key=setting_rank)[:2]  # native, transfer
    if len(values) < 2:
        st.info(f"Only one {column_name} in this choice; showing it alone.")
        panels = [("", chosen)]
    else:
        panels = [(v, chosen[chosen[column_name] == v]) for v in values]
else:
    panels = [("", chosen)]

st.subheader("F1 drop by pair and perturbation")
st.caption(
    "`*`: the paired bootstrap calls the drop significant in every run averaged there. "
    "Under each drop: the share of test sentences the perturbation changed. A set with "
    f"under {NOT_PERTURBED:.0%} changed reads *not perturbed* (grey): a small drop there is "
    "no sign of robustness. The table below gives the shares of mentions and O words "
    "replaced too."
)
for column, (label, subset) in zip(st.columns(len(panels)), panels, strict=True):
    with column:
        title = f"{'Relative' if relative else 'Absolute'} F1 drop ({mode}, micro)"
        drops = drop_matrix(subset, relative=relative, mode=mode)
        shares = coverage_matrix(subset, mode=mode)
        significant = coverage_matrix(subset, share="significant", mode=mode)
        # Masking kinds remove the entity text and dwarf every other drop: own scale.
        for part, columns in (
            ("", [c for c in drops.columns if c not in OWN_SCALE]),
            (" · masking kinds (own scale)", [c for c in drops.columns if c in OWN_SCALE]),
        ):
            if not columns:
                continue
            heatmap = drop_heatmap(
                drops[columns],
                relative=relative,
                title=f"{title}{' · ' + label if label else ''}{part}",
                coverage=shares.reindex(columns=columns) if not shares.empty else None,
                not_perturbed=NOT_PERTURBED,
                significance=significant.reindex(columns=columns)
                if not significant.empty
                else None,
            )
            key = f"{label}{'-mask' if part else ''}"
            st.plotly_chart(heatmap, width="stretch", key=f"heatmap-{key}")
            download_figure(heatmap, f"drop-heatmap{('-' + key) if key else ''}", f"dl-h-{key}")

st.subheader("F1 per entity type, clean vs perturbed")
st.caption("Mean over the selected runs; error bars: mean bootstrap bounds (where stored).")
for column, (label, subset) in zip(st.columns(len(panels)), panels, strict=True):
    with column:
        bars = type_f1_bars(
            type_scores(subset, mode=mode),
            title=f"F1 per entity type ({mode}){' · ' + label if label else ''}",
        )
        st.plotly_chart(bars, width="stretch", key=f"types-{label}")
        download_figure(bars, f"type-f1{('-' + label) if label else ''}", f"dl-t-{label}")

st.subheader("Seen vs unseen entities")
st.caption(
    "Strict F1 on the test mentions whose exact words are a mention in the training data "
    "(*seen*) beside the others (*unseen*): how much of a score is memory. A predicted "
    "entity counts where the gold entity on its span does, else by its own words. Error "
    "bars: bootstrap 95% intervals (mean over seeds); the hover gives gold, predicted and "
    "correct mentions."
)
slice_table, unsliced = cached_slices(runs_dir, signature)
if unsliced:
    st.warning(
        f"{len(unsliced)} evaluation(s) hold no seen/unseen slices yet: add them from the "
        f"stored predictions with `xner evaluate {runs_dir} --slices-only`."
    )
slice_left, slice_right = st.columns(2)
slice_reference = slice_left.radio(
    "Seen in",
    list(SLICE_READINGS),
    horizontal=True,
    key="slice_reference",
    format_func=SLICE_READINGS.__getitem__,
)
slice_test = slice_right.selectbox("Test set", [CLEAN, *perturbations], key="slice_test")
slice_figure = slice_bars(
    slice_cells(
        # the runs chosen above (backbones, pairs, settings and the data split)
        slice_table[slice_table["run_path"].isin(set(chosen["run_path"]))],
        reference=slice_reference,
        perturbation=slice_test,
        backbones=backbones or None,
        pairs=pairs or None,
        settings=settings or None,
    ),
    reference=slice_reference,
    test_set=slice_test,
)
st.plotly_chart(slice_figure, width="stretch", key="slices")
download_figure(slice_figure, "seen-unseen", "dl-slices")

st.subheader("Drop against entity overlap")
overlap_source = st.radio(
    "Entity overlap",
    [
        "published where the paper has it, else computed",
        "published (paper's split)",
        "computed from local data",
    ],
    horizontal=True,
    key="overlap_source",
    help="Computing reads both languages' train and test data under the runs' split "
    "(seconds per pair, then remembered).",
)
show_reference = st.checkbox("Overlay the paper's published drops", value=True, key="overlay")
published = dict(reference_overlaps())
if overlap_source.startswith("published ("):
    overlaps: dict[str, float | None] = dict(published)
    note = " · published values"
else:
    overlaps = dict(
        cached_local_overlaps(tuple(options(chosen, "pair")), str(data_dir()), main_split(chosen))
    )
    note = " · computed on local data"
    if overlap_source.startswith("published where"):
        overlaps |= published
        note = " · published where the paper has it, else computed"
points = overlap_points(
    chosen, {k: v for k, v in overlaps.items() if v is not None}, mode=mode, relative=relative
)
missing = points.attrs.get("missing", [])
if missing:
    st.caption(
        f"No overlap value for {', '.join(missing)}: "
        + ("not in the paper" if note.endswith("values") else "data not local (hub-only)")
    )
reference = (
    reference_drops(relative=relative, perturbations=perturbations) if show_reference else None
)
scatter = overlap_scatter(points, reference, relative=relative, overlap_source=note)
st.plotly_chart(scatter, width="stretch", key="scatter")
download_figure(scatter, "drop-vs-overlap", "dl-scatter")

st.subheader("Table")
aggregated = in_points(aggregate_seeds(filter_results(chosen, types=None)))
st.caption(
    f"{len(aggregated)} cells (mean and range over {int(chosen['seed'].nunique())} seed(s)); "
    "F1 and drops in points (×100), shares of mentions / O words / sentences changed in %. "
    "The download holds every row, one per run, as fractions."
)
st.dataframe(aggregated, hide_index=True, width="stretch")
st.download_button(
    "Download the selected rows (CSV, one row per run)",
    data=lambda: to_csv(chosen),  # built on the click, not on every rerun
    file_name="xner-degradation.csv",
    mime="text/csv",
    key="dl-csv",
    on_click="ignore",
)
st.caption("PNG export needs the `kaleido` package (not installed); the HTML files open offline.")
