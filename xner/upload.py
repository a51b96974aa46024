"""A user's own file in the app: read it safely, tag it with a checkpoint, score it.

Uploaded bytes are written to a private temporary file so the regular readers (and their
file-and-line errors) apply; errors then name the uploaded file, not the temporary one.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from xner.data.readers import ReadReport, read_file_with_report
from xner.data.records import Sentence
from xner.errors import DataFormatError, XnerError

MAX_UPLOAD_SENTENCES = 5_000  # tagging stays interactive on 2 CPU cores


@dataclass(frozen=True)
class Upload:
    name: str
    sentences: tuple[Sentence, ...]
    report: ReadReport
    truncated: bool  # more than MAX_UPLOAD_SENTENCES were in the file

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
) -> Upload:
    """Read an uploaded PAN-X TSV, CoNLL or JSONL file (`reader` or its extension)."""
    if not data.strip():
        raise DataFormatError(name, None, "the file is empty")
    suffix = Path(name).suffix or ".txt"
    with tempfile.TemporaryDirectory(prefix="xner-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            sentences, report = read_file_with_report(
                path, reader, repair=repair, limit=MAX_UPLOAD_SENTENCES + 1
            )
        except DataFormatError as error:
            raise DataFormatError(name, error.line, error.reason) from None
        except XnerError as error:
            raise XnerError(str(error).replace(str(path), name)) from None
    report = replace(report, path=name)
    sentences = [_renamed(sentence, name, lang) for sentence in sentences]
    truncated = len(sentences) > MAX_UPLOAD_SENTENCES
    return Upload(name, tuple(sentences[:MAX_UPLOAD_SENTENCES]), report, truncated)


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


def tag_upload(model: Any, tokenizer: Any, upload: Upload, *, run_id: str) -> TaggedUpload:
    """Predict every sentence; score against the file's tags when it has them."""
    from xner.evaluate.predict import predict
    from xner.evaluate.result import evaluate_predictions

    predictions = tuple(predict(model, tokenizer, upload.sentences))
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
