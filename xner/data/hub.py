"""Hugging Face hub loaders for WikiANN, WNUT-17 and OntoNotes 5, through `datasets`.

Integer labels become tag strings through the dataset's own `ClassLabel` features, so
a reordered label list on the hub cannot silently swap types.

Offline, `datasets.load_dataset` retries for a long while before failing. Here the hub
is checked first (`xner.hubprobe`: the declared offline switches, then a TCP probe
bounded to about 2 s) and an `OfflineError` names the local file that would have been
used.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from xner.data.readers.base import Origin, ReadReport, resolve_schema
from xner.data.records import Sentence
from xner.data.schemas import LabelSchema
from xner.data.tags import TagChecker
from xner.errors import DataFormatError, DataNotFoundError, OfflineError, XnerError
from xner.hubprobe import PROBE_TIMEOUT_S, offline_reason


@dataclass(frozen=True, slots=True)
class HubSource:
    """Where a dataset lives on the hub and how its rows hold tokens and tags."""

    repo: str
    description: str
    config: str | None  # may hold "{lang}"
    splits: Mapping[str, str] = field(
        default_factory=lambda: {"train": "train", "dev": "validation", "test": "test"}
    )  # file part -> hub split
    tokens_field: str = "tokens"
    tags_field: str = "ner_tags"
    sentences_field: str | None = None  # rows are documents holding a list of sentences
    revision: str | None = None
    languages: tuple[str, ...] | None = None  # None: any config the hub has

    def config_for(self, lang: str) -> str | None:
        return None if self.config is None else self.config.format(lang=lang)

    def where(self, lang: str, part: str) -> str:
        """A readable address, used in messages and reports."""
        config = self.config_for(lang)
        split = self.splits.get(part, part)
        return f"hub:{self.repo}" + (f"/{config}" if config else "") + f"/{split}"


def _resource_words(name: str) -> tuple[str, ...]:
    """Whitespace-separated words of a file in xner/resources (`#` lines are comments)."""
    text = resources.files("xner").joinpath("resources", name).read_text("utf-8")
    lines = (line for line in text.splitlines() if not line.startswith("#"))
    return tuple(sorted({word for line in lines for word in line.split()}))


HUB_SOURCES: dict[str, HubSource] = {
    "wikiann": HubSource(
        "unimelb-nlp/wikiann",
        "WikiANN with Rahimi et al.'s balanced splits, one config per language (176)",
        "{lang}",
        # known offline, so a mistyped language fails without a network round trip
        languages=_resource_words("wikiann_hub_languages.txt"),
    ),
    "wnut17": HubSource(
        "leondz/wnut_17",
        "WNUT-17 emerging entities; read from the hub's parquet conversion, since "
        "the repository's loading script no longer runs in current `datasets`",
        "wnut_17",
        revision="refs/convert/parquet",
        languages=("en",),
    ),
    "ontonotes5": HubSource(
        "ontonotes/conll2012_ontonotesv5",
        "CoNLL-2012 OntoNotes 5.0, English v12; documents of sentences",
        "english_v12",
        tokens_field="words",
        tags_field="named_entities",
        sentences_field="sentences",
        languages=("en",),
    ),
}


# ---------------------------------------------------------------------------
# Reachability (the probe itself lives in xner.hubprobe, shared with the backbones)


def require_hub(what: str, where: str, local_hint: str, timeout: float = PROBE_TIMEOUT_S) -> None:
    """Raise `OfflineError` (naming the local alternative) when the hub is out of reach."""
    if reason := offline_reason(timeout):
        raise OfflineError(
            f"{what} is not in the local data directory, and the Hugging Face hub "
            f"({where}) cannot be reached: {reason}. Put the file at {local_hint} "
            "(or set XNER_DATA_DIR to a directory that holds it), "
            "or run where the hub is reachable."
        )


# ---------------------------------------------------------------------------
# Rows to sentences


def _unwrap(feature: Any) -> Any:
    """Strip list wrappers (`List`, `Sequence`, `LargeList`, plain lists) off a feature."""
    while True:
        if isinstance(feature, list) and len(feature) == 1:
            feature = feature[0]
        elif hasattr(feature, "feature") and not hasattr(feature, "names"):
            feature = feature.feature
        else:
            return feature


def tag_names(features: Mapping[str, Any], source: HubSource) -> list[str]:
    """The tag strings behind the integer labels, from the dataset's ClassLabel."""
    feature: Any = features
    path = [source.sentences_field, source.tags_field] if source.sentences_field else []
    for key in path or [source.tags_field]:
        feature = _unwrap(feature)
        if not isinstance(feature, Mapping) or key not in feature:
            raise XnerError(
                f"{source.repo}: no field {key!r} in the dataset's features; "
                "the hub dataset changed shape, update its HubSource"
            )
        feature = feature[key]
    names = getattr(_unwrap(feature), "names", None)
    if not names:
        raise XnerError(
            f"{source.repo}: field {source.tags_field!r} holds no ClassLabel names, "
            "so its integer labels cannot be turned into tags"
        )
    return list(names)


def _sentences_of(rows: Iterable[Mapping[str, Any]], source: HubSource) -> Iterator[Any]:
    """(tokens, label ids) per sentence, flattening documents when rows hold them."""
    for row in rows:
        if source.sentences_field:
            for sentence in row[source.sentences_field]:
                yield sentence[source.tokens_field], sentence[source.tags_field]
        else:
            yield row[source.tokens_field], row[source.tags_field]


def sentences_from_rows(
    rows: Iterable[Mapping[str, Any]],
    names: Sequence[str],
    source: HubSource,
    *,
    origin: Origin,
    where: str,
    schema: LabelSchema | str | None = None,
    repair: bool = False,
    limit: int | None = None,
    labelled: bool = True,
) -> tuple[list[Sentence], ReadReport]:
    """Sentences from hub rows; a problem names `where` and the sentence number."""
    checker = TagChecker(where, resolve_schema(schema), repair)
    sentences: list[Sentence] = []
    for number, (tokens, ids) in enumerate(_sentences_of(rows, source), 1):
        if not tokens:
            continue  # empty sentences occur in CoNLL-2012 documents
        tags: list[str] | None = None
        if labelled:
            try:
                tags = [names[i] for i in ids]
            except (IndexError, TypeError):
                raise DataFormatError(
                    where, None, f"sentence {number}: label ids {ids!r} outside 0..{len(names) - 1}"
                ) from None
            checker.check(tags, number, unit="sentence")
        sentences.append(origin.sentence(len(sentences), list(tokens), tags))
        if limit is not None and len(sentences) >= limit:
            break
    return sentences, ReadReport.of_read(where, "hub", sentences, checker, labelled=labelled)


def load_hub_part(
    source: HubSource,
    lang: str,
    part: str,
    *,
    origin: Origin,
    local_hint: str,
    schema: LabelSchema | str | None = None,
    repair: bool = False,
    limit: int | None = None,
    labelled: bool = True,
) -> tuple[list[Sentence], ReadReport]:
    """One file-level split (`train`, `dev`, `test`) of a hub dataset as sentences."""
    if source.languages is not None and lang not in source.languages:
        known = source.languages
        listed = ", ".join(known[:12]) + (f", ... ({len(known)} in all)" if len(known) > 12 else "")
        raise DataNotFoundError(f"{source.repo} has no language {lang!r}; it has {listed}")
    if part not in source.splits:
        raise DataNotFoundError(f"{source.repo} has no {part!r} split")
    where = source.where(lang, part)
    require_hub(f"{origin.dataset} {lang} {origin.split}", where, local_hint)

    import datasets  # imported late: slow, and not needed offline

    try:
        data = datasets.load_dataset(
            source.repo,
            name=source.config_for(lang),
            split=source.splits[part],
            revision=source.revision,
        )
    except (ConnectionError, TimeoutError) as error:
        raise OfflineError(f"{where}: the download failed ({error}); use {local_hint}") from None
    except Exception as error:  # datasets raises many types for a missing config
        raise DataNotFoundError(
            f"{where}: could not be loaded ({type(error).__name__}: {error}); "
            f"check the language code, or use a local file at {local_hint}"
        ) from None
    names = tag_names(data.features, source)
    return sentences_from_rows(
        data,
        names,
        source,
        origin=origin,
        where=where,
        schema=schema,
        repair=repair,
        limit=limit,
        labelled=labelled,
    )
