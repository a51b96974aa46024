"""One registry mechanism for every kind of plug-in (catalogue/spaCy style).

A `Registry[T]` maps names to declared entries: perturbations, metric modes, settings,
training methods, backbones, readers, schemas, split policies, slices, engines,
executors. Each is looked up by name with one error shape, "unknown <kind> 'x'; known:
a, b, c", raised as the error class of the package that owns the registry.

A registry is a read-only `Mapping`, so `name in registry`, `registry.values()` and
`", ".join(registry)` work as on a dict; entries are added only through `register`
(`register_all` for a declared table).
An optional `loader` imports the modules that declare entries the first time the
registry is read (entries register themselves on import).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from operator import attrgetter
from typing import Generic, TypeVar

from xner.errors import XnerError

T = TypeVar("T")


class Registry(Mapping[str, T], Generic[T]):
    """Declared entries of one kind, in declaration order."""

    def __init__(
        self,
        kind: str,
        *,
        error: type[Exception] = XnerError,
        loader: Callable[[], object] | None = None,
    ) -> None:
        self.kind = kind
        self.error = error
        self._entries: dict[str, T] = {}
        self._loader = loader
        self._loaded = loader is None

    def register(self, name: str, entry: T, *, replace: bool = False) -> T:
        """Add `entry` under `name`; a second entry of the same name is a bug unless
        `replace` says it is meant (a test swapping in a fake, a user override)."""
        if name in self._entries and not replace:
            raise ValueError(f"{self.kind} {name!r} is already registered")
        self._entries[name] = entry
        return entry

    def register_all(self, *entries: T, key: Callable[[T], str] = attrgetter("name")) -> None:
        """`register` each of `entries`, in order, under its `key` (by default its `name`)."""
        for entry in entries:
            self.register(key(entry), entry)

    def unregister(self, name: str) -> None:
        self._entries.pop(name, None)

    def get(self, name: str, default: object = None) -> T:
        """The entry called `name`; an unknown name raises the owner's error listing
        the known names (`default` is not supported: unknown names are errors)."""
        del default
        self._load()
        try:
            return self._entries[name]
        except KeyError:
            raise self.error(self.unknown_message(name)) from None

    def unknown_message(self, name: str) -> str:
        return f"unknown {self.kind} {name!r}; known: {', '.join(self._entries)}"

    def names(self) -> list[str]:
        self._load()
        return list(self._entries)

    def _load(self) -> None:
        if not self._loaded and self._loader is not None:
            self._loaded = True
            self._loader()

    def __getitem__(self, name: str) -> T:
        return self.get(name)

    def __iter__(self) -> Iterator[str]:
        self._load()
        return iter(self._entries)

    def __len__(self) -> int:
        self._load()
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        self._load()
        return name in self._entries

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {list(self._entries)})"
