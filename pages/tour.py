"""Teaching tour: transfer, perturbations and overlap, one step at a time, on invented
example sentences in several languages and scripts."""

from __future__ import annotations

import streamlit as st

from xner.errors import XnerError
from xner.explore import SentenceView, SideView, view_marks
from xner.tour import BY_KEY, STEPS, TourExample, clamp_step, run_example, tour_overlap
from xner.viz.tokens import legend_html, render_tokens

STEP_KEY = "tour_step"
SEED_KEY = "tour_seed"


def go(delta: int) -> None:
    st.session_state[STEP_KEY] = clamp_step(st.session_state.get(STEP_KEY, 0) + delta)


def redraw() -> None:
    st.session_state[SEED_KEY] = st.session_state.get(SEED_KEY, 0) + 1


def example_block(example: TourExample, kind: str | None, seed: int) -> None:
    entry = BY_KEY[example.sentence]
    st.markdown(f"**{entry.language}** ({entry.role.upper()} of {entry.pair}) — _{entry.gloss}_")
    clean = SideView(entry.tokens, entry.tags, None)
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
        SideView(perturbed.sentence.tokens, perturbed.sentence.tags, None),
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
kind = None
if step.try_kinds:
    kind = st.radio("Perturbation", step.try_kinds, horizontal=True, key=f"kind_{step.key}")
if any(e.perturbation for e in step.examples):
    st.button("Re-draw the random choices", on_click=redraw)
    st.markdown(legend_html({"PER", "ORG", "LOC"}, errors=False), unsafe_allow_html=True)
elif step.examples:
    st.markdown(
        legend_html({"PER", "ORG", "LOC"}, errors=False, edits=False), unsafe_allow_html=True
    )

for example in step.examples:
    example_block(example, kind if example.perturbation else None, seed)

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
