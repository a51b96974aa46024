"""The one atomic write: a reader sees the old file or the new one, never half of one.

Files are written to a temporary name in the target's folder and renamed over it. The
temporary file (`mkstemp`) and folder (`mkdtemp`) are private to their creator; what is
published gets the ordinary permissions of the process's umask, like any other file.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import tempfile
from pathlib import Path
from typing import Any


def owner_tag() -> str:
    """`host.pid`: written into every temporary name, so a later run can tell a dead
    writer's leftovers (safe to remove) from a live writer's files (left alone)."""
    return f"{socket.gethostname().replace('.', '-')}.{os.getpid()}"


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def clean_stale(folder: Path | str, *, hidden_only: bool = True) -> list[Path]:
    """Remove the temporary files and folders in `folder` that a writer on this host left
    when it died (their names carry `host.pid`, and that process is gone); only hidden
    ones unless `hidden_only` is False (a folder that holds nothing but temporaries)."""
    folder = Path(folder)
    host = socket.gethostname().replace(".", "-")
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for entry in folder.iterdir():
        parts = entry.name.split(".")
        if (hidden_only and not entry.name.startswith(".")) or host not in parts:
            continue
        at = parts.index(host)
        pid = parts[at + 1] if at + 1 < len(parts) else ""
        if pid.isdigit() and not process_alive(int(pid)):
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    entry.unlink()
            removed.append(entry)
    return removed


def umask() -> int:
    """The process's umask (read by setting and restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def make_ordinary(path: Path) -> None:
    """Give `path` (and, for a folder, everything in it) the umask's usual permissions:
    0644 files and 0755 folders under umask 022."""
    mask = umask()
    path.chmod((0o777 if path.is_dir() else 0o666) & ~mask)
    if path.is_dir():
        for child in path.rglob("*"):
            child.chmod((0o777 if child.is_dir() else 0o666) & ~mask)


def write_bytes(path: Path | str, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{path.name}.{owner_tag()}."
    handle, temp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temp, 0o666 & ~umask())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_text(path: Path | str, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_json(path: Path | str, data: Any, *, indent: int | None = 2) -> None:
    """JSON as the project stores it (UTF-8, indented, a final newline)."""
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    write_text(path, text + ("\n" if indent is not None else ""))


def swap_folder(staged: Path, target: Path) -> None:
    """Put the complete folder `staged` in `target`'s place: the old folder is moved
    aside, the new one renamed in, the old one removed. Readers see the old folder or the
    new one (or, for an instant, none: `restore_folders` puts back an old one whose
    swapper died then). Concurrent swaps each land whole; the last one stays."""
    aside = target.with_name(f".{target.name}.{owner_tag()}.aside")
    while True:
        # No old folder, or another swap is between its two renames: nothing to move.
        with contextlib.suppress(FileNotFoundError):
            os.replace(target, aside)
        try:
            os.rename(staged, target)
        except OSError:
            if target.exists():  # another swap landed first: move it aside in turn
                shutil.rmtree(aside, ignore_errors=True)
                continue
            raise
        break
    shutil.rmtree(aside, ignore_errors=True)


def restore_folders(parent: Path) -> list[Path]:
    """Put back every folder of `parent` that a swapper on this host moved aside and died
    before putting the new one in (its name is missing): the old complete folder."""
    host = socket.gethostname().replace(".", "-")
    restored: list[Path] = []
    if not parent.is_dir():
        return restored
    for aside in sorted(parent.glob(f".*.{host}.*.aside")):
        name, _, rest = aside.name[1:].partition(f".{host}.")
        pid = rest.removesuffix(".aside")
        target = parent / name
        if pid.isdigit() and not process_alive(int(pid)) and not target.exists():
            with contextlib.suppress(OSError):
                os.rename(aside, target)
                restored.append(target)
    return restored
