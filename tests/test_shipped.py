"""The shipped grid (models/): every cell is complete, small, text-free, and re-evaluating
a checkpoint reproduces its stored scores and predictions exactly."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from xner.grid import CELL_FILE
from xner.store import PREDS_DIR, read_config

SHIPPED = Path(__file__).resolve().parents[1] / "models"
CELLS = sorted(path.parent for path in SHIPPED.glob(f"*/{CELL_FILE}"))
MAX_CELL_BYTES = 10 * 2**20
MAX_TOTAL_BYTES = 200 * 2**20


def size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def test_shipped_cells_are_complete_and_within_the_size_budget() -> None:
    assert CELLS, "models/ ships no finished grid cell"
    for cell in CELLS:
        facts = json.loads((cell / CELL_FILE).read_text("utf-8"))
        stored = sorted(p.name for p in (cell / "eval").glob("*.json"))
        assert len(stored) == len(facts["perturbations"]), cell.name
        assert len(list((cell / PREDS_DIR).glob("*.jsonl.gz"))) == len(stored), cell.name
        assert not list(cell.rglob("*.tmp")), f"{cell.name}: a half-written file"
        assert size(cell) <= MAX_CELL_BYTES, f"{cell.name}: {size(cell) / 2**20:.1f} MB"
        read_config(cell)
    assert size(SHIPPED) <= MAX_TOTAL_BYTES


def test_shipped_predictions_hold_ids_and_tags_only() -> None:
    from xner.store import read_predictions

    cell = CELLS[0]
    config = read_config(cell)
    record = read_predictions(cell, f"panx/{config.lrl}/test", "clean")[0]
    assert set(record) == {"id", "hash", "tags"}  # never the sentence text


def representatives() -> list[Path]:
    """The first shipped cell of each backbone × setting (seed order), so every kind of
    checkpoint (LoRA, adapted encoder, student, full weights) is re-evaluated once."""
    seen: dict[tuple[str, str], Path] = {}
    for cell in CELLS:
        facts = json.loads((cell / CELL_FILE).read_text("utf-8"))
        seen.setdefault((facts["backbone"], facts["setting"]), cell)
    return list(seen.values())


CHECKED = representatives()


@pytest.mark.integration
@pytest.mark.parametrize("cell", CHECKED, ids=lambda path: path.name)
def test_re_evaluating_a_shipped_checkpoint_reproduces_it_exactly(
    cell: Path, tmp_path: Path
) -> None:
    """Clean for every kind of checkpoint; the first also through p1+p2 (the perturbation
    pipeline, its seeds and the paired bootstrap)."""
    from xner.evaluate.runner import EvalSettings, evaluate_checkpoint

    config = read_config(cell)
    test = f"panx-{config.lrl}-test"
    try:
        from xner.data.resolve import load_split

        load_split("panx", config.lrl, "test", limit=1)
    except Exception as error:  # the shared data is not on this machine
        pytest.skip(f"PAN-X {config.lrl} not available: {error}")
    perturbations = ("p1+p2",) if cell == CHECKED[0] else ()
    stored = {
        name: json.loads((cell / "eval" / f"{test}__{name}.json").read_text("utf-8"))
        for name in ("clean", *perturbations)
    }
    clean = stored["clean"]["result"]
    copy = tmp_path / cell.name  # never rewrite the shipped folder
    shutil.copytree(cell, copy, ignore=shutil.ignore_patterns("eval", PREDS_DIR))
    settings = EvalSettings(
        perturbations=perturbations,
        limit=clean["n_sentences"],
        seed=clean["bootstrap"]["seed"],
        n_resamples=clean["bootstrap"]["n_resamples"],
    )
    evaluate_checkpoint(copy, settings)
    for name, record in stored.items():
        again = json.loads((copy / "eval" / f"{test}__{name}.json").read_text("utf-8"))
        assert again == record, f"{cell.name}: {name} evaluation differs"
        preds = f"{PREDS_DIR}/{test}__{name}.jsonl.gz"
        assert (copy / preds).read_bytes() == (cell / preds).read_bytes()
