"""Results that take seconds to compute, kept on disk between processes.

The dashboard's first render used to recompute, in every new server process, what only
changes when a file changes: the results table (a thousand evaluation JSONs), entity
overlaps (both languages' WikiANN splits read in full) and the findings (bootstrap
intervals). Each is stored here under a key made of the sizes and mtimes of the files it
is computed from and of xner's own source (an edited module could compute something
else), so a changed file recomputes it and an unchanged one answers in milliseconds.

Entries are pickles written atomically under `<cache dir>/app/<namespace>/`; one that
cannot be read (truncated, from another library version) is recomputed and replaced.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from xner import atomic
from xner.config import cache_dir

T = TypeVar("T")

Signature = tuple[tuple[str, int, int], ...]
MISSING = (-1, -1)  # a file that is not there is part of the key too (it may appear)
PACKAGE = Path(__file__).resolve().parent


def cache_folder() -> Path:
    return cache_dir() / "app"


def file_signature(paths: Iterable[Path | str]) -> Signature:
    """(path, mtime_ns, size) of each file: stat calls only."""
    signature = []
    for path in paths:
        try:
            stat = Path(path).stat()
        except OSError:
            signature.append((str(path), *MISSING))
            continue
        signature.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(signature)


@cache
def code_signature() -> Signature:
    """xner's source files (and bundled resources): a cached result was computed by
    this code. Read once per process: a running server does not reload edited modules."""
    return file_signature(
        sorted(p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    )


def wikiann_files(data_dir: Path | str, langs: Sequence[str] | None = None) -> list[Path]:
    """The local WikiANN files (PAN-X and Rahimi) of `langs` (all when None): what entity
    overlaps are computed from."""
    root = Path(data_dir)
    panx = sorted((root / "panx").glob("*.tsv"))
    rahimi = sorted(p for p in (root / "wikiann-rahimi").glob("*/*") if p.is_file())
    if langs is None:
        return panx + rahimi
    wanted = set(langs)
    # `train-LANG.tsv`: the language is all after the first hyphen (zh-yue has one too).
    return [p for p in panx if p.stem.split("-", 1)[-1] in wanted] + [
        p for p in rahimi if p.parent.name in wanted
    ]


def digest(value: object) -> str:
    """A short stand-in for a long key (a signature of a thousand files)."""
    return hashlib.sha256(repr(value).encode("utf-8")).hexdigest()


def entry_path(namespace: str, key: object) -> Path:
    return cache_folder() / namespace / f"{digest((key, code_signature()))[:32]}.pickle"


def disk_cached(namespace: str, key: object, compute: Callable[[], T]) -> T:
    """`compute()`, or what it returned before for the same `key` (whose repr must name
    every input: paths with their `file_signature`) and the same xner source."""
    path = entry_path(namespace, key)
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)  # our own files, in our cache dir
    except Exception:  # missing or unreadable: recomputed, never fatal
        pass
    value = compute()
    with contextlib.suppress(OSError):  # a read-only cache dir costs speed, not the answer
        atomic.write_bytes(path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    return value


def load_results_cached(models_dir: Path | str, signature: str) -> tuple[Any, Any]:
    """`xner.analysis.table.load_results_with_report(models_dir)` (table, report), kept on
    disk under `signature`, which must be `table.results_signature(models_dir)`: a thousand
    evaluation JSONs are read again only when one of them (or a config.json) changes."""
    from xner.analysis.table import load_results_with_report

    return disk_cached(
        "results",
        (str(models_dir), signature),
        lambda: load_results_with_report(models_dir),
    )
