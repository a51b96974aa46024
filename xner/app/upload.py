"""A user's own file in the app: read it safely, tag it with a checkpoint, score it.

Uploaded bytes are written to a private temporary file so the regular readers (and their
file-and-line errors) apply; errors then name the uploaded file, not the temporary one.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from xner.data.readers.base import ReadReport
from xner.data.readers.registry import read_file_with_report
from xner.data.records import Sentence
from xner.errors import DataFormatError, XnerError

MAX_UPLOAD_SENTENCES = 5_000  # tagging stays interactive on 2 CPU cores
MAX_UPLOAD_TOKENS = 100_000  # in all: about a minute of tagging on 2 CPU cores
MAX_SENTENCE_TOKENS = 1_000  # one sentence; longer ones are documents, not sentences
TAG_CHUNK = 64  # sentences per progress step (the app can stop between steps)


@dataclass(frozen=True)
class Upload:
    name: str
    sentences: tuple[Sentence, ...]
    report: ReadReport
    truncated: bool  # more than MAX_UPLOAD_SENTENCES sentences / MAX_UPLOAD_TOKENS tokens

    @property
    def labelled(self) -> bool:
        return all(sentence.tags is not None for sentence in self.sentences)


def read_upload(
    name: str,
    data: bytes,
    *,
    reader: str | None = None,
    repair: bool = False,
    lang: str = "und",
    **options: Any,
) -> Upload:
    """Read an uploaded PAN-X TSV, CoNLL or JSONL file (`reader` or its extension;
    `options` go to the reader, e.g. `token_column`/`tag_column` for conll). A sentence
    over MAX_SENTENCE_TOKENS is an error; the file is cut after MAX_UPLOAD_SENTENCES
    sentences or MAX_UPLOAD_TOKENS tokens (`truncated`)."""
    if not data:
        raise DataFormatError(name, None, "the file is empty (0 bytes)")
    suffix = Path(name).suffix or ".txt"
    with tempfile.TemporaryDirectory(prefix="xner-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            sentences, report = read_file_with_report(
                path, reader, repair=repair, limit=MAX_UPLOAD_SENTENCES + 1, **options
            )
        except DataFormatError as error:
            raise DataFormatError(name, error.line, error.reason) from None
        except XnerError as error:
            raise XnerError(str(error).replace(str(path), name)) from None
    report = replace(report, path=name)
    sentences = [_renamed(sentence, name, lang) for sentence in sentences]
    kept: list[Sentence] = []
    tokens = 0
    for number, sentence in enumerate(sentences, 1):
        if len(sentence) > MAX_SENTENCE_TOKENS:
            raise DataFormatError(
                name,
                None,
                f"sentence {number} has {len(sentence):,} tokens; the app tags sentences of "
                f"at most {MAX_SENTENCE_TOKENS:,} (split it, or tag the file with the "
                "command line: `xner evaluate` reads long sentences in windows)",
            )
        if len(kept) >= MAX_UPLOAD_SENTENCES or tokens + len(sentence) > MAX_UPLOAD_TOKENS:
            break
        kept.append(sentence)
        tokens += len(sentence)
    truncated = len(kept) < len(sentences)
    return Upload(name, tuple(kept), report, truncated)


def _renamed(sentence: Sentence, name: str, lang: str) -> Sentence:
    index = sentence.id.rsplit("/", 1)[-1]
    return Sentence(
        id=f"upload:{Path(name).name}/{index}",
        tokens=sentence.tokens,
        tags=sentence.tags,
        lang=lang,
        dataset="upload",
        split="upload",
    )


@dataclass(frozen=True)
class TaggedUpload:
    predictions: tuple[Any, ...]  # xner.evaluate.predict.Prediction per sentence
    result: Any | None  # EvalResult when the file is labelled


def tag_upload(
    model: Any,
    tokenizer: Any,
    upload: Upload,
    *,
    run_id: str,
    progress: Callable[[int, int], None] | None = None,
) -> TaggedUpload:
    """Predict every sentence, TAG_CHUNK at a time (`progress(done, total)` after each,
    so the app shows progress and can stop between chunks); score against the file's
    tags when it has them. Chunking changes no prediction (see `predict`)."""
    from xner.evaluate.predict import predict
    from xner.evaluate.result import evaluate_predictions

    found: list[Any] = []
    total = len(upload.sentences)
    for start in range(0, total, TAG_CHUNK):
        found += predict(model, tokenizer, upload.sentences[start : start + TAG_CHUNK])
        if progress is not None:
            progress(len(found), total)
    predictions = tuple(found)
    result = None
    if upload.labelled and upload.sentences:
        result = evaluate_predictions(
            upload.sentences,
            [prediction.tags for prediction in predictions],
            run_id=run_id,
            test_set=f"upload:{upload.name}",
            n_resamples=200,
        )
    return TaggedUpload(predictions, result)
