"""Readers on small handmade files: formats, scripts, validation errors, repair."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xner.data.readers import (
    READERS,
    Origin,
    count_sentences,
    guess_reader,
    read_conll,
    read_conll_with_report,
    read_file,
    read_jsonl,
    read_jsonl_with_report,
    read_panx,
    read_panx_with_report,
    read_rahimi,
)
from xner.data.records import sentence_id
from xner.data.tags import iob2_problems
from xner.errors import DataFormatError, DataNotFoundError, XnerError

from .conftest import ALL_SCRIPTS, ARABIC, CYRILLIC, DEVANAGARI, LATIN, columns


def as_pairs(sentences):
    return [(list(s.tokens), None if s.tags is None else list(s.tags)) for s in sentences]


def expected(data):
    return [(list(tokens), list(tags)) for tokens, tags in data]


# ---------------------------------------------------------------------------
# PAN-X


@pytest.mark.parametrize(
    "data", [LATIN, ARABIC, DEVANAGARI, CYRILLIC, ALL_SCRIPTS], ids=["lat", "ar", "hi", "ru", "all"]
)
def test_panx_reads_tokens_and_tags_in_every_script(write, data):
    path = write("train-xx.tsv", columns(data))
    assert as_pairs(read_panx(path)) == expected(data)


def test_panx_sentence_fields_ids_and_hashes(write):
    path = write("dev-fa.tsv", columns(ALL_SCRIPTS))
    origin = Origin("panx", "fa", "test", id_split="dev")
    sentences = read_panx(path, origin=origin)
    assert [s.id for s in sentences] == [sentence_id("panx", "fa", "dev", i) for i in range(5)]
    assert {(s.lang, s.dataset, s.split) for s in sentences} == {("fa", "panx", "test")}
    assert len({s.hash for s in sentences}) == len(sentences)
    assert sentences[1].tokens[0] == "''"  # PAN-X punctuation tokens survive


def test_panx_one_column_file_is_unlabelled(write):
    path = write("test-xx.tsv", columns(ALL_SCRIPTS, labelled=False) + "\n")
    sentences, report = read_panx_with_report(path)
    assert all(s.tags is None for s in sentences)
    assert [list(s.tokens) for s in sentences] == [list(t) for t, _ in ALL_SCRIPTS]
    assert not report.labelled and report.sentences == 5


def test_panx_labelled_false_ignores_the_tag_column(write):
    path = write("train-xx.tsv", columns(LATIN))
    assert all(s.tags is None for s in read_panx(path, labelled=False))


@pytest.mark.parametrize(
    "text",
    [
        "\n\nA\tB-PER\nb\tI-PER\n\n\n\nc\tO\n\n",  # leading, repeated and trailing blanks
        "A\tB-PER\r\nb\tI-PER\r\n\r\nc\tO\r\n",  # Windows line ends
        "\ufeffA\tB-PER\nb\tI-PER\n \t \nc\tO",  # BOM, whitespace-only separator
    ],
    ids=["blank-runs", "crlf", "bom-whitespace"],
)
def test_separators_and_line_ends(write, text):
    path = write("x.tsv", text)
    assert as_pairs(read_panx(path)) == [(["A", "b"], ["B-PER", "I-PER"]), (["c"], ["O"])]
    assert count_sentences(path) == 2


def test_limit_stops_early(write):
    path = write("x.tsv", columns(ALL_SCRIPTS))
    sentences, report = read_panx_with_report(path, limit=2)
    assert len(sentences) == 2 and report.sentences == 2


def test_schema_accepts_its_tags(write):
    path = write("x.tsv", columns(ALL_SCRIPTS))
    assert len(read_panx(path, schema="wikiann")) == 5


# ---------------------------------------------------------------------------
# Rahimi


def test_rahimi_strips_the_prefix_and_takes_the_language(write):
    data = [(["Paris", ":", "fr:x"], ["B-LOC", "O", "O"])]
    path = write("fr/train.txt", columns(data, prefix="fr:"))
    (sentence,) = read_rahimi(path)
    assert sentence.tokens == ("Paris", ":", "fr:x")  # only the first prefix goes
    assert sentence.lang == "fr" and sentence.id == sentence_id("file", "fr", "train", 0)


def test_rahimi_cyrillic(write):
    path = write("sk.txt", columns(CYRILLIC, prefix="sk:"))
    assert as_pairs(read_rahimi(path)) == expected(CYRILLIC)


# ---------------------------------------------------------------------------
# CoNLL


def test_conll_ontonotes_four_columns(write):
    data = [(["Ana", "Lopa", "spoke"], ["B-PERSON", "I-PERSON", "O"])]
    path = write("onto.ner", "\n" + columns(data, extra=("NNP", "(NP*)")) + "\n\n\n")
    assert as_pairs(read_conll(path, delimiter="\t", tag_column=3)) == expected(data)
    assert as_pairs(read_conll(path)) == expected(data)  # last column, whitespace split


def test_conll_docstart_comments_and_hash_tokens(write):
    text = (
        "-DOCSTART- -X- O O\n\n"
        "# sent_id = 1\n"
        "Ana NNP B-PER\n"
        "# a comment inside a sentence\n"
        "Lopa NNP I-PER\n\n"
        "#tag NN O\n"  # a hashtag token, not a comment
        "# NN O\n"  # "# " starts a comment with the default prefix
        "Vellora NNP B-LOC\n"
    )
    path = write("x.conll", text)
    sentences, report = read_conll_with_report(path, token_column=0)
    assert as_pairs(sentences) == [
        (["Ana", "Lopa"], ["B-PER", "I-PER"]),
        (["#tag", "Vellora"], ["O", "B-LOC"]),
    ]
    assert report.skipped_lines == 4
    assert count_sentences(path) == 2
    plain = write("y.conll", "-DOCSTART- O\n\n# O\nA B-PER\n")
    kept = read_conll(plain, comment_prefix=None, skip_docstart=False)
    assert [s.tokens for s in kept] == [("-DOCSTART-",), ("#", "A")]


def test_conll_hash_token_with_tab_delimiter(write):
    path = write("x.conll", "#\tO\nAna\tB-person\n")
    assert as_pairs(read_conll(path, delimiter="\t")) == [(["#", "Ana"], ["O", "B-person"])]


def test_conll_tab_only_lines_separate(write):
    path = write("wnut.conll", "a\tO\nb\tB-person\n\t\nc\tO\n\t\n")
    assert [s.tokens for s in read_conll(path, delimiter="\t")] == [("a", "b"), ("c",)]
    assert count_sentences(path) == 2


def test_labelled_true_on_a_one_column_file_is_refused(write):
    path = write("tokens.txt", "a\nb\n")
    with pytest.raises(DataFormatError, match=r"tokens\.txt, line 1: 1 column\(s\), but the tag"):
        read_conll(path, labelled=True)


def test_conll_unlabelled_single_column(write):
    path = write("emerging.test", "a\nb\n\nc\n")
    sentences = read_conll(path)
    assert [s.tags for s in sentences] == [None, None]


# ---------------------------------------------------------------------------
# JSONL


def test_jsonl_labelled_and_unlabelled_lines(write):
    lines = [
        json.dumps({"tokens": list(t), "tags": list(g)}, ensure_ascii=False) for t, g in ALL_SCRIPTS
    ]
    lines.insert(2, "")
    lines.append(json.dumps({"tokens": ["только", "текст"]}, ensure_ascii=False))
    path = write("x.jsonl", "\n".join(lines) + "\n")
    sentences, report = read_jsonl_with_report(path)
    assert as_pairs(sentences[:5]) == expected(ALL_SCRIPTS)
    assert sentences[5].tags is None and sentences[5].tokens == ("только", "текст")
    assert report.labelled and report.sentences == 6


# ---------------------------------------------------------------------------
# Errors: every one names the file and the line


BAD_COLUMN_FILES = [
    pytest.param("A\tB-PER\n\nb\tO\nc\tI-PER\n", 4, "I-PER after O", id="I-after-O"),
    pytest.param("A\tB-PER\nb\tI-ORG\n", 2, "I-ORG after B-PER", id="I-after-other-type"),
    pytest.param("A\tO\n\nb\tI-LOC\n", 3, "at the start of a sentence", id="I-at-start"),
    pytest.param("A\tB-PER\nb\tB-MISC\n", 2, "'B-MISC'", id="not-in-schema"),
    pytest.param("A\tO\nb\tPER\n", 2, "expected O, B-TYPE or I-TYPE", id="not-iob2"),
    pytest.param("A\tO\nb\tS-PER\n", 2, "IOBES", id="iobes"),
    pytest.param("A\tO\nb\tB-a,B-b\n", 2, "'B-a,B-b'", id="multi-annotator"),
    pytest.param("A\tO\nb\tO\n\nc\n", 4, "missing tag column", id="missing-tag"),
    pytest.param("A\tO\nb\tO\tO\n", 2, "3 column(s) where line 1 has 2", id="extra-column"),
    pytest.param("A\n\nb\tO\n", 3, "2 column(s) where line 1 has 1", id="mixed"),
]


@pytest.mark.parametrize(("text", "line", "fragment"), BAD_COLUMN_FILES)
def test_panx_errors_name_file_and_line(write, text, line, fragment):
    path = write("bad-xx.tsv", text)
    with pytest.raises(DataFormatError) as caught:
        read_panx(path, schema="wikiann")
    message = str(caught.value)
    assert message.startswith(f"{path}, line {line}: "), message
    assert fragment in message
    assert caught.value.line == line and caught.value.path == str(path)


def test_stray_i_error_says_how_to_repair(write):
    path = write("x.tsv", "A\tO\nb\tI-PER\n")
    with pytest.raises(DataFormatError, match=r"must start with B-PER.*repair=True"):
        read_panx(path)


@pytest.mark.parametrize(
    ("name", "text", "line", "fragment"),
    [
        ("fr.txt", "fr:A\tO\nB\tO\n", 2, "lacks the language prefix 'fr:'"),
        ("fr.txt", "fr:A\tO\nsk:B\tO\n", 2, "lacks the language prefix 'fr:'"),
        ("fr.txt", "A\tO\n", 1, "no language prefix"),
        ("fr.txt", "fr:A\tO\nfr:b\tI-LOC\n", 2, "I-LOC after O"),
    ],
    ids=["missing", "other-language", "none-at-all", "stray-I"],
)
def test_rahimi_errors(write, name, text, line, fragment):
    path = write(name, text)
    with pytest.raises(DataFormatError) as caught:
        read_rahimi(path)
    assert str(caught.value).startswith(f"{path}, line {line}: ")
    assert fragment in str(caught.value)


def test_rahimi_given_language_must_match(write):
    path = write("x.txt", "sk:A\tO\n")
    with pytest.raises(DataFormatError, match=r"line 1: .*'fr:'"):
        read_rahimi(path, origin=Origin("wikiann-rahimi", "fr", "train"))


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ('{"tokens": ["a"], "tags": ["O"]}\n{"tokens": ["a", ', 2, "not valid JSON"),
        ('["a", "b"]\n', 1, "expected a JSON object"),
        ('{"tags": ["O"]}\n', 1, "'tokens' must be a non-empty list"),
        ('{"tokens": ["a", 3]}\n', 1, "'tokens' must be a non-empty list"),
        ('{"tokens": ["a", "b"], "tags": ["O"]}\n', 1, "2 tokens but 1 tags"),
        ('{"tokens": ["a"], "tags": [0]}\n', 1, "'tags' must be a list of strings"),
        ('\n\n{"tokens": ["a", "b"], "tags": ["O", "I-PER"]}\n', 3, "tag 2: I-PER after O"),
        ('{"tokens": ["a"], "tags": ["B-XYZ"]}\n', 1, "tag 1: unknown tag 'B-XYZ'"),
    ],
    ids=[
        "bad-json",
        "not-object",
        "no-tokens",
        "token-type",
        "length",
        "int-tags",
        "stray-I",
        "schema",
    ],
)
def test_jsonl_errors_name_file_and_line(write, text, line, fragment):
    path = write("bad.jsonl", text)
    with pytest.raises(DataFormatError) as caught:
        read_jsonl(path, schema="wikiann")
    assert str(caught.value).startswith(f"{path}, line {line}: "), str(caught.value)
    assert fragment in str(caught.value)


def test_jsonl_labelled_true_requires_tags_and_hints_at_ner_tags(write):
    path = write("x.jsonl", '{"tokens": ["a"], "ner_tags": [0]}\n')
    with pytest.raises(DataFormatError, match=r"line 1: field 'tags' is missing.*ner_tags"):
        read_jsonl(path, labelled=True)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [(b"", "empty (0 bytes)"), (b"\n \t\n\n", "no sentences: the file holds only whitespace")],
    ids=["empty", "blank"],
)
@pytest.mark.parametrize("reader", ["panx", "rahimi", "conll", "jsonl"])
def test_empty_files_name_the_file(write, content, fragment, reader):
    path = write("empty.txt", content)
    with pytest.raises(DataFormatError) as caught:
        READERS[reader].read(path)
    assert str(caught.value).startswith(str(path)) and fragment in str(caught.value)


def test_only_docstart_lines_is_an_error(write):
    path = write("x.conll", "-DOCSTART- O\n\n-DOCSTART- O\n")
    with pytest.raises(DataFormatError, match=r"no sentences"):
        read_conll(path)


@pytest.mark.parametrize("reader", ["panx", "rahimi", "conll", "jsonl"])
def test_undecodable_bytes_name_line_and_offset(write, reader):
    good = "fr:Zürich\tB-LOC\n\n" if reader == "rahimi" else "Zürich\tB-LOC\n\n"
    if reader == "jsonl":
        good = '{"tokens": ["Zürich"]}\n'
    data = good.encode() + b"fr:Caf\xe9\tO\n"
    path = write("latin1.txt", data)
    offset = len(good.encode()) + 6
    with pytest.raises(DataFormatError) as caught:
        READERS[reader].read(path)
    message = str(caught.value)
    line = good.count("\n") + 1
    assert message.startswith(f"{path}, line {line}: byte 0xe9 at byte offset {offset}")
    assert "UTF-8" in message


def test_missing_file(tmp_path):
    with pytest.raises(DataNotFoundError, match="no such file"):
        read_panx(tmp_path / "nope.tsv")


# ---------------------------------------------------------------------------
# Repair


def test_repair_counts_and_locates_stray_starts(write):
    text = "A\tO\nb\tI-PER\nc\tI-PER\nd\tI-ORG\n\ne\tI-LOC\n"
    path = write("x.tsv", text)
    sentences, report = read_panx_with_report(path, repair=True)
    assert as_pairs(sentences) == [
        (["A", "b", "c", "d"], ["O", "B-PER", "I-PER", "B-ORG"]),
        (["e"], ["B-LOC"]),
    ]
    assert report.repaired == 3
    assert [(r.line, r.old, r.new) for r in report.repairs] == [
        (2, "I-PER", "B-PER"),
        (4, "I-ORG", "B-ORG"),
        (6, "I-LOC", "B-LOC"),
    ]
    assert "repaired 3 stray I- tags (lines 2, 4, 6)" in report.summary()
    assert all(not iob2_problems(s.tags) for s in sentences)


def test_repair_does_not_excuse_unknown_tags(write):
    path = write("x.tsv", "A\tX-PER\n")
    with pytest.raises(DataFormatError, match="line 1"):
        read_panx(path, repair=True)


def test_valid_file_reports_no_repairs(write):
    path = write("x.tsv", columns(ALL_SCRIPTS))
    _, report = read_panx_with_report(path, repair=True)
    assert report.repaired == 0 and report.tokens == sum(len(t) for t, _ in ALL_SCRIPTS)


# ---------------------------------------------------------------------------
# Registry and counting


def test_registry_declares_each_reader():
    assert set(READERS) == {"panx", "rahimi", "conll", "jsonl"}
    for spec in READERS.values():
        assert spec.description and callable(spec.read)
    assert {o.name for o in READERS["conll"].options} >= {"token_column", "tag_column"}


@pytest.mark.parametrize(
    ("name", "reader"), [("a.tsv", "panx"), ("a.jsonl", "jsonl"), ("a.conll", "conll")]
)
def test_guess_reader(name, reader):
    assert guess_reader(name).name == reader


def test_guess_reader_unknown_extension_says_what_to_do():
    with pytest.raises(XnerError, match="choose a reader"):
        guess_reader("data.xyz")


def test_read_file_dispatches(write):
    path = write("x.jsonl", '{"tokens": ["a"], "tags": ["O"]}\n')
    assert read_file(path)[0].tags == ("O",)
    path = write("x.txt", "fr:a\tO\n")
    assert read_file(path, "rahimi")[0].tokens == ("a",)


@pytest.mark.parametrize(
    "text",
    [
        "a\tO",
        "a\tO\n",
        "a\tO\n\nb\tO\n",
        "\n\n\na\tO\n\n\n\n\nb\tO\n\n\n",
        "a\tO\n\t\nb\tO\n \n\nc\tO\n",
        "a\tO\r\n\r\nb\tO\r\n",
        "-DOCSTART-\tO\n\na\tO\n# c\nb\tO\n\n# x\n\nc\tO\n",
    ],
)
def test_count_sentences_agrees_with_reading(write, text):
    path = write("x.conll", text)
    assert count_sentences(path) == len(read_conll(path, delimiter="\t"))


def test_reading_is_path_agnostic(write):
    path = write("x.tsv", columns(LATIN))
    assert read_panx(str(path)) == read_panx(Path(path))
