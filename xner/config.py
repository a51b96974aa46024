"""Where xner reads and writes: data, cache and models directories.

Each can be overridden by an environment variable, so tests, the app and the
command line all agree without passing paths around.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DATA_DIR_ENV = "XNER_DATA_DIR"
CACHE_DIR_ENV = "XNER_CACHE_DIR"
MODELS_DIR_ENV = "XNER_MODELS_DIR"


def data_dir() -> Path:
    """The local data directory: `$XNER_DATA_DIR`, else `../shared/data` beside a
    checkout, else the user data dir (where `xner` keeps what users add)."""
    if env := os.environ.get(DATA_DIR_ENV):
        return Path(env).expanduser()
    beside_checkout = PROJECT_ROOT.parent / "shared" / "data"
    if beside_checkout.is_dir():
        return beside_checkout
    return Path(platformdirs.user_data_dir("xner")) / "data"


def cache_dir() -> Path:
    """Rebuilt backbones and word-vector caches: `$XNER_CACHE_DIR` or the user cache dir."""
    if env := os.environ.get(CACHE_DIR_ENV):
        return Path(env).expanduser()
    return Path(platformdirs.user_cache_dir("xner"))


def models_dir() -> Path:
    """Checkpoints and their evaluations: `$XNER_MODELS_DIR` or `models/` of the project."""
    if env := os.environ.get(MODELS_DIR_ENV):
        return Path(env).expanduser()
    return PROJECT_ROOT / "models"
