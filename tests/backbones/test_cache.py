from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from xner.backbones.cache import backbones_cache_dir, cached_build, read_manifest


def _writer(text: str):
    def build(directory: Path) -> dict[str, Any]:
        (directory / "weights.txt").write_text(text)
        return {"text": text}

    return build


def test_builds_once_then_reuses_until_the_fingerprint_changes(fresh_cache: Path) -> None:
    first = cached_build("demo", {"v": 1}, _writer("one"))
    assert first.built and first.path == backbones_cache_dir() / "demo"
    assert first.path.is_relative_to(fresh_cache)
    again = cached_build("demo", {"v": 1}, _writer("two"))
    assert not again.built and (again.path / "weights.txt").read_text() == "one"
    changed = cached_build("demo", {"v": 2}, _writer("two"))
    assert changed.built and (changed.path / "weights.txt").read_text() == "two"
    forced = cached_build("demo", {"v": 2}, _writer("three"), force=True)
    assert forced.built and read_manifest(forced.path)["text"] == "three"
    assert sorted(p.name for p in backbones_cache_dir().iterdir()) == ["demo"]


def test_an_interrupted_build_leaves_no_directory_behind(fresh_cache: Path) -> None:
    def crash(directory: Path) -> dict[str, Any]:
        (directory / "half.bin").write_bytes(b"\0" * 10)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cached_build("demo", {"v": 1}, crash)
    assert list(backbones_cache_dir().iterdir()) == []


def test_an_interrupted_rebuild_keeps_the_previous_build(fresh_cache: Path) -> None:
    cached_build("demo", {"v": 1}, _writer("one"))

    def crash(directory: Path) -> dict[str, Any]:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        cached_build("demo", {"v": 2}, crash)
    assert (backbones_cache_dir() / "demo" / "weights.txt").read_text() == "one"
    assert [p.name for p in backbones_cache_dir().iterdir()] == ["demo"]


def test_a_build_is_published_whole_with_ordinary_permissions(fresh_cache: Path) -> None:
    import os

    built = cached_build("demo", {"v": 1}, _writer("one"))
    mask = os.umask(0)
    os.umask(mask)
    assert built.path.stat().st_mode & 0o777 == 0o777 & ~mask  # not mkdtemp's 0700
    assert (built.path / "weights.txt").stat().st_mode & 0o777 == 0o666 & ~mask
    manifest = (built.path / "manifest.json").read_text(encoding="utf-8")
    assert manifest.startswith('{\n  "name": "demo"') and not manifest.endswith("\n")
    assert [p.name for p in backbones_cache_dir().iterdir()] == ["demo"]  # no temporaries
