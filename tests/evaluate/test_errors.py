"""Entity error records: one hand-made sentence per kind, partner choice, counts."""

from __future__ import annotations

import dataclasses

import pytest

from xner.evaluate.errors import (
    KINDS,
    EntityError,
    entity_errors,
    error_counts,
    sentence_errors,
)


@pytest.mark.parametrize(
    ("gold", "pred", "expected"),
    [
        # correct: no record
        (["B-PER", "I-PER", "O"], ["B-PER", "I-PER", "O"], []),
        (["B-PER", "O"], ["O", "O"], [("missed", (0, 1, "PER"), None)]),
        (["O", "O"], ["O", "B-LOC"], [("spurious", None, (1, 2, "LOC"))]),
        (["B-PER", "I-PER"], ["B-LOC", "I-LOC"], [("wrong_type", (0, 2, "PER"), (0, 2, "LOC"))]),
        (
            ["B-PER", "I-PER", "O"],
            ["B-PER", "O", "O"],
            [("boundary", (0, 2, "PER"), (0, 1, "PER"))],
        ),
        (
            ["O", "B-PER", "O"],
            ["B-PER", "I-PER", "I-PER"],
            [("boundary", (1, 2, "PER"), (0, 3, "PER"))],
        ),
        (
            ["B-PER", "I-PER", "O"],
            ["O", "B-ORG", "I-ORG"],
            [("boundary_type", (0, 2, "PER"), (1, 3, "ORG"))],
        ),
        # A stray I- run with the exact span and type: right for conlleval, not for strict.
        (
            ["O", "B-PER", "I-PER"],
            ["O", "I-PER", "I-PER"],
            [("invalid_start", (1, 3, "PER"), (1, 3, "PER"))],
        ),
    ],
)
def test_each_kind(gold, pred, expected):
    records = sentence_errors("s1", gold, pred)
    got = [
        (
            r.kind,
            None if r.gold_type is None else (r.gold_start, r.gold_end, r.gold_type),
            None if r.pred_type is None else (r.pred_start, r.pred_end, r.pred_type),
        )
        for r in records
    ]
    assert got == expected
    assert all(r.sentence_id == "s1" and r.kind in KINDS for r in records)


def test_one_prediction_spanning_two_gold_entities():
    gold = ["B-PER", "I-PER", "B-LOC", "O"]
    pred = ["B-PER", "I-PER", "I-PER", "O"]
    kinds = [(r.kind, r.gold_type) for r in sentence_errors("s", gold, pred)]
    # Same-type overlap -> boundary; the LOC is only overlapped by a PER -> boundary_type.
    assert kinds == [("boundary", "PER"), ("boundary_type", "LOC")]


def test_partner_prefers_same_type_then_largest_overlap():
    gold = ["B-PER", "I-PER", "I-PER", "I-PER", "O"]
    pred = ["B-LOC", "I-LOC", "I-LOC", "B-PER", "I-PER"]
    (record,) = sentence_errors("s", gold, pred)
    assert (record.kind, record.pred_start, record.pred_type) == ("boundary", 3, "PER")

    pred = ["B-LOC", "B-ORG", "I-ORG", "I-ORG", "O"]
    (record,) = sentence_errors("s", gold, pred)
    assert (record.kind, record.pred_start, record.pred_type) == ("boundary_type", 1, "ORG")


def test_stray_starts_are_flagged():
    (record,) = sentence_errors("s", ["O", "O"], ["O", "I-ORG"])
    assert record.kind == "spurious" and record.pred_invalid
    (record,) = sentence_errors("s", ["B-PER", "I-PER"], ["B-PER", "I-ORG"])
    # B-PER I-ORG reads as PER(0) + ORG(1): the PER is the boundary partner.
    assert (record.kind, record.pred_end, record.pred_invalid) == ("boundary", 1, False)


def test_every_gold_entity_is_correct_or_has_one_record(make):
    gold_sentences, pred = make(300, rate=0.3, seed=7)
    ids = [s.id for s in gold_sentences]
    records = entity_errors(ids, [s.tags for s in gold_sentences], pred)
    gold_records = [r for r in records if r.gold_type is not None]
    keys = [(r.sentence_id, r.gold_start) for r in gold_records]
    assert len(keys) == len(set(keys))
    assert {r.sentence_id for r in records} <= set(ids)


def test_counts_per_kind_and_type():
    records = sentence_errors("a", ["B-PER", "O", "B-LOC"], ["O", "B-ORG", "B-PER"])
    counts = error_counts(records)
    assert set(counts) == set(KINDS)
    assert counts["missed"] == {"PER": 1}
    assert counts["spurious"] == {"ORG": 1}
    assert counts["wrong_type"] == {"LOC": 1}
    assert counts["boundary"] == {}


def test_records_hold_no_text_and_round_trip():
    fields = {f.name for f in dataclasses.fields(EntityError)}
    assert not fields & {"tokens", "text", "token", "surface"}
    for record in sentence_errors("x", ["B-PER", "I-PER", "O"], ["O", "I-ORG", "B-LOC"]):
        assert EntityError.from_dict(record.to_dict()) == record
