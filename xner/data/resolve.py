"""`load_split`: local files first, then the hub (datasets in `xner.data.datasets`,
split policies in `xner.data.policies`: import their names from there).

Splits are `train`, `dev`, `test` and `unlabelled`; each dataset's split policy
(`xner.data.policies`, where they are described) maps them onto its files ("parts").

Quirks of the local files (checked by tests/data/test_shared_data.py):

- PAN-X zh and ja mark spaces inside entities as a `#` token tagged O, leaving 500-1000
  stray I- tags per file: read them with `repair=True` (the error says so).
- OntoNotes' "BIO" tags are valid IOB2; its train split is not local (hub only).
- WNUT-17's train file separates sentences with tab-only lines, and `#` is a token
  there (`#\tO`), never a comment. `emerging.test.conll` holds multi-annotator labels
  (`B-corporation,B-group`) and is refused; the gold test file is
  `emerging.test.annotated`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from xner import config
from xner.data.datasets import (
    DATASETS,
    DatasetSpec,
    get_dataset,
)
from xner.data.hub import load_hub_part
from xner.data.policies import (
    DEV_CAP,
    DEV_FRACTION,
    POLICY_SEPARATOR,
    SPLITS,
    _select,
    _selected_count,
)
from xner.data.readers.base import Origin, ReadReport
from xner.data.readers.columns import count_sentences
from xner.data.readers.jsonl import count_jsonl
from xner.data.readers.registry import get_reader
from xner.data.records import Sentence
from xner.errors import DataNotFoundError, XnerError

__all__ = [
    "WIKIANN_LOCAL_DATASETS",
    "LocalSplit",
    "PooledSplits",
    "clear_cache",
    "list_local",
    "load_split",
    "load_split_with_report",
    "local_languages",
    "local_wikiann_dataset",
    "pooled_splits",
    "wikiann_dataset",
]

# ---------------------------------------------------------------------------
# Loading


def _root(data_dir: str | Path | None) -> Path:
    return Path(data_dir) if data_dir is not None else config.data_dir()


@lru_cache(maxsize=16)
def _read_local(
    path: Path,
    stamp: tuple[int, int],  # (size, mtime_ns): a changed file is read again
    reader: str,
    options: tuple[tuple[str, Any], ...],
    origin: Origin,
    schema: str,
    repair: bool,
    labelled: bool | None,
) -> tuple[tuple[Sentence, ...], ReadReport]:
    sentences, report = get_reader(reader).read(
        path,
        origin=origin,
        schema=schema,
        repair=repair,
        labelled=labelled,
        **dict(options),
    )
    return tuple(sentences), report


def clear_cache() -> None:
    """Forget cached reads (the cache also notices changed files by size and mtime)."""
    _read_local.cache_clear()


def _check_lang(spec: DatasetSpec, lang: str) -> None:
    if not lang or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", lang):
        raise XnerError(f"language code {lang!r} is not valid; use an ISO code such as 'fr'")
    if spec.languages is not None and lang not in spec.languages:
        raise DataNotFoundError(
            f"{spec.name} has no language {lang!r}; it has {', '.join(spec.languages)}"
        )


def _read_part(
    spec: DatasetSpec,
    lang: str,
    part: str,
    origin: Origin,
    root: Path,
    *,
    repair: bool,
    labelled: bool,
    limit: int | None = None,
) -> tuple[list[Sentence], ReadReport]:
    """One file part of `spec` in `lang`: the local file, else the hub."""
    path = spec.local_path(root, lang, part)
    if path.is_file():
        stat = path.stat()
        stored, report = _read_local(
            path,
            (stat.st_size, stat.st_mtime_ns),
            spec.reader,
            tuple(sorted(spec.reader_options.items())),
            origin,
            spec.schema,
            repair,
            None if labelled else False,
        )
        sentences = list(stored)
    elif spec.hub is not None:
        sentences, report = load_hub_part(
            spec.hub,
            lang,
            part,
            origin=origin,
            local_hint=str(path),
            schema=spec.schema,
            repair=repair,
            limit=limit,
            labelled=labelled,
        )
    else:
        raise DataNotFoundError(
            f"{spec.name} {lang} {origin.split}: expected the file {path} (from the {part} "
            "part); set XNER_DATA_DIR to the directory holding it"
        )
    if not labelled:
        sentences = [s if s.tags is None else replace(s, tags=None, hash="") for s in sentences]
    return sentences, report


@dataclass(frozen=True, slots=True)
class PooledSplits:
    """A pooled policy's splits of one language, and what the pooling did."""

    train: tuple[Sentence, ...]
    dev: tuple[Sentence, ...]
    test: tuple[Sentence, ...]
    unlabelled: tuple[Sentence, ...]
    report: ReadReport
    pooled: int  # labelled sentences in all the parts
    kept: int  # after the cap
    test_duplicates: int  # test sentences whose tokens repeat a train or dev sentence
    dropped: int  # of those, dropped from test (the policy's `dedup`)

    def split(self, name: str) -> tuple[Sentence, ...]:
        return {"train": self.train, "dev": self.dev, "test": self.test}.get(name, self.unlabelled)


def _pool_parts(spec: DatasetSpec, root: Path, lang: str) -> list[str]:
    """The labelled parts to pool: every one with a local file; all of them (from the
    hub) when the language has no local file."""
    local = [part for part in spec.labelled_parts if spec.local_path(root, lang, part).is_file()]
    if local:
        return local
    if spec.hub is not None:
        return [part for part in spec.labelled_parts if part in spec.hub.splits]
    return list(spec.labelled_parts)


def _merged(reports: Sequence[ReadReport], reader: str) -> ReadReport:
    return ReadReport(
        path=" + ".join(r.path for r in reports),
        reader=reader,
        sentences=sum(r.sentences for r in reports),
        tokens=sum(r.tokens for r in reports),
        labelled=True,
        repaired=sum(r.repaired for r in reports),
        repairs=tuple(repair for r in reports for repair in r.repairs),
        skipped_lines=sum(r.skipped_lines for r in reports),
    )


def _with_split(sentences: Sequence[Sentence], split: str) -> tuple[Sentence, ...]:
    return tuple(replace(s, split=split) for s in sentences)


def pooled_splits(
    dataset: str, lang: str, *, data_dir: str | Path | None = None, repair: bool = False
) -> PooledSplits:
    """The train/dev/test/unlabelled splits of `lang` under `dataset`'s pooled policy
    (`panx@paper`). Sentence ids keep the file and index they come from."""
    spec = get_dataset(dataset)
    _check_lang(spec, lang)
    if spec.policy.pool is None:
        raise XnerError(f"{dataset}: split policy {spec.policy.name!r} does not pool")
    root = _root(data_dir)
    stamps = tuple(
        (part, *_stamp(spec.local_path(root, lang, part))) for part in spec.labelled_parts
    )
    return _pooled(f"{spec.name}{POLICY_SEPARATOR}{spec.policy.name}", lang, root, stamps, repair)


def _stamp(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1)
    return (stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=8)
def _pooled(
    dataset: str,
    lang: str,
    root: Path,
    stamps: tuple[tuple[str, int, int], ...],  # a changed file is read again
    repair: bool,
) -> PooledSplits:
    spec = get_dataset(dataset)
    pool = spec.policy.pool
    assert pool is not None
    sentences: list[Sentence] = []
    reports: list[ReadReport] = []
    for part in _pool_parts(spec, root, lang):
        origin = Origin(spec.name, lang, "pool", id_split=part)
        read, report = _read_part(spec, lang, part, origin, root, repair=repair, labelled=True)
        sentences.extend(read)
        reports.append(report)
    order = list(range(len(sentences)))
    random.Random(pool.seed).shuffle(order)
    kept = [sentences[i] for i in order[: pool.cap]]
    n_test = round(len(kept) * pool.test_fraction)
    test, rest = kept[:n_test], kept[n_test:]
    n_dev = min(DEV_CAP, round(len(rest) * DEV_FRACTION))
    if len(rest) >= 2:
        n_dev = max(n_dev, 1)
    dev, train = rest[:n_dev], rest[n_dev:]
    seen = {s.tokens for s in rest}
    repeats = [s for s in test if s.tokens in seen]
    if pool.dedup:
        test = [s for s in test if s.tokens not in seen]
    if spec.unlabelled_part is not None:
        origin = Origin(spec.name, lang, "unlabelled", id_split=spec.unlabelled_part)
        unlabelled, _ = _read_part(
            spec, lang, spec.unlabelled_part, origin, root, repair=repair, labelled=False
        )
    else:
        unlabelled = [replace(s, tags=None, hash="") for s in train]
    return PooledSplits(
        train=_with_split(train, "train"),
        dev=_with_split(dev, "dev"),
        test=_with_split(test, "test"),
        unlabelled=_with_split(unlabelled, "unlabelled"),
        report=_merged(reports, spec.reader),
        pooled=len(sentences),
        kept=len(kept),
        test_duplicates=len(repeats),
        dropped=len(repeats) if pool.dedup else 0,
    )


def load_split_with_report(
    dataset: str,
    lang: str,
    split: str,
    *,
    data_dir: str | Path | None = None,
    limit: int | None = None,
    repair: bool = False,
) -> tuple[list[Sentence], ReadReport]:
    """`load_split` plus the read report (repairs are counted over the whole file)."""
    spec = get_dataset(dataset)
    _check_lang(spec, lang)
    if split not in SPLITS:
        hint = " ('validation' is called 'dev' here)" if split == "validation" else ""
        raise XnerError(f"unknown split {split!r}{hint}; use one of {', '.join(SPLITS)}")
    if limit is not None and limit < 0:
        raise XnerError(f"limit must be a positive number of sentences, not {limit}")
    if spec.policy.pool is not None:
        pooled = pooled_splits(dataset, lang, data_dir=data_dir, repair=repair)
        sentences = list(pooled.split(split))
        return (sentences[:limit] if limit is not None else sentences), pooled.report
    rule = spec.policy.rule(split)
    origin = Origin(spec.name, lang, split, id_split=rule.part)
    sentences, report = _read_part(
        spec,
        lang,
        rule.part,
        origin,
        _root(data_dir),
        repair=repair,
        labelled=rule.labelled,
        # a held-out slice needs the whole file to draw from
        limit=limit if rule.take == "all" else None,
    )
    sentences = _select(sentences, rule.take)
    if limit is not None:
        sentences = sentences[:limit]
    return sentences, report


def load_split(
    dataset: str,
    lang: str,
    split: str,
    *,
    data_dir: Path | None = None,
    limit: int | None = None,
    repair: bool = False,
) -> list[Sentence]:
    """Sentences of `split` (train/dev/test/unlabelled) of `dataset` in `lang`.

    Reads the local data directory (`xner.config.data_dir()` unless `data_dir` is
    given), then the Hugging Face hub; offline, a missing file fails at once with an
    `OfflineError` naming where the file should be. `limit` keeps the first sentences;
    `repair` reads stray I- tags as B- (see `load_split_with_report` for the count).
    """
    return load_split_with_report(
        dataset, lang, split, data_dir=data_dir, limit=limit, repair=repair
    )[0]


# ---------------------------------------------------------------------------
# Listing


@dataclass(frozen=True, slots=True)
class LocalSplit:
    """One split of one dataset and language found in the data directory."""

    dataset: str
    lang: str
    split: str
    sentences: int
    labelled: bool
    path: str  # the file it is drawn from
    note: str  # how (the policy rule)


def _count(spec: DatasetSpec, path: Path) -> int:
    if spec.reader == "jsonl":
        return count_jsonl(path)
    return count_sentences(
        path,
        skip_docstart=spec.reader_options.get("skip_docstart", True),
        comment_prefix=spec.reader_options.get("comment_prefix", "# "),
    )


def list_local(data_dir: str | Path | None = None) -> list[LocalSplit]:
    """Every dataset, language and split found locally, with sentence counts.

    Counts separators rather than parsing (all 47 PAN-X languages in well under a
    second); the counts agree with `load_split`.
    """
    root = _root(data_dir)
    found: list[LocalSplit] = []
    for spec in DATASETS.values():
        for lang in spec.local_languages(root):
            counts: dict[str, int] = {}
            for rule in spec.policy.rules:
                path = spec.local_path(root, lang, rule.part)
                if not path.is_file():
                    continue
                if rule.part not in counts:
                    counts[rule.part] = _count(spec, path)
                found.append(
                    LocalSplit(
                        dataset=spec.name,
                        lang=lang,
                        split=rule.split,
                        sentences=_selected_count(counts[rule.part], rule.take),
                        labelled=rule.labelled,
                        path=str(path),
                        note=rule.note,
                    )
                )
    return found


def local_languages(dataset: str, data_dir: str | Path | None = None) -> list[str]:
    """Languages of `dataset` with files in the data directory."""
    return get_dataset(dataset).local_languages(_root(data_dir))


WIKIANN_LOCAL_DATASETS = ("panx", "wikiann-rahimi")


def wikiann_dataset(lang: str, data_dir: str | Path | None = None) -> str:
    """The local dataset holding WikiANN for `lang` (PAN-X first, then the Rahimi files);
    `panx` when neither has it, so that `load_split` falls back to the hub."""
    return local_wikiann_dataset(lang, data_dir) or "panx"


def local_wikiann_dataset(lang: str, data_dir: str | Path | None = None) -> str | None:
    """The local dataset holding WikiANN for `lang`, or None when it is only on the hub."""
    for dataset in WIKIANN_LOCAL_DATASETS:
        if lang in local_languages(dataset, data_dir):
            return dataset
    return None
