"""JSONL files: one `{"tokens": [...], "tags": [...]}` object per line."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

from xner.data.readers.base import Origin, ReadReport, read_text, resolve_schema, sentences_only
from xner.data.records import Sentence
from xner.data.schemas import LabelSchema
from xner.data.tags import TagChecker
from xner.errors import DataFormatError


def read_jsonl_with_report(
    path: str | Path,
    *,
    origin: Origin | None = None,
    schema: LabelSchema | str | None = None,
    repair: bool = False,
    limit: int | None = None,
    labelled: bool | None = None,
) -> tuple[list[Sentence], ReadReport]:
    """One JSON object per line: `{"tokens": [...], "tags": [...]}`; `tags` is optional
    (a sentence without it is unlabelled). Blank lines are skipped. `labelled=False`
    ignores any tags; `labelled=True` requires them on every line."""
    path = Path(path)
    origin = origin or Origin(split=path.stem)
    checker = TagChecker(path, resolve_schema(schema), repair)
    sentences: list[Sentence] = []
    any_tags = False
    for number, line in enumerate(read_text(path).split("\n"), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataFormatError(
                path,
                number,
                f"not valid JSON ({error.msg} at column {error.colno}); "
                "each line must be one object such as "
                '{"tokens": ["Paris", "is"], "tags": ["B-LOC", "O"]}',
            ) from None
        if not isinstance(record, dict):
            raise DataFormatError(
                path, number, f"expected a JSON object, found {type(record).__name__}"
            )
        tokens = record.get("tokens")
        if not _is_str_list(tokens) or not tokens:
            raise DataFormatError(
                path, number, "field 'tokens' must be a non-empty list of strings"
            )
        for index, token in enumerate(tokens):
            if not token.strip() or any(unicodedata.category(ch) == "Cc" for ch in token):
                raise DataFormatError(
                    path,
                    number,
                    f"token {index} is {token!r}: a token must be a word, not empty, "
                    "whitespace or control characters such as NUL",
                )
        tags = record.get("tags") if labelled is not False else None
        if tags is None and labelled:
            hint = (
                " ('ner_tags' holds integer ids; write the tag strings under 'tags')"
                if "ner_tags" in record
                else ""
            )
            raise DataFormatError(path, number, f"field 'tags' is missing{hint}")
        if tags is not None:
            if not _is_str_list(tags):
                raise DataFormatError(
                    path, number, "field 'tags' must be a list of strings such as 'B-PER'"
                )
            if len(tags) != len(tokens):
                raise DataFormatError(
                    path,
                    number,
                    f"{len(tokens)} tokens but {len(tags)} tags; give one tag per token",
                )
            tags = list(tags)
            checker.check(tags, number)
            any_tags = True
        sentences.append(origin.sentence(len(sentences), tokens, tags))
        if limit is not None and len(sentences) >= limit:
            break
    if not sentences:
        raise DataFormatError(path, None, "no sentences: the file holds only blank lines")
    return sentences, ReadReport.of_read(str(path), "jsonl", sentences, checker, labelled=any_tags)


read_jsonl = sentences_only(read_jsonl_with_report)


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def count_jsonl(path: str | Path) -> int:
    """Sentences in a JSONL file: its non-blank lines."""
    return sum(1 for line in Path(path).read_bytes().split(b"\n") if line.strip())
