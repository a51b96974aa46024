"""On real PAN-X data through the data layer (skipped where the data is absent)."""

from __future__ import annotations

import pytest

from xner.data.tags import iob2_problems
from xner.perturb import PerturbResources, overlap_stats, perturb

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def ar_fa():
    resolve = pytest.importorskip("xner.data.resolve")
    try:
        test = resolve.load_split("panx", "fa", "dev", limit=500)
        hrl = resolve.load_split("panx", "ar", "train", limit=5000)
        train = resolve.load_split("panx", "fa", "train", limit=5000)
    except Exception as error:  # data not on this machine
        pytest.skip(f"PAN-X ar/fa not available: {error}")
    return test, PerturbResources(hrl_train=hrl, lrl_train=train, lang="fa", own_train=hrl)


@pytest.mark.parametrize(
    "kind",
    [
        "p1",
        "mask",
        "random-entity",
        "mask-or-random",
        "type-swap",
        "names",
        "typos",
        "case",
        "concat",
    ],
)
def test_kinds_on_panx_fa(kind, ar_fa):
    test, res = ar_fa
    out = perturb(test, kind, seed=0, resources=res)
    assert len(out) == len(test)
    for p in out:
        assert len(p.sentence.tokens) == len(p.sentence.tags)
        assert iob2_problems(p.sentence.tags) == []


def test_p1_removes_mention_overlap(ar_fa):
    test, res = ar_fa
    before = overlap_stats(res.hrl_train, test)
    out = perturb(test, "p1", seed=0, resources=res)
    after = overlap_stats(res.hrl_train, [p.sentence for p in out])
    assert after.mentions_in_hrl <= before.mentions_in_hrl
    assert 0.0 <= before.word_type_overlap <= 1.0
