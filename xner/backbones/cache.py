"""Build a backbone directory once, atomically, under `cache_dir()/backbones/`.

A build writes into a temporary directory beside the target and is swapped into
place only when complete (manifest last, `xner.atomic.swap_folder`), so an
interrupted build never leaves a directory that later loads half-written; two
processes finishing the same build leave one complete build (the last).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xner import atomic
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
    # Named like every temporary of xner.atomic (`host.pid`), so a dead build's leftover
    # is recognisable as one.
    staging = Path(
        tempfile.mkdtemp(
            prefix=f".{name}.{atomic.owner_tag()}.", suffix=".building", dir=target.parent
        )
    )
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
        # The manifest goes last: a folder without one is no build (read_manifest).
        atomic.write_text(staging / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False))
        atomic.make_ordinary(staging)  # mkdtemp made it private
        atomic.swap_folder(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildResult(name, target, seconds, True, manifest)
