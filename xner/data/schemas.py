"""Label schemas (the entity types a dataset uses) and mappings between them.

Cross-dataset evaluation (train on WikiANN, test on WNUT-17 or OntoNotes) needs one
label space. The mappings below carry each fine type onto the WikiANN types
PER/ORG/LOC, or onto PER/ORG/LOC/MISC (`coarse`), with `None` meaning "not an entity
there" (dropped to `O`). The tables are data: `mapping_rows` returns them for the
command line and the app to print, each row with the reason for its choice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from xner.data.records import Sentence
from xner.data.tags import OUTSIDE, Span, spans, tags_from_spans
from xner.errors import XnerError
from xner.registry import Registry


@dataclass(frozen=True, slots=True)
class LabelSchema:
    """A named set of entity types; its tags are `O` plus `B-`/`I-` of each type."""

    name: str
    description: str
    types: tuple[str, ...]

    @property
    def tags(self) -> tuple[str, ...]:
        """All IOB2 tags of the schema, `O` first, then B-/I- per type in order."""
        return (OUTSIDE, *(f"{prefix}-{t}" for t in self.types for prefix in ("B", "I")))

    @property
    def tag_set(self) -> frozenset[str]:
        return frozenset(self.tags)


SCHEMAS: Registry[LabelSchema] = Registry("label schema", error=XnerError)
SCHEMAS.register_all(
    LabelSchema(
        "wikiann",
        "WikiANN / PAN-X: persons, organisations, locations",
        ("PER", "ORG", "LOC"),
    ),
    LabelSchema(
        "coarse",
        "CoNLL-2003 style: PER, ORG, LOC plus MISC for other named entities",
        ("PER", "ORG", "LOC", "MISC"),
    ),
    LabelSchema(
        "wnut17",
        "WNUT-17 emerging and rare entities (user-generated text)",
        ("person", "location", "corporation", "group", "product", "creative-work"),
    ),
    LabelSchema(
        "ontonotes5",
        "OntoNotes 5.0: 18 types, including numeric and temporal expressions",
        (
            "PERSON",
            "NORP",
            "FAC",
            "ORG",
            "GPE",
            "LOC",
            "PRODUCT",
            "EVENT",
            "WORK_OF_ART",
            "LAW",
            "LANGUAGE",
            "DATE",
            "TIME",
            "PERCENT",
            "MONEY",
            "QUANTITY",
            "ORDINAL",
            "CARDINAL",
        ),
    ),
)


def get_schema(name: str) -> LabelSchema:
    """The schema called `name`; the error lists the known ones."""
    return SCHEMAS.get(name)


def list_schemas() -> list[LabelSchema]:
    return list(SCHEMAS.values())


@dataclass(frozen=True, slots=True)
class MappingRow:
    """One line of a mapping table: `source` type becomes `target` (None: dropped to O)."""

    source: str
    target: str | None
    note: str


@dataclass(frozen=True, slots=True)
class LabelMapping:
    """A declared type mapping from one schema onto another."""

    name: str
    description: str
    source: str
    target: str
    rows: tuple[MappingRow, ...]

    def table(self) -> dict[str, str | None]:
        return {row.source: row.target for row in self.rows}


# Why each type goes where it goes; the WikiANN mappings reuse these rows and drop
# MISC, since WikiANN has no MISC class.
_ONTONOTES_TO_COARSE: tuple[tuple[str, str | None, str], ...] = (
    ("PERSON", "PER", "people, including fictional"),
    ("NORP", "MISC", "nationalities, religious and political groups (CoNLL MISC)"),
    ("FAC", "LOC", "buildings, airports, bridges: places in WikiANN's sense"),
    ("ORG", "ORG", "companies, agencies, institutions"),
    ("GPE", "LOC", "countries, cities, states"),
    ("LOC", "LOC", "non-GPE locations: mountains, rivers, regions"),
    ("PRODUCT", "MISC", "objects, vehicles, foods"),
    ("EVENT", "MISC", "named hurricanes, battles, wars, sports events"),
    ("WORK_OF_ART", "MISC", "titles of books, songs"),
    ("LAW", "MISC", "named documents made into laws"),
    ("LANGUAGE", "MISC", "named languages (CoNLL MISC)"),
    ("DATE", None, "temporal expression, not a named entity in WikiANN or CoNLL"),
    ("TIME", None, "temporal expression"),
    ("PERCENT", None, "numeric expression"),
    ("MONEY", None, "numeric expression"),
    ("QUANTITY", None, "numeric expression"),
    ("ORDINAL", None, "numeric expression"),
    ("CARDINAL", None, "numeric expression"),
)

_WNUT_TO_COARSE: tuple[tuple[str, str | None, str], ...] = (
    ("person", "PER", "people, including usernames of people"),
    ("location", "LOC", "places"),
    ("corporation", "ORG", "companies"),
    ("group", "ORG", "bands, sports teams, non-corporate organisations (CoNLL ORG)"),
    ("product", "MISC", "products, devices, software"),
    ("creative-work", "MISC", "songs, films, books (CoNLL MISC)"),
)


def _rows(
    table: Sequence[tuple[str, str | None, str]], keep: frozenset[str]
) -> tuple[MappingRow, ...]:
    rows = []
    for source, target, note in table:
        if target is not None and target not in keep:
            rows.append(MappingRow(source, None, f"{note}; no {target} type here"))
        else:
            rows.append(MappingRow(source, target, note))
    return tuple(rows)


_COARSE_TYPES = frozenset(SCHEMAS["coarse"].types)
_WIKIANN_TYPES = frozenset(SCHEMAS["wikiann"].types)

MAPPINGS: Registry[LabelMapping] = Registry("label mapping", error=XnerError)
MAPPINGS.register_all(
    LabelMapping(
        "ontonotes5->wikiann",
        "OntoNotes' 18 types onto PER/ORG/LOC; everything else becomes O",
        "ontonotes5",
        "wikiann",
        _rows(_ONTONOTES_TO_COARSE, _WIKIANN_TYPES),
    ),
    LabelMapping(
        "ontonotes5->coarse",
        "OntoNotes' 18 types onto PER/ORG/LOC/MISC; numeric and temporal types become O",
        "ontonotes5",
        "coarse",
        _rows(_ONTONOTES_TO_COARSE, _COARSE_TYPES),
    ),
    LabelMapping(
        "wnut17->wikiann",
        "WNUT-17 types onto PER/ORG/LOC; products and creative works become O",
        "wnut17",
        "wikiann",
        _rows(_WNUT_TO_COARSE, _WIKIANN_TYPES),
    ),
    LabelMapping(
        "wnut17->coarse",
        "WNUT-17 types onto PER/ORG/LOC/MISC",
        "wnut17",
        "coarse",
        _rows(_WNUT_TO_COARSE, _COARSE_TYPES),
    ),
)


def list_mappings() -> list[LabelMapping]:
    return list(MAPPINGS.values())


def get_mapping(source: str, target: str = "wikiann") -> LabelMapping:
    """The mapping from schema `source` onto schema `target`."""
    return MAPPINGS.get(f"{source}->{target}")


def mapping_rows(source: str, target: str = "wikiann") -> list[MappingRow]:
    """The table of `source -> target` as rows, for printing and display."""
    return list(get_mapping(source, target).rows)


def map_tags(tags: Sequence[str], table: dict[str, str | None]) -> list[str]:
    """Tags with every entity type renamed through `table` (None: dropped to O).

    Works on spans, so two adjacent entities that map to the same type stay two
    entities (each starts with B-) and the result is valid IOB2.
    """
    mapped: list[Span] = []
    for span in spans(tags):
        if span.type not in table:
            known = ", ".join(sorted(table))
            raise XnerError(
                f"entity type {span.type!r} has no row in the mapping (it maps {known})"
            )
        target = table[span.type]
        if target is not None:
            mapped.append(Span(span.start, span.end, target))
    return tags_from_spans(len(tags), mapped)


def apply_mapping(
    sentences: Iterable[Sentence], source: str | LabelMapping, target: str = "wikiann"
) -> list[Sentence]:
    """Sentences with their tags mapped (`source` is a schema name or a mapping).

    Unlabelled sentences pass through unchanged; ids stay, hashes follow the new tags.
    """
    mapping = source if isinstance(source, LabelMapping) else get_mapping(source, target)
    table = mapping.table()
    result: list[Sentence] = []
    for sentence in sentences:
        if sentence.tags is None:
            result.append(sentence)
            continue
        try:
            new_tags = map_tags(sentence.tags, table)
        except XnerError as error:
            raise XnerError(f"sentence {sentence.id} ({mapping.name}): {error}") from None
        result.append(sentence.with_content(sentence.tokens, new_tags))
    return result
