"""The dict round trip the options dataclasses share (TrainArgs, AdaptArgs, SelfTrainArgs).

Tuple fields are written as lists (JSON has no tuples) and read back as tuples; unknown
keys and values of the wrong type (`"lora_r": "eight"`) are errors that name where they
came from and the field. Values are checked, never converted: a converted value would
write back differently and silently change a run id.
"""

from __future__ import annotations

from dataclasses import Field, asdict, fields
from typing import TYPE_CHECKING, Any, ClassVar, Self

from xner.errors import XnerError


class ArgsDict:
    """Mixin for frozen option dataclasses: `to_dict` and `from_dict(data, where)`."""

    if TYPE_CHECKING:
        # Every subclass is a dataclass; this tells the type checker so (no runtime effect).
        __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for name in _tuple_fields(type(self)):
            data[name] = list(getattr(self, name))
        # A field added after runs were shipped (`metadata={"since": N}`) is written only
        # when it differs from its default, so every older run keeps its id.
        for f in fields(self):
            if "since" in f.metadata and data[f.name] == f.default:
                del data[f.name]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], where: str | None = None) -> Self:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            where = cls.__name__ if where is None else where
            raise XnerError(f"{where}: unknown field(s) {unknown}; known: {sorted(known)}")
        values = dict(data)
        where = cls.__name__ if where is None else where
        for field in fields(cls):
            if field.name in values:
                _check_type(values[field.name], str(field.type), f"{where}: {field.name}")
        for name in _tuple_fields(cls):
            if isinstance(values.get(name), list):
                values[name] = tuple(values[name])
        return cls(**values)


_SCALARS: dict[str, tuple[type, ...]] = {
    "int": (int,),
    "float": (int, float),
    "str": (str,),
    "bool": (bool,),
}


def _check_type(value: Any, annotation: str, where: str) -> None:
    """Raise when `value` does not fit `annotation` (`int`, `float | None`, `tuple[str,
    ...]`, ...); a bool is no number here."""
    options = [part.strip() for part in annotation.split("|")]
    if value is None and "None" in options:
        return
    for option in options:
        if option.startswith(("tuple", "Tuple")):
            if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
                return
        elif option in _SCALARS:
            if isinstance(value, bool) and option != "bool":
                continue
            if isinstance(value, _SCALARS[option]):
                return
        else:
            return  # a type this check does not know: the dataclass gets it as is
    wanted = " or ".join("a list of strings" if o.startswith("tuple") else o for o in options)
    raise XnerError(f"{where} must be {wanted}, not {value!r}; fix the value")


def _tuple_fields(cls: type) -> list[str]:
    """The fields annotated `tuple[...]` (annotations are strings under `from __future__`)."""
    return [f.name for f in fields(cls) if str(f.type).startswith(("tuple", "Tuple"))]
