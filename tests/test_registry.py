"""The one registry mechanism: lookup, order, the unknown-name error, lazy loading."""

from __future__ import annotations

import pytest

from xner.errors import XnerError
from xner.registry import Registry


class ThingError(XnerError):
    pass


def test_lookup_order_and_mapping_behaviour() -> None:
    things: Registry[int] = Registry("thing", error=ThingError)
    things.register("b", 2)
    things.register("a", 1)
    assert things.get("a") == 1 and things["b"] == 2
    assert things.names() == ["b", "a"] == list(things)
    assert "a" in things and "c" not in things and len(things) == 2
    assert dict(things) == {"b": 2, "a": 1}


def test_unknown_name_raises_the_owner_error_listing_known_names() -> None:
    things: Registry[int] = Registry("thing", error=ThingError)
    things.register("a", 1)
    with pytest.raises(ThingError, match=r"unknown thing 'z'; known: a"):
        things.get("z")
    with pytest.raises(ThingError):
        things["z"]


def test_duplicate_registration_is_refused_unless_replacing() -> None:
    things: Registry[int] = Registry("thing")
    things.register("a", 1)
    with pytest.raises(ValueError, match="already registered"):
        things.register("a", 2)
    things.register("a", 3, replace=True)
    assert things["a"] == 3


def test_loader_runs_once_on_first_read() -> None:
    calls: list[int] = []
    things: Registry[int] = Registry("thing", loader=lambda: calls.append(1))
    assert calls == []
    things.register("a", 1)
    assert things.names() == ["a"] and "a" in things and things.get("a") == 1
    assert calls == [1]
