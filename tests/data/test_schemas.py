"""Label schemas and the cross-dataset type mappings."""

from __future__ import annotations

import pytest

from xner.data.records import Sentence
from xner.data.schemas import (
    MAPPINGS,
    SCHEMAS,
    apply_mapping,
    get_mapping,
    get_schema,
    map_tags,
    mapping_rows,
)
from xner.data.tags import iob2_problems
from xner.errors import XnerError


def test_schemas_hold_the_declared_types():
    assert get_schema("wikiann").types == ("PER", "ORG", "LOC")
    assert set(get_schema("wnut17").types) == {
        "person",
        "location",
        "corporation",
        "group",
        "product",
        "creative-work",
    }
    assert len(get_schema("ontonotes5").types) == 18
    tags = get_schema("wikiann").tags
    assert tags[0] == "O" and len(tags) == 7 and "I-LOC" in tags


def test_unknown_schema_lists_known():
    with pytest.raises(
        XnerError, match=r"unknown label schema 'conll'; known: wikiann, coarse, wnut17, ontonotes5"
    ):
        get_schema("conll")


@pytest.mark.parametrize("name", sorted(MAPPINGS))
def test_every_mapping_covers_its_source_and_stays_in_its_target(name):
    mapping = MAPPINGS[name]
    sources = [row.source for row in mapping.rows]
    assert sorted(sources) == sorted(SCHEMAS[mapping.source].types)
    targets = {row.target for row in mapping.rows} - {None}
    assert targets <= set(SCHEMAS[mapping.target].types)
    assert all(row.note for row in mapping.rows)


def test_mapping_rows_choices():
    onto = {row.source: row.target for row in mapping_rows("ontonotes5")}
    assert onto["PERSON"] == "PER" and onto["GPE"] == "LOC" and onto["FAC"] == "LOC"
    assert onto["NORP"] is None and onto["DATE"] is None  # no MISC in WikiANN
    coarse = get_mapping("ontonotes5", "coarse").table()
    assert coarse["NORP"] == "MISC" and coarse["CARDINAL"] is None
    wnut = get_mapping("wnut17").table()
    assert wnut["group"] == "ORG" and wnut["creative-work"] is None


def test_unknown_mapping_lists_known():
    with pytest.raises(
        XnerError, match=r"unknown label mapping 'wikiann->ontonotes5'; known: ontonotes5->"
    ):
        get_mapping("wikiann", "ontonotes5")


def test_adjacent_entities_stay_apart_and_dropped_types_become_o():
    table = get_mapping("ontonotes5").table()
    tags = ["B-GPE", "B-LOC", "I-LOC", "B-DATE", "I-DATE", "B-PERSON", "I-PERSON", "B-ORG"]
    mapped = map_tags(tags, table)
    assert mapped == ["B-LOC", "B-LOC", "I-LOC", "O", "O", "B-PER", "I-PER", "B-ORG"]
    assert not iob2_problems(mapped)


def test_apply_mapping_to_sentences():
    labelled = Sentence(
        "wnut17/en/test/000000",
        ("Zap", "Phone", "by", "Orvo"),
        ("B-product", "I-product", "O", "B-corporation"),
        "en",
        "wnut17",
        "test",
    )
    raw = Sentence("wnut17/en/test/000001", ("hi",), None, "en", "wnut17", "unlabelled")
    out = apply_mapping([labelled, raw], "wnut17", "coarse")
    assert out[0].tags == ("B-MISC", "I-MISC", "O", "B-ORG")
    assert out[0].id == labelled.id and out[0].hash != labelled.hash
    assert out[1] is raw
    assert apply_mapping([labelled], "wnut17")[0].tags == ("O", "O", "O", "B-ORG")


def test_unknown_type_names_the_sentence():
    sentence = Sentence("x/en/test/000003", ("a",), ("B-PER",), "en", "x", "test")
    with pytest.raises(XnerError, match=r"x/en/test/000003.*'PER' has no row"):
        apply_mapping([sentence], "ontonotes5")
