"""Fixtures: a throwaway cache for unit tests, the shared cache for the e5 build."""

from __future__ import annotations

from pathlib import Path

import pytest

from xner.config import CACHE_DIR_ENV


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty XNER_CACHE_DIR, so builds in a test start from nothing."""
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_ENV, str(cache))
    return cache


@pytest.fixture(scope="session")
def e5_dir() -> Path:
    """The multilingual-e5-small build, made once and reused across sessions
    (in XNER_CACHE_DIR when set, else the user cache)."""
    from xner.backbones import build_backbone

    return build_backbone("multilingual-e5-small").path
