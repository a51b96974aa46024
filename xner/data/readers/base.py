"""What every reader shares: where sentences belong (`Origin`), what a read did
(`ReadReport`), the declared shape of a reader (`ReaderSpec`), and bytes to text."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec

from xner.data.records import Sentence, sentence_id
from xner.data.schemas import LabelSchema, get_schema
from xner.data.tags import Repair, TagChecker
from xner.errors import DataFormatError, DataNotFoundError

P = ParamSpec("P")

# Whitespace that makes a line a sentence separator (WNUT-17's train file uses tab-only
# lines); ASCII only, so that the fast sentence counter in `count_sentences` agrees.
_BLANK = " \t\r\f\v"


@dataclass(frozen=True, slots=True)
class ReadReport:
    """What a reader did: counts for the command line to print beside the sentences."""

    path: str
    reader: str
    sentences: int
    tokens: int
    labelled: bool
    repaired: int = 0
    repairs: tuple[Repair, ...] = ()  # the first few, with their lines
    skipped_lines: int = 0  # -DOCSTART- and comment lines

    @classmethod
    def of_read(
        cls,
        path: str,
        reader: str,
        sentences: Sequence[Sentence],
        checker: TagChecker,
        *,
        labelled: bool,
        skipped_lines: int = 0,
    ) -> ReadReport:
        """The report of a read that made `sentences`, its tags checked by `checker`."""
        return cls(
            path=path,
            reader=reader,
            sentences=len(sentences),
            tokens=sum(len(sentence.tokens) for sentence in sentences),
            labelled=labelled,
            repaired=checker.repaired,
            repairs=tuple(checker.repairs),
            skipped_lines=skipped_lines,
        )

    def summary(self) -> str:
        kind = "labelled" if self.labelled else "unlabelled"
        text = f"{self.path}: {self.sentences} {kind} sentences, {self.tokens} tokens"
        if self.repaired:
            lines = ", ".join(str(r.line) for r in self.repairs[:5])
            more = ", ..." if self.repaired > 5 else ""
            text += f"; repaired {self.repaired} stray I- tags (lines {lines}{more})"
        if self.skipped_lines:
            text += f"; skipped {self.skipped_lines} -DOCSTART-/comment lines"
        return text


@dataclass(frozen=True, slots=True)
class Origin:
    """Where read sentences belong: fills `Sentence.dataset/lang/split` and the ids.

    `id_split` is the split named in the ids (the file's own split); it differs from
    `split` when a split policy carves one file into several splits.
    """

    dataset: str = "file"
    lang: str = "und"
    split: str = "file"
    id_split: str | None = None

    def sentence(self, index: int, tokens: list[str], tags: list[str] | None) -> Sentence:
        part = self.id_split or self.split
        return Sentence(
            id=sentence_id(self.dataset, self.lang, part, index),
            tokens=tuple(tokens),
            tags=None if tags is None else tuple(tags),
            lang=self.lang,
            dataset=self.dataset,
            split=self.split,
        )


ReadWithReport = Callable[..., tuple[list[Sentence], ReadReport]]


@dataclass(frozen=True, slots=True)
class ReaderOption:
    """A format-specific option a reader takes (beyond origin/schema/repair/limit)."""

    name: str
    type: type
    default: Any
    help: str


@dataclass(frozen=True, slots=True)
class ReaderSpec:
    """A declared reader: what the command line and app need to offer it."""

    name: str
    description: str
    extensions: tuple[str, ...]
    read: ReadWithReport
    options: tuple[ReaderOption, ...] = ()


def sentences_only(
    read_with_report: Callable[P, tuple[list[Sentence], ReadReport]],
) -> Callable[P, list[Sentence]]:
    """The plain reader of a `*_with_report` one: same arguments, just the sentences."""

    @functools.wraps(read_with_report)
    def read(*args: P.args, **kwargs: P.kwargs) -> list[Sentence]:
        return read_with_report(*args, **kwargs)[0]

    read.__doc__ = f"Sentences only; see `{read_with_report.__name__}`."
    return read


def read_text(path: str | Path) -> str:
    """The file decoded as UTF-8 (a BOM is dropped); errors name the line and byte offset."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DataNotFoundError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise DataNotFoundError(f"{path}: is a directory, expected a data file") from None
    if not data:
        raise DataFormatError(path, None, "the file is empty (0 bytes); expected sentences")
    if not data.strip():
        raise DataFormatError(
            path, None, "no sentences: the file holds only whitespace and blank lines"
        )
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise DataFormatError(
            path,
            line,
            f"NUL byte at byte offset {nul}: this is not a UTF-8 text file (binary, or "
            "UTF-16: re-encode it with `iconv -f utf-16 -t utf-8 in > out`)",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        offset = error.start
        line = data.count(b"\n", 0, offset) + 1
        column = offset - (data.rfind(b"\n", 0, offset) + 1)
        raise DataFormatError(
            path,
            line,
            f"byte 0x{data[offset]:02x} at byte offset {offset} (byte {column} of the line) "
            "is not valid UTF-8; re-encode the file as UTF-8 "
            "(e.g. `iconv -f latin1 -t utf-8 in > out`)",
        ) from None
    return text.removeprefix("\ufeff")


def resolve_schema(schema: LabelSchema | str | None) -> LabelSchema | None:
    return get_schema(schema) if isinstance(schema, str) else schema
