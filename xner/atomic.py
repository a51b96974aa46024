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
