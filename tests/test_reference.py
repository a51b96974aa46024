import pytest

from xner.pairs import all_pairs
from xner.reference import reference_results
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
