"""xner dashboard: `streamlit run app.py`. Pages stay thin; the science lives in `xner/`."""

import streamlit as st

st.set_page_config(page_title="xner: cross-lingual NER robustness", layout="wide")

navigation = st.navigation(
    [
        st.Page("pages/overview.py", title="Overview", icon=":material/public:", default=True),
    ]
)
navigation.run()
