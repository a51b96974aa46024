"""The run-folder names: file names to (test set, perturbation) and back, the one run finder."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from xner.errors import XnerError
from xner.runs import layout
from xner.runs.layout import (
    CLEAN,
    CONFIG_FILE,
    artifact_name,
    artifact_stem,
    clean_name,
    eval_path,
    evaluation_stamp,
    find_runs,
    is_run,
    preds_path,
    split_artifact_name,
)

SHIPPED = Path(__file__).resolve().parents[2] / "models"


def make_run(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / CONFIG_FILE).write_text("{}", encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("test", "perturbation", "stem"),
    [
        ("panx/fa/test", "p1+p2", "panx-fa-test__p1+p2"),
        ("panx@paper/gl/test", CLEAN, "panx-paper-gl-test__clean"),
        ("panx/fa/test", "p1@hrl", "panx-fa-test__p1-hrl"),
        ("wikiann/cy/test", "typos", "wikiann-cy-test__typos"),
    ],
)
def test_file_names_round_trip(test: str, perturbation: str, stem: str) -> None:
    assert artifact_name(test, perturbation) == stem
    assert eval_path("run", test, perturbation) == Path("run", "eval", f"{stem}.json")
    assert preds_path("run", test, perturbation) == Path("run", "preds", f"{stem}.jsonl.gz")
    for name in (f"{stem}.json", f"{stem}.jsonl.gz", f"{stem}.jsonl", stem):
        assert artifact_stem(name) == stem
        safe_test, back = split_artifact_name(name)
        assert artifact_name(safe_test, back) == stem
        assert back == artifact_name("x", perturbation).split("__")[1]


def test_shipped_file_names_split_into_the_names_inside() -> None:
    import json

    for path in sorted(SHIPPED.glob("*/eval/*.json"))[:40]:
        result = json.loads(path.read_text("utf-8"))["result"]
        assert artifact_name(result["test_set"], result["perturbation"]) == path.stem
        assert split_artifact_name(path.name)[0] == artifact_name(result["test_set"], "x")[:-3]


def test_names_that_are_not_artifacts_are_refused() -> None:
    with pytest.raises(XnerError):
        artifact_name("", "p1")
    with pytest.raises(XnerError):
        split_artifact_name("config.json")


def test_unperturbed_has_one_spelling() -> None:
    assert artifact_name("panx/fa/test") == "panx-fa-test__clean"  # the default
    assert artifact_name("panx/fa/test", "") == "panx-fa-test__clean"
    assert [clean_name(x) for x in ("", None, "none", CLEAN, "mask")] == [
        CLEAN,
        CLEAN,
        CLEAN,
        CLEAN,
        "mask",
    ]
    # The other modules import the one declaration.
    from xner.app import explorer
    from xner.evaluate import result
    from xner.runs import layout as results
    from xner.runs import layout as slicetable

    assert results.CLEAN is explorer.CLEAN is slicetable.CLEAN is result.CLEAN is layout.CLEAN
    from xner.analysis import slicetable, table
    from xner.app import explorer
    from xner.evaluate import result

    assert table.CLEAN is explorer.CLEAN is slicetable.CLEAN is result.CLEAN is layout.CLEAN


def test_find_runs_top_level_and_grid_out_folders(tmp_path: Path) -> None:
    make_run(tmp_path / "b-run")
    make_run(tmp_path / "grid-out" / "z-cell")
    make_run(tmp_path / "grid-out" / "a-cell")
    make_run(tmp_path / "grid-out" / ".staging" / "half")  # hidden: never
    make_run(tmp_path / ".b-run.host.1.aside")  # hidden: never
    make_run(tmp_path / "a-run")
    make_run(tmp_path / "a-run" / "inner")  # inside a run: not a grid folder
    make_run(tmp_path / "deep" / "one" / "two")  # two levels down: not found
    (tmp_path / "empty").mkdir()
    (tmp_path / "README.md").write_text("x", encoding="utf-8")
    names = ["a-run", "b-run", "grid-out/a-cell", "grid-out/z-cell"]
    assert [p.relative_to(tmp_path).as_posix() for p in find_runs(tmp_path)] == names
    assert [p.relative_to(tmp_path).as_posix() for p in find_runs(str(tmp_path))] == names
    broken = [p.relative_to(tmp_path).as_posix() for p in find_runs(tmp_path, broken=True)]
    assert broken == ["a-run", "b-run", "deep", "empty", "grid-out/a-cell", "grid-out/z-cell"]
    assert is_run(tmp_path / "a-run") and not is_run(tmp_path / "grid-out")
    assert find_runs(tmp_path / "nowhere") == []


def test_find_runs_on_the_shipped_models() -> None:
    found = find_runs(SHIPPED)
    assert found == sorted(found) and len(found) > 50
    assert all(is_run(run) for run in found)


def test_evaluation_stamp_changes_with_gzipped_predictions(tmp_path: Path) -> None:
    run = make_run(tmp_path / "run")
    assert evaluation_stamp(run) == ()
    path = preds_path(run, "panx/gl/test")
    path.parent.mkdir()
    path.write_bytes(gzip.compress(b"{}\n", mtime=0))
    first = evaluation_stamp(run)
    assert [name for name, _, _ in first] == ["panx-gl-test__clean.jsonl.gz"]
    path.write_bytes(gzip.compress(b'{"id": "a"}\n', mtime=0))
    os.utime(path, ns=(1, 10**9 * 3))
    assert evaluation_stamp(run) != first
