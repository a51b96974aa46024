"""Token-per-line files: PAN-X TSV, Rahimi's raw WikiANN and CoNLL column files.

One parser (`read_columns_with_report`) reads them all, told by a `ColumnFormat` which
columns hold the token and the tag; each named format is one `column_reader` over it,
so the PAN-X, Rahimi and CoNLL readers differ only in their declared layout and in the
layout options they let a caller change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from xner.data.readers.base import (
    _BLANK,
    Origin,
    ReaderOption,
    ReadReport,
    ReadWithReport,
    read_text,
    resolve_schema,
    sentences_only,
)
from xner.data.records import Sentence
from xner.data.schemas import LabelSchema
from xner.data.tags import TagChecker
from xner.errors import DataFormatError


@dataclass(frozen=True, slots=True)
class ColumnFormat:
    """How to read a token-per-line file."""

    token_column: int = 0
    tag_column: int = -1
    delimiter: str | None = "\t"  # None: any run of whitespace
    lang_prefix: bool = False  # strip a `xx:` prefix from every token (Rahimi)
    skip_docstart: bool = True
    comment_prefix: str | None = "# "  # "#\tO" (the token "#") is data, not a comment

    def needed_columns(self) -> int:
        """How many columns a labelled line needs to hold the token and, apart, the tag."""
        token, tag = self.token_column, self.tag_column
        if token >= 0 and tag < 0:
            return token + 1 - tag  # a tag counted from the end must come after the token
        return max(c + 1 if c >= 0 else -c for c in (token, tag))


def read_columns_with_report(
    path: str | Path,
    fmt: ColumnFormat,
    *,
    origin: Origin | None = None,
    schema: LabelSchema | str | None = None,
    repair: bool = False,
    limit: int | None = None,
    labelled: bool | None = None,
    reader: str = "conll",
) -> tuple[list[Sentence], ReadReport]:
    """Read a token-per-line file as described by `fmt`.

    `labelled=None` decides from the first data line: one column (and the token in
    column 0) means unlabelled text; otherwise every line must hold the tag column.
    """
    path = Path(path)
    origin = origin or Origin(split=path.stem)
    if fmt.lang_prefix and origin.lang == "und":
        # Rahimi: the sentences take the language of the file's first prefix
        origin = replace(origin, lang=_prefix_lang(path))
    checker = TagChecker(path, resolve_schema(schema), repair)
    text = read_text(path)

    delimiter = fmt.delimiter
    token_col = fmt.token_column
    tag_col = fmt.tag_column
    needed = fmt.needed_columns()
    docstart = fmt.skip_docstart
    comment = fmt.comment_prefix
    prefix: str | None = None  # the language prefix, once known
    if fmt.lang_prefix and origin.lang != "und":
        prefix = f"{origin.lang}:"

    sentences: list[Sentence] = []
    skipped = 0
    columns: int | None = None  # column count of the first data line
    first_line = 0
    tokens: list[str] = []
    tags: list[str] = []
    lines: list[int] = []

    def finish() -> None:
        sentence_tags: list[str] | None = None
        if labelled:
            checker.check(tags, lines)
            sentence_tags = tags
        sentences.append(origin.sentence(len(sentences), tokens, sentence_tags))

    if "\r" in text:  # CRLF (Windows) and lone CR (old Mac) line ends both end a line
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Only lines starting with these characters can be skipped lines; testing the first
    # character first keeps the common token line to one set lookup (speed: 160k lines).
    special_starts = ("-" if docstart else "") + (comment[0] if comment else "")
    for number, line in enumerate(text.split("\n"), 1):
        if not line or (line[0] in _BLANK and not line.strip(_BLANK)):
            if tokens:
                finish()
                if limit is not None and len(sentences) >= limit:
                    break
                tokens, tags, lines = [], [], []
            continue
        if line[0] in special_starts and (
            (docstart and line.startswith("-DOCSTART-"))
            or (comment is not None and line.startswith(comment))
        ):
            skipped += 1
            continue
        fields = line.split(delimiter) if delimiter is not None else line.split()
        if not fields:  # only non-ASCII whitespace: ignored, as the counter does
            continue
        if columns is None:
            columns = len(fields)
            first_line = number
            if columns > MAX_COLUMNS:
                raise DataFormatError(
                    path,
                    number,
                    f"{columns:,} columns on one line (at most {MAX_COLUMNS} expected: a token "
                    "per line with its tag and other columns); this looks like a sentence per "
                    "line: convert it to one token per line, sentences separated by empty lines",
                )
            if token_col == 0 and columns >= 3 and _is_index(fields[0]):
                raise DataFormatError(
                    path,
                    number,
                    f"column 0 holds {fields[0]!r}, a token index (as in WikiNEuRal's "
                    f"index<TAB>token<TAB>tag): read the token from column 1 and the tag "
                    f"from column {columns - 1} (`--token-col 1 --tag-col {columns - 1}`)",
                )
            if labelled is None:
                labelled = not (columns == 1 and token_col == 0)
            if labelled and columns < needed:
                raise DataFormatError(
                    path,
                    number,
                    f"{columns} column(s), but the tag is read from column {tag_col} "
                    f"(of at least {needed}); give the right tag column, or "
                    "labelled=False to read tokens only",
                )
        elif len(fields) != columns:
            missing = labelled and len(fields) < needed
            what = "missing tag column: " if missing else ""
            raise DataFormatError(
                path,
                number,
                f"{what}{len(fields)} column(s) where line {first_line} has {columns}; "
                "every token line needs the same columns (token<TAB>tag), "
                "and sentences are separated by blank lines",
            )
        token = fields[token_col]
        if not token or token.isspace() or (delimiter is not None and _SPACE in token):
            raise DataFormatError(path, number, _bad_token(token, delimiter, line))
        if fmt.lang_prefix:
            if prefix is None:
                head, sep, _ = token.partition(":")
                if not sep or not head.isalpha():
                    raise DataFormatError(
                        path,
                        number,
                        f"token {token!r} has no language prefix such as 'fr:'; "
                        "read files without prefixes as PAN-X (read_panx)",
                    )
                prefix = head + ":"
            if not token.startswith(prefix):
                raise DataFormatError(
                    path,
                    number,
                    f"token {token!r} lacks the language prefix {prefix!r} of this file; "
                    "every token of a Rahimi WikiANN file carries the same prefix",
                )
            token = token[len(prefix) :]
        tokens.append(token)
        lines.append(number)
        if labelled:
            tags.append(fields[tag_col])
    else:
        if tokens:
            finish()

    if not sentences:
        raise DataFormatError(
            path,
            None,
            f"no sentences: all {skipped} non-blank lines are -DOCSTART- or comment lines",
        )
    report = ReadReport.of_read(
        str(path), reader, sentences, checker, labelled=bool(labelled), skipped_lines=skipped
    )
    return sentences, report


_SPACE = " "
MAX_COLUMNS = 32  # CoNLL-U has 10, OntoNotes' files 4: more means the layout is wrong
_LONG = 200  # characters: longer whitespace-free tokens are fine, longer lines are suspect


def _is_index(field: str) -> bool:
    return field.isascii() and field.isdigit()


def _bad_token(token: str, delimiter: str | None, line: str) -> str:
    """Why a token field cannot be a token, and what to do."""
    if not token:
        return (
            "empty token (the line starts with the column separator); every token line "
            "needs a token, and sentences are separated by empty lines"
        )
    if token.isspace():
        return f"the token is only whitespace ({token!r}); remove the line or give a token"
    parts = token.split()
    shown = line if len(line) <= _LONG else line[:_LONG] + "..."
    return (
        f"the token holds {len(parts)} space-separated words ({shown!r}): a token per line, "
        f"columns separated by {delimiter!r}; if the file is one sentence per line, convert "
        "it to one token per line (or read it with the conll reader, which splits on spaces)"
    )


PANX_FORMAT = ColumnFormat(token_column=0, tag_column=1, delimiter="\t")
RAHIMI_FORMAT = ColumnFormat(token_column=0, tag_column=1, delimiter="\t", lang_prefix=True)
CONLL_FORMAT = ColumnFormat(delimiter=None)
# The layout options the conll reader takes (the other column formats are fixed), with
# the defaults of its layout.
CONLL_OPTIONS = tuple(
    ReaderOption(name, kind, getattr(CONLL_FORMAT, name), help)
    for name, kind, help in (
        ("token_column", int, "column of the token (0 = first)"),
        ("tag_column", int, "column of the tag (-1 = last)"),
        ("delimiter", str, "column separator (default: any whitespace)"),
        ("skip_docstart", bool, "skip -DOCSTART- lines"),
        ("comment_prefix", str, "lines starting with this are comments"),
    )
)
_LAYOUT_FIELDS = frozenset(f.name for f in fields(ColumnFormat))


def column_reader(
    name: str, layout: ColumnFormat, doc: str, options: Sequence[ReaderOption] = ()
) -> ReadWithReport:
    """The `*_with_report` reader of one column format: `read_columns_with_report` with
    `layout`, of which the fields named in `options` may be given as keywords."""
    allowed = frozenset(option.name for option in options)
    assert allowed <= _LAYOUT_FIELDS, allowed - _LAYOUT_FIELDS

    def read_with_report(
        path: str | Path,
        *,
        origin: Origin | None = None,
        schema: LabelSchema | str | None = None,
        repair: bool = False,
        limit: int | None = None,
        labelled: bool | None = None,
        **layout_options: Any,
    ) -> tuple[list[Sentence], ReadReport]:
        if unknown := sorted(set(layout_options) - allowed):
            raise TypeError(f"read_{name}_with_report() got unexpected options {unknown}")
        return read_columns_with_report(
            path,
            replace(layout, **layout_options) if layout_options else layout,
            origin=origin,
            schema=schema,
            repair=repair,
            limit=limit,
            labelled=labelled,
            reader=name,
        )

    read_with_report.__name__ = read_with_report.__qualname__ = f"read_{name}_with_report"
    read_with_report.__doc__ = doc
    return read_with_report


read_panx_with_report = column_reader(
    "panx",
    PANX_FORMAT,
    "PAN-X TSV (`token<TAB>tag`); a one-column file reads as unlabelled text.",
)
read_rahimi_with_report = column_reader(
    "rahimi",
    RAHIMI_FORMAT,
    """Rahimi's raw WikiANN: `fr:token<TAB>tag`; the prefix is checked and stripped.

    With `origin.lang` set, the prefix must be that language; otherwise the first
    token's prefix is taken and the sentences get that language.""",
)
read_conll_with_report = column_reader(
    "conll",
    CONLL_FORMAT,
    """CoNLL-style columns: token and tag taken from the given columns (default: first
    and last). `delimiter=None` splits on any whitespace; use "\\t" when tokens may hold
    spaces. OntoNotes' `word POS parse tag` files: tag_column=3 (or -1).""",
    CONLL_OPTIONS,
)
read_panx = sentences_only(read_panx_with_report)
read_rahimi = sentences_only(read_rahimi_with_report)
read_conll = sentences_only(read_conll_with_report)


def _prefix_lang(path: Path) -> str:
    """The language prefix of the first token of `path`, or "und" to let the reader
    report what is wrong. Reads only the first lines: the full read follows."""
    try:
        with path.open("rb") as handle:
            for raw in handle:
                line = raw.decode("utf-8", errors="replace").removeprefix("\ufeff")
                if line.strip(_BLANK + "\n"):
                    head, sep, _ = line.partition(":")
                    return head if sep and head.isalpha() else "und"
    except OSError:
        pass  # the reader raises DataNotFoundError with the path
    return "und"


# ---------------------------------------------------------------------------
# Counting without parsing (for listings over every local file)

_SEPARATOR_RUN = re.compile(rb"\n(?:[ \t\r\f\v]*\n)+")
_BLANK_BYTES = b" \t\r\f\v\n"


def count_sentences(
    path: str | Path, *, skip_docstart: bool = True, comment_prefix: str | None = "# "
) -> int:
    """How many sentences a column file holds, without parsing tokens or tags.

    Counts separator runs on the raw bytes; files with -DOCSTART- or comment lines
    take the exact, slower line-by-line count. Agrees with `read_columns_with_report`.
    """
    data = Path(path).read_bytes()
    special = (skip_docstart and b"-DOCSTART-" in data) or (
        comment_prefix is not None
        and (data.startswith(comment_prefix.encode()) or b"\n" + comment_prefix.encode() in data)
    )
    if special:
        return _count_exact(data, skip_docstart, comment_prefix)
    start, end = 0, len(data)
    while start < end and data[start] in _BLANK_BYTES:
        start += 1
    while end > start and data[end - 1] in _BLANK_BYTES:
        end -= 1
    if start == end:
        return 0
    # Fast path: no whitespace-only lines and no runs of three or more blank lines,
    # so `count` (which sees one "\n\n" in a run of two blank lines) is exact. Each
    # test is one C-speed scan; the regex below is several times slower.
    if (
        b"\r" not in data
        and b"\f" not in data
        and b"\v" not in data
        and data.find(b"\n\n\n\n", start, end) < 0
        and data.find(b"\n\t", start, end) < 0
        and data.find(b"\n ", start, end) < 0
    ):
        return data.count(b"\n\n", start, end) + 1
    return len(_SEPARATOR_RUN.findall(data, start, end)) + 1


def _count_exact(data: bytes, skip_docstart: bool, comment_prefix: str | None) -> int:
    count = 0
    inside = False
    comment = comment_prefix.encode() if comment_prefix is not None else None
    for line in data.split(b"\n"):
        if not line.strip(b" \t\r\f\v"):
            inside = False
        elif (skip_docstart and line.startswith(b"-DOCSTART-")) or (
            comment is not None and line.startswith(comment)
        ):
            continue
        elif not inside:
            inside = True
            count += 1
    return count
