"""The one atomic write, and cleaning what a killed writer left."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from xner import atomic


def test_a_write_is_whole_with_ordinary_permissions(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "x.json"
    atomic.write_json(target, {"a": [1, "é"]})
    assert target.read_text("utf-8") == '{\n  "a": [\n    1,\n    "é"\n  ]\n}\n'
    assert target.stat().st_mode & 0o777 == 0o666 & ~atomic.umask()
    assert [p.name for p in target.parent.iterdir()] == ["x.json"]


def test_only_a_dead_writers_leftovers_are_cleaned(tmp_path: Path) -> None:
    # A process that dies while writing leaves its temporary file behind.
    script = (
        "import os, sys; from xner import atomic; "
        "atomic.os.replace = lambda *a: os._exit(9); "
        f"atomic.write_text({str(tmp_path / 'summary.csv')!r}, 'half')"
    )
    done = subprocess.run([sys.executable, "-c", script], check=False)
    assert done.returncode == 9
    (left,) = list(tmp_path.iterdir())
    assert left.name.startswith(".summary.csv.") and left.name.endswith(".tmp")
    mine = tmp_path / f".other.{atomic.owner_tag()}.x.tmp"  # a live writer: this process
    mine.write_text("in progress")
    assert atomic.clean_stale(tmp_path) == [left]
    assert [p.name for p in tmp_path.iterdir()] == [mine.name]
    assert atomic.process_alive(os.getpid())


def test_a_folder_swap_is_whole_and_a_dead_swappers_old_folder_comes_back(tmp_path: Path) -> None:
    import socket

    target = tmp_path / "run"
    target.mkdir()
    (target / "eval.json").write_text("old")
    staged = tmp_path / ".run.new"
    staged.mkdir()
    (staged / "eval.json").write_text("new")
    atomic.swap_folder(staged, target)
    assert (target / "eval.json").read_text() == "new" and sorted(tmp_path.iterdir()) == [target]
    # a swapper that died between its two renames left the old folder aside, none in place
    host = socket.gethostname().replace(".", "-")
    aside = tmp_path / f".run.{host}.{2**22 + 777}.aside"
    target.rename(aside)
    assert atomic.restore_folders(tmp_path) == [target]
    assert (target / "eval.json").read_text() == "new" and not aside.exists()
