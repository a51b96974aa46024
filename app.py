"""xner dashboard: `streamlit run app.py`. Pages stay thin; the science lives in `xner/`."""

import streamlit as st

st.set_page_config(page_title="xner: cross-lingual NER robustness", layout="wide")

navigation = st.navigation(
    [
        st.Page("pages/overview.py", title="Overview", icon=":material/public:", default=True),
        st.Page("pages/degradation.py", title="Degradation", icon=":material/grid_on:"),
        st.Page("pages/reference.py", title="Paper vs xner", icon=":material/menu_book:"),
        st.Page("pages/explorer.py", title="Sentence explorer", icon=":material/manage_search:"),
        st.Page("pages/playground.py", title="Playground", icon=":material/edit_note:"),
        st.Page("pages/tour.py", title="Teaching tour", icon=":material/school:"),
        st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    ]
)
navigation.run()
