"""Widgets the pages share, built from the package's declarations (kept out of the
science modules, which never import Streamlit)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from xner.results import main_split, options, split_label

SPLIT_HELP = (
    "paper: each language's WikiANN pooled and split 80/20 as the paper did; "
    "xtreme: PAN-X as XTREME releases it (test = its labelled dev file)"
)


def one_split(table: pd.DataFrame, label: str = "Data split") -> pd.DataFrame:
    """The rows of one split policy, chosen with a radio when the table holds several
    (the paper's split first): runs of different splits test on different sentences and
    are never pooled."""
    splits = options(table, "split") if not table.empty else []
    if len(splits) < 2:
        return table
    split = st.radio(
        label,
        splits,
        index=splits.index(main_split(table)),
        horizontal=True,
        key="split",
        format_func=split_label,
        help=SPLIT_HELP,
    )
    return table[table["split"] == split]
