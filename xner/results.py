"""The results layer: every evaluation under a models directory as one tidy table.

`load_results(models_dir)` returns a pandas DataFrame (pandas ships with streamlit; a
DataFrame is what the pages filter, pivot, show and export, so records stay columnar
instead of being rebuilt from dataclasses on every interaction). One row per
run × test set × perturbation × metric mode × entity type, where `type` is an entity
type (`PER`, `ORG`, `LOC`, ...) or one of the aggregates `micro` / `macro`.

Columns (`COLUMNS`):

- run: `backbone`, `pair` (`hrl-lrl`), `hrl`, `lrl`, `relation` (from the pair catalog,
  empty for an uncatalogued pair), `setting`, `method`, `seed`, `run_id`, `run_path`
- what was scored: `test_set`, `perturbation` (`clean` for the unperturbed set), `mode`
  (metric mode, e.g. `strict`, `nv-partial`), `type`
- scores (fractions 0..1): `precision`, `recall`, `f1`, `f1_low` / `f1_high` (bootstrap
  interval, NaN for modes without intervals), `support` (gold entities), `n_sentences`
- the drop from the same run's clean evaluation (perturbed rows only, NaN on clean rows):
  `drop` (clean F1 - perturbed F1, positive = worse), `drop_rel` (drop / clean F1),
  `drop_low` / `drop_high` / `drop_rel_low` / `drop_rel_high` (paired bootstrap, where the
  evaluation stored one: modes `strict` and `conlleval`), `significant` (the absolute
  interval excludes 0; <NA> without an interval)
- `entity_overlap`: NaN here; `attach_overlap` fills it (computing overlap reads both
  languages' data, so it is done on demand, never while loading).

Loading reads only `config.json` and the `eval/*.json` files, skips the per-entity
`errors` list (most of each file's bytes) and caches every file's rows by path,
modification time and size, so a reload after a new evaluation reparses only that file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from xner.evaluate.metrics import HEADLINE
from xner.runs.layout import CLEAN, CONFIG_FILE, EVAL_DIR, EVAL_SUFFIX, eval_files, find_runs
from xner.runs.records import EvalRecord

AGGREGATES = ("micro", "macro")
HEADLINE_MODE = HEADLINE  # declared once, in xner.evaluate.metrics
RUN_COLUMNS = (
    "backbone",
    "pair",
    "hrl",
    "lrl",
    "relation",
    "setting",
    "method",
    "split",
    "seed",
    "run_id",
    "run_path",
)
SCORE_COLUMNS = (
    "test_set",
    "perturbation",
    "mode",
    "type",
    "precision",
    "recall",
    "f1",
    "f1_low",
    "f1_high",
    "support",
    "n_sentences",
)
DROP_COLUMNS = (
    "drop",
    "drop_rel",
    "drop_low",
    "drop_high",
    "drop_rel_low",
    "drop_rel_high",
    "significant",
)
# How much of the test set a perturbation changed (eval JSON "coverage"): the share of
# entity mentions replaced, of O-tagged tokens replaced, of sentences changed, and the
# reference p1/p2 were measured against (own / hrl / lrl; empty for other kinds).
COVERAGE_COLUMNS = ("reference", "mention_share", "o_token_share", "sentence_share")
# Below this share of sentences changed, a test set was not really perturbed: its drop
# says nothing about robustness.
NOT_PERTURBED = 0.01
COLUMNS = (*RUN_COLUMNS, *SCORE_COLUMNS, *DROP_COLUMNS, *COVERAGE_COLUMNS, "entity_overlap")
# The columns that name one cell of the study once seeds are averaged away.
GROUP_COLUMNS = (
    "backbone",
    "pair",
    "hrl",
    "lrl",
    "relation",
    "setting",
    "method",
    "split",
    "test_set",
    "perturbation",
    "mode",
    "type",
)
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


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What `load_results` found besides rows: folders it could not read, and why."""

    runs: int
    evaluations: int
    problems: tuple[str, ...]


# ---------------------------------------------------------------------------
# Finding and reading files


def run_dirs(models_dir: Path | str) -> list[Path]:
    """Run folders directly under `models_dir`, or one level deeper (a grid's `out:`
    folder): `xner.runs.layout.find_runs`, the one run finder."""
    return find_runs(models_dir)


def results_signature(models_dir: Path | str) -> str:
    """A digest of (path, mtime, size) of every file `load_results` reads: a cheap key
    (stat calls only) for caching the table in the app until a run or evaluation changes.
    One short string, not a thousand tuples: Streamlit hashes a cached function's
    arguments on every rerun, and hashing the tuples took ~0.1 s a rerun."""
    files: list[tuple[str, int, int]] = []
    for folder in run_dirs(models_dir):
        # os.scandir/os.stat on strings: half the time of Path.glob/Path.stat, and every
        # page computes this on every rerun.
        base, names = str(folder), []
        with contextlib.suppress(OSError), os.scandir(os.path.join(base, EVAL_DIR)) as entries:
            names = sorted(entry.name for entry in entries if entry.name.endswith(EVAL_SUFFIX))
        config = os.path.join(base, CONFIG_FILE)
        for file in (config, *(os.path.join(base, EVAL_DIR, name) for name in names)):
            try:
                stat = os.stat(file)
            except OSError:  # removed between listing and stat: the next key differs
                continue
            files.append((file, stat.st_mtime_ns, stat.st_size))
    return hashlib.sha256(repr(files).encode("utf-8")).hexdigest()


NO_RUNS_HELP = (
    "Run a grid to create evaluated runs, e.g. `xner grid configs/smoke-tiny.yaml` (seconds, "
    "tiny random model: near-zero F1, real structure) or "
    "`xner grid configs/offline-e5-paper.yaml`; "
    "then point the dashboard at the grid's `out:` folder (or a folder above it) with "
    "`XNER_MODELS_DIR=artifacts streamlit run app.py` or the models-folder box in the sidebar."
)


def _signature(path: Path) -> tuple[str, int, int]:
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
def _run_meta(path: str, mtime_ns: int, size: int) -> RunMeta:
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
def _eval_rows(
    path: str, mtime_ns: int, size: int
) -> tuple[tuple[Any, ...], tuple[tuple[Any, ...], ...]]:
    """The evaluation's settings (test set, sentences, seed, resamples) and one tuple per
    mode × type: SCORE_COLUMNS, the stored drop interval fields (drop_low, drop_high,
    drop_rel_low, drop_rel_high, significant) and COVERAGE_COLUMNS."""
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


def empty_results() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=_dtype(column)) for column in COLUMNS})


def _dtype(column: str) -> str:
    if column in ("seed", "support", "n_sentences"):
        return "int64"
    if column == "significant":
        return "boolean"
    if column in RUN_COLUMNS or column in ("test_set", "perturbation", "mode", "type", "reference"):
        return "object"
    return "float64"


def load_results_with_report(
    models_dir: Path | str | None = None,
) -> tuple[pd.DataFrame, LoadReport]:
    """The tidy table of every evaluation under `models_dir` (default: `models_dir()`),
    and what could not be read (a broken file is reported, never fatal)."""
    from xner.config import models_dir as default_models_dir

    root = Path(models_dir) if models_dir is not None else default_models_dir()
    run_rows: list[tuple[Any, ...]] = []
    problems: list[str] = []
    folders = run_dirs(root)
    evaluations = 0
    for folder in folders:
        try:
            meta = _run_meta(*_signature(folder / CONFIG_FILE))
        except (OSError, ValueError, KeyError, TypeError) as error:
            problems.append(f"{folder / CONFIG_FILE}: unreadable ({error}); fix or remove it")
            continue
        head = (
            meta.backbone,
            meta.pair,
            meta.hrl,
            meta.lrl,
            meta.relation,
            meta.setting,
            meta.method,
            meta.split,
            meta.seed,
            meta.run_id,
            meta.run_path,
        )
        by_test: dict[str, list[tuple[tuple[Any, ...], tuple[tuple[Any, ...], ...]]]] = {}
        for file in eval_files(folder):
            try:
                stamp, rows = _eval_rows(*_signature(file))
            except (OSError, ValueError, KeyError, TypeError) as error:
                problems.append(f"{file}: unreadable ({error}); re-run `xner evaluate` for it")
                continue
            by_test.setdefault(stamp[0], []).append((stamp, rows))
        for test_set, found in by_test.items():
            stamps = sorted({stamp[1:] for stamp, _ in found}, key=str)
            if len(stamps) > 1:
                shown = "; ".join(f"{n} sentences, seed {s}, {r} resamples" for n, s, r in stamps)
                problems.append(
                    f"{folder}: its evaluations of {test_set} were made with different "
                    f"settings ({shown}), so their drops would compare different sentences; "
                    f"not shown. Re-evaluate the run: xner evaluate {folder} --perturbations all"
                )
                continue
            evaluations += len(found)
            run_rows.extend(head + row for _, rows in found for row in rows)
    report = LoadReport(len(folders), evaluations, tuple(problems))
    if not run_rows:
        return empty_results(), report
    stored = (*RUN_COLUMNS, *SCORE_COLUMNS, "drop_low", "drop_high")
    stored = (*stored, "drop_rel_low", "drop_rel_high", "significant", *COVERAGE_COLUMNS)
    table = pd.DataFrame.from_records(run_rows, columns=list(stored))
    table["significant"] = table["significant"].astype("boolean")
    table = _add_drops(table)
    table["entity_overlap"] = NAN
    return table[list(COLUMNS)], report


def load_results(models_dir: Path | str | None = None) -> pd.DataFrame:
    """`load_results_with_report` without the report."""
    return load_results_with_report(models_dir)[0]


def _add_drops(table: pd.DataFrame) -> pd.DataFrame:
    """Point drops for every mode from the same run's clean row (the stored paired
    bootstrap covers only `strict` and `conlleval`; the point estimate is the same
    arithmetic, so every mode gets one)."""
    keys = ["run_path", "test_set", "mode", "type"]
    clean = table.loc[table["perturbation"] == CLEAN, [*keys, "f1"]].rename(
        columns={"f1": "clean_f1"}
    )
    merged = table.merge(clean.drop_duplicates(keys), on=keys, how="left")
    perturbed = merged["perturbation"] != CLEAN
    drop = (merged["clean_f1"] - merged["f1"]).where(perturbed)
    merged["drop"] = drop
    merged["drop_rel"] = (drop / merged["clean_f1"].where(merged["clean_f1"] > 0)).where(perturbed)
    return merged.drop(columns=["clean_f1"])


# ---------------------------------------------------------------------------
# Selecting, aggregating, exporting


def filter_results(
    table: pd.DataFrame,
    *,
    backbones: Sequence[str] | None = None,
    pairs: Sequence[str] | None = None,
    settings: Sequence[str] | None = None,
    perturbations: Sequence[str] | None = None,
    modes: Sequence[str] | None = None,
    types: Sequence[str] | None = None,
    test_sets: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Rows matching every given choice (None = no constraint on that column)."""
    mask = pd.Series(True, index=table.index)
    for column, chosen in (
        ("backbone", backbones),
        ("pair", pairs),
        ("setting", settings),
        ("perturbation", perturbations),
        ("mode", modes),
        ("type", types),
        ("test_set", test_sets),
    ):
        if chosen is not None:
            mask &= table[column].isin(list(chosen))
    return table[mask]


# What `aggregate_seeds` computes per cell: output column -> (input column, function).
SEED_AGGREGATES: dict[str, tuple[str, str]] = {
    "n_seeds": ("seed", "nunique"),
    "f1": ("f1", "mean"),
    "f1_min": ("f1", "min"),
    "f1_max": ("f1", "max"),
    "f1_low": ("f1_low", "mean"),
    "f1_high": ("f1_high", "mean"),
    "drop": ("drop", "mean"),
    "drop_min": ("drop", "min"),
    "drop_max": ("drop", "max"),
    "drop_low": ("drop_low", "mean"),
    "drop_high": ("drop_high", "mean"),
    "drop_rel": ("drop_rel", "mean"),
    "n_significant": ("significant_int", "sum"),
    "support": ("support", "mean"),
    "mention_share": ("mention_share", "mean"),
    "o_token_share": ("o_token_share", "mean"),
    "sentence_share": ("sentence_share", "mean"),
    "entity_overlap": ("entity_overlap", "mean"),
}


def aggregate_seeds(table: pd.DataFrame) -> pd.DataFrame:
    """One row per cell (GROUP_COLUMNS) with the mean and range over seeds of F1 and of
    the drops, the seeds' mean bootstrap bounds, and how many seeds agree the drop is
    significant."""
    if table.empty:
        return pd.DataFrame(columns=[*GROUP_COLUMNS, *SEED_AGGREGATES])
    work = table.assign(significant_int=table["significant"].astype("Float64"))
    grouped = work.groupby(list(GROUP_COLUMNS), dropna=False, sort=True)
    out = grouped.agg(**SEED_AGGREGATES).reset_index()
    out["n_significant"] = out["n_significant"].astype("float64")
    return out


# Columns holding F1 / drops / shares as fractions: people read them ×100.
_POINT_COLUMNS = (
    *(name for name in SEED_AGGREGATES if name not in ("n_seeds", "n_significant", "support")),
    "precision",
    "recall",
)


def in_points(table: pd.DataFrame) -> pd.DataFrame:
    """The table for people: fractions as points / percentages (×100, one decimal)."""
    out = table.copy()
    for column in _POINT_COLUMNS:
        if column in out:
            out[column] = (out[column].astype(float) * 100).round(1)
    return out


def to_csv(table: pd.DataFrame) -> str:
    """The table as CSV text (UTF-8, no index) for a download button or a file."""
    return table.to_csv(index=False)


def options(table: pd.DataFrame, column: str) -> list[str]:
    """The distinct values of a column, clean first for perturbations, micro/macro first
    for types; for building widgets."""
    # unique() first: iterating an Arrow string column row by row cost ~0.1 s a widget.
    values = sorted({str(v) for v in table[column].dropna().unique()})
    first = {"perturbation": (CLEAN,), "type": AGGREGATES, "mode": (HEADLINE_MODE,)}.get(column, ())
    return [v for v in first if v in values] + [v for v in values if v not in first]


# ---------------------------------------------------------------------------
# Views for the figures


# The two readings of the kinds measured against training data (p1, p2, p1+p2): a plain
# name is read against each model's own training data, `KIND@hrl` against the HRL's.
READINGS: dict[str, str] = {
    "own": "each model against its own training data (the paper's comparison: native "
    "models against LRL train, transfer models against HRL train)",
    "hrl": "every model against the HRL training data (the controlled comparison: native "
    "and transfer models see the same perturbed test set)",
}


def reading_of(perturbation: str) -> str | None:
    """`own` or `hrl` for the readings of p1/p2/p1+p2, None for other kinds (and clean)."""
    from xner.perturb.base import PerturbError, split_reading, takes_reading

    kind, reading = split_reading(perturbation)
    if reading:
        return reading
    try:
        return "own" if kind != CLEAN and takes_reading(kind) else None
    except PerturbError:  # a kind this build does not declare
        return None


def in_reading(perturbations: Sequence[str], reading: str | None) -> list[str]:
    """The perturbations to show for `reading` (None: all): kinds without readings always,
    p1/p2/p1+p2 only in the chosen reading."""
    if reading is None:
        return list(perturbations)
    return [p for p in perturbations if reading_of(p) in (None, reading)]


def cell_label(pair: str, setting: str | None = None) -> str:
    label = pair.replace("-", "→")
    return f"{label} · {setting}" if setting else label


def drop_matrix(
    table: pd.DataFrame, *, relative: bool = False, mode: str = HEADLINE_MODE, type_: str = "micro"
) -> pd.DataFrame:
    """Mean drop over seeds (and backbones, if several are in `table`) as a matrix:
    rows `pair · setting`, columns perturbations. Relative drops are fractions."""
    chosen = table[
        (table["perturbation"] != CLEAN) & (table["mode"] == mode) & (table["type"] == type_)
    ]
    if chosen.empty:
        return pd.DataFrame()
    value = "drop_rel" if relative else "drop"
    chosen = chosen.assign(
        row=[cell_label(p, s) for p, s in zip(chosen["pair"], chosen["setting"], strict=True)]
    )
    matrix = chosen.pivot_table(index="row", columns="perturbation", values=value, aggfunc="mean")
    return _ordered(matrix, chosen)


def _ordered(matrix: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    """Rows by pair, then setting in its declared order; columns in the declared order
    of the perturbations (the paper's kinds first)."""
    from xner.viz.palette import perturbation_rank, setting_rank

    rows = chosen.drop_duplicates("row").set_index("row")
    order = sorted(
        matrix.index, key=lambda r: (rows.at[r, "pair"], setting_rank(rows.at[r, "setting"]))
    )
    columns = sorted(matrix.columns, key=lambda c: perturbation_rank(str(c)))
    matrix = matrix.loc[order, columns]
    matrix.index.name = "pair · setting"
    return matrix


def coverage_matrix(
    table: pd.DataFrame, *, share: str = "sentence_share", mode: str = HEADLINE_MODE
) -> pd.DataFrame:
    """The mean coverage `share` (see COVERAGE_COLUMNS) in `drop_matrix`'s layout; with
    `share="significant"`, the share of runs whose paired bootstrap calls the drop
    significant (NaN where the mode stores no interval)."""
    chosen = table[
        (table["perturbation"] != CLEAN) & (table["mode"] == mode) & (table["type"] == "micro")
    ]
    if chosen.empty:
        return pd.DataFrame()
    if share == "significant":
        chosen = chosen.assign(significant=chosen["significant"].astype("Float64").astype(float))
    chosen = chosen.assign(
        row=[cell_label(p, s) for p, s in zip(chosen["pair"], chosen["setting"], strict=True)]
    )
    matrix = chosen.pivot_table(index="row", columns="perturbation", values=share, aggfunc="mean")
    return _ordered(matrix, chosen)


def type_scores(
    table: pd.DataFrame, *, mode: str = HEADLINE_MODE, types: Sequence[str] | None = None
) -> pd.DataFrame:
    """Per entity type (and micro/macro when asked) and perturbation: mean F1 over the
    rows in `table` with mean bootstrap bounds, for bars with error bars."""
    chosen = table[table["mode"] == mode]
    if types is not None:
        chosen = chosen[chosen["type"].isin(list(types))]
    else:
        chosen = chosen[~chosen["type"].isin(AGGREGATES)]
    if chosen.empty:
        return pd.DataFrame(columns=["type", "perturbation", "f1", "f1_low", "f1_high", "n"])
    out = (
        chosen.groupby(["type", "perturbation"], sort=True)
        .agg(
            f1=("f1", "mean"),
            f1_low=("f1_low", "mean"),
            f1_high=("f1_high", "mean"),
            n=("f1", "size"),
        )
        .reset_index()
    )
    order = options(out, "perturbation")
    out["order"] = out["perturbation"].map(order.index)
    return out.sort_values(["order", "type"]).drop(columns="order").reset_index(drop=True)


def overlap_points(
    table: pd.DataFrame,
    overlaps: Mapping[str, float],
    *,
    mode: str = HEADLINE_MODE,
    relative: bool = False,
) -> pd.DataFrame:
    """One point per pair × setting × perturbation: the mean micro drop (over seeds and
    backbones in `table`) against the pair's entity overlap; pairs without an overlap
    value are left out (their count is in the `attrs["missing"]` list)."""
    value = "drop_rel" if relative else "drop"
    chosen = table[
        (table["perturbation"] != CLEAN) & (table["mode"] == mode) & (table["type"] == "micro")
    ]
    columns = ["pair", "setting", "perturbation", "drop", "overlap", "n_runs"]
    if chosen.empty:
        return pd.DataFrame(columns=columns)
    points = (
        chosen.groupby(["pair", "setting", "perturbation"], sort=True)
        .agg(drop=(value, "mean"), n_runs=(value, "size"))
        .reset_index()
    )
    points["overlap"] = points["pair"].map(lambda p: overlaps.get(p, NAN))
    missing = sorted(set(points.loc[points["overlap"].isna(), "pair"]))
    points = points.dropna(subset=["overlap"]).reset_index(drop=True)[columns]
    points.attrs["missing"] = missing
    return points


def reference_overlaps() -> dict[str, float]:
    """The paper's published entity overlap per pair (share of LRL test entity tokens
    seen in HRL training data, on their split)."""
    from xner.reference import reference_results

    return {r.pair_id: r.entity_overlap for r in reference_results()}


@cache
def _local_overlap(pair_id: str, data_dir: str, split: str = "xtreme") -> float | None:
    from xner.pairs import Availability, availability, get_pair, pair_overlap

    root = Path(data_dir)
    try:
        pair = get_pair(pair_id)
    except Exception:
        return None
    if availability(pair, root) is not Availability.LOCAL:
        return None
    from xner.diskcache import disk_cached, file_signature, wikiann_files

    # Seconds per pair (both languages read in full): kept on disk across processes,
    # keyed by the data files it reads.
    files = file_signature(wikiann_files(root, (pair.hrl, pair.lrl)))
    return disk_cached(
        "overlap",
        (pair_id, str(root), split, files),
        lambda: float(pair_overlap(pair_id, root, split_policy=split).entity_token_overlap),
    )


def local_overlaps(
    pair_ids: Iterable[str], data_dir: Path | str | None = None, split: str = "xtreme"
) -> dict[str, float | None]:
    """Entity-token overlap of each pair computed from the local data under the split
    policy `split` (None where a language is not local: computing it would download from
    the hub). Reads both languages' splits, so it takes seconds per pair; cached per
    pair, directory and split."""
    from xner.config import data_dir as default_data_dir

    root = str(Path(data_dir) if data_dir is not None else default_data_dir())
    return {pair: _local_overlap(pair, root, split) for pair in pair_ids}


def main_split(table: pd.DataFrame) -> str:
    """The split policy the findings read by default: the paper's where runs use it."""
    splits = set(table["split"].unique()) if "split" in table.columns else set()
    if not splits:
        return "xtreme"
    return "paper" if "paper" in splits else sorted(splits)[0]


def attach_overlap(table: pd.DataFrame, overlaps: Mapping[str, float | None]) -> pd.DataFrame:
    """A copy of `table` with `entity_overlap` filled from `overlaps` (pair -> share)."""
    values = {k: (NAN if v is None else float(v)) for k, v in overlaps.items()}
    return table.assign(entity_overlap=table["pair"].map(lambda p: values.get(p, NAN)))


def headline_main(headline: pd.DataFrame) -> pd.DataFrame:
    """`headline_rows` for a newcomer's chart: one backbone (the pretrained one with most
    runs), native and transfer only."""
    from xner.findings import main_backbone

    main = main_backbone(headline.assign(perturbation=CLEAN)) or headline["backbone"].iloc[0]
    return headline[
        (headline["backbone"] == main) & headline["setting"].isin(["native", "transfer"])
    ]


def headline_rows(table: pd.DataFrame) -> pd.DataFrame:
    """For the overview: per backbone × pair × setting, strict micro F1 on the clean test
    set and mean F1 over the perturbed sets (mean over seeds), with how many perturbation
    kinds were averaged."""
    chosen = table[(table["mode"] == HEADLINE_MODE) & (table["type"] == "micro")]
    columns = ["backbone", "pair", "setting", "clean", "perturbed", "n_perturbations"]
    if chosen.empty:
        return pd.DataFrame(columns=columns)
    keys = ["backbone", "pair", "setting"]
    clean = chosen[chosen["perturbation"] == CLEAN].groupby(keys)["f1"].mean().rename("clean")
    noisy = chosen[chosen["perturbation"] != CLEAN]
    perturbed = noisy.groupby(keys)["f1"].mean().rename("perturbed")
    kinds = noisy.groupby(keys)["perturbation"].nunique().rename("n_perturbations")
    out = pd.concat([clean, perturbed, kinds], axis=1).reset_index()
    out["n_perturbations"] = out["n_perturbations"].fillna(0).astype(int)
    return out[columns].sort_values(keys).reset_index(drop=True)


# ---------------------------------------------------------------------------
# The paper's numbers beside ours

PAPER_SPLIT = "paper: 80/20 split of up to 17,003 sentences per language"
REFERENCE_PERTURBATIONS = ("clean", "p1", "p2", "p1+p2")


def reference_drops(
    *, relative: bool = False, perturbations: Sequence[str] | None = None
) -> pd.DataFrame:
    """The paper's drops (clean - perturbed, as a fraction of F1 like ours, or relative
    to clean) per model × pair × setting × perturbation, with the paper's overlap."""
    from xner.reference import reference_results

    results = reference_results()
    clean = {(r.model, r.pair_id, r.setting): r.f1 for r in results if r.perturbation == CLEAN}
    rows = []
    for r in results:
        base = clean.get((r.model, r.pair_id, r.setting))
        if r.perturbation == CLEAN or base is None:
            continue
        if perturbations is not None and r.perturbation not in perturbations:
            continue
        drop = (base - r.f1) / base if relative else (base - r.f1) / 100
        if relative and base == 0:
            continue
        rows.append(
            {
                "model": r.model,
                "pair": r.pair_id,
                "setting": r.setting,
                "perturbation": r.perturbation,
                "drop": drop,
                "overlap": r.entity_overlap,
            }
        )
    return pd.DataFrame(
        rows, columns=["model", "pair", "setting", "perturbation", "drop", "overlap"]
    )


def split_label(policy: str = "xtreme") -> str:
    """One line saying how a split policy makes the test set, for captions."""
    from xner.data.resolve import get_policy

    if policy == "xtreme":
        return "xner: PAN-X xtreme split (test = the labelled dev file)"
    return f"xner: {policy} split ({get_policy(policy).description})"


def ours_split_label(table: pd.DataFrame | None = None) -> str:
    """The split policies of the runs in `table` (default: the xtreme one), in words."""
    has = table is not None and not table.empty and "split" in table.columns
    policies = sorted(set(table["split"].unique())) if has else ["xtreme"]
    return "; ".join(split_label(policy) for policy in policies)


def provenance(table: pd.DataFrame) -> str:
    """What produced the results in `table`, in one line: backbones with their training
    methods, test sets, how many sentences each was scored on, and the split."""
    if table.empty:
        return "No evaluated runs."
    runs = table.drop_duplicates("run_path")
    methods = runs.groupby("backbone")["method"].agg(lambda m: "/".join(sorted(set(m))))
    backbones = ", ".join(f"{name} ({method})" for name, method in methods.items())
    test_sets = sorted(set(table["test_set"].unique()))
    datasets = sorted({t.split("/")[0] for t in test_sets})
    sizes = table.loc[table["perturbation"] == CLEAN, "n_sentences"]
    size = (
        f"{int(sizes.min()):,}–{int(sizes.max()):,}"
        if not sizes.empty and sizes.min() != sizes.max()
        else (f"{int(sizes.max()):,}" if not sizes.empty else "?")
    )
    text = (
        f"{len(runs)} runs; backbones: {backbones}; {len(test_sets)} test sets "
        f"({size} sentences each)."
    )
    if any(d.startswith(("panx", "wikiann")) for d in datasets):
        text += f" Split — {ours_split_label(table)}."
    return text


def reference_comparison(
    table: pd.DataFrame,
    *,
    pairs: Sequence[str] | None = None,
    availability: Mapping[str, str] | None = None,
    reading: str = "own",
) -> pd.DataFrame:
    """The paper's F1 (×100) and this project's (strict micro, ×100, mean and range over
    seeds) per pair × setting × perturbation (clean, p1, p2, p1+p2), one row per source
    (`paper` or `xner`) and model, each row labelled with its data split. Ours are read
    as `reading` says (`own`, the paper's comparison, or `hrl`: p1@hrl shown as p1), with
    the share of mentions and O words they replaced. `availability` (pair ->
    local/hub/none) adds a note for pairs whose data is hub-only."""
    from xner.reference import reference_results

    rows: list[dict[str, Any]] = []
    for ref in reference_results():
        if pairs is not None and ref.pair_id not in pairs:
            continue
        rows.append(
            {
                "pair": ref.pair_id,
                "setting": ref.setting,
                "perturbation": ref.perturbation,
                "source": "paper",
                "model": ref.model,
                "split": PAPER_SPLIT,
                "f1": ref.f1,
                "f1_min": ref.f1,
                "f1_max": ref.f1,
                "n_seeds": pd.NA,
                "mention_share": NAN,
                "o_token_share": NAN,
            }
        )
    shown = {
        (kind if reading == "own" or kind == CLEAN else f"{kind}@{reading}"): kind
        for kind in REFERENCE_PERTURBATIONS
    }
    ours = table[
        (table["mode"] == HEADLINE_MODE)
        & (table["type"] == "micro")
        & table["perturbation"].isin(list(shown))
    ]
    ours = ours.assign(perturbation=ours["perturbation"].map(shown))
    if pairs is not None:
        ours = ours[ours["pair"].isin(list(pairs))]
    if not ours.empty:
        grouped = ours.groupby(["pair", "setting", "perturbation", "backbone", "split"], sort=True)
        for (pair, setting, perturbation, backbone, policy), group in grouped:
            rows.append(
                {
                    "pair": pair,
                    "setting": setting,
                    "perturbation": perturbation,
                    "source": "xner",
                    "model": backbone,
                    "split": split_label(str(policy)),
                    "f1": 100 * group["f1"].mean(),
                    "f1_min": 100 * group["f1"].min(),
                    "f1_max": 100 * group["f1"].max(),
                    "f1_low": 100 * group["f1_low"].min(),
                    "f1_high": 100 * group["f1_high"].max(),
                    "drop": 100 * group["drop"].mean(),
                    "drop_low": 100 * group["drop_low"].min(),
                    "drop_high": 100 * group["drop_high"].max(),
                    "n_seeds": group["seed"].nunique(),
                    "mention_share": 100 * group["mention_share"].mean(),
                    "o_token_share": 100 * group["o_token_share"].mean(),
                }
            )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    notes = availability or {}
    out["data"] = out["pair"].map(lambda p: notes.get(p, ""))
    out["note"] = out["data"].map(
        lambda a: "data is hub-only here: xner runs need the Hugging Face hub" if a == "hub" else ""
    )
    order = {p: i for i, p in enumerate(REFERENCE_PERTURBATIONS)}
    out["order"] = out["perturbation"].map(order)
    out = out.sort_values(["pair", "setting", "order", "source", "model"], kind="stable")
    return out.drop(columns="order").reset_index(drop=True)


def finite(value: Any) -> bool:
    try:
        return not math.isnan(float(value))
    except (TypeError, ValueError):
        return False


PAPER_MODELS = {"bert-base-multilingual-cased": "mBERT", "xlm-roberta-base": "XLM-R"}


def side_by_side(
    comparison: pd.DataFrame, setting: str, perturbation: str = "p1+p2"
) -> pd.DataFrame:
    """One row per pair: the paper's clean F1 and `perturbation` drop (mBERT / XLM-R)
    beside ours (mean over seeds, with the widest seed's 95% interval) and the share of
    test mentions and O words our perturbation replaced, plus the paper's overlap. Reads
    `reference_comparison`'s rows (points, ×100)."""
    chosen = comparison[comparison["setting"] == setting]
    overlap = {pair: 100 * share for pair, share in reference_overlaps().items()}
    rows = []
    for pair, group in chosen.groupby("pair", sort=True):
        paper = group[group["source"] == "paper"]
        ours = group[group["source"] == "xner"]

        def paper_value(kind: str, model: str, paper: pd.DataFrame = paper) -> float:
            clean = paper[(paper["perturbation"] == CLEAN) & (paper["model"] == model)]["f1"]
            value = paper[(paper["perturbation"] == kind) & (paper["model"] == model)]["f1"]
            if clean.empty or value.empty:
                return NAN
            return float(clean.iloc[0]) if kind == CLEAN else float(clean.iloc[0] - value.iloc[0])

        def paper_pair(kind: str) -> str:
            values = [paper_value(kind, model) for model in PAPER_MODELS]
            return " / ".join("–" if v != v else f"{v:.1f}" for v in values)

        clean = ours[ours["perturbation"] == CLEAN]
        perturbed = ours[ours["perturbation"] == perturbation]
        row: dict[str, Any] = {
            "pair": pair.replace("-", "→"),
            "paper clean F1 (mBERT / XLM-R)": paper_pair(CLEAN),
            "xner clean F1 (95% CI)": _with_interval(clean, "f1", "f1_low", "f1_high"),
            f"paper {perturbation} drop (mBERT / XLM-R)": paper_pair(perturbation),
            f"xner {perturbation} drop (95% CI)": _with_interval(
                perturbed, "drop", "drop_low", "drop_high"
            ),
            "mentions / O words replaced %": (
                f"{perturbed['mention_share'].iloc[0]:.1f} / "
                f"{perturbed['o_token_share'].iloc[0]:.1f}"
                if not perturbed.empty
                else "–"
            ),
            "paper overlap %": overlap.get(pair, NAN),
        }
        rows.append(row)
    return pd.DataFrame(rows)


def _with_interval(rows: pd.DataFrame, value: str, low: str, high: str) -> str:
    if rows.empty or not finite(rows[value].iloc[0]):
        return "–"
    first = rows.iloc[0]
    interval = (
        f" ({first[low]:.1f} – {first[high]:.1f})"
        if finite(first[low]) and finite(first[high])
        else ""
    )
    return f"{first[value]:.1f}{interval}"
