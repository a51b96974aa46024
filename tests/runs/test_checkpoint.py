"""Weights save/load: the folder is swapped in whole through xner.atomic; the store's
run index finds runs inside a grid's out: folder."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from xner.runs import checkpoint
from xner.runs.index import list_runs
from xner.runs.layout import CONFIG_FILE, EVAL_DIR, LABELS_FILE, PREDS_DIR, TRAIN_LOG
from xner.train import LabelSpace, RunConfig, TrainArgs

LABELS = LabelSpace.from_schema("wikiann")
RUN = RunConfig(backbone="tiny", hrl="es", lrl="ar", args=TrainArgs(seed=1))


@pytest.fixture
def model() -> torch.nn.Module:
    torch.manual_seed(0)
    return checkpoint.build_model("tiny", LABELS)


def test_save_names_every_file_through_the_layout(tmp_path: Path, model) -> None:
    saved = checkpoint.save_checkpoint(model, RUN, LABELS, tmp_path / "run", log=[{"step": 1}])
    names = {p.name for p in saved.iterdir()}
    assert {CONFIG_FILE, LABELS_FILE, TRAIN_LOG, EVAL_DIR, PREDS_DIR} <= names
    assert checkpoint.read_config(saved) == RUN
    assert checkpoint.read_labels(saved).labels == LABELS.labels


def test_overwrite_swaps_the_folder_whole(
    tmp_path: Path, model, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved = checkpoint.save_checkpoint(model, RUN, LABELS, tmp_path / "run")
    (saved / EVAL_DIR / "old.json").write_text("{}", encoding="utf-8")
    swaps = []
    real = checkpoint.atomic.swap_folder
    monkeypatch.setattr(
        checkpoint.atomic, "swap_folder", lambda a, b: (swaps.append(b), real(a, b))
    )
    checkpoint.save_checkpoint(model, RUN, LABELS, saved, overwrite=True)
    assert swaps == [saved]
    assert not (saved / EVAL_DIR / "old.json").exists()  # the new folder, not a merge
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # nothing left aside


def test_list_runs_finds_grid_out_runs(tmp_path: Path, model) -> None:
    checkpoint.save_checkpoint(model, RUN, LABELS, tmp_path / "b-top")
    checkpoint.save_checkpoint(model, RUN, LABELS, tmp_path / "grid-out" / "a-cell")
    (tmp_path / "a-broken").mkdir()
    runs = list_runs(tmp_path)
    assert [r.path.relative_to(tmp_path).as_posix() for r in runs] == [
        "a-broken",
        "b-top",
        "grid-out/a-cell",
    ]
    assert runs[0].problem and CONFIG_FILE in runs[0].problem
    assert runs[1].config == runs[2].config == RUN
