"""Bootstrap intervals: contain the estimate, narrow with n, pair correctly, repeat."""

from __future__ import annotations

import numpy as np
import pytest

from xner.evaluate.bootstrap import (
    Drop,
    F1Intervals,
    Interval,
    PairedDrops,
    f1_intervals,
    paired_drops,
    resampled_totals,
)
from xner.evaluate.metrics import MetricError, score, sentence_counts

MODES = ["strict", "conlleval"]


def counts_of(make, mode, n, rate=0.2, seed=0):
    gold, pred = make(n, rate=rate, seed=seed)
    return sentence_counts(mode, [s.tags for s in gold], pred), gold, pred


@pytest.mark.parametrize("mode", MODES)
def test_intervals_contain_the_estimate(mode, make):
    counts, gold, pred = counts_of(make, mode, 500)
    intervals = f1_intervals(counts, n_resamples=300, seed=1)
    reference = score([s.tags for s in gold], pred, [mode])[mode]
    assert intervals.micro_f1.estimate == reference.overall.f1
    assert intervals.macro_f1.estimate == pytest.approx(reference.macro.f1, rel=1e-12)
    assert intervals.micro_precision.estimate == reference.overall.precision
    assert intervals.micro_recall.estimate == reference.overall.recall
    for interval in (intervals.micro_f1, intervals.macro_f1, *intervals.per_type_f1.values()):
        assert interval.low <= interval.estimate <= interval.high
        assert interval.estimate in interval
        assert interval.low < interval.high
    for name, interval in intervals.per_type_f1.items():
        assert interval.estimate == pytest.approx(reference.per_type[name].f1)


@pytest.mark.parametrize("mode", MODES)
def test_intervals_narrow_as_n_grows(mode, make):
    widths = []
    for n in (100, 1000, 5000):
        counts, _, _ = counts_of(make, mode, n)
        interval = f1_intervals(counts, n_resamples=300, seed=0).micro_f1
        widths.append(interval.high - interval.low)
    assert widths[0] > widths[1] > widths[2]
    # Roughly 1/sqrt(n): 50x the sentences, about 7x narrower.
    assert 4 < widths[0] / widths[2] < 12


def test_same_seed_same_numbers_other_seed_other_numbers(make):
    counts, _, _ = counts_of(make, "strict", 300)
    first = f1_intervals(counts, n_resamples=200, seed=3)
    assert f1_intervals(counts, n_resamples=200, seed=3) == first
    assert f1_intervals(counts, n_resamples=200, seed=4) != first


def test_resample_blocks_cover_every_draw():
    table = np.ones((7, 1))
    (totals,) = resampled_totals([table], n_resamples=300, seed=0)
    # Every resample draws exactly n sentences, across block boundaries too.
    assert totals.shape == (300, 1) and np.all(totals == 7)


@pytest.mark.parametrize("mode", MODES)
def test_identical_predictions_give_no_drop(mode, make):
    counts, _, _ = counts_of(make, mode, 400)
    drops = paired_drops(counts, counts, n_resamples=200, seed=0)
    for drop in (drops.micro_f1, drops.macro_f1, *drops.per_type_f1.values()):
        assert drop.absolute == Interval(0.0, 0.0, 0.0)
        assert not drop.significant
    assert drops.micro_f1.relative == Interval(0.0, 0.0, 0.0)


@pytest.mark.parametrize("mode", MODES)
def test_worse_predictions_give_a_significant_drop(mode, make):
    gold, clean_pred = make(800, rate=0.05, seed=9)
    _, noisy_pred = make(800, rate=0.3, seed=9)  # same gold (same seed), more noise
    tags = [s.tags for s in gold]
    clean = sentence_counts(mode, tags, clean_pred)
    noisy = sentence_counts(mode, tags, noisy_pred)
    drops = paired_drops(clean, noisy, n_resamples=300, seed=0)
    drop = drops.micro_f1
    assert drop.significant and drop.absolute.low > 0
    assert drop.absolute.estimate == pytest.approx(drop.clean - drop.perturbed)
    assert drop.relative is not None
    assert drop.relative.estimate == pytest.approx((drop.clean - drop.perturbed) / drop.clean)
    assert drop.absolute.low <= drop.absolute.estimate <= drop.absolute.high
    # Pairing removes sentence difficulty: the paired interval of the difference is
    # narrower than the two single intervals' widths added up.
    single = [f1_intervals(c, n_resamples=300, seed=0).micro_f1 for c in (clean, noisy)]
    assert drop.absolute.high - drop.absolute.low < sum(i.high - i.low for i in single)


def test_relative_drop_is_none_when_clean_f1_is_zero():
    clean = sentence_counts("strict", [["B-PER"]], [["O"]])
    drops = paired_drops(clean, clean, n_resamples=50)
    assert drops.micro_f1.relative is None and not drops.micro_f1.significant


def test_paired_tables_may_have_different_types():
    clean = sentence_counts("strict", [["B-PER"], ["O"]], [["B-PER"], ["O"]])
    perturbed = sentence_counts("strict", [["B-PER"], ["O"]], [["B-PER"], ["B-LOC"]])
    drops = paired_drops(clean, perturbed, n_resamples=50)
    assert set(drops.per_type_f1) == {"LOC", "PER"}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"n_resamples": 0}, "at least 1"), ({"level": 1.5}, "between 0 and 1")],
)
def test_bad_settings_are_refused(kwargs, message):
    counts = sentence_counts("strict", [["B-PER"]], [["B-PER"]])
    with pytest.raises(MetricError, match=message):
        f1_intervals(counts, **kwargs)


def test_pairing_needs_equal_lengths_and_modes():
    one = sentence_counts("strict", [["O"]], [["O"]])
    two = sentence_counts("strict", [["O"], ["O"]], [["O"], ["O"]])
    with pytest.raises(MetricError, match="pair the same sentences"):
        paired_drops(one, two)
    with pytest.raises(MetricError, match="cannot pair mode"):
        paired_drops(one, sentence_counts("conlleval", [["O"]], [["O"]]))


def test_records_round_trip(make):
    counts, _, _ = counts_of(make, "strict", 100)
    intervals = f1_intervals(counts, n_resamples=50)
    assert F1Intervals.from_dict(intervals.to_dict()) == intervals
    drops = paired_drops(counts, counts, n_resamples=50)
    assert PairedDrops.from_dict(drops.to_dict()) == drops
    drop = Drop(0.5, 0.4, Interval(0.1, 0.05, 0.15), None)
    assert Drop.from_dict(drop.to_dict()) == drop and drop.to_dict()["significant"]
