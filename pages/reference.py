"""The paper's published numbers beside this project's runs, each labelled by its split."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from xner.analysis.reference import (
    PAPER_KINDS,
    PAPER_SPLIT,
    SOURCE,
    ours_split_label,
    reference_comparison,
    side_by_side,
)
from xner.analysis.table import NO_RUNS_HELP, load_results, results_signature, to_csv
from xner.analysis.views import READINGS
from xner.app.controls import choose, one_split
from xner.config import data_dir, models_dir
from xner.diskcache import load_results_cached
from xner.pairs import catalog_rows
from xner.perturb import kinds
from xner.viz.figures import figure_html, reference_comparison_figure


@st.cache_data(show_spinner="Reading evaluations…")
def cached_results(directory: str, signature: str) -> pd.DataFrame:
    # `signature` (a digest of paths, mtimes, sizes) is the key: a new evaluation
    # invalidates it. Kept on disk too: a restarted server does not read every JSON again.
    return load_results_cached(directory, signature)[0]


@st.cache_data(show_spinner=False)
def cached_availability(directory: str) -> dict[str, str]:
    return {str(row["id"]): str(row["data"]) for row in catalog_rows(Path(directory))}


st.title("The paper's numbers beside this project's")
with st.sidebar:
    runs_dir = st.text_input(
        "Models folder", value=str(models_dir()), help="Set XNER_MODELS_DIR to change the default"
    )
table = (
    cached_results(runs_dir, results_signature(runs_dir))
    if Path(runs_dir).is_dir()
    else load_results(runs_dir)  # an empty table: the message below says what to do
)
table = one_split(table, "xner runs of the split")
st.markdown(
    f"**Paper** (Manafi & Krishnaswamy 2024): {PAPER_SPLIT}; published entity F1 ×100.  \n"
    f"**xner** (this project): {ours_split_label(table)}; strict micro F1 ×100, mean over "
    "seeds, with the widest 95% bootstrap interval of any seed. Different backbones, sizes "
    "and training budgets: read the two side by side, not as one series."
)
if table.empty:
    st.info(
        f"No evaluated runs in `{runs_dir}`: showing the published numbers only. {NO_RUNS_HELP}"
    )

availability = cached_availability(str(data_dir()))
reading = st.radio(
    "xner's p1 / p2 measured against",
    list(READINGS),
    horizontal=True,
    key="reading",
    format_func=lambda r: {
        "own": "each model's own training data (as the paper)",
        "hrl": "the HRL training data (controlled)",
    }[r],
    help="\n".join(f"- **{name}**: {text}" for name, text in READINGS.items()),
)
comparison = reference_comparison(table, availability=availability, reading=reading)
ours_pairs = sorted(set(table["pair"])) if not table.empty else []
paper_pairs = list(dict.fromkeys(comparison.loc[comparison["source"] == "paper", "pair"]))
all_pairs = paper_pairs + [p for p in ours_pairs if p not in paper_pairs]
default = [p for p in ours_pairs if p in paper_pairs] or paper_pairs[:4]
left, right = st.columns([3, 1])
pairs = left.multiselect(
    "Pairs", all_pairs, default=default, key="pairs", format_func=lambda p: p.replace("-", "→")
)
setting = right.radio("Setting", ["transfer", "native"], horizontal=True, key="setting")
chosen = comparison[comparison["pair"].isin(pairs)]
if chosen.empty:
    st.info("Choose at least one pair.")
    st.stop()

hub_only = sorted({p for p, a in zip(chosen["pair"], chosen["data"], strict=True) if a == "hub"})
if hub_only:
    st.caption(
        f"Data for {', '.join(p.replace('-', '→') for p in hub_only)} is hub-only here "
        "(not in the local data directory): xner runs for it need the Hugging Face hub."
    )
missing = [p for p in pairs if p not in ours_pairs]
if missing and not table.empty:
    st.caption(
        f"No xner runs yet for {', '.join(p.replace('-', '→') for p in missing)}: "
        "add the pair to a grid config (`pairs: [...]`, `perturbations: [p1, p2, p1+p2]`)."
    )
figure = reference_comparison_figure(chosen, setting=setting)
st.plotly_chart(figure, width="stretch", key="comparison")
st.download_button(
    "Download figure (HTML)",
    data=lambda: figure_html(figure),
    file_name=f"paper-vs-xner-{setting}.html",
    mime="text/html",
    on_click="ignore",
    key="dl-figure",
)
view = chosen[chosen["setting"] == setting]
st.caption(
    "mention_share / o_token_share: % of test mentions / O-tagged words that xner's "
    f'perturbation replaced (reading: {reading}). The paper measured "shared" against '
    "each model's own training data: for Hindi, 64% of distinct test mentions native, 0% "
    "transfer."
)
st.subheader("Pair by pair")
kind = choose(
    "Perturbation",
    {spec.name: spec for spec in kinds()},
    [PAPER_KINDS[-1], *PAPER_KINDS[:-1]],  # the paper's, combined first
    widget="radio",
    order=False,
    horizontal=True,
    key="kind",
)
st.caption(
    f"{setting}: the paper's clean F1 and {kind} drop for mBERT and XLM-R beside xner's "
    "(intervals: 95% bootstrap, the widest of the seeds), and how much of the test set "
    f"xner's {kind} replaced (reading: {reading}); the paper reports no coverage."
)
st.dataframe(side_by_side(chosen, setting, kind), hide_index=True, width="stretch")
st.subheader("Every row")
st.dataframe(view, hide_index=True, width="stretch")
st.download_button(
    "Download table (CSV)",
    data=to_csv(view),
    file_name=f"paper-vs-xner-{setting}.csv",
    mime="text/csv",
    on_click="ignore",
    key="dl-csv",
)
st.caption(SOURCE)
