"""Evaluations never mix: other settings replace the set, a killed or concurrent
evaluation leaves a complete set, and the loaders refuse a folder that mixes them."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from xner.analysis.table import load_results_with_report
from xner.evaluate.runner import EvalSettings, evaluate_checkpoint
from xner.runs import records
from xner.train.finetune import TrainArgs
from xner.train.run import train_run
from xner.train.runconfig import RunConfig

FULL = EvalSettings(perturbations=("p1", "mask"), n_resamples=30)


@pytest.fixture(scope="module")
def evaluated(pipeline_env, tmp_path_factory) -> Path:
    config = RunConfig(
        backbone="tiny",
        hrl="es",
        lrl="gl",
        setting="native",
        args=TrainArgs(max_steps=4, per_device_train_batch_size=4, seed=5),
    )
    run = train_run(config, tmp_path_factory.mktemp("runs") / "run")
    evaluate_checkpoint(run, FULL)
    return run


def _files(run: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(run)): p.read_bytes()
        for p in sorted(run.rglob("*"))
        if p.is_file() and p.parts[-2] in ("eval", "preds")
    }


def _stamps(run: Path) -> set[tuple[int, int]]:
    found = set()
    for path in (run / "eval").glob("*.json"):
        result = json.loads(path.read_text("utf-8"))["result"]
        found.add((result["n_sentences"], result["bootstrap"]["n_resamples"]))
    return found


@pytest.fixture
def run(evaluated: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(evaluated, copy)
    return copy


def test_other_settings_replace_the_set_and_the_same_settings_keep_it(run: Path) -> None:
    before = _files(run)
    assert len(before) == 6
    evaluate_checkpoint(run, EvalSettings(perturbations=("mask",), n_resamples=30))
    assert _files(run) == before  # same settings: p1 kept, clean and mask identical
    evaluate_checkpoint(run, EvalSettings(perturbations=(), limit=3, n_resamples=30))
    names = sorted(p.name for p in (run / "eval").iterdir())
    assert len(names) == 1 and names[0].endswith("__clean.json")  # p1, mask were 2,000-long
    assert _stamps(run) == {(3, 30)}
    assert not [p for p in run.parent.iterdir() if p.name.startswith(".")]


def test_an_evaluation_killed_part_way_leaves_the_old_set(
    run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _files(run)
    written = []

    def dies_on_the_second(*args, **kwargs):
        written.append(args)
        if len(written) == 2:
            raise KeyboardInterrupt  # as a Ctrl-C or a kill would stop it
        return real(*args, **kwargs)

    real = records.write_eval
    monkeypatch.setattr(records, "write_eval", dies_on_the_second)
    with pytest.raises(KeyboardInterrupt):
        evaluate_checkpoint(run, EvalSettings(perturbations=("p1", "mask"), limit=3))
    assert _files(run) == before
    assert not [p for p in run.parent.iterdir() if p.name.startswith(".")]


def test_two_evaluations_at_once_leave_one_complete_set(run: Path) -> None:
    # Fresh interpreters (not multiprocessing, whose children re-run whatever __main__
    # an earlier test left behind).
    script = (
        "import sys; from xner.evaluate.runner import EvalSettings, evaluate_checkpoint; "
        "evaluate_checkpoint(sys.argv[1], "
        "EvalSettings(perturbations=('p1', 'mask'), limit=int(sys.argv[2])))"
    )
    workers = [
        subprocess.Popen([sys.executable, "-c", script, str(run), str(n)], env=os.environ.copy())
        for n in (4, 5)
    ]
    for worker in workers:
        assert worker.wait(timeout=300) == 0
    stamps = _stamps(run)
    assert stamps in ({(4, 1000)}, {(5, 1000)})  # one whole set, either one
    assert len(_files(run)) == 6
    assert not [p for p in run.parent.iterdir() if p.name.startswith(".")]


def test_the_loader_refuses_a_run_whose_evaluations_disagree(run: Path, tmp_path: Path) -> None:
    path = next((run / "eval").glob("*__mask.json"))
    record = json.loads(path.read_text("utf-8"))
    record["result"]["n_sentences"] = 50  # as if `--limit 50` had rewritten only this one
    path.write_text(json.dumps(record, indent=2), encoding="utf-8")
    table, report = load_results_with_report(run.parent)
    assert table.empty
    (problem,) = report.problems
    assert "made with different settings" in problem and "xner evaluate" in problem
