"""xner dashboard: `streamlit run app.py`. Pages stay thin; the science lives in `xner/`.

The pages are declared in `xner/app/catalog.py` (how to add one is written there)."""

import streamlit as st

from xner.app.catalog import PAGES

st.set_page_config(page_title="xner: cross-lingual NER robustness", layout="wide")

navigation = st.navigation(
    [st.Page(p.path, title=p.title, icon=p.icon, default=p.default) for p in PAGES]
)
navigation.run()
