"""IOB2 tags: entity spans, validation, and conlleval-style repair.

The one home of IOB2 logic: the readers check and repair through `TagChecker`, the
perturbations find mentions with `span_tuples` and check their output with `is_iob2`,
and the metrics and schemas read spans with `spans`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from xner.errors import DataFormatError

if TYPE_CHECKING:
    from xner.data.schemas import LabelSchema

OUTSIDE = "O"


@dataclass(frozen=True, slots=True)
class Span:
    """An entity mention: tokens `start` (inclusive) to `end` (exclusive) of `type`."""

    start: int
    end: int
    type: str

    def __len__(self) -> int:
        return self.end - self.start


def split_tag(tag: str) -> tuple[str, str]:
    """`"B-PER"` -> `("B", "PER")`; `"O"` -> `("O", "")`."""
    if tag == OUTSIDE:
        return OUTSIDE, ""
    prefix, sep, entity_type = tag.partition("-")
    if not sep or prefix not in ("B", "I") or not entity_type:
        raise ValueError(f"not an IOB2 tag: {tag!r} (expected O, B-TYPE or I-TYPE)")
    return prefix, entity_type


def iob2_problems(tags: Sequence[str]) -> list[tuple[int, str]]:
    """Positions where `tags` break IOB2, with a message for each.

    An `I-X` must follow `B-X` or `I-X`; anything else (after `O`, at the start, or
    after another type) is a stray start.
    """
    problems: list[tuple[int, str]] = []
    previous = OUTSIDE
    for index, tag in enumerate(tags):
        try:
            prefix, entity_type = split_tag(tag)
        except ValueError as error:
            problems.append((index, str(error)))
            previous = OUTSIDE
            continue
        if prefix == "I":
            prev_prefix, prev_type = split_tag(previous)
            if prev_prefix == OUTSIDE:
                where = "at the start of the sentence" if index == 0 else "after O"
                problems.append((index, f"{tag} {where}: an entity must start with B-"))
            elif prev_type != entity_type:
                problems.append(
                    (index, f"{tag} after {previous}: an entity must start with B-{entity_type}")
                )
        previous = tag
    return problems


def repair_iob2(tags: Sequence[str]) -> tuple[list[str], int]:
    """Turn stray `I-X` starts into `B-X`, as conlleval reads them; returns the count."""
    repaired: list[str] = []
    count = 0
    previous_type = ""
    for tag in tags:
        prefix, entity_type = split_tag(tag)
        if prefix == "I" and previous_type != entity_type:
            tag = f"B-{entity_type}"
            count += 1
        repaired.append(tag)
        previous_type = entity_type
    return repaired, count


def span_tuples(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """`(start, end, type)` of each mention, read as conlleval reads (a stray `I-` opens
    a mention). No validation: the hot-loop form for tags already known to be IOB2."""
    found: list[tuple[int, int, str]] = []
    start = -1
    current = ""
    for index, tag in enumerate(tags):
        if tag == OUTSIDE:
            if current:
                found.append((start, index, current))
                current = ""
            continue
        entity_type = tag[2:]
        if tag[0] == "I" and entity_type == current:
            continue
        if current:
            found.append((start, index, current))
        start, current = index, entity_type
    if current:
        found.append((start, len(tags), current))
    return found


def spans(tags: Sequence[str]) -> list[Span]:
    """Entity spans of a valid IOB2 sequence (a stray `I-` starts a new span); a tag that
    is not O, B-TYPE or I-TYPE raises ValueError."""
    for tag in tags:
        split_tag(tag)
    return [Span(start, end, entity_type) for start, end, entity_type in span_tuples(tags)]


def is_iob2(tags: Sequence[str]) -> bool:
    """True when every tag is O, B-X or I-X and each I-X continues an X (the fast yes/no
    form of `iob2_problems`)."""
    previous = OUTSIDE
    for tag in tags:
        if tag != OUTSIDE:
            if len(tag) < 3 or tag[1] != "-" or tag[0] not in "BI":
                return False
            if tag[0] == "I" and (previous == OUTSIDE or previous[2:] != tag[2:]):
                return False
        previous = tag
    return True


def tags_from_spans(length: int, entity_spans: Sequence[Span]) -> list[str]:
    """IOB2 tags of `length` tokens holding `entity_spans` (which must not overlap)."""
    tags = [OUTSIDE] * length
    for span in entity_spans:
        if not 0 <= span.start < span.end <= length:
            raise ValueError(f"span {span} outside a sentence of {length} tokens")
        if any(tag != OUTSIDE for tag in tags[span.start : span.end]):
            raise ValueError(f"span {span} overlaps another span")
        tags[span.start] = f"B-{span.type}"
        for index in range(span.start + 1, span.end):
            tags[index] = f"I-{span.type}"
    return tags


def entity_types(tags: Sequence[str]) -> set[str]:
    """The entity types that occur in `tags`."""
    return {split_tag(tag)[1] for tag in tags if tag != OUTSIDE}


# ---------------------------------------------------------------------------
# Checking tags as they are read (line numbers, a schema, optional repair)

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

    def _fail(self, lines: Sequence[int] | int, index: int, unit: str, message: str) -> NoReturn:
        if not isinstance(lines, int):
            raise DataFormatError(self.path, lines[index], message)
        if unit == "line":
            raise DataFormatError(self.path, lines, f"tag {index + 1}: {message}")
        raise DataFormatError(self.path, None, f"{unit} {lines}, tag {index + 1}: {message}")
