"""Errors a user can cause, each naming where the problem is and how to fix it."""

from __future__ import annotations

from pathlib import Path


class XnerError(Exception):
    """Base class: every error xner raises on purpose is one of these."""


class DataFormatError(XnerError, ValueError):
    """A data file does not follow its format; names the file and the line."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = message
        where = f"{self.path}, line {line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class DataNotFoundError(XnerError, FileNotFoundError):
    """A dataset, language or split is neither in the data directory nor reachable."""


class OfflineError(XnerError, ConnectionError):
    """A hub download was needed but the hub cannot be reached."""
