"""Teaching tour: transfer, perturbations and overlap, one step at a time, on invented
example sentences in several languages and scripts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from xner.app.controls import choose
from xner.app.playground import predict_tokens
from xner.app.tour import (
    BY_KEY,
    STEPS,
    TourExample,
    clamp_step,
    default_checkpoint,
    example_drops,
    run_example,
    tour_overlap,
)
from xner.app.views import SentenceView, SideView, view_marks
from xner.config import models_dir
from xner.errors import XnerError
from xner.evaluate.errors import sentence_errors
from xner.perturb import kinds
from xner.viz.figures import drop_heatmap
from xner.viz.tokens import legend_html, render_tokens

Predictor = Callable[[tuple[str, ...]], tuple[str, ...]]

STEP_KEY = "tour_step"
SEED_KEY = "tour_seed"


def go(delta: int) -> None:
    st.session_state[STEP_KEY] = clamp_step(st.session_state.get(STEP_KEY, 0) + delta)


def redraw() -> None:
    st.session_state[SEED_KEY] = st.session_state.get(SEED_KEY, 0) + 1


@st.cache_data(show_spinner=False)
def tour_runs(directory: str) -> list[tuple[str, str, str, str]]:
    """(path, pair, setting, label) of every loadable checkpoint."""
    from xner.runs.index import list_runs

    return [
        (
            str(run.path),
            f"{run.config.hrl}-{run.config.lrl}",
            run.config.setting,
            f"{run.config.hrl}→{run.config.lrl} · {run.config.setting} · {run.config.backbone}"
            f" · {run.path.name}",
        )
        for run in list_runs(Path(directory))
        if run.config is not None
    ]


@st.cache_resource(show_spinner="Loading the checkpoint…", max_entries=2)
def cached_model(run_dir: str) -> tuple[Any, Any, Any]:
    from xner.runs.checkpoint import load_checkpoint

    return load_checkpoint(run_dir)


@st.cache_data(show_spinner=False, max_entries=256)
def cached_tags(run_dir: str, tokens: tuple[str, ...]) -> tuple[str, ...]:
    model, tokenizer, _ = cached_model(run_dir)
    return predict_tokens(model, tokenizer, tokens).tags


@st.cache_data(show_spinner="Reading the evaluated runs…")
def cached_results(directory: str, signature: str) -> pd.DataFrame:
    from xner.analysis.table import load_results

    return load_results(directory)


def side(key: str, tokens: tuple[str, ...], gold: tuple[str, ...], predict: Predictor | None):
    """A sentence side with the model's prediction and its errors when there is a model."""
    if predict is None:
        return SideView(tokens, gold, None)
    pred = predict(tokens)
    return SideView(tokens, gold, pred, tuple(sentence_errors(key, gold, pred)))


def example_block(
    example: TourExample, kind: str | None, seed: int, predict: Predictor | None = None
) -> None:
    entry = BY_KEY[example.sentence]
    st.markdown(f"**{entry.language}** ({entry.role.upper()} of {entry.pair}) — _{entry.gloss}_")
    clean = side(entry.key, entry.tokens, entry.tags, predict)
    try:
        perturbed = run_example(example, kind, seed)
    except XnerError as error:
        st.markdown(
            render_tokens(entry.tokens, view_marks(SentenceView("", clean), "clean")),
            unsafe_allow_html=True,
        )
        st.warning(f"{kind}: {error}")
        return
    if perturbed is None:
        view = SentenceView(entry.key, clean)
        st.markdown(render_tokens(entry.tokens, view_marks(view, "clean")), unsafe_allow_html=True)
        return
    view = SentenceView(
        entry.key,
        clean,
        side(entry.key, perturbed.sentence.tokens, perturbed.sentence.tags, predict),
        perturbed.edits,
    )
    st.markdown(
        render_tokens(entry.tokens, view_marks(view, "clean"), caption="clean")
        + render_tokens(
            perturbed.sentence.tokens,
            view_marks(view, "perturbed"),
            caption=f"perturbed ({kind or example.perturbation})",
        ),
        unsafe_allow_html=True,
    )
    if not perturbed.edits:
        st.caption("Nothing to change here - that is the point for this sentence.")


st.title("Teaching tour")
index = clamp_step(st.session_state.get(STEP_KEY, 0))
step = STEPS[index]
st.progress((index + 1) / len(STEPS), text=f"Step {index + 1} of {len(STEPS)}")
st.header(step.title)
st.markdown(step.body)

seed = st.session_state.get(SEED_KEY, 0)
predict: Predictor | None = None
if step.examples and st.toggle(
    "Show a trained model's predictions",
    key="tour_model",
    help="Tag the examples with a checkpoint of this project (loading one takes seconds).",
):
    runs = tour_runs(str(models_dir()))
    if not runs:
        st.info(
            f"No checkpoints in `{models_dir()}`: train one on the **Train** page or run "
            "`xner grid configs/smoke-tiny.yaml`."
        )
    else:
        labels = {path: label for path, _, _, label in runs}
        checkpoint = st.selectbox(
            "Checkpoint",
            list(labels),
            index=default_checkpoint([r[:3] for r in runs]),
            format_func=labels.__getitem__,
            key="tour_checkpoint",
        )

        def predict(tokens: tuple[str, ...]) -> tuple[str, ...]:
            return cached_tags(checkpoint, tokens)

        st.caption(
            "Background colour: what this checkpoint predicts; underline: the gold answer; "
            "a dashed red box: an error. It was trained on one pair, so the other "
            "languages show how far it transfers."
        )
kind = None
if step.try_kinds:
    kind = choose(
        "Perturbation",
        {spec.name: spec for spec in kinds()},
        step.try_kinds,
        widget="radio",
        order=False,
        horizontal=True,
        key=f"kind_{step.key}",
    )
if any(e.perturbation for e in step.examples):
    st.button("Re-draw the random choices", on_click=redraw)
    st.markdown(
        legend_html({"PER", "ORG", "LOC"}, errors=predict is not None), unsafe_allow_html=True
    )
elif step.examples:
    st.markdown(
        legend_html({"PER", "ORG", "LOC"}, errors=predict is not None, edits=False),
        unsafe_allow_html=True,
    )

for example in step.examples:
    example_block(example, kind if example.perturbation else None, seed, predict)

if step.chart:
    from xner.analysis.table import results_signature

    title, drops, shares, significant = example_drops(
        cached_results(str(models_dir()), results_signature(models_dir()))
    )
    if drops.empty:
        st.info(
            "No evaluated runs yet: once a grid has run (`xner grid configs/smoke-tiny.yaml`), "
            "this step shows one pair's drops here."
        )
    else:
        st.plotly_chart(
            drop_heatmap(drops, title=title, coverage=shares, significance=significant),
            width="stretch",
            key="tour-chart",
        )

if step.overlap_pair:
    stats = tour_overlap(step.overlap_pair)
    a, b = st.columns(2)
    a.metric(
        "LRL entity mentions seen in the HRL data", f"{stats.mentions_in_hrl} of {stats.mentions}"
    )
    b.metric("LRL entity tokens seen in the HRL data", f"{stats.entity_token_overlap:.0%}")
    st.caption(
        f"Computed live over the tour's {step.overlap_pair} sentences "
        "(`xner pairs --overlap` gives the real pairs' numbers)."
    )

back, _, forward = st.columns([1, 4, 1])
back.button("← Back", on_click=go, args=(-1,), disabled=index == 0)
forward.button("Next →", on_click=go, args=(1,), disabled=index == len(STEPS) - 1)
