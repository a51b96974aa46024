"""The grid runner: declared cells, resumable runs, identical results after a restart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from xner.cli import app
from xner.errors import XnerError
from xner.grid import CELL_FILE, GridError, grid_from_dict, read_grid, run_grid, summary_rows

TRAIN = {"method": "full", "max_steps": 4, "per_device_train_batch_size": 4}


def grid(out: Path, **overrides: object):
    data = {
        "name": "tiny",
        "pairs": ["es-gl"],
        "backbones": ["tiny"],
        "settings": ["native", "transfer"],
        "seeds": [1],
        "perturbations": ["p1", "mask"],
        "train": TRAIN,
        "eval": {"n_resamples": 50},
        "out": str(out),
        **overrides,
    }
    return grid_from_dict(data, source="test.yaml")


def eval_files(out: Path) -> dict[str, dict]:
    return {
        str(path.relative_to(out)): json.loads(path.read_text("utf-8"))
        for path in sorted(out.glob("*/eval/*.json"))
    }


def test_cells_are_the_product_of_the_declared_axes(tmp_path):
    spec = grid(tmp_path, seeds=[1, 2], backbones=["tiny"])
    keys = [cell.key for cell in spec.cells()]
    assert keys == [
        "es-gl_native_full_tiny_seed1",
        "es-gl_native_full_tiny_seed2",
        "es-gl_transfer_full_tiny_seed1",
        "es-gl_transfer_full_tiny_seed2",
    ]


def test_seeds_per_setting_and_the_split_policy_shape_the_cells(tmp_path):
    spec = grid(
        tmp_path,
        settings=["native", "transfer"],
        seeds={"native": [1, 2], "transfer": [1]},
        split="paper",
    )
    assert [cell.key for cell in spec.cells()] == [
        "es-gl_native_full_tiny_paper_seed1",
        "es-gl_native_full_tiny_paper_seed2",
        "es-gl_transfer_full_tiny_paper_seed1",
    ]
    config = spec.cells()[0].run_config()
    assert config.split_policy == "paper" and config.to_dict()["split_policy"] == "paper"
    # the default policy stays out of the folder name and the run id
    plain = grid(tmp_path).cells()[0]
    assert plain.key == "es-gl_native_full_tiny_seed1"
    assert "split_policy" not in plain.run_config().to_dict()


def test_interrupted_and_resumed_grid_equals_an_uninterrupted_one(pipeline_env, tmp_path):
    whole = grid(tmp_path / "whole")
    outcomes = run_grid(whole)
    assert [o.error for o in outcomes] == [None, None]
    assert all((cell.path / CELL_FILE).is_file() for cell in whole.cells())

    parts = grid(tmp_path / "parts")
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


def test_a_failing_cell_is_reported_and_the_rest_go_on(pipeline_env, tmp_path):
    # "xx" has no data anywhere: that cell fails, the es-gl cell still runs.
    spec = grid(tmp_path, pairs=["xx-gl", "es-gl"], settings=["transfer"])
    outcomes = run_grid(spec)
    assert outcomes[0].error is not None and "xx" in outcomes[0].error
    assert outcomes[1].error is None and outcomes[1].cell.finished()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"pairs": []}, "`pairs` must list at least one pair"),
        ({"pairs": ["es-gl"], "colour": 1}, "unknown field(s) ['colour']"),
        ({"pairs": ["es-gl"], "train": {"learning_rat": 1}}, "unknown field(s) ['learning_rat']"),
        ({"pairs": ["es-gl"], "seeds": ["a"]}, "`seeds` must be a list of integers"),
        ({"pairs": ["es-gl"], "eval": {"limt": 3}}, "eval: "),
        ({"pairs": ["es-gl"], "split": "papr"}, "split: "),
        ({"pairs": ["es-gl"], "seeds": {"native": []}}, "`seeds: native` must be a non-empty"),
        (
            {"pairs": ["es-gl"], "settings": ["native"], "seeds": {"transfer": [1]}},
            "names settings ['transfer']",
        ),
    ],
)
def test_bad_grid_configs_name_the_field(data, message):
    with pytest.raises(XnerError) as caught:
        grid_from_dict(data, source="g.yaml")
    assert "g.yaml" in str(caught.value) and message in str(caught.value)


def test_bad_yaml_names_file_and_line(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text("pairs: [es-gl\nseeds: [1]\n", encoding="utf-8")
    with pytest.raises(GridError, match=r"g.yaml, line \d+: not valid YAML"):
        read_grid(path)


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


def test_setting_blocks_reach_the_run_config(tmp_path):
    spec = grid(
        tmp_path,
        settings=["adapted-transfer", "self-training"],
        adapt={"steps": 3, "method": "lora"},
        self_training={"max_unlabelled_sentences": 5},
    )
    adapted, self_trained = (cell.run_config() for cell in spec.cells())
    assert adapted.adapt.steps == 3 and adapted.adapt.method == "lora"
    assert self_trained.self_training.max_unlabelled_sentences == 5
    with pytest.raises(XnerError, match="adapt"):
        grid(tmp_path, settings=["adapted-transfer"], adapt={"stepz": 3})


def test_select_filters_cells_and_names_unknown_values(tmp_path):
    spec = grid(tmp_path, seeds=[1, 2], settings=["native", "transfer", "self-training"])
    keys = [c.key for c in spec.select(settings=["transfer"], seeds=[2])]
    assert keys == ["es-gl_transfer_full_tiny_seed2"]
    assert len(spec.select()) == len(spec.cells()) == 6
    with pytest.raises(GridError, match=r"test.yaml: seeds \[7\] not in the grid; it has \[1, 2\]"):
        spec.select(seeds=[7])


def test_self_training_reuses_the_trained_transfer_cell_as_teacher(
    pipeline_env, tmp_path, monkeypatch
):
    monkeypatch.setenv("XNER_MODELS_DIR", str(tmp_path))  # logs name it relative to this
    spec = grid(tmp_path, settings=["transfer", "self-training"], perturbations=[])
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


def test_status_rows_carry_wall_times_and_hardware_of_finished_cells(pipeline_env, tmp_path):
    from xner.grid import describe

    spec = grid(tmp_path, settings=["native", "transfer"], perturbations=[])
    run_grid(spec, cells=spec.select(settings=["native"]))
    done, todo = describe(spec.cells())
    assert done["state"] == "done" and isinstance(done["train s"], int)
    assert isinstance(done["eval s"], int) and str(done["ran on"]).startswith("CPU×")
    assert todo == {
        "cell": todo["cell"],
        "state": "todo",
        "train s": None,
        "eval s": None,
        "ran on": None,
    }


def test_a_stale_cell_is_re_evaluated_in_place_with_its_weights_kept(pipeline_env, tmp_path):
    first = grid(tmp_path / "out", settings=["transfer"])
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
        "train": TRAIN,
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


def test_a_resumed_grid_cleans_what_a_killed_one_left_and_keeps_permissions(pipeline_env, tmp_path):
    import socket

    from xner import atomic

    out = tmp_path / "out"
    spec = grid(out, settings=["transfer"], perturbations=["mask"])
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
