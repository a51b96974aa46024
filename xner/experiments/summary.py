"""What a grid has produced: the summary CSV beside its cells (one row per finished cell
and test set) and each cell's state for `xner grid --status`.

Read from the store only, so a summary or a status never starts a run.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from xner.experiments.spec import GridCell, GridSpec

SUMMARY_FILE = "grid_results.csv"


def summary_rows(spec: GridSpec) -> list[dict[str, Any]]:
    """One row per finished cell and test set: F1 with its interval, drop against clean."""
    from xner.evaluate.metrics import HEADLINE  # lazy: numpy, for a summary only

    rows = []
    store = spec.store()
    for cell in spec.cells():
        if not cell.finished():
            continue
        for record in store.eval_records(cell.key):
            result = record.result
            headline = record.scores[HEADLINE]["overall"]
            interval = record.intervals.get(HEADLINE, {}).get("micro_f1", {})
            drop = record.drops.get(HEADLINE, {})
            absolute = drop.get("micro_f1", {}).get("absolute", {})
            rows.append(
                {
                    "pair": cell.pair,
                    "backbone": cell.backbone,
                    "setting": cell.setting,
                    "seed": cell.seed,
                    "test_set": result["test_set"],
                    "perturbation": result["perturbation"],
                    "f1": headline["f1"],
                    "f1_low": interval.get("low"),
                    "f1_high": interval.get("high"),
                    "drop": absolute.get("estimate"),
                    "drop_low": absolute.get("low"),
                    "drop_high": absolute.get("high"),
                    "run": cell.key,
                }
            )
    return rows


def summary_path(spec: GridSpec) -> str:
    """Where the summary CSV goes: beside the cells (a path or a URI)."""
    return spec.store().where(f"{spec.name}_{SUMMARY_FILE}")


def write_summary(spec: GridSpec) -> str:
    """Write the summary CSV of the whole grid (rewritten after every run, so it always
    covers every finished cell); returns where it went."""
    rows = summary_rows(spec)
    buffer = io.StringIO()
    columns = list(rows[0]) if rows else ["pair", "backbone", "setting", "seed", "perturbation"]
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(rows)
    return spec.store().write_text(f"{spec.name}_{SUMMARY_FILE}", buffer.getvalue())


def describe(cells: Iterable[GridCell]) -> list[dict[str, object]]:
    """Each cell's state, and for finished ones their wall times and where they ran."""
    rows: list[dict[str, object]] = []
    for cell in cells:
        facts = cell.grid.store().cell_facts(cell.key)
        state = "done" if facts else ("trained" if cell.trained() else "todo")
        if facts and cell.stale():
            state = "stale"  # evaluated by an older evaluation: the next run redoes it
        hardware = (facts or {}).get("hardware", {})
        rows.append(
            {
                "cell": cell.key,
                "state": state,
                "train s": _seconds((facts or {}).get("train_seconds")),
                "eval s": _seconds((facts or {}).get("eval_seconds")),
                "ran on": (
                    f"{hardware.get('cuda') or 'CPU'}×{hardware.get('cpus')}" if hardware else None
                ),
            }
        )
    return rows


def _seconds(value: object) -> int | None:
    return round(value) if isinstance(value, int | float) else None
