"""Inputs a tester tried that used to be read silently wrong: each is now an error that
names the file and line and says what to do, or (CR-only line ends) a correct read."""

from __future__ import annotations

import pytest

from xner.data.readers import READERS, read_conll, read_jsonl, read_panx
from xner.errors import DataFormatError


def _error(read, path, **options) -> str:
    with pytest.raises(DataFormatError) as caught:
        read(path, **options)
    message = str(caught.value)
    assert message.startswith(str(path))
    return message


@pytest.mark.parametrize("reader", ["panx", "conll", "jsonl", "rahimi"])
def test_a_file_of_nul_bytes_is_no_text(write, reader):
    path = write("nul.tsv", b"\x00" * 64)
    message = _error(READERS[reader].read, path)
    assert "NUL byte" in message and "line 1" in message


def test_a_nul_inside_a_token_is_named_with_its_line(write):
    path = write("x.tsv", b"Ana\tB-PER\nvi\x00sita\tO\n")
    assert "line 2" in _error(read_panx, path)
    jsonl = write("x.jsonl", '{"tokens": ["Ana", "vi\\u0000sita"], "tags": ["B-PER", "O"]}\n')
    message = _error(read_jsonl, jsonl)
    assert "line 1" in message and "token 1" in message and "control" in message


@pytest.mark.parametrize(
    ("content", "fragment"),
    [("Ana\tB-PER\n\tO\nvisita\tO\n", "empty token"), ("Ana\tB-PER\n \tO\n", "only whitespace")],
    ids=["empty", "whitespace"],
)
def test_empty_and_whitespace_tokens_are_errors(write, content, fragment):
    path = write("x.tsv", content)
    message = _error(read_panx, path)
    assert "line 2" in message and fragment in message


def test_a_sentence_per_line_file_is_not_read_as_one_token(write):
    path = write("x.tsv", " ".join(["w", "O"] * 50_000) + "\n")
    message = _error(read_panx, path)
    assert "line 1" in message and "100000 space-separated words" in message
    assert len(message) < 600  # the 5 MB line is not pasted into the message


def test_cr_only_line_ends_read_correctly(write):
    path = write("x.tsv", "Wilhelm\tB-PER\rvisita\tO\r\rRoma\tB-LOC\r")
    sentences = read_panx(path)
    assert [s.tokens for s in sentences] == [("Wilhelm", "visita"), ("Roma",)]
    assert [s.tags for s in sentences] == [("B-PER", "O"), ("B-LOC",)]


def test_an_index_column_is_detected_and_the_columns_named(write):
    path = write("wikineural.conll", "0\tAna\tB-PER\n1\tvisita\tO\n\n0\tRoma\tB-LOC\n")
    message = _error(read_conll, path, delimiter="\t")
    assert "token index" in message and "--token-col 1 --tag-col 2" in message
    sentences = read_conll(path, delimiter="\t", token_column=1, tag_column=2)
    assert [s.tokens for s in sentences] == [("Ana", "visita"), ("Roma",)]


def test_a_whitespace_only_file_says_no_sentences(write):
    message = _error(read_panx, write("x.tsv", "  \n\t\n\n"))
    assert "no sentences" in message and "empty" not in message


def test_a_line_of_far_more_fields_than_columns_is_an_error(write):
    path = write("x.conll", " ".join(["w", "O"] * 650_000) + "\n")
    message = _error(read_conll, path)
    assert "1,300,000 columns on one line" in message and "line 1" in message
