"""Metric modes against hand-computed examples and the reference libraries themselves."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nervaluate import Evaluator
from seqeval.metrics import classification_report, f1_score
from seqeval.scheme import IOB2

from xner.evaluate.bootstrap import prf
from xner.evaluate.metrics import (
    HEADLINE,
    MODES,
    MetricError,
    get_mode,
    score,
    sentence_counts,
)

SEQEVAL_MODES = ["strict", "conlleval"]
NV_MODES = ["nv-strict", "nv-exact", "nv-partial", "nv-type"]
SEQEVAL_KWARGS = {"strict": {"mode": "strict", "scheme": IOB2}, "conlleval": {}}


def seqeval_f1(mode: str, gold, pred) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f1_score(gold, pred, zero_division=0, **SEQEVAL_KWARGS[mode])


# One sentence, gold PER(0-2) LOC(3) ORG(5); predicted: PER opened by a stray I-,
# LOC right, ORG predicted as PER.
GOLD = [["B-PER", "I-PER", "O", "B-LOC", "O", "B-ORG"]]
PRED = [["I-PER", "I-PER", "O", "B-LOC", "O", "B-PER"]]


@pytest.mark.parametrize(
    ("mode", "precision", "recall", "tp", "predicted"),
    [
        # strict IOB2: the I-PER run is no entity -> predicted {LOC, PER@5}; tp = LOC.
        ("strict", 1 / 2, 1 / 3, 1, 2),
        # conlleval: the I-PER run is PER(0-2) = gold -> tp = PER, LOC.
        ("conlleval", 2 / 3, 2 / 3, 2, 3),
    ],
)
def test_seqeval_modes_by_hand(mode, precision, recall, tp, predicted):
    overall = score(GOLD, PRED, [mode])[mode].overall
    assert overall.precision == pytest.approx(precision)
    assert overall.recall == pytest.approx(recall)
    f1 = 2 * precision * recall / (precision + recall)
    assert overall.f1 == pytest.approx(f1)
    assert (overall.support, overall.predicted) == (3, predicted)
    assert overall.counts == {"tp": tp, "fp": predicted - tp, "fn": 3 - tp}


@pytest.mark.parametrize(
    ("gold", "pred", "strict_f1", "conlleval_f1"),
    [
        # I- after O: strict drops the entity, conlleval reads it as B-.
        (["O", "B-PER", "I-PER"], ["O", "I-PER", "I-PER"], 0.0, 1.0),
        (["B-PER"], ["I-PER"], 0.0, 1.0),
        # B-X I-Y: strict keeps X (one token) and drops the I-Y run; conlleval splits.
        (["B-PER", "B-LOC"], ["B-PER", "I-LOC"], 2 / 3, 1.0),
        # I-Y after I-X ends X in both readings.
        (["B-PER", "I-PER", "B-LOC"], ["B-PER", "I-PER", "I-LOC"], 2 / 3, 1.0),
        # Valid IOB2: the modes agree.
        (["B-PER", "I-PER", "O"], ["B-PER", "O", "O"], 0.0, 0.0),
        (["B-PER", "O", "B-LOC"], ["B-PER", "O", "B-LOC"], 1.0, 1.0),
    ],
)
def test_invalid_iob2_predictions(gold, pred, strict_f1, conlleval_f1):
    scores = score([gold], [pred], SEQEVAL_MODES)
    assert scores["strict"].overall.f1 == pytest.approx(strict_f1)
    assert scores["conlleval"].overall.f1 == pytest.approx(conlleval_f1)
    # ... and both are what seqeval itself says.
    assert scores["strict"].overall.f1 == seqeval_f1("strict", [gold], [pred])
    assert scores["conlleval"].overall.f1 == seqeval_f1("conlleval", [gold], [pred])


@pytest.mark.parametrize("mode", SEQEVAL_MODES)
def test_seqeval_modes_equal_seqeval_report(mode, make):
    gold_sentences, pred = make(300, rate=0.15, seed=1)
    gold = [list(s.tags) for s in gold_sentences]
    scores = score(gold, pred, [mode])[mode]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = classification_report(
            gold, pred, output_dict=True, zero_division=0, **SEQEVAL_KWARGS[mode]
        )
    assert scores.overall.f1 == seqeval_f1(mode, gold, pred)
    assert scores.overall.precision == report["micro avg"]["precision"]
    assert scores.overall.recall == report["micro avg"]["recall"]
    assert scores.macro.f1 == report["macro avg"]["f1-score"]
    for name, type_score in scores.per_type.items():
        assert type_score.f1 == report[name]["f1-score"]
        assert type_score.support == report[name]["support"]
    counts = scores.overall.counts
    assert counts["tp"] + counts["fn"] == scores.overall.support
    assert counts["tp"] + counts["fp"] == scores.overall.predicted


@pytest.mark.parametrize("mode", SEQEVAL_MODES)
@pytest.mark.parametrize("rate", [0.0, 0.1, 0.5])
def test_sentence_counts_reproduce_seqeval_exactly(mode, rate, make):
    gold_sentences, pred = make(400, rate=rate, seed=2)
    gold = [list(s.tags) for s in gold_sentences]
    counts = sentence_counts(mode, gold, pred)
    _, _, f1 = prf(counts.tp.sum(), counts.predicted.sum(), counts.gold.sum())
    assert float(f1) == seqeval_f1(mode, gold, pred)  # exact, not approx
    per_type = score(gold, pred, [mode])[mode].per_type
    for j, name in enumerate(counts.types):
        assert counts.tp[:, j].sum() == per_type[name].counts["tp"]
        assert counts.gold[:, j].sum() == per_type[name].support


TAG = st.sampled_from(["O", "B-PER", "I-PER", "B-LOC", "I-LOC"])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.integers(1, 6).flatmap(
            lambda n: st.tuples(
                st.lists(TAG, min_size=n, max_size=n), st.lists(TAG, min_size=n, max_size=n)
            )
        ),
        min_size=1,
        max_size=8,
    )
)
def test_counts_match_seqeval_on_any_tags(pairs):
    gold = [g for g, _ in pairs]
    pred = [p for _, p in pairs]
    for mode in SEQEVAL_MODES:
        counts = sentence_counts(mode, gold, pred)
        _, _, f1 = prf(counts.tp.sum(), counts.predicted.sum(), counts.gold.sum())
        assert float(f1) == seqeval_f1(mode, gold, pred)


@pytest.mark.parametrize(
    ("mode", "counts", "f1"),
    [
        # Gold PER(0-1) LOC(3) ORG(5); predicted PER(1) LOC(3) PER(5).
        ("nv-strict", {"correct": 1, "incorrect": 2, "partial": 0, "missed": 0}, 1 / 3),
        ("nv-exact", {"correct": 2, "incorrect": 1, "partial": 0, "missed": 0}, 2 / 3),
        ("nv-partial", {"correct": 2, "incorrect": 0, "partial": 1, "missed": 0}, 2.5 / 3),
        ("nv-type", {"correct": 2, "incorrect": 1, "partial": 0, "missed": 0}, 2 / 3),
    ],
)
def test_nervaluate_modes_by_hand(mode, counts, f1):
    gold = [["B-PER", "I-PER", "O", "B-LOC", "O", "B-ORG"]]
    pred = [["O", "B-PER", "O", "B-LOC", "O", "B-PER"]]
    overall = score(gold, pred, [mode])[mode].overall
    assert {k: overall.counts[k] for k in counts} == counts
    assert overall.counts["spurious"] == 0
    assert overall.f1 == pytest.approx(f1)


@pytest.mark.parametrize("mode", NV_MODES)
def test_nervaluate_modes_equal_nervaluate_list_loader(mode, make):
    gold_sentences, pred = make(200, rate=0.2, seed=3)
    gold = [list(s.tags) for s in gold_sentences]
    reference = Evaluator(gold, pred, tags=["PER", "LOC", "ORG"], loader="list").evaluate()
    key = {
        "nv-strict": "strict",
        "nv-exact": "exact",
        "nv-partial": "partial",
        "nv-type": "ent_type",
    }[mode]
    ours = score(gold, pred, [mode])[mode]
    assert ours.overall.f1 == reference["overall"][key].f1
    for name, type_score in ours.per_type.items():
        assert type_score.f1 == reference["entities"][name][key].f1


@pytest.mark.parametrize("mode", list(MODES))
def test_every_mode_handles_no_entities(mode):
    result = score([["O", "O"], []], [["O", "O"], []], [mode])[mode]
    assert (result.overall.f1, result.overall.support, result.per_type) == (0.0, 0, {})


@pytest.mark.parametrize("mode", list(MODES))
def test_perfect_predictions_score_one(mode, make):
    gold_sentences, _ = make(50, seed=4)
    gold = [list(s.tags) for s in gold_sentences]
    result = score(gold, gold, [mode])[mode]
    assert result.overall.f1 == pytest.approx(1.0)
    assert all(s.f1 == pytest.approx(1.0) for s in result.per_type.values())


@pytest.mark.parametrize("mode", list(MODES))
def test_modes_round_trip(mode, make):
    gold_sentences, pred = make(30, rate=0.3, seed=5)
    result = score([list(s.tags) for s in gold_sentences], pred, [mode])[mode]
    assert type(result).from_dict(result.to_dict()) == result


def test_registry_declares_each_mode():
    assert HEADLINE == "strict" and MODES[HEADLINE].headline
    assert sum(mode.headline for mode in MODES.values()) == 1
    for name, mode in MODES.items():
        assert mode.name == name and mode.description and mode.library
    assert {m.name for m in MODES.values() if m.bootstrappable} == set(SEQEVAL_MODES)


def test_unknown_mode_lists_the_known_ones():
    with pytest.raises(MetricError, match="unknown metric mode 'f2'; known: strict, conlleval"):
        get_mode("f2")


def test_modes_without_counts_refuse_bootstrap():
    with pytest.raises(MetricError, match="no per-sentence counts"):
        sentence_counts("nv-partial", [["O"]], [["O"]])


@pytest.mark.parametrize(
    ("gold", "pred", "message"),
    [
        ([["O"]], [], "1 gold sentences but 0 predicted"),
        ([["O", "O"]], [["O"]], "sentence 0: 2 gold tags but 1 predicted"),
        ([["O"]], [["PER"]], "sentence 0, token 0: predicted tag 'PER'"),
        ([["B-"]], [["O"]], "gold tag 'B-'"),
    ],
)
def test_inputs_are_checked(gold, pred, message):
    with pytest.raises(MetricError, match=message):
        score(gold, pred)


def test_counts_widen_to_more_types():
    counts = sentence_counts("strict", [["B-PER"]], [["B-PER"]])
    wide = counts.with_types(["LOC", "PER"])
    assert wide.types == ("LOC", "PER")
    assert np.array_equal(wide.tp, [[0, 1]])
    with pytest.raises(MetricError):
        counts.with_types(["LOC"])
