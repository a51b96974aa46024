"""Where a grid's cells are kept: a folder (local or on a shared filesystem), or an
fsspec URI (`s3://bucket/prefix`, `gs://...`, `file:///...`).

A cell is built in a private staging folder on local disk and published whole, so a
killed, retried or duplicated cell never leaves half a folder under the cell's name:

- `FolderStore`: staging under `<out>/.staging/` (the same filesystem), published with
  one `os.rename` of the directory, which is atomic and refuses to replace a non-empty
  folder. If a finished copy got there first, ours is discarded.
- `UriStore`: staging in the local cache; publishing uploads every file and `cell.json`
  last, so a cell counts as finished (cell.json present) only once all of it is there. An
  object store has no folder rename: a copy that finds cell.json there discards itself,
  but two copies uploading at the very same moment overwrite each other file by file.

Staging folders are named `<key>.<host>.<pid>.<random>`; one left by a killed process of
this host is removed the next time that cell is staged here.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import socket
import uuid
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xner import atomic
from xner.atomic import clean_stale, process_alive
from xner.runs.layout import CELL_FILE, EVAL_DIR, EVAL_SUFFIX, eval_files

if TYPE_CHECKING:
    from xner.runs.records import EvalRecord

__all__ = ["CELL_FILE", "CellStore", "FolderStore", "UriStore", "is_uri", "open_store"]
STAGING_DIR = ".staging"  # beside the cells (a folder store)
LOCAL_STAGING_DIR = "grid-staging"  # in the cache (a URI store)


def is_uri(location: str | Path) -> bool:
    return isinstance(location, str) and "://" in location


def open_store(location: str | Path) -> CellStore:
    """The store for a grid's `out:` (a folder path, or a URI with a scheme)."""
    return UriStore(str(location)) if is_uri(location) else FolderStore(Path(location))


def new_staging(parent: Path, key: str) -> Path:
    """A fresh private folder path under `parent` (not created), after removing this
    host's staging folders for `key` whose process is gone."""
    host = socket.gethostname().replace(".", "-")
    if parent.is_dir():
        for old in parent.glob(f"{key}.{host}.*"):
            pid = old.name[len(key) + len(host) + 2 :].split(".", 1)[0]
            if pid.isdigit() and not process_alive(int(pid)):
                shutil.rmtree(old, ignore_errors=True)
    parent.mkdir(parents=True, exist_ok=True)
    return parent / f"{key}.{host}.{os.getpid()}.{uuid.uuid4().hex[:8]}"


def discard(staged: Path) -> None:
    shutil.rmtree(staged, ignore_errors=True)
    if staged.parent.name in (STAGING_DIR, LOCAL_STAGING_DIR):
        with contextlib.suppress(OSError):  # the staging folder too, once no cell uses it
            staged.parent.rmdir()


class CellStore(ABC):
    """Cell folders by key, and the grid's summary file beside them."""

    location: str  # as given: a folder path or a URI
    folder: Path | None = None  # the cells' folder on this machine's filesystem, if any

    @abstractmethod
    def has(self, key: str, name: str) -> bool:
        """Whether cell `key` has the file `name` (e.g. cell.json, config.json)."""

    @abstractmethod
    def staging(self, key: str) -> Path:
        """A new private local folder path to build cell `key` in (not created)."""

    @abstractmethod
    def fetch(self, key: str, into: Path) -> None:
        """Copy cell `key`'s folder to the local folder `into` (to resume it)."""

    @abstractmethod
    def publish(self, staged: Path, key: str, *, replace: bool = False) -> bool:
        """Move the finished folder `staged` into place as cell `key`; False (and `staged`
        discarded) when a finished copy is already there, unless `replace` (a
        re-evaluation: the new folder takes the old one's place)."""

    def clean(self) -> list[Path]:
        """Remove what writers on this host left when they died (staging folders, half-
        written temporary files); what a live process is writing is left alone."""
        from xner.config import cache_dir

        return clean_stale(cache_dir() / LOCAL_STAGING_DIR, hidden_only=False)

    def cell_facts(self, key: str) -> dict[str, Any] | None:
        """Cell `key`'s cell.json (timings, hardware), or None before it finished."""
        if not self.has(key, CELL_FILE):
            return None
        return json.loads(self.read_bytes(key, CELL_FILE))

    @abstractmethod
    def read_bytes(self, key: str, name: str) -> bytes:
        """The file `name` of cell `key`."""

    @abstractmethod
    def eval_records(self, key: str) -> list[EvalRecord]:
        """Cell `key`'s stored evaluations, sorted by file name."""

    @abstractmethod
    def write_text(self, name: str, text: str) -> str:
        """Write a file beside the cells (the summary CSV); returns where it went."""

    def where(self, name: str) -> str:
        return f"{self.location.rstrip('/')}/{name}"


class FolderStore(CellStore):
    def __init__(self, root: Path) -> None:
        self.root = self.folder = root
        self.location = str(root)

    def has(self, key: str, name: str) -> bool:
        return (self.root / key / name).is_file()

    def staging(self, key: str) -> Path:
        return new_staging(self.root / STAGING_DIR, key)

    def clean(self) -> list[Path]:
        removed = clean_stale(self.root) + clean_stale(self.root / STAGING_DIR, hidden_only=False)
        with contextlib.suppress(OSError):
            (self.root / STAGING_DIR).rmdir()  # only when empty
        return removed

    def fetch(self, key: str, into: Path) -> None:
        shutil.copytree(self.root / key, into)

    def publish(self, staged: Path, key: str, *, replace: bool = False) -> bool:
        target = self.root / key
        while True:
            if (target / CELL_FILE).is_file() and not replace:
                discard(staged)
                return False
            try:
                os.rename(staged, target)
            except OSError as error:
                if error.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
            else:
                discard(staged)  # only tidies the empty staging folder
                return True
            if (target / CELL_FILE).is_file() and not replace:
                continue  # a finished copy landed just now
            # An unfinished folder is there (trained, not evaluated, by an older run), or
            # the one we re-evaluated: ours replaces it. Moved aside first, so the name
            # never holds half a folder.
            aside = new_staging(self.root / STAGING_DIR, f"{key}.replaced")
            try:
                os.rename(target, aside)
            except FileNotFoundError:
                continue
            discard(aside)

    def read_bytes(self, key: str, name: str) -> bytes:
        return (self.root / key / name).read_bytes()

    def eval_records(self, key: str) -> list[EvalRecord]:
        from xner.runs.records import EvalRecord

        return [EvalRecord.read(path) for path in eval_files(self.root / key)]

    def write_text(self, name: str, text: str) -> str:
        atomic.write_text(self.root / name, text)
        return str(self.root / name)


class UriStore(CellStore):
    def __init__(self, uri: str) -> None:
        import fsspec

        self.location = uri
        self.fs, path = fsspec.core.url_to_fs(uri)
        self.path = path.rstrip("/")

    def _remote(self, key: str, name: str = "") -> str:
        return f"{self.path}/{key}/{name}" if name else f"{self.path}/{key}"

    def has(self, key: str, name: str) -> bool:
        self.fs.invalidate_cache(self._remote(key))  # listings may be cached (s3fs)
        return bool(self.fs.isfile(self._remote(key, name)))

    def staging(self, key: str) -> Path:
        from xner.config import cache_dir

        return new_staging(cache_dir() / LOCAL_STAGING_DIR, key)

    def fetch(self, key: str, into: Path) -> None:
        prefix = self._remote(key)
        for remote in self.fs.find(prefix):
            local = into / remote[len(prefix) + 1 :]
            local.parent.mkdir(parents=True, exist_ok=True)
            self.fs.get_file(remote, str(local))

    def publish(self, staged: Path, key: str, *, replace: bool = False) -> bool:
        if self.has(key, CELL_FILE):
            if not replace:
                discard(staged)
                return False
            self.fs.rm(self._remote(key), recursive=True)  # no stale file may outlive it
        files = sorted(p for p in staged.rglob("*") if p.is_file())
        files.sort(key=lambda p: p.relative_to(staged).as_posix() == CELL_FILE)  # last
        for local in files:
            remote = self._remote(key, local.relative_to(staged).as_posix())
            self.fs.makedirs(remote.rsplit("/", 1)[0], exist_ok=True)
            self.fs.put_file(str(local), remote)
        discard(staged)
        return True

    def read_bytes(self, key: str, name: str) -> bytes:
        return bytes(self.fs.cat_file(self._remote(key, name)))

    def eval_records(self, key: str) -> list[EvalRecord]:
        from xner.runs.records import EvalRecord

        pattern = self._remote(key, f"{EVAL_DIR}/*{EVAL_SUFFIX}")
        return [
            EvalRecord.from_json(self.fs.cat_file(path)) for path in sorted(self.fs.glob(pattern))
        ]

    def write_text(self, name: str, text: str) -> str:
        self.fs.makedirs(self.path, exist_ok=True)
        self.fs.pipe_file(f"{self.path}/{name}", text.encode("utf-8"))
        return self.where(name)
