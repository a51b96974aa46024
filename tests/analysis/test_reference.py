"""The paper's numbers: the published table, its drops, and the comparison with ours."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from xner.analysis.reference import (
    PAPER_SPLIT,
    ours_split_label,
    reference_comparison,
    reference_drops,
    reference_results,
    side_by_side,
)
from xner.analysis.table import load_results, main_split
from xner.pairs import all_pairs
from xner.viz.figures import reference_f1_figure


def test_reference_covers_the_papers_pairs_models_settings_and_perturbations():
    results = reference_results()
    paper_pairs = {pair.id for pair in all_pairs() if pair.paper}
    assert {result.pair_id for result in results} == paper_pairs
    assert {result.model for result in results} == {
        "bert-base-multilingual-cased",
        "xlm-roberta-base",
    }
    assert {result.setting for result in results} == {"native", "transfer"}
    assert {result.perturbation for result in results} == {"clean", "p1", "p2", "p1+p2"}
    # 13 pairs x 2 models x 2 settings x 4 test sets
    assert len(results) == 13 * 2 * 2 * 4


def test_reference_values_are_f1_percentages_and_overlap_shares():
    for result in reference_results():
        assert 0 <= result.f1 <= 100
        assert 0 <= result.entity_overlap <= 1


def test_published_fr_br_transfer_clean_value():
    [row] = [
        r
        for r in reference_results()
        if (r.pair_id, r.model, r.setting, r.perturbation)
        == ("fr-br", "xlm-roberta-base", "transfer", "clean")
    ]
    assert row.f1 == pytest.approx(66.3)


def test_reference_figure_has_a_trace_per_setting_and_perturbation():
    figure = reference_f1_figure(reference_results(), "xlm-roberta-base")
    assert len(figure.data) == 8
    assert all(len(trace.x) == 13 for trace in figure.data)


def test_reference_drops_are_the_papers() -> None:
    reference = reference_drops(perturbations=["p1"])
    assert set(reference["perturbation"]) == {"p1"}
    fr_br = reference[(reference["pair"] == "fr-br") & (reference["setting"] == "native")]
    assert fr_br["overlap"].iloc[0] == pytest.approx(0.23)
    assert (fr_br["drop"].between(-1, 1)).all()


def test_reference_comparison_labels_sources_and_hub_only(runs: Path) -> None:
    table = load_results(runs)
    rows = reference_comparison(table, pairs=["es-ca", "fr-br"], availability={"fr-br": "hub"})
    paper = rows[rows["source"] == "paper"]
    ours = rows[rows["source"] == "xner"]
    assert set(paper["pair"]) == {"es-ca", "fr-br"} and set(paper["split"]) == {PAPER_SPLIT}
    assert set(ours["split"]) == {ours_split_label()} and "PAN-X" in ours_split_label()
    clean = ours[(ours["setting"] == "transfer") & (ours["perturbation"] == "clean")].iloc[0]
    assert clean["f1"] == pytest.approx(75.0) and clean["n_seeds"] == 2
    assert (clean["f1_min"], clean["f1_max"]) == (pytest.approx(70.0), pytest.approx(80.0))
    assert "mask" not in set(rows["perturbation"])  # only the paper's four test sets
    assert set(rows.loc[rows["pair"] == "fr-br", "note"]) == {
        "data is hub-only here: xner runs need the Hugging Face hub"
    }


def test_runs_of_each_split_policy_stay_apart(
    tmp_path: Path, make_run: Callable[..., Path]
) -> None:
    make_run(tmp_path, "x", f1={"clean": 0.8, "p1+p2": 0.6})
    make_run(tmp_path, "p", split="paper", f1={"clean": 0.9, "p1+p2": 0.5})
    table = load_results(tmp_path)
    assert set(table["split"]) == {"xtreme", "paper"} and main_split(table) == "paper"
    rows = reference_comparison(table, pairs=["es-ca"])
    ours = rows[(rows["source"] == "xner") & (rows["perturbation"] == "clean")]
    assert sorted(ours["f1"].round(1)) == [80.0, 90.0]  # never averaged across splits
    assert any("paper split" in label for label in ours["split"])
    paper_rows = reference_comparison(table[table["split"] == "paper"], pairs=["es-ca"])
    wide = side_by_side(paper_rows, "transfer", "p1+p2")
    [row] = wide.to_dict("records")
    assert row["pair"] == "es→ca" and row["xner clean F1 (95% CI)"].startswith("90.0")
    assert row["xner p1+p2 drop (95% CI)"].startswith("40.0")
    # the paper's es→ca transfer: clean 85.1 / 82.6, p1+p2 drops published beside ours
    assert row["paper clean F1 (mBERT / XLM-R)"] == "85.1 / 82.6"
    assert row["paper overlap %"] == pytest.approx(37.0)


def test_the_papers_kinds_are_declared_once() -> None:
    from xner.analysis.reference import PAPER_KINDS, REFERENCE_PERTURBATIONS
    from xner.viz.palette import PERTURBATION_ORDER

    assert PAPER_KINDS == ("p1", "p2", "p1+p2")
    assert ("clean", *PAPER_KINDS) == REFERENCE_PERTURBATIONS
    assert {r.perturbation for r in reference_results()} == set(REFERENCE_PERTURBATIONS)
    assert PERTURBATION_ORDER[:7] == (*REFERENCE_PERTURBATIONS, "p1@hrl", "p2@hrl", "p1+p2@hrl")
