"""Readers for token-per-line and JSONL files, with validation and optional repair.

Formats:

- PAN-X TSV (`read_panx`): `token<TAB>tag`, sentences separated by blank lines. A file
  whose lines hold one column (PAN-X's `test-LANG.tsv`) is unlabelled text (tags None).
- Rahimi's raw WikiANN (`read_rahimi`): the same with a language prefix on every token
  (`fr:Paris`), which is stripped.
- CoNLL column files (`read_conll`): choose the token and tag columns; `-DOCSTART-`
  lines and `# ` comment lines are skipped; whitespace-only lines separate sentences.
- JSONL (`read_jsonl`): one object per line with `tokens` and optional `tags`.

Every problem raises `DataFormatError` naming the file and line: a stray `I-` (after
`O` or after another type), a tag outside the schema or not IOB2-shaped, a line short
of the tag column, an empty file, bytes that are not UTF-8. With `repair=True`, stray
`I-X` starts are read as `B-X` (as conlleval does) and counted in the `ReadReport`
that the `*_with_report` variants return beside the sentences.

Each reader is also a declared entry in `READERS`, so the command line and the app can
offer "read this file as ..." with the options each format takes.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ParamSpec

from xner.data.records import Sentence, sentence_id
from xner.data.schemas import LabelSchema, get_schema
from xner.errors import DataFormatError, DataNotFoundError, XnerError

P = ParamSpec("P")

# Whitespace that makes a line a sentence separator (WNUT-17's train file uses tab-only
# lines); ASCII only, so that the fast sentence counter in `count_sentences` agrees.
_BLANK = " \t\r\f\v"
# An entity type: no whitespace or commas (catches multi-annotator tags such as
# "B-corporation,B-group" in WNUT-17's raw test file).
_TYPE_RE = re.compile(r"[^\s,]+\Z")
_MAX_LISTED_REPAIRS = 50

REPAIR_HINT = "pass repair=True (command line: --repair) to read stray I- tags as B-"


@dataclass(frozen=True, slots=True)
class Repair:
    """One stray `I-` start read as `B-`."""

    line: int
    old: str
    new: str


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


# ---------------------------------------------------------------------------
# Bytes to text


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


# ---------------------------------------------------------------------------
# Tag validation, shared by all readers


class TagChecker:
    """Validates tag sequences, repairing stray I- starts when asked.

    Caches each distinct tag's (prefix, type), so checking 160k tags costs a few
    dictionary lookups each. `path` is a file or a hub address, used in messages.
    """

    def __init__(self, path: str | Path, schema: LabelSchema | None, repair: bool) -> None:
        self.path = path
        self.schema = schema
        self.repair = repair
        self.repaired = 0
        self.repairs: list[Repair] = []
        self._parsed: dict[str, tuple[str, str]] = {}

    def _parse(self, tag: str) -> tuple[str, str] | str:
        """(prefix, type), or the reason the tag is not acceptable."""
        if tag == "O":
            return ("O", "")  # in every schema
        prefix, sep, entity_type = tag.partition("-")
        if prefix not in ("B", "I") or not sep or not _TYPE_RE.match(entity_type):
            hint = (
                "IOBES/BILOU tags are not supported: convert them to IOB2"
                if prefix in ("S", "E", "L", "U") and sep
                else "expected O, B-TYPE or I-TYPE (IOB2)"
            )
            return f"unknown tag {tag!r}: {hint}"
        if self.schema is not None and tag not in self.schema.tag_set:
            allowed = ", ".join(self.schema.tags)
            return (
                f"unknown tag {tag!r}: schema {self.schema.name!r} has {allowed}; "
                "fix the tag, map the file's types onto the schema, or read without a schema"
            )
        parsed = (prefix, entity_type)
        self._parsed[tag] = parsed
        return parsed

    def check(self, tags: list[str], lines: Sequence[int] | int, unit: str = "line") -> None:
        """Validate `tags` in place.

        `lines` gives each tag's line, or one number for the whole sentence: a line
        (JSONL, `unit="line"`) or a sentence number (hub rows, `unit="sentence"`).
        """
        parsed = self._parsed
        previous_type = ""
        previous = ""
        for index, tag in enumerate(tags):
            info = parsed.get(tag)
            if info is None:
                found = self._parse(tag)
                if isinstance(found, str):
                    self._fail(lines, index, unit, found)
                info = found
            prefix, entity_type = info
            if prefix == "I" and entity_type != previous_type:
                if not self.repair:
                    after = f"after {previous}" if previous else "at the start of a sentence"
                    self._fail(
                        lines,
                        index,
                        unit,
                        f"{tag} {after}: an entity must start with B-{entity_type}; "
                        f"fix the tag, or {REPAIR_HINT}",
                    )
                new = f"B-{entity_type}"
                tags[index] = new
                self.repaired += 1
                if len(self.repairs) < _MAX_LISTED_REPAIRS:
                    line = lines if isinstance(lines, int) else lines[index]
                    self.repairs.append(Repair(line, tag, new))
            previous_type = entity_type
            previous = tags[index]

    def _fail(self, lines: Sequence[int] | int, index: int, unit: str, message: str) -> None:
        if not isinstance(lines, int):
            raise DataFormatError(self.path, lines[index], message)
        if unit == "line":
            raise DataFormatError(self.path, lines, f"tag {index + 1}: {message}")
        raise DataFormatError(self.path, None, f"{unit} {lines}, tag {index + 1}: {message}")


def resolve_schema(schema: LabelSchema | str | None) -> LabelSchema | None:
    return get_schema(schema) if isinstance(schema, str) else schema


# ---------------------------------------------------------------------------
# Column files


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
    n_tokens = 0
    skipped = 0
    columns: int | None = None  # column count of the first data line
    first_line = 0
    tokens: list[str] = []
    tags: list[str] = []
    lines: list[int] = []

    def finish() -> None:
        nonlocal n_tokens
        sentence_tags: list[str] | None = None
        if labelled:
            checker.check(tags, lines)
            sentence_tags = tags
        sentences.append(origin.sentence(len(sentences), tokens, sentence_tags))
        n_tokens += len(tokens)

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
    report = ReadReport(
        path=str(path),
        reader=reader,
        sentences=len(sentences),
        tokens=n_tokens,
        labelled=bool(labelled),
        repaired=checker.repaired,
        repairs=tuple(checker.repairs),
        skipped_lines=skipped,
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


def read_panx_with_report(
    path: str | Path,
    *,
    origin: Origin | None = None,
    schema: LabelSchema | str | None = None,
    repair: bool = False,
    limit: int | None = None,
    labelled: bool | None = None,
) -> tuple[list[Sentence], ReadReport]:
    """PAN-X TSV (`token<TAB>tag`); a one-column file reads as unlabelled text."""
    return read_columns_with_report(
        path,
        PANX_FORMAT,
        origin=origin,
        schema=schema,
        repair=repair,
        limit=limit,
        labelled=labelled,
        reader="panx",
    )


read_panx = sentences_only(read_panx_with_report)


def read_rahimi_with_report(
    path: str | Path,
    *,
    origin: Origin | None = None,
    schema: LabelSchema | str | None = None,
    repair: bool = False,
    limit: int | None = None,
    labelled: bool | None = None,
) -> tuple[list[Sentence], ReadReport]:
    """Rahimi's raw WikiANN: `fr:token<TAB>tag`; the prefix is checked and stripped.

    With `origin.lang` set, the prefix must be that language; otherwise the first
    token's prefix is taken and the sentences get that language.
    """
    origin = origin or Origin(split=Path(path).stem)
    if origin.lang == "und":
        origin = Origin(origin.dataset, _rahimi_lang(Path(path)), origin.split, origin.id_split)
    return read_columns_with_report(
        path,
        RAHIMI_FORMAT,
        origin=origin,
        schema=schema,
        repair=repair,
        limit=limit,
        labelled=labelled,
        reader="rahimi",
    )


def _rahimi_lang(path: Path) -> str:
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


read_rahimi = sentences_only(read_rahimi_with_report)


def read_conll_with_report(
    path: str | Path,
    *,
    token_column: int = 0,
    tag_column: int = -1,
    delimiter: str | None = None,
    skip_docstart: bool = True,
    comment_prefix: str | None = "# ",
    origin: Origin | None = None,
    schema: LabelSchema | str | None = None,
    repair: bool = False,
    limit: int | None = None,
    labelled: bool | None = None,
) -> tuple[list[Sentence], ReadReport]:
    """CoNLL-style columns: token and tag taken from the given columns (default: first
    and last). `delimiter=None` splits on any whitespace; use "\\t" when tokens may hold
    spaces. OntoNotes' `word POS parse tag` files: tag_column=3 (or -1)."""
    fmt = ColumnFormat(
        token_column=token_column,
        tag_column=tag_column,
        delimiter=delimiter,
        skip_docstart=skip_docstart,
        comment_prefix=comment_prefix,
    )
    return read_columns_with_report(
        path,
        fmt,
        origin=origin,
        schema=schema,
        repair=repair,
        limit=limit,
        labelled=labelled,
        reader="conll",
    )


read_conll = sentences_only(read_conll_with_report)


# ---------------------------------------------------------------------------
# JSONL


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
    n_tokens = 0
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
        n_tokens += len(tokens)
        if limit is not None and len(sentences) >= limit:
            break
    if not sentences:
        raise DataFormatError(path, None, "no sentences: the file holds only blank lines")
    report = ReadReport(
        path=str(path),
        reader="jsonl",
        sentences=len(sentences),
        tokens=n_tokens,
        labelled=any_tags,
        repaired=checker.repaired,
        repairs=tuple(checker.repairs),
    )
    return sentences, report


read_jsonl = sentences_only(read_jsonl_with_report)


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


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


def count_jsonl(path: str | Path) -> int:
    """Sentences in a JSONL file: its non-blank lines."""
    return sum(1 for line in Path(path).read_bytes().split(b"\n") if line.strip())


# ---------------------------------------------------------------------------
# Registry


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
    read: Callable[..., tuple[list[Sentence], ReadReport]]
    options: tuple[ReaderOption, ...] = ()


READERS: dict[str, ReaderSpec] = {
    spec.name: spec
    for spec in (
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
            (
                ReaderOption("token_column", int, 0, "column of the token (0 = first)"),
                ReaderOption("tag_column", int, -1, "column of the tag (-1 = last)"),
                ReaderOption("delimiter", str, None, "column separator (default: any whitespace)"),
                ReaderOption("skip_docstart", bool, True, "skip -DOCSTART- lines"),
                ReaderOption("comment_prefix", str, "# ", "lines starting with this are comments"),
            ),
        ),
        ReaderSpec(
            "jsonl",
            'JSON lines: {"tokens": [...], "tags": [...]} (tags optional = unlabelled)',
            (".jsonl", ".json"),
            read_jsonl_with_report,
        ),
    )
}


def get_reader(name: str) -> ReaderSpec:
    try:
        return READERS[name]
    except KeyError:
        known = ", ".join(READERS)
        raise XnerError(f"unknown reader {name!r}; known readers: {known}") from None


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
