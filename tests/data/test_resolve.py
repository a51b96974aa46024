"""The dataset registry, the split policy and `load_split`/`list_local` on a small data dir."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from xner.data import policies
from xner.data.datasets import DATASETS, get_dataset, split_policy
from xner.data.policies import DEV_CAP, SPLITS, heldout_indices
from xner.data.records import sentence_id
from xner.data.resolve import list_local, load_split, load_split_with_report, local_languages
from xner.errors import DataFormatError, DataNotFoundError, OfflineError, XnerError

from .conftest import ARABIC, CYRILLIC, DEVANAGARI, LATIN, columns


def test_registry_entries_are_declared():
    assert set(DATASETS) == {"panx", "wikiann-rahimi", "wnut17", "ontonotes5"}
    for spec in DATASETS.values():
        assert spec.description and spec.schema and spec.hub is not None
        assert {rule.split for rule in spec.policy.rules} == set(SPLITS)
    assert get_dataset("wikiann") is DATASETS["panx"]
    assert get_dataset("WNUT") is DATASETS["wnut17"]


@pytest.mark.parametrize(
    ("n", "k"), [(0, 0), (1, 0), (2, 1), (30, 3), (100, 10), (5000, 500), (20000, DEV_CAP)]
)
def test_heldout_slice_size(n, k):
    indices = heldout_indices(n)
    assert len(indices) == k and list(indices) == sorted(set(indices))
    assert all(0 <= i < n for i in indices)


def test_heldout_slice_is_fixed():
    assert heldout_indices(20000) == heldout_indices(20000)
    assert heldout_indices(20000)[:3] == (7, 23, 36)  # pinned: changing it changes results


def test_panx_policy(data_root):
    train = load_split("panx", "xx", "train", data_dir=data_root)
    dev = load_split("panx", "xx", "dev", data_dir=data_root)
    held = heldout_indices(30)
    assert [s.id for s in dev] == [sentence_id("panx", "xx", "train", i) for i in held]
    assert len(train) == 27 and not {s.id for s in train} & {s.id for s in dev}
    assert sorted(s.id for s in train + dev) == [
        sentence_id("panx", "xx", "train", i) for i in range(30)
    ]
    assert {s.split for s in train} == {"train"} and {s.split for s in dev} == {"dev"}
    assert dev[0].tokens[0] == f"Nome{held[0]}"  # the id's index is the file index

    test = load_split("panx", "xx", "test", data_dir=data_root)
    assert [s.tokens for s in test] == [tuple(t) for t, _ in LATIN]
    assert test[0].id == "panx/xx/dev/000000" and test[0].split == "test"
    assert test[0].tags == tuple(LATIN[0][1])

    raw = load_split("panx", "xx", "unlabelled", data_dir=data_root)
    assert [s.tokens for s in raw] == [tuple(t) for t, _ in (*ARABIC, *DEVANAGARI, *CYRILLIC)]
    assert all(s.tags is None and s.split == "unlabelled" for s in raw)
    assert raw[2].id == "panx/xx/test/000002"


def test_alias_reads_the_same(data_root):
    assert load_split("wikiann", "xx", "test", data_dir=data_root) == load_split(
        "panx", "xx", "test", data_dir=data_root
    )


def test_split_policy_is_data():
    policy = split_policy("panx")
    rows = {rule.split: (rule.part, rule.take, rule.labelled) for rule in policy.rules}
    assert rows == {
        "train": ("train", "rest", True),
        "dev": ("train", "held-out", True),
        "test": ("dev", "all", True),
        "unlabelled": ("test", "all", False),
    }
    assert all(rule.note for rule in policy.rules)
    assert split_policy("wnut17").rule("dev").part == "dev"


def test_rahimi(data_root):
    train = load_split("wikiann-rahimi", "fr", "train", data_dir=data_root)
    dev = load_split("wikiann-rahimi", "fr", "dev", data_dir=data_root)
    assert (len(train), len(dev)) == (11, 1)
    assert train[0].tokens[0] == "Nome0" and train[0].lang == "fr"
    assert load_split("rahimi", "fr", "unlabelled", data_dir=data_root)[0].tags is None


def test_wnut17(data_root):
    train = load_split("wnut17", "en", "train", data_dir=data_root)
    assert [s.tokens for s in train] == [("@ana", "loves", "Zap", "Phone"), ("#", "in", "Vellora")]
    assert train[0].tags == ("O", "O", "B-product", "I-product")
    assert load_split("wnut17", "en", "test", data_dir=data_root)[0].tags == ("B-group", "O")
    assert load_split("wnut17", "en", "unlabelled", data_dir=data_root)[0].tags is None


def test_ontonotes_reads_the_fourth_column(data_root):
    dev = load_split("ontonotes5", "en", "dev", data_dir=data_root)
    assert [s.tags for s in dev] == [("B-PERSON", "I-PERSON", "O"), ("O", "B-DATE")]


def test_missing_local_file_offline_fails_fast_naming_the_file(data_root):
    start = time.perf_counter()
    with pytest.raises(OfflineError) as caught:
        load_split("ontonotes5", "en", "train", data_dir=data_root)
    assert str(data_root / "ontonotes5" / "onto.train.ner") in str(caught.value)
    with pytest.raises(OfflineError, match=r"panx/train-br\.tsv"):
        load_split("panx", "br", "dev", data_dir=data_root)
    assert time.perf_counter() - start < 1.0


def test_missing_without_hub_is_data_not_found(data_root, monkeypatch):
    spec = DATASETS["wnut17"]
    DATASETS.register("wnut17", type(spec)(**{**_fields(spec), "hub": None}), replace=True)
    try:
        (data_root / "wnut17" / "emerging.dev.conll").unlink()
        with pytest.raises(DataNotFoundError, match=r"emerging\.dev\.conll.*XNER_DATA_DIR"):
            load_split("wnut17", "en", "dev", data_dir=data_root)
    finally:
        DATASETS.register("wnut17", spec, replace=True)


def _fields(spec):
    return {name: getattr(spec, name) for name in spec.__dataclass_fields__}


@pytest.mark.parametrize(
    ("args", "error", "fragment"),
    [
        (("nope", "en", "train"), DataNotFoundError, "known datasets: panx (wikiann"),
        (("panx", "xx", "validation"), XnerError, "'validation' is called 'dev'"),
        (("wnut17", "fr", "train"), DataNotFoundError, "has no language 'fr'"),
        (("panx", "../x", "train"), XnerError, "not valid"),
    ],
)
def test_bad_requests(data_root, args, error, fragment):
    with pytest.raises(error) as caught:
        load_split(*args, data_dir=data_root)
    assert fragment in str(caught.value)


def test_limit(data_root):
    assert len(load_split("panx", "xx", "train", data_dir=data_root, limit=5)) == 5
    assert len(load_split("panx", "xx", "dev", data_dir=data_root, limit=1)) == 1
    with pytest.raises(XnerError, match="limit"):
        load_split("panx", "xx", "train", data_dir=data_root, limit=-1)


def test_repair_through_load_split(data_root):
    (data_root / "panx" / "dev-ww.tsv").write_text("Ana\tI-PER\nLopa\tI-PER\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"dev-ww\.tsv, line 1: I-PER at the start"):
        load_split("panx", "ww", "test", data_dir=data_root)
    sentences, report = load_split_with_report(
        "panx", "ww", "test", data_dir=data_root, repair=True
    )
    assert sentences[0].tags == ("B-PER", "I-PER") and report.repaired == 1


def test_schema_is_enforced(data_root):
    (data_root / "panx" / "dev-ww.tsv").write_text("Ana\tB-person\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"line 1: unknown tag 'B-person'.*'wikiann'"):
        load_split("panx", "ww", "test", data_dir=data_root)


def test_edited_file_is_read_again(data_root):
    path = data_root / "panx" / "dev-xx.tsv"
    assert len(load_split("panx", "xx", "test", data_dir=data_root)) == 2
    path.write_text(columns(LATIN[:1]) + "\n\n" + columns(CYRILLIC) + "\n\nx\tO\n", "utf-8")
    assert len(load_split("panx", "xx", "test", data_dir=data_root)) == 3


def test_default_data_dir_comes_from_the_environment(data_root, monkeypatch):
    monkeypatch.setenv("XNER_DATA_DIR", str(data_root))
    assert len(load_split("panx", "xx", "test")) == 2
    assert local_languages("panx") == ["xx", "yy"]


def test_list_local_counts_match_load_split(data_root):
    found = list_local(data_root)
    keys = {(e.dataset, e.lang, e.split) for e in found}
    assert ("panx", "yy", "train") in keys and ("panx", "yy", "test") not in keys
    yy_dev = next(e for e in found if (e.dataset, e.lang, e.split) == ("panx", "yy", "dev"))
    assert yy_dev.sentences == 0  # one train sentence: nothing to hold out
    assert ("ontonotes5", "en", "train") not in keys and ("ontonotes5", "en", "dev") in keys
    assert len(found) == 4 + 2 + 4 + 4 + 3
    for entry in found:
        sentences = load_split(entry.dataset, entry.lang, entry.split, data_dir=data_root)
        assert entry.sentences == len(sentences), entry
        assert all((s.tags is not None) == entry.labelled for s in sentences)
        assert entry.path.startswith(str(data_root)) and entry.note


def test_list_local_of_an_empty_directory(tmp_path):
    assert list_local(tmp_path) == []


# ---------------------------------------------------------------------------
# The paper's pooled split


def _rahimi_pool(data_root):
    """fr with an `extra` part: 12 train + 2 dev + 1 test + 5 extra = 20 labelled."""
    from .conftest import make_train

    path = data_root / "wikiann-rahimi/fr/extra.txt"
    path.write_text(columns(make_train(5), prefix="fr:"), encoding="utf-8")
    return data_root


@pytest.mark.parametrize("policy", ["paper", "paper-dedup"])
def test_paper_policy_pools_every_labelled_part(data_root, policy):
    from xner.data.policies import PAPER_TEST_FRACTION
    from xner.data.resolve import pooled_splits

    root = _rahimi_pool(data_root)
    pooled = pooled_splits(f"wikiann-rahimi@{policy}", "fr", data_dir=root)
    assert pooled.pooled == 20 and pooled.kept == 20
    split = {name: load_split(f"rahimi@{policy}", "fr", name, data_dir=root) for name in SPLITS}
    assert len(split["test"]) + pooled.dropped == round(20 * PAPER_TEST_FRACTION)
    assert len(split["dev"]) == 2 and len(split["train"]) == 14
    ids = [s.id for name in ("train", "dev", "test") for s in split[name]]
    assert len(set(ids)) == len(ids)  # no sentence in two splits
    parts = {sid.split("/")[2] for sid in ids}
    assert {"train", "dev", "extra"} <= parts  # ids keep the file each sentence comes from
    assert all(s.split == name for name in SPLITS for s in split[name])
    # Rahimi files have no unlabelled part: the train split's tokens, never a test sentence
    assert [s.tokens for s in split["unlabelled"]] == [s.tokens for s in split["train"]]
    assert all(s.tags is None for s in split["unlabelled"])


def test_paper_policy_is_seeded_and_capped(data_root, monkeypatch):
    import xner.data.resolve as resolve

    first = [s.id for s in load_split("panx@paper", "xx", "test", data_dir=data_root)]
    resolve._pooled.cache_clear()
    assert [s.id for s in load_split("panx@paper", "xx", "test", data_dir=data_root)] == first
    # PAN-X pools train + dev (its test file has no labels) and keeps that file unlabelled
    pooled = resolve.pooled_splits("panx@paper", "xx", data_dir=data_root)
    assert pooled.pooled == 30 + len(LATIN)
    assert [s.id for s in pooled.unlabelled][:1] == ["panx/xx/test/000000"]
    capped = replace(policies.PAPER_POLICY, pool=replace(policies.PAPER_POLICY.pool, cap=10))
    policies.POLICIES.register("paper", capped, replace=True)
    try:
        resolve._pooled.cache_clear()
        small = resolve.pooled_splits("panx@paper", "xx", data_dir=data_root)
        assert small.kept == 10 and len(small.test) == 2
    finally:
        policies.POLICIES.register("paper", policies.PAPER_POLICY, replace=True)
        resolve._pooled.cache_clear()


def test_paper_dedup_drops_test_repeats_of_train(data_root):
    from xner.data.resolve import pooled_splits

    sentence = (["Ana", "Lopa", "vive"], ["B-PER", "I-PER", "O"])
    path = data_root / "wikiann-rahimi/zz"
    path.mkdir()
    for part in ("train", "dev", "test"):
        (path / f"{part}.txt").write_text(columns([sentence] * 10, prefix="zz:"), "utf-8")
    kept = pooled_splits("wikiann-rahimi@paper", "zz", data_dir=data_root)
    assert kept.test_duplicates == len(kept.test) == 6 and kept.dropped == 0
    deduped = pooled_splits("wikiann-rahimi@paper-dedup", "zz", data_dir=data_root)
    assert deduped.test == () and deduped.dropped == 6


def test_policies_are_named_on_the_dataset(data_root):
    from xner.data.datasets import policy_of, with_policy

    assert with_policy("panx", "paper") == "panx@paper"
    assert with_policy("panx@paper", "xtreme") == with_policy("panx", None) == "panx"
    assert policy_of("panx@paper-dedup") == "paper-dedup" and policy_of("panx") == "xtreme"
    with pytest.raises(XnerError, match="cannot be read under split policy 'paper'"):
        get_dataset("wnut17@paper")
    with pytest.raises(XnerError, match="'papr'; its policies: xtreme, paper, paper-dedup"):
        with_policy("panx", "papr")
