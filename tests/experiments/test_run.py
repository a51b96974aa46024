"""Running a grid's cells: resumable runs, failures reported, identical results after a restart."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from xner.cli import app
from xner.experiments.run import run_grid
from xner.experiments.spec import read_grid
from xner.experiments.summary import summary_rows
from xner.runs.layout import CELL_FILE


def eval_files(out: Path) -> dict[str, dict]:
    return {
        str(path.relative_to(out)): json.loads(path.read_text("utf-8"))
        for path in sorted(out.glob("*/eval/*.json"))
    }


def test_interrupted_and_resumed_grid_equals_an_uninterrupted_one(
    tiny_grid, pipeline_env, tmp_path
):
    whole = tiny_grid(tmp_path / "whole")
    outcomes = run_grid(whole)
    assert [o.error for o in outcomes] == [None, None]
    assert all((cell.path / CELL_FILE).is_file() for cell in whole.cells())

    parts = tiny_grid(tmp_path / "parts")
    first = run_grid(parts, max_cells=1)  # "interrupted" after one cell
    assert [o.skipped for o in first] == [False]
    assert not parts.cells()[1].finished()
    second = run_grid(parts)  # resumed: the finished cell is skipped
    assert [o.skipped for o in second] == [True, False]

    whole_files, parts_files = eval_files(tmp_path / "whole"), eval_files(tmp_path / "parts")
    assert len(whole_files) == 6
    assert whole_files == parts_files
    rows = summary_rows(whole)
    assert {(r["setting"], r["perturbation"]) for r in rows} == {
        (s, p) for s in ("native", "transfer") for p in ("clean", "p1", "mask")
    }
    clean = [r for r in rows if r["perturbation"] == "clean"]
    assert all(r["drop"] is None for r in clean)
    assert all(r["drop"] is not None for r in rows if r["perturbation"] != "clean")
    assert (tmp_path / "whole" / "tiny_grid_results.csv").is_file()


def test_a_failing_cell_is_reported_and_the_rest_go_on(tiny_grid, pipeline_env, tmp_path):
    # "xx" has no data anywhere: that cell fails, the es-gl cell still runs.
    spec = tiny_grid(tmp_path, pairs=["xx-gl", "es-gl"], settings=["transfer"])
    outcomes = run_grid(spec)
    assert outcomes[0].error is not None and "xx" in outcomes[0].error
    assert outcomes[1].error is None and outcomes[1].cell.finished()


def test_self_training_reuses_the_trained_transfer_cell_as_teacher(
    tiny_grid, pipeline_env, tmp_path, monkeypatch
):
    monkeypatch.setenv("XNER_MODELS_DIR", str(tmp_path))  # logs name it relative to this
    spec = tiny_grid(tmp_path, settings=["transfer", "self-training"], perturbations=[])
    transfer, self_training = spec.cells()
    assert self_training.run_config().self_training.teacher is None  # nothing trained yet
    run_grid(spec, cells=[transfer])
    assert self_training.run_config().self_training.teacher == str(transfer.path)
    [outcome] = run_grid(spec, cells=spec.select(settings=["self-training"]))
    assert outcome.error is None
    log = (self_training.path / "train_log.jsonl").read_text("utf-8")
    teacher = json.loads(next(line for line in log.splitlines() if '"teacher"' in line))
    assert teacher["source"] == "checkpoint" and teacher["path"] == transfer.key
    teacher_config = json.loads((transfer.path / "config.json").read_text("utf-8"))
    own = json.loads((self_training.path / "config.json").read_text("utf-8"))
    assert own["data_hashes"]["teacher"] == teacher_config["run_id"]


def test_a_stale_cell_is_re_evaluated_in_place_with_its_weights_kept(
    tiny_grid, pipeline_env, tmp_path
):
    first = tiny_grid(tmp_path / "out", settings=["transfer"])
    run_grid(first)
    cell = first.cells()[0]
    weights = {p.name: p.read_bytes() for p in cell.path.rglob("*.safetensors")}
    before = json.loads((cell.path / CELL_FILE).read_text("utf-8"))
    assert weights and before["eval_version"] == 2 and not cell.stale()

    # The grid now lists another reading and drops mask: the cell is stale.
    data = {
        "name": "tiny",
        "pairs": ["es-gl"],
        "backbones": ["tiny"],
        "settings": ["transfer"],
        "seeds": [1],
        "perturbations": ["p1", "p1@hrl"],
        "train": dict(first.train),
        "eval": {"n_resamples": 50},
        "out": str(tmp_path / "out"),
    }
    config = tmp_path / "wider.yaml"
    config.write_text(json.dumps(data), encoding="utf-8")
    wider = read_grid(config)
    stale = wider.cells()[0]
    assert stale.stale()
    result = CliRunner().invoke(app, ["grid", str(config), "--status"])
    assert "stale" in result.output, result.output
    outcome = run_grid(wider)[0]
    assert not outcome.skipped and outcome.error is None and not outcome.duplicate
    after = json.loads((stale.path / CELL_FILE).read_text("utf-8"))
    assert after["perturbations"] == ["clean", "p1", "p1@hrl"]
    assert after["train_seconds"] == before["train_seconds"]  # not retrained
    evals = sorted(p.name for p in (stale.path / "eval").iterdir())
    assert len(evals) == 3 and any(name.endswith("__p1-hrl.json") for name in evals)
    assert not any("mask" in p.name for p in (stale.path / "preds").iterdir())
    for name, data in weights.items():
        assert next(stale.path.rglob(name)).read_bytes() == data
    assert not stale.stale() and run_grid(wider)[0].skipped  # current now


def test_a_resumed_grid_cleans_what_a_killed_one_left_and_keeps_permissions(
    tiny_grid, pipeline_env, tmp_path
):
    import socket

    from xner import atomic

    out = tmp_path / "out"
    spec = tiny_grid(out, settings=["transfer"], perturbations=["mask"])
    host = socket.gethostname().replace(".", "-")
    dead = 2**22 + 12345  # no such process
    staging = out / ".staging"
    left = [
        staging / f"es-gl_transfer_full_tiny_seed1.{host}.{dead}.abcd1234",
        staging / f".es-gl_transfer_full_tiny_seed1.{host}.{dead}.abcd1234.{host}.{dead}.tmp-x",
    ]
    for folder in left:
        folder.mkdir(parents=True)
        (folder / "model.safetensors").write_bytes(b"half")
    summary = out / f".tiny_grid_results.csv.{host}.{dead}.x.tmp"
    summary.write_text("half")
    live = out / f".other.{atomic.owner_tag()}.y.tmp"  # this process: still writing
    live.write_text("busy")
    run_grid(spec)
    assert not summary.exists() and live.exists()
    assert not staging.exists()
    mask = atomic.umask()
    cell = spec.cells()[0].path
    assert cell.stat().st_mode & 0o777 == 0o777 & ~mask
    assert all(
        p.stat().st_mode & 0o777 == (0o777 if p.is_dir() else 0o666) & ~mask
        for p in cell.rglob("*")
    )
