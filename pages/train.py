"""Train: fine-tune a checkpoint from the browser, watch it learn, evaluate it."""

from __future__ import annotations

import streamlit as st

from xner.app.controls import choose
from xner.backbones import BACKBONES
from xner.config import models_dir
from xner.errors import XnerError
from xner.evaluate.metrics import HEADLINE
from xner.evaluate.runner import EvalSettings, evaluate_checkpoint
from xner.pairs import all_pairs, availability, normalise_pair_id, pair_languages
from xner.perturb import default_excluded, kinds
from xner.train import METHODS, SETTINGS, RunConfig, TrainArgs, TrainProgress, train_run

OTHER = "other pair…"

st.title("Train a checkpoint")
st.markdown(
    "Fine-tune an encoder on a language pair, then evaluate it on the clean and perturbed "
    f"LRL test sets. The checkpoint is written to `{models_dir()}` and appears on every "
    "page. The defaults (tiny backbone, 20 steps) finish in seconds; raise the caps and "
    "pick `multilingual-e5-small` for a real model (minutes on a CPU)."
)


@st.cache_data(show_spinner=False)
def local_pairs() -> list[str]:
    return [p.id for p in all_pairs() if availability(p) == "local"]


with st.form("train"):
    pairs = local_pairs()
    a, b, c = st.columns(3)
    pair_choice = a.selectbox(
        "Pair (HRL-LRL)", [*pairs, OTHER], help="Pairs whose data is in the local data directory."
    )
    other_pair = a.text_input("Other pair", placeholder="es-gl", help=f"Used with '{OTHER}'.")
    backbone = b.selectbox(
        "Backbone",
        sorted(BACKBONES, key=lambda n: (not BACKBONES[n].offline, n != "tiny", n)),
        format_func=lambda n: n + ("" if BACKBONES[n].offline else " (needs the hub)"),
    )
    setting = choose("Setting", SETTINGS, list(SETTINGS), default="transfer", where=c)
    method = choose("Method", METHODS, where=b)
    max_steps = c.number_input("Training steps", min_value=1, max_value=100_000, value=20)
    max_sentences = a.number_input(
        "Training sentences per split (cap)", min_value=8, max_value=1_000_000, value=200
    )
    batch = b.number_input("Batch size", min_value=1, max_value=256, value=8)
    seed = c.number_input("Seed", min_value=0, value=1)
    specs = [s.name for s in kinds() if s.name not in default_excluded()]
    perturbations = st.multiselect("Evaluate on perturbations", specs, default=["mask", "typos"])
    d, e = st.columns(2)
    eval_limit = d.number_input("Test sentences (cap)", min_value=1, value=200)
    overwrite = e.checkbox("Replace a checkpoint with the same configuration")
    submitted = st.form_submit_button("Train and evaluate", type="primary")

if not submitted:
    st.stop()

pair_id = other_pair.strip() if pair_choice == OTHER else pair_choice
try:
    hrl, lrl = pair_languages(normalise_pair_id(pair_id))
    config = RunConfig(
        backbone=backbone,
        hrl=hrl,
        lrl=lrl,
        setting=setting,
        args=TrainArgs(
            method=method,
            max_steps=int(max_steps),
            max_train_sentences=int(max_sentences),
            per_device_train_batch_size=int(batch),
            seed=int(seed),
        ),
    )
except (XnerError, ValueError, TypeError) as error:
    st.error(f"Cannot start this run: {error}")
    st.stop()

target = models_dir() / config.name
if target.exists() and not overwrite:
    st.warning(
        f"`{target.name}` already exists (same configuration). Tick *Replace a checkpoint* "
        "to train it again, or change a setting."
    )
    st.stop()

bar = st.progress(0.0, text="Loading data and the backbone…")


def on_step(progress: TrainProgress) -> None:
    share = min(1.0, progress.step / max(1, progress.total_steps))
    bar.progress(
        share,
        text=f"Step {progress.step}/{progress.total_steps} · loss {progress.loss:.3f} · "
        f"{progress.elapsed_s:.0f}s",
    )


try:
    run_dir = train_run(config, target, progress=on_step, overwrite=overwrite)
except (XnerError, OSError) as error:
    bar.empty()
    st.error(f"Training failed: {error}")
    st.stop()
bar.progress(1.0, text=f"Trained: {run_dir.name}")

eval_bar = st.progress(0.0, text="Evaluating…")


def on_eval(name: str, done: int, total: int) -> None:
    eval_bar.progress(done / max(1, total), text=f"Evaluating {name} ({done}/{total})")


try:
    outcomes = evaluate_checkpoint(
        run_dir,
        EvalSettings(perturbations=tuple(perturbations), limit=int(eval_limit), n_resamples=200),
        progress=on_eval,
    )
except (XnerError, OSError) as error:
    st.error(f"Trained, but the evaluation failed: {error} (run `xner evaluate {run_dir}`).")
    st.cache_data.clear()
    st.stop()

# Every page caches run listings and results: drop them so the new run shows up.
st.cache_data.clear()
st.success(f"`{run_dir.name}` is ready: open the explorer, playground or results pages.")
st.dataframe(
    [
        {
            "perturbation": outcome.perturbation,
            "sentences": outcome.result.n_sentences,
            f"{HEADLINE} F1 (×100)": round(100 * outcome.result.f1, 1),
        }
        for outcome in outcomes
    ],
    hide_index=True,
)
