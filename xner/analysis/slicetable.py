"""Seen vs unseen entity slices of every evaluation under a models directory, as a table.

One row per run × test set × perturbation × declared slice (`xner.evaluate.slices`), read
from the `slices` object of each `eval/*.json` (written by the runner, or added to older
files by `xner evaluate RUN --slices-only`). Scores are fractions; `slice_cells` averages
seeds for the Degradation page's chart.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from xner.analysis.readers import run_meta, stat_key
from xner.analysis.table import RUN_COLUMNS
from xner.analysis.views import cell_label
from xner.evaluate.slices import BY_NAME
from xner.runs.layout import CLEAN, CONFIG_FILE, eval_files, find_runs
from xner.runs.records import EvalRecord
from xner.viz.palette import setting_rank

SLICE_COLUMNS = (
    *RUN_COLUMNS,
    "test_set",
    "perturbation",
    "slice",
    "reference",
    "seen",
    "reference_data",
    "gold",
    "predicted",
    "correct",
    "precision",
    "recall",
    "f1",
    "f1_low",
    "f1_high",
)
NAN = float("nan")


@lru_cache(maxsize=65536)
def _slice_rows(path: str, mtime_ns: int, size: int) -> tuple[tuple[Any, ...], ...] | None:
    """(test_set, perturbation, slice fields...) per slice of one eval file; None when
    the file has no slices yet."""
    record = EvalRecord.read(path)
    found = record.slices
    if not found:
        return None
    rows = []
    for name, entry in found.get("slices", {}).items():
        reference = str(entry.get("reference", BY_NAME[name].reference if name in BY_NAME else ""))
        rows.append(
            (
                record.test_set,
                record.perturbation,
                str(name),
                reference,
                bool(entry.get("seen")),
                str(found.get("references", {}).get(reference, "")),
                int(entry["gold"]),
                int(entry["predicted"]),
                int(entry["correct"]),
                float(entry["precision"]),
                float(entry["recall"]),
                float(entry["f1"]),
                float(entry.get("f1_low", NAN)),
                float(entry.get("f1_high", NAN)),
            )
        )
    return tuple(rows)


def load_slices(models_dir: Path | str) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The slice table of every run under `models_dir`, and the eval files that hold no
    slices yet (`xner evaluate RUN --slices-only` adds them). Unreadable files are left
    to `xner.analysis.table.load_results`' report."""
    rows: list[tuple[Any, ...]] = []
    missing: list[str] = []
    for folder in find_runs(models_dir):
        try:
            meta = run_meta(*stat_key(folder / CONFIG_FILE))
        except (OSError, ValueError, KeyError, TypeError):
            continue
        head = tuple(getattr(meta, column) for column in RUN_COLUMNS)
        for file in eval_files(folder):
            try:
                found = _slice_rows(*stat_key(file))
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if found is None:
                missing.append(str(file))
                continue
            rows.extend(head + row for row in found)
    table = pd.DataFrame.from_records(rows, columns=list(SLICE_COLUMNS))
    return table, tuple(missing)


def slice_cells(
    table: pd.DataFrame,
    *,
    reference: str,
    perturbation: str = CLEAN,
    backbones: list[str] | None = None,
    pairs: list[str] | None = None,
    settings: list[str] | None = None,
) -> pd.DataFrame:
    """One row per pair · setting (· backbone when several) × seen/unseen for one
    reference and test set: mean F1 and mean bootstrap bounds over seeds, counts summed
    over seeds, and how many runs (seeds) they come from."""
    columns = ["cell", "seen", "f1", "f1_low", "f1_high", "gold", "predicted", "correct", "runs"]
    if table.empty:
        return pd.DataFrame(columns=columns)
    keep = (table["reference"] == reference) & (table["perturbation"] == perturbation)
    for column, chosen in (("backbone", backbones), ("pair", pairs), ("setting", settings)):
        if chosen:
            keep &= table[column].isin(chosen)
    chosen = table[keep]
    if chosen.empty:
        return pd.DataFrame(columns=columns)
    several = chosen["backbone"].nunique() > 1
    labels = [
        cell_label(p, s) + (f" · {b}" if several else "")
        for p, s, b in zip(chosen["pair"], chosen["setting"], chosen["backbone"], strict=True)
    ]
    grouped = chosen.assign(cell=labels).groupby(["cell", "seen"], sort=False)
    out = grouped.agg(
        f1=("f1", "mean"),
        f1_low=("f1_low", "mean"),
        f1_high=("f1_high", "mean"),
        gold=("gold", "sum"),
        predicted=("predicted", "sum"),
        correct=("correct", "sum"),
        runs=("run_id", "nunique"),
        pair=("pair", "first"),
        setting=("setting", "first"),
    ).reset_index()
    out["rank"] = [setting_rank(s) for s in out["setting"]]
    out = out.sort_values(["pair", "rank", "cell", "seen"], ascending=[True, True, True, False])
    return out[columns].reset_index(drop=True)
