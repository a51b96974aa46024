"""Writers round-trip through the readers, and never leave half a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from xner.data.readers import Origin, read_jsonl, read_panx
from xner.data.records import Sentence
from xner.data.writers import write_columns, write_jsonl

ORIGIN = Origin("wikiann", "xx", "dev")


def sentences(labelled: bool = True) -> list[Sentence]:
    rows = [
        (["Ana", "Lopa", "in", "Vell"], ["B-PER", "I-PER", "O", "B-LOC"]),
        (["#", "''", "Ωmega"], ["O", "O", "B-ORG"]),
    ]
    return [
        ORIGIN.sentence(i, tokens, tags if labelled else None)
        for i, (tokens, tags) in enumerate(rows)
    ]


@pytest.mark.parametrize("labelled", [True, False])
def test_columns_round_trip(tmp_path: Path, labelled: bool) -> None:
    path = tmp_path / "out" / "dev-xx.tsv"
    write_columns(sentences(labelled), path)
    assert read_panx(path, origin=ORIGIN) == sentences(labelled)
    assert not path.read_text("utf-8").endswith("\n\n")


@pytest.mark.parametrize("labelled", [True, False])
def test_jsonl_round_trip(tmp_path: Path, labelled: bool) -> None:
    path = tmp_path / "dev.jsonl"
    write_jsonl(sentences(labelled), path)
    assert read_jsonl(path, origin=ORIGIN) == sentences(labelled)
    assert "Ωmega" in path.read_text("utf-8")  # kept readable, not \u-escaped


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "dev.tsv"
    write_columns(sentences(), path)
    before = path.read_text("utf-8")
    bad = ORIGIN.sentence(9, ["tab\there"], ["O"])
    with pytest.raises(ValueError, match="wikiann/xx/dev/000009"):
        write_columns([*sentences(), bad], path)
    assert path.read_text("utf-8") == before
    assert [p.name for p in tmp_path.iterdir()] == ["dev.tsv"]
