"""The results table: every evaluation under a models directory as one tidy table.

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
- `entity_overlap`: NaN here; `xner.analysis.overlap.attach_overlap` fills it (computing
  overlap reads both languages' data, so it is done on demand, never while loading).

Loading reads only `config.json` and the `eval/*.json` files, skips the per-entity
`errors` list (most of each file's bytes) and caches every file's rows by path,
modification time and size (`xner.analysis.readers`), so a reload after a new evaluation
reparses only that file. The views drawn from the table are in `xner.analysis.views`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pandas as pd

from xner.analysis.readers import NAN, RunMeta, eval_rows, run_meta, stat_key
from xner.evaluate.metrics import HEADLINE
from xner.runs.layout import CLEAN, CONFIG_FILE, EVAL_DIR, EVAL_SUFFIX, eval_files, find_runs

AGGREGATES = ("micro", "macro")
# The run's columns are RunMeta's fields, in order: declared once, there.
RUN_COLUMNS = tuple(field.name for field in fields(RunMeta))
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


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What `load_results` found besides rows: folders it could not read, and why."""

    runs: int
    evaluations: int
    problems: tuple[str, ...]


# ---------------------------------------------------------------------------
# Finding and loading files


def results_signature(models_dir: Path | str) -> str:
    """A digest of (path, mtime, size) of every file `load_results` reads: a cheap key
    (stat calls only) for caching the table in the app until a run or evaluation changes.
    One short string, not a thousand tuples: Streamlit hashes a cached function's
    arguments on every rerun, and hashing the tuples took ~0.1 s a rerun."""
    files: list[tuple[str, int, int]] = []
    for folder in find_runs(models_dir):
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
    folders = find_runs(root)
    evaluations = 0
    for folder in folders:
        try:
            meta = run_meta(*stat_key(folder / CONFIG_FILE))
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
                stamp, rows = eval_rows(*stat_key(file))
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
    first = {"perturbation": (CLEAN,), "type": AGGREGATES, "mode": (HEADLINE,)}.get(column, ())
    return [v for v in first if v in values] + [v for v in values if v not in first]


def main_split(table: pd.DataFrame) -> str:
    """The split policy the findings read by default: the paper's where runs use it."""
    splits = set(table["split"].unique()) if "split" in table.columns else set()
    if not splits:
        return "xtreme"
    return "paper" if "paper" in splits else sorted(splits)[0]


def in_split(table: pd.DataFrame, split: str | None = None) -> pd.DataFrame:
    """The rows of one split policy (default: `main_split`): runs of different splits
    test on different sentences, so a view never pools them. An empty table, or one
    without a `split` column, is returned as it is."""
    if table.empty or "split" not in table.columns:
        return table
    return table[table["split"] == (split or main_split(table))]
