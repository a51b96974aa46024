"""evaluate_predictions and compare: the records the store writes and the app reads."""

from __future__ import annotations

import json
import random
import warnings

import pytest
from seqeval.metrics import f1_score
from seqeval.scheme import IOB2

from xner.data.records import Sentence
from xner.evaluate import (
    ERROR_KINDS,
    MODES,
    Degradation,
    EvalInputs,
    EvalResult,
    MetricError,
    compare,
    evaluate_predictions,
)


def evaluate(gold, pred, **kwargs):
    kwargs.setdefault("n_resamples", 100)
    return evaluate_predictions(gold, pred, run_id="run1", test_set="panx-fa-test", **kwargs)


def test_result_holds_every_mode_intervals_and_errors(make):
    gold, pred = make(200, rate=0.2)
    result = evaluate(gold, pred, perturbation="typos")
    assert set(result.scores) == set(MODES)
    assert set(result.intervals) == {"strict", "conlleval"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = f1_score([list(s.tags) for s in gold], pred, mode="strict", scheme=IOB2)
    assert result.f1 == expected == result.intervals["strict"].micro_f1.estimate
    assert (result.run_id, result.test_set, result.perturbation) == (
        "run1",
        "panx-fa-test",
        "typos",
    )
    assert result.n_sentences == 200 and result.n_tokens == sum(len(s) for s in gold)
    assert set(result.error_counts) == set(ERROR_KINDS)
    assert sum(sum(v.values()) for v in result.error_counts.values()) == len(result.errors)
    assert result.stray_starts > 0  # the noise makes stray I- starts


def test_json_round_trip(make):
    gold, pred = make(60, rate=0.3)
    result = evaluate(gold, pred)
    text = json.dumps(result.to_dict())
    assert EvalResult.from_dict(json.loads(text)) == result


def test_old_schema_is_refused(make):
    gold, pred = make(5)
    data = evaluate(gold, pred).to_dict()
    data["schema"] = 0
    with pytest.raises(MetricError, match="re-run the evaluation"):
        EvalResult.from_dict(data)


def test_no_resamples_no_intervals(make):
    gold, pred = make(20)
    result = evaluate(gold, pred, n_resamples=0, modes=["strict", "nv-partial"])
    assert result.intervals == {} and set(result.scores) == {"strict", "nv-partial"}


def test_deterministic_for_a_seed(make):
    gold, pred = make(100, rate=0.2)
    assert evaluate(gold, pred, seed=5) == evaluate(gold, pred, seed=5)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda g, p: (g, p[:-1]), "predicted tag sequences"),
        (lambda g, p: ([g[0].with_content(g[0].tokens, None), *g[1:]], p), "no gold tags"),
        (lambda g, p: ([*g, g[0]], [*p, p[0]]), "repeats sentence ids"),
        (lambda g, p: ([], []), "no sentences"),
    ],
)
def test_bad_inputs_name_the_problem(make, mutate, message):
    gold, pred = make(5)
    gold, pred = mutate(gold, pred)
    with pytest.raises(MetricError, match=message):
        evaluate(gold, pred)


def perturbed_copy(gold: list[Sentence], seed: int = 0) -> list[Sentence]:
    """The same sentences (same ids), with new tokens, in shuffled order."""
    out = [s.with_content([t.upper() for t in s.tokens], s.tags) for s in gold]
    random.Random(seed).shuffle(out)
    return out


@pytest.mark.parametrize("mode", ["strict", "conlleval"])
def test_identical_predictions_have_no_degradation(make, mode):
    gold, pred = make(300, rate=0.2)
    by_id = dict(zip((s.id for s in gold), pred, strict=True))
    shuffled = perturbed_copy(gold)
    degradation = compare(
        EvalInputs(gold, pred),
        EvalInputs(shuffled, [by_id[s.id] for s in shuffled], perturbation="case"),
        modes=[mode],
        n_resamples=200,
    )
    drop = degradation.drops[mode].micro_f1
    assert drop.absolute.estimate == drop.absolute.low == drop.absolute.high == 0.0
    assert not drop.significant
    assert degradation.perturbation == "case" and degradation.n_sentences == 300


def test_pairing_is_by_id_not_position(make):
    gold, clean_pred = make(400, rate=0.05, seed=1)
    _, noisy_pred = make(400, rate=0.4, seed=1)
    by_id = dict(zip((s.id for s in gold), noisy_pred, strict=True))
    in_order = compare(EvalInputs(gold, clean_pred), EvalInputs(gold, noisy_pred), n_resamples=200)
    shuffled = perturbed_copy(gold, seed=3)
    reordered = compare(
        EvalInputs(gold, clean_pred),
        EvalInputs(shuffled, [by_id[s.id] for s in shuffled]),
        n_resamples=200,
    )
    assert reordered.drops == in_order.drops
    assert in_order.significant
    assert Degradation.from_dict(json.loads(json.dumps(in_order.to_dict()))) == in_order


def test_compare_needs_the_same_sentences(make):
    gold, pred = make(10)
    with pytest.raises(MetricError, match="keep its sentence ids"):
        compare(EvalInputs(gold, pred), EvalInputs(gold[:-1], pred[:-1]))


def test_inputs_are_checked_on_construction(make):
    gold, pred = make(3)
    with pytest.raises(MetricError, match="sentence 0"):
        EvalInputs(gold, [p[:-1] for p in pred])
