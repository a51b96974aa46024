"""The declared readers (`READERS`), so the command line and the app can offer "read
this file as ..." with the options each format takes, and reading a file by name or
by its extension."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xner.data.readers.base import ReaderSpec, ReadReport
from xner.data.readers.columns import (
    CONLL_OPTIONS,
    read_conll_with_report,
    read_panx_with_report,
    read_rahimi_with_report,
)
from xner.data.readers.jsonl import read_jsonl_with_report
from xner.data.records import Sentence
from xner.errors import XnerError
from xner.registry import Registry

READERS: Registry[ReaderSpec] = Registry("reader", error=XnerError)
READERS.register_all(
    ReaderSpec(
        "panx",
        "PAN-X / XTREME TSV: token<TAB>tag, blank-line separated; one column = unlabelled",
        (".tsv",),
        read_panx_with_report,
    ),
    ReaderSpec(
        "rahimi",
        "Rahimi et al. (2019) raw WikiANN: lang:token<TAB>tag (the prefix is stripped)",
        (),
        read_rahimi_with_report,
    ),
    ReaderSpec(
        "conll",
        "CoNLL column files: token and tag columns, -DOCSTART- and '# ' comments skipped",
        (".conll", ".ner", ".txt", ".iob", ".bio"),
        read_conll_with_report,
        CONLL_OPTIONS,
    ),
    ReaderSpec(
        "jsonl",
        'JSON lines: {"tokens": [...], "tags": [...]} (tags optional = unlabelled)',
        (".jsonl", ".json"),
        read_jsonl_with_report,
    ),
)


def get_reader(name: str) -> ReaderSpec:
    """The declared reader `name`; an unknown name lists the known ones."""
    return READERS.get(name)


def guess_reader(path: str | Path) -> ReaderSpec:
    """The reader for `path` by its extension; the error says how to choose one."""
    suffix = Path(path).suffix.lower()
    for spec in READERS.values():
        if suffix in spec.extensions:
            return spec
    known = ", ".join(READERS)
    raise XnerError(
        f"{path}: cannot tell the format from the extension {suffix!r}; choose a reader ({known})"
    )


def read_file_with_report(
    path: str | Path, reader: str | None = None, **options: Any
) -> tuple[list[Sentence], ReadReport]:
    """Read `path` with the named reader (or the one its extension suggests)."""
    spec = get_reader(reader) if reader else guess_reader(path)
    return spec.read(path, **options)


def read_file(path: str | Path, reader: str | None = None, **options: Any) -> list[Sentence]:
    return read_file_with_report(path, reader, **options)[0]
