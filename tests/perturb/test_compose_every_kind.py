"""Every declared kind composes with `+`, on either side: no kind's name holds the
composition operator (the old `mask+random` read as `mask` then an unknown `random`)."""

from __future__ import annotations

import pytest

from xner.data.tags import iob2_problems
from xner.perturb import REGISTRY, kinds, perturb, resolve_steps

from .conftest import build, resources_for

KINDS = [spec.name for spec in kinds()]


def _run(kind: str) -> None:
    data = build("latin")
    out = perturb(data["test"], kind, seed=3, resources=resources_for(data, stopwords=[]))
    assert len(out) == len(data["test"])
    for result in out:
        assert len(result.sentence.tokens) == len(result.sentence.tags)
        assert iob2_problems(result.sentence.tags) == []


def test_every_registered_kind_is_listed():
    assert REGISTRY.names() == KINDS and "mask-or-random" in KINDS


@pytest.mark.parametrize("kind", KINDS)
def test_kind_then_typos_resolves_and_runs(kind):
    steps = resolve_steps(f"{kind}+typos")
    assert steps[-1] == "typos" and steps[:-1] == resolve_steps(kind)
    _run(f"{kind}+typos")


@pytest.mark.parametrize("kind", KINDS)
def test_typos_then_kind_resolves_and_runs(kind):
    steps = resolve_steps(f"typos+{kind}")
    assert steps[0] == "typos" and steps[1:] == resolve_steps(kind)
    _run(f"typos+{kind}")


def test_mask_or_random_composes_with_two_more_kinds():
    assert resolve_steps("mask-or-random+typos+case") == ["mask-or-random", "typos", "case"]
    _run("mask-or-random+typos+case")


def test_default_evaluation_leaves_out_the_kinds_that_change_entities():
    from xner.perturb import Preserves, default_excluded

    assert set(default_excluded()) == {"type-swap", "concat"}
    assert all(
        (spec.preserves != Preserves.ENTITIES) == (spec.name in default_excluded())
        for spec in kinds()
    )
