"""The seen/unseen slice table: read from each eval file's `slices`, averaged over seeds
per cell for the Degradation page's chart."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from xner.analysis.slicetable import SLICE_COLUMNS, load_slices, slice_cells


def add_slices(folder: Path, perturbation: str, seen_f1: float, unseen_f1: float) -> None:
    """Give one eval file a `slices` object as the runner writes it."""
    path = folder / "eval" / f"panx-gl-test__{perturbation}.json"
    record = json.loads(path.read_text("utf-8"))

    def entry(seen: bool, f1: float, gold: int) -> dict[str, object]:
        return {
            "reference": "own",
            "seen": seen,
            "gold": gold,
            "predicted": gold,
            "correct": round(f1 * gold),
            "precision": f1,
            "recall": f1,
            "f1": f1,
            "f1_low": f1 - 0.1,
            "f1_high": f1 + 0.1,
        }

    record["slices"] = {
        "references": {"own": "panx/es/train"},
        "slices": {"seen-own": entry(True, seen_f1, 6), "unseen-own": entry(False, unseen_f1, 4)},
    }
    path.write_text(json.dumps(record, indent=2), encoding="utf-8")


def test_slices_load_per_run_and_cells_average_seeds(
    tmp_path: Path, make_run: Callable[..., Path]
) -> None:
    first = make_run(tmp_path, "a", seed=1, f1={"clean": 0.8, "p1": 0.6})
    second = make_run(tmp_path, "b", seed=2, f1={"clean": 0.7, "p1": 0.4})
    add_slices(first, "clean", 0.9, 0.5)
    add_slices(second, "clean", 0.7, 0.3)
    table, missing = load_slices(tmp_path)
    assert list(table.columns) == list(SLICE_COLUMNS)
    assert len(table) == 4 and set(table["reference_data"]) == {"panx/es/train"}
    # the p1 evaluations hold no slices yet: named, so the page can say what to run
    assert sorted(Path(m).name for m in missing) == ["panx-gl-test__p1.json"] * 2
    cells = slice_cells(table, reference="own")
    assert cells["seen"].tolist() == [True, False]  # seen first
    seen, unseen = cells.iloc[0], cells.iloc[1]
    assert seen["cell"] == "es→ca · transfer" and seen["runs"] == 2
    assert seen["f1"] == pytest.approx(0.8) and unseen["f1"] == pytest.approx(0.4)
    assert seen["gold"] == 12 and seen["f1_low"] == pytest.approx(0.7)
    assert slice_cells(table, reference="hrl").empty
    assert slice_cells(table, reference="own", perturbation="p1").empty
