"""Uploaded files: read with errors that name the upload, tagged and scored."""

from __future__ import annotations

import pytest

from xner.app.upload import (
    MAX_SENTENCE_TOKENS,
    MAX_UPLOAD_SENTENCES,
    MAX_UPLOAD_TOKENS,
    TAG_CHUNK,
    read_upload,
    tag_upload,
)
from xner.errors import DataFormatError
from xner.train.encode import LabelSpace

TSV = "Ana\tB-PER\nvive\tO\nen\tO\nLima\tB-LOC\n\nمریم\tB-PER\nرفت\tO\n".encode()


def test_a_labelled_tsv_is_read_with_upload_ids():
    upload = read_upload("mine.tsv", TSV)
    assert upload.labelled and not upload.truncated
    assert [s.id for s in upload.sentences] == ["upload:mine.tsv/000000", "upload:mine.tsv/000001"]
    assert upload.report.summary().startswith("mine.tsv: 2 labelled sentences")


def test_jsonl_and_unlabelled_tsv():
    jsonl = b'{"tokens": ["Kyiv", "is", "big"], "tags": ["B-LOC", "O", "O"]}\n'
    assert read_upload("x.jsonl", jsonl).sentences[0].tags == ("B-LOC", "O", "O")
    tokens_only = read_upload("raw.tsv", "Привет\nмир\n".encode())
    assert not tokens_only.labelled


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.tsv", b"", "empty.tsv: the file is empty"),
        ("blank.tsv", b"  \n", "blank.tsv: no sentences: the file holds only whitespace"),
        ("bad.tsv", b"Ana\tB-PER\nvive\tO\nen\tI-LOC\n", "bad.tsv, line 3: "),
        ("bytes.tsv", b"Ana\tB-PER\n\xff\xfe\tO\n", "bytes.tsv, line 2"),
        ("bad.jsonl", b'{"tokens": ["a"], "tags": ["O"]}\n{not json\n', "bad.jsonl, line 2"),
    ],
)
def test_malformed_uploads_name_the_uploaded_file_and_line(name, data, message):
    with pytest.raises(DataFormatError) as caught:
        read_upload(name, data)
    assert message in str(caught.value)
    assert "xner-upload-" not in str(caught.value)  # never the temporary path


def test_repair_reads_stray_starts():
    upload = read_upload("x.tsv", b"Ana\tI-PER\nvive\tO\n", repair=True)
    assert upload.sentences[0].tags == ("B-PER", "O") and upload.report.repaired == 1


def test_long_files_are_capped():
    data = "\n\n".join("w\tO" for _ in range(MAX_UPLOAD_SENTENCES + 3)).encode()
    upload = read_upload("big.tsv", data)
    assert upload.truncated and len(upload.sentences) == MAX_UPLOAD_SENTENCES


def test_tag_upload_scores_labelled_files(tmp_path, monkeypatch):
    monkeypatch.setenv("XNER_CACHE_DIR", str(tmp_path))
    from xner.backbones import load_tokenizer
    from xner.runs.checkpoint import build_model

    model = build_model("tiny", LabelSpace.from_schema("wikiann")).eval()
    tagged = tag_upload(model, load_tokenizer("tiny"), read_upload("m.tsv", TSV), run_id="r")
    assert len(tagged.predictions) == 2
    assert [len(p.tags) for p in tagged.predictions] == [4, 2]
    assert tagged.result is not None and tagged.result.test_set == "upload:m.tsv"
    unlabelled = read_upload("u.tsv", b"Lima\n")
    assert tag_upload(model, load_tokenizer("tiny"), unlabelled, run_id="r").result is None


def test_one_huge_sentence_is_refused_with_the_limit():
    data = "\n".join(f"w{i}\tO" for i in range(MAX_SENTENCE_TOKENS + 1)).encode()
    with pytest.raises(DataFormatError) as caught:
        read_upload("huge.tsv", data)
    assert f"sentence 1 has {MAX_SENTENCE_TOKENS + 1:,} tokens" in str(caught.value)
    jsonl = ('{"tokens": [' + ", ".join(['"w"'] * 500_000) + "]}\n").encode()
    with pytest.raises(DataFormatError, match="500,000 tokens"):
        read_upload("huge.jsonl", jsonl)


def test_files_are_capped_by_tokens_too():
    sentence = "\n".join("w\tO" for _ in range(500))
    data = "\n\n".join(sentence for _ in range(MAX_UPLOAD_TOKENS // 500 + 5)).encode()
    upload = read_upload("many.tsv", data)
    assert upload.truncated and sum(len(s) for s in upload.sentences) == MAX_UPLOAD_TOKENS


def test_column_choice_reaches_the_reader():
    data = b"0\tAna\tB-PER\n1\tvive\tO\n"
    with pytest.raises(DataFormatError, match="token index"):
        read_upload("wikineural.conll", data, delimiter="\t")
    upload = read_upload("wikineural.conll", data, token_column=1, tag_column=2)
    assert upload.sentences[0].tokens == ("Ana", "vive")


def test_tagging_reports_progress_in_chunks(tmp_path, monkeypatch):
    monkeypatch.setenv("XNER_CACHE_DIR", str(tmp_path))
    from xner.backbones import load_tokenizer
    from xner.evaluate.predict import predict
    from xner.runs.checkpoint import build_model

    model = build_model("tiny", LabelSpace.from_schema("wikiann")).eval()
    tokenizer = load_tokenizer("tiny")
    data = "\n\n".join(f"Ana{i}\tB-PER\nvive\tO" for i in range(TAG_CHUNK * 2 + 3)).encode()
    upload = read_upload("m.tsv", data)
    seen: list[tuple[int, int]] = []
    tagged = tag_upload(
        model, tokenizer, upload, run_id="r", progress=lambda d, t: seen.append((d, t))
    )
    total = len(upload.sentences)
    assert seen == [(TAG_CHUNK, total), (2 * TAG_CHUNK, total), (total, total)]
    assert list(tagged.predictions) == predict(model, tokenizer, upload.sentences)
