"""Views of the results table: drop and coverage matrices, per-type scores, headline rows,
provenance."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from xner.analysis.table import filter_results, load_results, options
from xner.analysis.views import coverage_matrix, drop_matrix, headline_rows, provenance, type_scores


def test_filter_matrix_types_and_headline(runs: Path, entity_types: tuple[str, ...]) -> None:
    table = load_results(runs)
    matrix = drop_matrix(table)
    assert list(matrix.columns) == ["p1", "mask"]  # the declared order: the paper's kinds first
    assert list(matrix.index) == ["es→ca · native", "es→ca · transfer"]
    assert matrix.loc["es→ca · transfer", "p1"] == pytest.approx(0.25)
    assert math.isnan(matrix.loc["es→ca · native", "mask"])
    relative = drop_matrix(table, relative=True)
    assert relative.loc["es→ca · native", "p1"] == pytest.approx(0.05 / 0.9)
    types = type_scores(filter_results(table, settings=["native"]))
    assert (
        list(types["type"][:3]) == list(entity_types) and types["perturbation"].iloc[0] == "clean"
    )
    assert types.loc[types["type"] == "PER", "f1"].tolist() == pytest.approx([0.92, 0.87])
    headline = headline_rows(table).set_index("setting")
    assert headline.loc["transfer", "clean"] == pytest.approx(0.75)
    assert headline.loc["transfer", "perturbed"] == pytest.approx((0.6 + 0.79 + 0.4 + 0.7) / 4)
    assert headline.loc["native", "n_perturbations"] == 1
    assert options(table, "perturbation") == ["clean", "mask", "p1"]
    assert options(table, "type")[:2] == ["micro", "macro"]


def test_provenance_names_backbones_methods_sizes_and_split() -> None:

    rows = pd.DataFrame(
        {
            "run_path": ["a", "a", "b", "c"],
            "backbone": ["e5", "e5", "e5", "scratch-char"],
            "method": ["lora", "lora", "lora", "full"],
            "test_set": ["panx/fa/test", "panx/fa/test", "panx/hi/test", "panx/fa/test"],
            "perturbation": ["clean", "p1", "clean", "clean"],
            "n_sentences": [2000, 2000, 1000, 2000],
        }
    )
    text = provenance(rows)
    assert text.startswith("3 runs; backbones: e5 (lora), scratch-char (full); 2 test sets")
    assert "(1,000–2,000 sentences each)" in text and "labelled dev file" in text
    assert provenance(rows.iloc[0:0]) == "No evaluated runs."


def test_significance_matrix_is_the_share_of_runs_with_a_significant_drop(runs: Path) -> None:
    table = load_results(runs)
    sure = coverage_matrix(table, share="significant")
    # es→ca transfer: seed 1 drops p1 by 0.2 (interval above 0), seed 2 by 0.3: both
    assert sure.loc["es→ca · transfer", "p1"] == pytest.approx(1.0)
