"""Playground: type a sentence, see what a checkpoint tags, perturb it live, compare two."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

from xner.app.controls import choose, param_widgets
from xner.app.playground import (
    FIXED,
    MAX_CHARS,
    check_text,
    example_for,
    needs_reference,
    perturb_text,
    predict_tokens,
    unchanged_message,
)
from xner.app.upload import (
    MAX_SENTENCE_TOKENS,
    MAX_UPLOAD_SENTENCES,
    MAX_UPLOAD_TOKENS,
    read_upload,
    tag_upload,
)
from xner.app.views import entities, entity_diff, token_ranges
from xner.config import models_dir
from xner.errors import XnerError
from xner.evaluate.metrics import HEADLINE
from xner.perturb import PerturbResources, kinds
from xner.runs.index import list_runs
from xner.viz.tokens import TokenMarks, legend_html, render_tokens


@st.cache_data(show_spinner=False)
def cached_runs(directory: str) -> list[tuple[str, str, str]]:
    """(path, label, pair id) of every loadable run."""
    return [
        (
            str(run.path),
            f"{run.config.hrl}→{run.config.lrl} · {run.config.setting} · {run.config.backbone}"
            f" · {run.path.name}",
            f"{run.config.hrl}-{run.config.lrl}",
        )
        for run in list_runs(Path(directory))
        if run.config is not None
    ]


@st.cache_data(show_spinner=False)
def cached_broken(directory: str) -> list[str]:
    """What is wrong with each run folder that cannot be loaded (and how to fix it)."""
    return [str(run.problem) for run in list_runs(Path(directory)) if run.problem]


@st.cache_resource(show_spinner="Loading the checkpoint…", max_entries=4)
def cached_model(run_dir: str) -> tuple[Any, Any, Any]:
    from xner.runs.checkpoint import load_checkpoint

    return load_checkpoint(run_dir)


@st.cache_resource(show_spinner=False)
def cached_resources(run_dir: str) -> tuple[PerturbResources, bool]:
    """The run's perturbation resources (p1/p2 measured against its own training data),
    and whether both languages' data is local (else only kinds that need no training
    data can run)."""
    from xner.data.resolve import local_wikiann_dataset
    from xner.evaluate.runner import run_resources

    config = cached_model(run_dir)[2]
    local = all(local_wikiann_dataset(lang) is not None for lang in (config.hrl, config.lrl))
    if local:
        return run_resources(config), True
    pair = f"{config.hrl}-{config.lrl}"
    return PerturbResources(lang=config.lrl, backbone=config.backbone, pair=pair), False


@st.cache_data(show_spinner=False, max_entries=256)
def cached_tag(run_dir: str, tokens: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[float, ...]]:
    """Tags and confidences of a token sequence: repeated views answer from the cache."""
    model, tokenizer, _ = cached_model(run_dir)
    prediction = predict_tokens(model, tokenizer, tokens)
    return prediction.tags, prediction.confidence


def show(
    tokens: tuple[str, ...],
    tags: tuple[str, ...],
    confidence: tuple[float, ...],
    caption: str = "",
) -> None:
    marks = TokenMarks(pred=tags, confidence=confidence)
    st.markdown(
        render_tokens(tokens, marks, caption=caption, show_confidence=True),
        unsafe_allow_html=True,
    )
    found = entities(tokens, tags)
    if found:
        st.dataframe(
            [
                {
                    "entity": e.text,
                    "type": e.type,
                    "tokens": f"{e.start}-{e.end - 1}",
                    "confidence": round(min(confidence[e.start : e.end]), 3),
                }
                for e in found
            ],
            hide_index=True,
        )
    else:
        st.caption("No entities predicted.")


st.title("Playground")
st.markdown(
    "Type a sentence in **any language or script**; a checkpoint tags it. Numbers under "
    "the words are the model's confidence in its tag. Then perturb the sentence live, or "
    "compare two checkpoints on it."
)

runs = cached_runs(str(models_dir()))
if broken := cached_broken(str(models_dir())):
    st.warning(f"{len(broken)} checkpoint folder(s) cannot be used:\n\n- " + "\n- ".join(broken))
if not runs:
    st.info(
        f"No checkpoints in `{models_dir()}`. Train one on the **Train** page, or run "
        "`xner grid configs/smoke-tiny.yaml` (seconds on the tiny backbone); set "
        "`XNER_MODELS_DIR` to read checkpoints from another folder."
    )
    st.stop()

by_path = {path: (label, pair) for path, label, pair in runs}
run_dir = st.selectbox("Checkpoint", list(by_path), format_func=lambda p: by_path[p][0])
text = st.text_area(
    "Sentence",
    value=example_for(by_path[run_dir][1].split("-", 1)[1]),  # the checkpoint's language
    max_chars=None,  # checked below, so that an over-long paste gets a message, not a cut
    help=f"Up to {MAX_CHARS:,} characters; words and punctuation are split for you.",
)
checked = check_text(text)
if not checked.ok:
    st.warning(checked.error)
    st.stop()
for note in checked.notes:
    st.info(note)

try:
    from xner.evaluate.predict import simple_tokenize

    tokens = tuple(simple_tokenize(checked.text))
    tags, confidence = cached_tag(run_dir, tokens)
except XnerError as error:
    st.error(f"Cannot tag with this checkpoint: {error}")
    st.stop()

st.markdown(
    legend_html(
        {t[2:] for t in tags if t != "O"} or {"PER", "ORG", "LOC"},
        errors=False,
        edits=False,
        gold=False,  # typed text has no gold tags
    ),
    unsafe_allow_html=True,
)
show(tokens, tags, confidence)

st.subheader("Perturb it")
specs = {spec.name: spec for spec in kinds()}
kind = choose("Perturbation", specs, first=["(none)"], key="kind")
perturbed: tuple[tuple[str, ...], list] | None = None  # tokens and edits, when changed
if kind != "(none)":
    seed = st.number_input("Seed (random choices)", min_value=0, value=0, step=1)
    # One widget per declared parameter; the checkpoint sets `FIXED` ones (pool, backbone).
    params = param_widgets(specs[kind].params, prefix=f"param-{kind}", skip=FIXED)
    _, config_pair = by_path[run_dir]
    model_config = cached_model(run_dir)[2]
    resources, local = cached_resources(run_dir)
    st.caption(specs[kind].description)
    if needs_reference(kind) and not local:
        st.warning(
            f"**{kind}** replaces what the model's training data has seen, so it needs the "
            f"{config_pair} pair's WikiANN files in the local data directory; they are not "
            "there. Pick a kind that needs no training data (mask, typos, case, names, ...) "
            "or add the files (see `xner data list`)."
        )
    else:
        noted = len(resources.notes)
        try:
            # The model's own entities are what gets perturbed: typed text has no gold.
            result = perturb_text(
                tokens,
                tags,
                kind,
                seed=int(seed),
                resources=resources,
                lang=model_config.lrl,
                backbone=model_config.backbone,
                params=params,
            )
        except XnerError as error:
            st.warning(f"{kind} cannot run on this sentence: {error}")
        else:
            if not result.edits:
                st.info(unchanged_message(kind, resources.notes[noted:]))
            else:
                new_tokens = result.sentence.tokens
                perturbed = (new_tokens, list(result.edits))
                new_tags, new_confidence = cached_tag(run_dir, new_tokens)
                edits = {}
                for edit in result.edits:
                    for position in range(edit.position, edit.position + edit.n_new):
                        edits[position] = f"{edit.old or '∅'} → {edit.new or '∅'}"
                st.markdown(
                    render_tokens(
                        new_tokens,
                        TokenMarks(pred=new_tags, confidence=new_confidence, edits=edits),
                        caption=f"perturbed ({kind})",
                        show_confidence=True,
                    ),
                    unsafe_allow_html=True,
                )
                diff = entity_diff(
                    entities(tokens, tags),
                    entities(new_tokens, new_tags),
                    token_ranges(len(tokens), result.edits),
                )
                st.markdown(
                    f"**Lost:** {', '.join(diff['lost']) or '—'}  \n"
                    f"**New:** {', '.join(diff['new']) or '—'}  \n"
                    f"**Relabelled:** {', '.join(diff['relabelled']) or '—'}  \n"
                    f"**Kept:** {', '.join(diff['kept']) or '—'}"
                )

st.subheader("Compare with another checkpoint")
others = [p for p in by_path if p != run_dir]
if not others:
    st.caption("Only one checkpoint is available; train another on the **Train** page.")
else:
    other = st.selectbox(
        "Second checkpoint",
        ["(none)", *others],
        format_func=lambda p: p if p == "(none)" else by_path[p][0],
    )
    if other != "(none)":
        other_name = by_path[other][0]
        try:
            other_tags, other_confidence = cached_tag(other, tokens)
        except XnerError as error:
            st.error(f"Cannot tag with the second checkpoint: {error}")
        else:
            show(tokens, other_tags, other_confidence, caption=f"clean · {other_name}")
            diff = entity_diff(entities(tokens, tags), entities(tokens, other_tags))
            st.markdown(
                f"**Only the first:** {', '.join(diff['lost']) or '—'}  \n"
                f"**Only the second:** {', '.join(diff['new']) or '—'}  \n"
                f"**Other type in the second:** {', '.join(diff['relabelled']) or '—'}  \n"
                f"**Both:** {', '.join(diff['kept']) or '—'}"
            )
            if perturbed is not None:
                # The second checkpoint on the perturbed text too, with its own diff.
                new_tokens, edits = perturbed
                other_new, other_new_confidence = cached_tag(other, new_tokens)
                show(new_tokens, other_new, other_new_confidence, f"perturbed · {other_name}")
                moved = entity_diff(
                    entities(tokens, other_tags),
                    entities(new_tokens, other_new),
                    token_ranges(len(tokens), edits),
                )
                st.markdown(
                    f"**{other_name} under {kind}** — "
                    f"lost: {', '.join(moved['lost']) or '—'} · "
                    f"new: {', '.join(moved['new']) or '—'} · "
                    f"relabelled: {', '.join(moved['relabelled']) or '—'} · "
                    f"kept: {', '.join(moved['kept']) or '—'}"
                )

st.subheader("Tag a file")
st.caption(
    "Upload your own sentences — PAN-X TSV (`token<TAB>tag`), CoNLL columns (`.conll`, "
    "`.txt`, `.ner`) or JSONL with `tokens`/`tags` — to tag them with this checkpoint and, "
    f"when they carry tags, score it on them (at most {MAX_UPLOAD_SENTENCES:,} sentences, "
    f"{MAX_UPLOAD_TOKENS:,} tokens, {MAX_SENTENCE_TOKENS:,} tokens a sentence)."
)
uploaded = st.file_uploader("Data file", type=["tsv", "conll", "txt", "ner", "jsonl"])
if uploaded is not None:
    repair = st.checkbox("Read stray I- starts as B- (as conlleval does)", value=False)
    options: dict[str, Any] = {}
    with st.expander("Columns (CoNLL files such as index<TAB>token<TAB>tag)"):
        if st.checkbox("Choose the columns", key="columns", value=False):
            options["reader"] = "conll"
            options["token_column"] = int(
                st.number_input("Token column (0 = first)", value=0, step=1, key="token_col")
            )
            options["tag_column"] = int(
                st.number_input("Tag column (-1 = last)", value=-1, step=1, key="tag_col")
            )
    try:
        upload = read_upload(uploaded.name, uploaded.getvalue(), repair=repair, **options)
    except XnerError as error:
        st.error(f"Cannot read this file: {error}")
        st.stop()
    st.caption(upload.report.summary())
    if upload.truncated:
        st.info(
            f"Only the first {len(upload.sentences):,} sentences are tagged (the app's limit: "
            f"{MAX_UPLOAD_SENTENCES:,} sentences or {MAX_UPLOAD_TOKENS:,} tokens)."
        )
    model, tokenizer, run_config = cached_model(run_dir)
    bar = st.progress(0.0, text="Tagging… (any change on the page stops it)")
    tagged = tag_upload(
        model,
        tokenizer,
        upload,
        run_id=run_config.run_id,
        progress=lambda done, total: bar.progress(done / total, text=f"Tagged {done}/{total}"),
    )
    bar.empty()
    if tagged.result is not None:
        overall = tagged.result.scores[HEADLINE].overall
        st.metric(
            f"{HEADLINE} F1 on the file",
            f"{100 * overall.f1:.1f}",
            help="seqeval strict IOB2, in points (×100)",
        )
    for sentence, prediction in list(zip(upload.sentences, tagged.predictions, strict=True))[:50]:
        marks = TokenMarks(gold=sentence.tags, pred=prediction.tags)
        st.markdown(render_tokens(sentence.tokens, marks), unsafe_allow_html=True)
