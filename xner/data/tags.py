"""IOB2 tags: entity spans, validation, and conlleval-style repair."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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


def spans(tags: Sequence[str]) -> list[Span]:
    """Entity spans of a valid IOB2 sequence (a stray `I-` starts a new span)."""
    found: list[Span] = []
    start = -1
    current = ""
    for index, tag in enumerate(tags):
        prefix, entity_type = split_tag(tag)
        continues = prefix == "I" and entity_type == current
        if current and not continues:
            found.append(Span(start, index, current))
            current = ""
        if prefix == "B" or (prefix == "I" and not continues):
            start, current = index, entity_type
    if current:
        found.append(Span(start, len(tags), current))
    return found


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
