"""The dict round trip the options dataclasses share (TrainArgs, AdaptArgs, SelfTrainArgs).

Tuple fields are written as lists (JSON has no tuples) and read back as tuples; unknown
keys are an error that names where they came from and the fields that exist.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any, Self

from xner.errors import XnerError


class ArgsDict:
    """Mixin for frozen option dataclasses: `to_dict` and `from_dict(data, where)`."""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in _tuple_fields(type(self)):
            data[name] = list(getattr(self, name))
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str | None = None) -> Self:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            where = cls.__name__ if where is None else where
            raise XnerError(f"{where}: unknown field(s) {unknown}; known: {sorted(known)}")
        values = dict(data)
        for name in _tuple_fields(cls):
            if isinstance(values.get(name), list):
                values[name] = tuple(values[name])
        return cls(**values)


def _tuple_fields(cls: type) -> list[str]:
    """The fields annotated `tuple[...]` (annotations are strings under `from __future__`)."""
    return [f.name for f in fields(cls) if str(f.type).startswith(("tuple", "Tuple"))]
