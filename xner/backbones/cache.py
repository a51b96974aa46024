"""Build a backbone directory once, atomically, under `cache_dir()/backbones/`.

A build writes into a temporary directory beside the target and renames it
into place only when complete (manifest last), so an interrupted build never
leaves a directory that later loads half-written.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xner.config import cache_dir

MANIFEST = "manifest.json"

# Writes a complete backbone (config, weights, tokenizer) into the given empty
# directory and returns facts for the manifest.
Builder = Callable[[Path], dict[str, Any]]


@dataclass(frozen=True)
class BuildResult:
    """What `build_backbone` did: where the backbone lives and how long it took."""

    name: str
    path: Path
    seconds: float
    built: bool  # False when a valid cached build was reused
    manifest: dict[str, Any] = field(default_factory=dict)


def backbones_cache_dir() -> Path:
    return cache_dir() / "backbones"


def read_manifest(directory: Path) -> dict[str, Any] | None:
    """The manifest of a finished build, or None when absent or unreadable."""
    try:
        return json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def cached_build(
    name: str, fingerprint: dict[str, Any], builder: Builder, force: bool = False
) -> BuildResult:
    """Return the build of `name` whose manifest carries `fingerprint`; build it
    when missing, stale (fingerprint differs) or `force`d."""
    target = backbones_cache_dir() / name
    manifest = read_manifest(target)
    if not force and manifest is not None and manifest.get("fingerprint") == fingerprint:
        return BuildResult(name, target, float(manifest.get("build_seconds", 0.0)), False, manifest)

    target.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    staging = Path(tempfile.mkdtemp(prefix=f".{name}.building-", dir=target.parent))
    try:
        facts = builder(staging)
        seconds = time.perf_counter() - start
        manifest = {
            "name": name,
            "fingerprint": fingerprint,
            "build_seconds": round(seconds, 3),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            **facts,
        }
        _write_json_atomic(staging / MANIFEST, manifest)
        _make_readable(staging)
        _swap_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildResult(name, target, seconds, True, manifest)


def _write_json_atomic(path: Path, payload: dict[str, Any]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(payload, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, path)


def _make_readable(directory: Path) -> None:
    """Give the build the usual umask permissions (mkdtemp makes it private)."""
    umask = os.umask(0)
    os.umask(umask)
    directory.chmod(0o777 & ~umask)
    for child in directory.rglob("*"):
        child.chmod((0o777 if child.is_dir() else 0o666) & ~umask)


def _swap_into_place(staging: Path, target: Path) -> None:
    """Rename `staging` to `target`, moving an old build aside first (a directory
    cannot be replaced in one rename)."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}-{time.monotonic_ns()}")
        os.replace(target, old)
    try:
        os.replace(staging, target)
    except OSError:
        # Another process finished the same build in between: keep theirs.
        if read_manifest(target) is None:
            raise
        shutil.rmtree(staging, ignore_errors=True)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
