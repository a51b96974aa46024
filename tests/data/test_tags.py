"""IOB2 helpers: span extraction, validation, conlleval-style repair."""

from __future__ import annotations

import pytest

from xner.data.tags import (
    Span,
    entity_types,
    iob2_problems,
    repair_iob2,
    spans,
    split_tag,
    tags_from_spans,
)


@pytest.mark.parametrize(
    ("tag", "parts"),
    [("O", ("O", "")), ("B-PER", ("B", "PER")), ("I-WORK_OF_ART", ("I", "WORK_OF_ART"))],
)
def test_split_tag(tag, parts):
    assert split_tag(tag) == parts


@pytest.mark.parametrize("tag", ["PER", "X-PER", "B-", "b-PER", ""])
def test_split_tag_rejects(tag):
    with pytest.raises(ValueError, match="not an IOB2 tag"):
        split_tag(tag)


def test_spans_and_back():
    tags = ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC"]
    found = spans(tags)
    assert found == [Span(0, 2, "PER"), Span(3, 4, "LOC"), Span(4, 6, "LOC")]
    assert tags_from_spans(len(tags), found) == tags
    assert entity_types(tags) == {"PER", "LOC"}


def test_stray_i_starts_a_span():
    assert spans(["O", "I-ORG", "I-ORG", "I-PER"]) == [Span(1, 3, "ORG"), Span(3, 4, "PER")]


@pytest.mark.parametrize(
    ("tags", "positions"),
    [
        (["B-PER", "I-PER"], []),
        (["I-PER"], [0]),
        (["O", "I-PER"], [1]),
        (["B-PER", "I-ORG"], [1]),
        (["B-PER", "XYZ", "I-PER"], [1, 2]),
    ],
)
def test_iob2_problems(tags, positions):
    assert [p for p, _ in iob2_problems(tags)] == positions


def test_repair_matches_span_reading():
    tags = ["I-PER", "I-PER", "O", "I-LOC", "B-ORG", "I-PER"]
    repaired, count = repair_iob2(tags)
    assert repaired == ["B-PER", "I-PER", "O", "B-LOC", "B-ORG", "B-PER"]
    assert count == 3
    assert not iob2_problems(repaired)
    assert spans(repaired) == spans(tags)


@pytest.mark.parametrize(
    "bad", [[Span(0, 3, "PER")], [Span(0, 2, "PER"), Span(1, 2, "LOC")], [Span(1, 1, "PER")]]
)
def test_tags_from_spans_rejects(bad):
    with pytest.raises(ValueError):
        tags_from_spans(2, bad)
