"""Overview: what the study asks, the language pairs, and the published headline numbers."""

from pathlib import Path

import streamlit as st

from xner.config import data_dir
from xner.pairs import catalog_rows
from xner.reference import SOURCE, reference_results
from xner.viz.figures import reference_f1_figure


@st.cache_data(show_spinner=False)
def cached_catalog_rows(directory: str) -> list[dict[str, object]]:
    return catalog_rows(Path(directory))


st.title("How well does NER transfer to a related lower-resource language?")
st.markdown(
    "A model fine-tuned on a **high-resource language (HRL)** is tested on a related "
    "**lower-resource language (LRL)**, natively and by transfer, on clean and on "
    "perturbed test sets (following Manafi & Krishnaswamy, 2024)."
)

st.subheader("Language pairs")
st.caption(f"Local data directory: `{data_dir()}` (set `XNER_DATA_DIR` to change it).")
st.dataframe(cached_catalog_rows(str(data_dir())), hide_index=True, width="stretch")

st.subheader("Published reference numbers")
results = reference_results()
models = sorted({result.model for result in results})
model = st.selectbox("Model", models, index=models.index("xlm-roberta-base"))
st.plotly_chart(reference_f1_figure(results, model), width="stretch")
st.caption(SOURCE)
