"""The cached readers of one run's files: `config.json` as a `RunMeta`, an `eval/*.json`
as score rows.

Shared by the results table (`xner.analysis.table`) and the slice table
(`xner.analysis.slicetable`), so both read a file the same way and share its cache. Each
reader is cached by (path, mtime, size): an edited file is read again, an unchanged one
never. They read JSON only: importing the training stack would pull in torch for a table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from xner.runs.records import EvalRecord

NAN = float("nan")


@dataclass(frozen=True, slots=True)
class RunMeta:
    """What the table needs from a run's config.json (read as JSON: importing the
    training stack would pull in torch for a table)."""

    backbone: str
    pair: str
    hrl: str
    lrl: str
    relation: str
    setting: str
    method: str
    split: str  # the split policy (config.json `split_policy`; absent: xtreme)
    seed: int
    run_id: str
    run_path: str


def stat_key(path: Path) -> tuple[str, int, int]:
    """(path, mtime, size): the cache key of the readers below."""
    stat = path.stat()
    return str(path), stat.st_mtime_ns, stat.st_size


def _relation(pair_id: str) -> str:
    from xner.pairs import get_pair

    try:
        pair = get_pair(pair_id)
    except Exception:  # an uncatalogued pair is still a valid run
        return ""
    return pair.relation + (" (control)" if pair.control else "")


@lru_cache(maxsize=4096)
def run_meta(path: str, mtime_ns: int, size: int) -> RunMeta:
    """Cached by (path, mtime, size): an edited config is read again, an unchanged one never."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    args = data.get("args") or {}
    pair = f"{data['hrl']}-{data['lrl']}"
    return RunMeta(
        backbone=str(data["backbone"]),
        pair=pair,
        hrl=str(data["hrl"]),
        lrl=str(data["lrl"]),
        relation=_relation(pair),
        setting=str(data.get("setting", "transfer")),
        method=str(args.get("method", "full")),
        split=str(data.get("split_policy", "xtreme")),
        seed=int(args.get("seed", 0)),
        run_id=str(data.get("run_id", Path(path).parent.name)),
        run_path=str(Path(path).parent),
    )


def _interval(data: Mapping[str, Any] | None) -> tuple[float, float]:
    if not data:
        return NAN, NAN
    return float(data.get("low", NAN)), float(data.get("high", NAN))


@lru_cache(maxsize=65536)
def eval_rows(
    path: str, mtime_ns: int, size: int
) -> tuple[tuple[Any, ...], tuple[tuple[Any, ...], ...]]:
    """The evaluation's settings (test set, sentences, seed, resamples) and one tuple per
    mode × type: SCORE_COLUMNS of `xner.analysis.table`, the stored drop interval fields
    (drop_low, drop_high, drop_rel_low, drop_rel_high, significant) and COVERAGE_COLUMNS."""
    record = EvalRecord.read(path)
    result = record.result
    stamp = (record.test_set, record.n_sentences or 0, record.seed, record.n_resamples)
    coverage = _coverage_values(record.coverage)
    perturbation = record.perturbation
    rows = []
    for mode, scores in record.scores.items():
        intervals = record.intervals.get(mode, {})
        drops = record.drops.get(mode, {})
        parts: list[tuple[str, Mapping[str, Any], Any, Any]] = [
            ("micro", scores["overall"], intervals.get("micro_f1"), drops.get("micro_f1")),
            ("macro", scores["macro"], intervals.get("macro_f1"), drops.get("macro_f1")),
        ]
        for entity_type, score in sorted(scores.get("per_type", {}).items()):
            parts.append(
                (
                    entity_type,
                    score,
                    intervals.get("per_type_f1", {}).get(entity_type),
                    drops.get("per_type_f1", {}).get(entity_type),
                )
            )
        for entity_type, score, interval, drop in parts:
            low, high = _interval(interval)
            if drop:
                d_low, d_high = _interval(drop.get("absolute"))
                r_low, r_high = _interval(drop.get("relative"))
                significant: Any = bool(drop.get("significant", d_low > 0 or d_high < 0))
            else:
                d_low = d_high = r_low = r_high = NAN
                significant = pd.NA
            rows.append(
                (
                    str(result["test_set"]),
                    perturbation,
                    str(mode),
                    str(entity_type),
                    float(score["precision"]),
                    float(score["recall"]),
                    float(score["f1"]),
                    low,
                    high,
                    int(score.get("support", 0)),
                    int(result.get("n_sentences", 0)),
                    d_low,
                    d_high,
                    r_low,
                    r_high,
                    significant,
                    *coverage,
                )
            )
    return stamp, tuple(rows)


def _share(part: Any, whole: Any) -> float:
    return float(part) / float(whole) if whole else NAN


def _coverage_values(coverage: Mapping[str, Any] | None) -> tuple[Any, ...]:
    """COVERAGE_COLUMNS from an eval record's coverage (NaN where it has none)."""
    if not coverage:
        return (None, NAN, NAN, NAN)
    return (
        coverage.get("reference"),
        _share(coverage.get("mentions_replaced"), coverage.get("mentions_total")),
        _share(coverage.get("o_tokens_replaced"), coverage.get("o_tokens_total")),
        _share(coverage.get("sentences_changed"), coverage.get("sentences_total")),
    )
