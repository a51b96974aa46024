"""`xner grid`: runs a config, reports status, and runs only the selected cells."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from xner.cli import app
from xner.experiments.spec import GridError

TRAIN = {"method": "full", "max_steps": 4, "per_device_train_batch_size": 4}


def test_grid_command_runs_and_reports_status(pipeline_env, tmp_path):
    config = tmp_path / "g.yaml"
    config.write_text(
        json.dumps(
            {
                "name": "cli",
                "pairs": ["es-gl"],
                "backbones": ["tiny"],
                "settings": ["transfer"],
                "perturbations": ["mask"],
                "train": TRAIN,
                "eval": {"n_resamples": 20},
                "out": str(tmp_path / "out"),
            }
        ),
        encoding="utf-8",
    )
    runner = CliRunner()
    result = runner.invoke(app, ["grid", str(config)])
    assert result.exit_code == 0, result.output
    assert "es-gl_transfer_full_tiny_seed42: done" in result.output
    status = runner.invoke(app, ["grid", str(config), "--status"])
    assert "done" in status.output
    again = runner.invoke(app, ["grid", str(config)])
    assert "es-gl_transfer_full_tiny_seed42: skipped" in again.output


def test_grid_command_runs_only_the_selected_cells(pipeline_env, tmp_path):
    config = tmp_path / "g.yaml"
    out = tmp_path / "out"
    data = {
        "name": "cli",
        "pairs": ["es-gl"],
        "backbones": ["tiny"],
        "settings": ["native", "transfer"],
        "perturbations": [],
        "train": TRAIN,
        "eval": {"n_resamples": 20},
        "out": str(out),
    }
    config.write_text(json.dumps(data), encoding="utf-8")
    result = CliRunner().invoke(app, ["grid", str(config), "--setting", "transfer"])
    assert result.exit_code == 0, result.output
    ran = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert ran == ["es-gl_transfer_full_tiny_seed42"]
    bad = CliRunner().invoke(app, ["grid", str(config), "--pair", "xx-yy"])
    assert isinstance(bad.exception, GridError) and "not in the grid" in str(bad.exception)
