"""Overview: what the study asks, the language pairs, a headline chart and where to go next."""

from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from xner.analysis.findings import compute_findings
from xner.analysis.findings_text import summary_sentences
from xner.analysis.overlap import local_overlaps
from xner.analysis.reference import SOURCE, reference_results
from xner.analysis.table import NO_RUNS_HELP, in_split, main_split, results_signature
from xner.analysis.views import headline_main, headline_rows, provenance
from xner.app.catalog import PAGES
from xner.config import data_dir, models_dir
from xner.diskcache import (
    disk_cached,
    file_signature,
    load_results_cached,
    wikiann_files,
)
from xner.pairs import catalog_rows
from xner.viz.figures import headline_figure, reference_f1_figure


@st.cache_data(show_spinner=False)
def cached_catalog_rows(directory: str) -> list[dict[str, object]]:
    return catalog_rows(Path(directory))


@st.cache_data(show_spinner=False)
def cached_headline(directory: str, signature: str) -> tuple[pd.DataFrame, str]:
    # `signature` (file mtimes) is the cache key: a new evaluation invalidates it. The
    # table is kept on disk too, so a new server process does not read every JSON again.
    # One split policy: the study's (the paper's split where present).
    table = in_split(load_results_cached(directory, signature)[0])
    return headline_rows(table), provenance(table)


def link(page: str, label: str) -> None:
    if not (Path(__file__).resolve().parents[1] / page).is_file():
        return
    try:
        st.page_link(page, label=label, icon=":material/arrow_forward:")
    except StreamlitAPIException:  # this file run alone, without app.py's page list
        st.markdown(f"- {label} (`{page}`)")


@st.cache_data(show_spinner="Answering the study's questions from the runs…")
def cached_findings(
    directory: str, data: str, signature: str
) -> tuple[list[dict[str, object]], list[str]]:
    """The findings as rows for the page, and the answer in three sentences. Seconds to
    compute (entity overlaps from the data, bootstrap intervals): kept on disk, keyed by
    the evaluations (`signature`) and the data files."""

    def compute() -> tuple[list[dict[str, object]], list[str]]:
        table = load_results_cached(directory, signature)[0]
        split = main_split(table)
        table = in_split(table, split)
        overlaps = local_overlaps(sorted(set(table["pair"])), data, split)
        answered = compute_findings(table, overlaps, split)
        rows = [
            {
                "question": spec.question,
                "needs": spec.needs,
                "answer": finding.answer if finding else None,
                "table": finding.table if finding else None,
            }
            for spec, finding in answered
        ]
        return rows, summary_sentences(answered)

    # This page's source is in the key too: `compute` above is part of what is cached.
    data_files = file_signature([*wikiann_files(data), __file__])
    return disk_cached("findings", (directory, data, signature, data_files), compute)


st.title("How well does NER transfer to a related lower-resource language?")
st.markdown(
    "A model fine-tuned on a **high-resource language (HRL)** is tested on a related "
    "**lower-resource language (LRL)**, natively and by transfer, on clean and on "
    "perturbed test sets (following Manafi & Krishnaswamy, 2024)."
)

runs_dir = str(models_dir())
signature = results_signature(runs_dir)
headline, source = cached_headline(runs_dir, signature)
findings, summary = (
    cached_findings(runs_dir, str(data_dir()), signature) if not headline.empty else ([], [])
)
if not headline.empty:
    st.subheader("The answer so far")
    for sentence in summary:
        st.markdown(f"- {sentence}")
    main = headline_main(headline)
    st.plotly_chart(headline_figure(main), width="stretch", key="headline")
    st.caption(
        f"{main['backbone'].iloc[0] if not main.empty else ''}: clean F1 and mean F1 over the "
        "perturbed test sets, native vs transfer, per pair. " + source
    )
else:
    st.info(
        f"No evaluated runs in `{runs_dir}` yet, so the chart below shows the paper's "
        f"published numbers. {NO_RUNS_HELP}"
    )

st.subheader("Start here")
ROOT = Path(__file__).resolve().parents[1]
START = (
    (
        "A researcher",
        "pages/degradation.py",
        "Degradation browser: every drop, its interval and how much was perturbed",
    ),
    ("A teacher", "pages/tour.py", "Guided tour: one sentence at a time, with the model"),
    ("Your own sentence", "pages/playground.py", "Playground: type it, tag it, perturb it"),
)
for column, (who, page, label) in zip(st.columns(len(START)), START, strict=True):
    with column:
        st.markdown(f"**{who}**")
        link(page, label)

st.subheader("Language pairs")
st.caption(f"Local data directory: `{data_dir()}` (set `XNER_DATA_DIR` to change it).")
st.dataframe(cached_catalog_rows(str(data_dir())), hide_index=True, width="stretch")

if findings:
    st.subheader("Headline findings")
    st.caption(
        "Computed from the runs (strict micro F1 in points, mean over seeds; drop = "
        "clean minus perturbed F1 of the same run). `xner findings` prints the same."
    )
    for finding in findings:
        if finding["answer"] is None:
            st.markdown(f"**{finding['question']}** Not answered yet: needs {finding['needs']}.")
            continue
        st.markdown(f"**{finding['question']}** {finding['answer']}")
        with st.expander("The numbers"):
            st.dataframe(finding["table"], hide_index=True, width="stretch")

st.subheader("Published reference numbers (not this project's runs)")
results = reference_results()
models = sorted({result.model for result in results})
model = st.selectbox("Model", models, index=models.index("xlm-roberta-base"))
st.plotly_chart(reference_f1_figure(results, model), width="stretch", key="reference")
st.caption(SOURCE)

st.subheader("Every page")
for spec in PAGES:  # the catalog app.py navigates: every other page
    if spec.name != Path(__file__).stem:
        link(spec.path, spec.blurb)
