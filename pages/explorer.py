"""Sentence explorer: a run's test sentences, clean beside perturbed, errors and edits marked."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from xner.app.explorer import (
    ANY,
    EvaluatedSet,
    Exploration,
    change_counts,
    entity_changes,
    evaluated_sets,
    explore_run,
    filter_slice,
    filter_views,
    kind_counts,
    slice_choices,
)
from xner.app.views import view_marks
from xner.config import models_dir
from xner.errors import XnerError
from xner.evaluate import ERROR_KINDS
from xner.runs.index import list_runs
from xner.runs.layout import CLEAN, evaluation_stamp
from xner.viz.tokens import legend_html, render_tokens

PAGE_SIZE = 20


@st.cache_data(show_spinner=False)
def cached_runs(directory: str) -> list[tuple[str, str]]:
    """(path, label) of every usable run with predictions."""
    out = []
    for run in list_runs(Path(directory)):
        if run.config is not None and run.preds:
            config = run.config
            out.append(
                (
                    str(run.path),
                    f"{config.hrl}→{config.lrl} · {config.setting} · {config.backbone} · "
                    f"{run.path.name}",
                )
            )
    return out


@st.cache_data(show_spinner=False)
def cached_sets(run_dir: str, stamp: tuple) -> list[EvaluatedSet]:
    # `stamp` is part of the key (no leading underscore: Streamlit hashes it).
    return evaluated_sets(run_dir)


@st.cache_data(show_spinner="Reading the test set and re-running the perturbation…")
def cached_exploration(run_dir: str, evaluated: EvaluatedSet, stamp: tuple) -> Exploration:
    return explore_run(run_dir, evaluated)


@st.cache_resource(show_spinner="Reading the training data's entity mentions…", max_entries=4)
def cached_mentions(run_dir: str) -> dict[str, frozenset[tuple[str, ...]]]:
    """The run's own and the HRL training data's mentions (what seen/unseen reads)."""
    from xner.evaluate.runner import run_resources
    from xner.evaluate.slices import references_for
    from xner.runs.checkpoint import read_config

    found = references_for(run_resources(read_config(run_dir)))
    return {name: index.mentions for name, index in found.items()}


SLICE_LABELS = {
    ANY: "any",
    "seen-own": "seen in its own training data",
    "unseen-own": "unseen in its own training data",
    "seen-hrl": "seen in the HRL training data",
    "unseen-hrl": "unseen in the HRL training data",
}

st.title("Sentence explorer")
st.markdown(
    "Every test sentence of a run, **clean beside perturbed**, with gold and predicted "
    "entities. Filter by error kind, entity type or what the perturbation changed."
)

runs = cached_runs(str(models_dir()))
if not runs:
    st.info(
        f"No evaluated runs in `{models_dir()}`. Train and evaluate one on the **Train** "
        "page, or run `xner grid configs/smoke-tiny.yaml` (seconds on the tiny backbone); "
        "set `XNER_MODELS_DIR` to read runs from another folder."
    )
    st.stop()

labels = dict(runs)
run_dir = st.selectbox("Checkpoint", list(labels), format_func=labels.__getitem__)
sets = cached_sets(run_dir, evaluation_stamp(run_dir))
if not sets:
    st.info(
        f"`{Path(run_dir).name}` has no evaluations yet: run "
        f"`xner evaluate {run_dir} --perturbations mask,typos` or use the **Train** page."
    )
    st.stop()

chosen = st.selectbox(
    "Test set and perturbation",
    sets,
    index=next((i for i, s in enumerate(sets) if s.perturbation != CLEAN), 0),
    format_func=lambda s: s.label,
)
try:
    exploration = cached_exploration(run_dir, chosen, evaluation_stamp(run_dir))
except (XnerError, ValueError) as error:
    st.error(f"Cannot show these sentences: {error}")
    st.stop()

for message in exploration.check.messages():
    st.warning(message)
if exploration.check.ok:
    st.caption(
        f"All {exploration.check.n_sentences} sentences match the hashes stored with the "
        f"predictions (seed {chosen.seed})."
    )

perturbed = chosen.perturbation != CLEAN
left, middle, right = st.columns(3)
side = CLEAN
if perturbed:
    side = left.radio(
        "Errors on", ["perturbed", CLEAN, "either"], horizontal=True, key="explorer_side"
    )
counts = kind_counts(exploration.views, side)
kinds = middle.multiselect(
    "Error kind",
    list(ERROR_KINDS),
    format_func=lambda k: f"{k.replace('_', ' ')} ({counts.get(k, 0)})",
    help="\n".join(f"- **{k}**: {v}" for k, v in ERROR_KINDS.items()),
)
types = right.multiselect("Entity type", exploration.entity_types)
mentions = cached_mentions(run_dir)
slice_name = left.selectbox(
    "Gold mention",
    slice_choices(mentions),
    key="explorer_slice",
    format_func=lambda name: SLICE_LABELS.get(name, name),
    help="Sentences with a gold mention whose exact words are (seen) or are not (unseen) "
    "a mention in the model's own training data or the HRL's; on the side chosen above.",
)
changed_only = perturbed and st.checkbox("Only sentences the perturbation changed")

shown = filter_views(
    exploration.views, kinds=kinds, types=types, changed_only=changed_only, side=side
)
shown = filter_slice(shown, slice_name, mentions, side=side if perturbed else CLEAN)
if perturbed:
    totals, n_changed = change_counts(exploration.views)
    st.caption(
        f"Predicted entities in the {n_changed} sentences the perturbation changed, clean → "
        "perturbed (matched by span, through the edits): "
        + " · ".join(f"**{kind}** {n}" for kind, n in totals.items())
    )
n_pages = max(1, -(-len(shown) // PAGE_SIZE))
st.markdown(f"**{len(shown)}** of {len(exploration.views)} sentences match.")
page = 1
if n_pages > 1:
    page = st.number_input("Page", min_value=1, max_value=n_pages, value=1, step=1)
st.markdown(legend_html(exploration.entity_types, edits=perturbed), unsafe_allow_html=True)

for view in shown[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]:
    st.markdown(f"`{view.id}`" + (" · changed" if view.changed else ""))
    if (changes := entity_changes(view)) is not None:
        st.caption(f"Entities: {changes.line()}")
    clean_html = render_tokens(view.clean.tokens, view_marks(view, CLEAN), caption="clean")
    if view.perturbed is None:
        st.markdown(clean_html, unsafe_allow_html=True)
        continue
    a, b = st.columns(2)
    a.markdown(clean_html, unsafe_allow_html=True)
    b.markdown(
        render_tokens(
            view.perturbed.tokens,
            view_marks(view, "perturbed"),
            caption=f"perturbed ({chosen.perturbation})",
        ),
        unsafe_allow_html=True,
    )
if not shown:
    st.info("No sentence matches these filters: remove one to see more.")
