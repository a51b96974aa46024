"""Integration: the real files in ../shared/data (skipped where that directory is absent)."""

from __future__ import annotations

import pytest

from xner.data.readers import read_conll, read_panx_with_report
from xner.data.resolve import list_local, load_split, load_split_with_report
from xner.data.tags import iob2_problems
from xner.errors import DataFormatError

from .conftest import SHARED_DATA

pytestmark = pytest.mark.integration

_PANX = "af ar az bg bn de el en es et eu fa fi fr gu he hi hu id it ja jv ka kk ko lt ml mr ms my"
_PANX += " nl pa pl pt qu ro ru sw ta te tl tr uk ur vi yo zh"
PANX_LANGUAGES = set(_PANX.split(" "))  # the README's list of 47
RAHIMI_LANGUAGES = {"fr", "sk", "br", "sco", "cy", "ca", "oc", "scn", "an", "ast"}  # its 10


@pytest.fixture(scope="module")
def entries():
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared data directory {SHARED_DATA} is absent on this machine")
    return list_local(SHARED_DATA)


# Speed is measured by benchmarks/data_speed.py, not asserted here (timings flake on a
# loaded machine).
def test_reading_all_of_panx_train_en(shared_data):
    sentences, report = read_panx_with_report(
        shared_data / "panx" / "train-en.tsv", schema="wikiann"
    )
    assert len(sentences) == 20000 and report.repaired == 0


def test_list_local_covers_everything(shared_data):
    found = list_local(shared_data)
    counts = {(e.dataset, e.lang, e.split): e.sentences for e in found}
    assert {lang for ds, lang, _ in counts if ds == "panx"} == PANX_LANGUAGES
    # sizes from the data README, through the split policy
    assert [counts["panx", "en", s] for s in ("train", "dev", "test", "unlabelled")] == [
        19000,
        1000,
        10000,
        10000,
    ]
    assert [counts["panx", "jv", s] for s in ("train", "dev", "test", "unlabelled")] == [
        90,
        10,
        100,
        100,
    ]
    assert [counts["wnut17", "en", s] for s in ("train", "dev", "test")] == [3394, 1009, 1287]
    assert [counts["ontonotes5", "en", s] for s in ("dev", "test")] == [15680, 12217]
    assert ("ontonotes5", "en", "train") not in counts
    assert {lang for ds, lang, _ in counts if ds == "wikiann-rahimi"} == RAHIMI_LANGUAGES


@pytest.mark.parametrize(
    ("dataset", "lang"),
    [("wnut17", "en"), ("ontonotes5", "en"), ("wikiann-rahimi", "sk"), ("panx", "kk")],
)
def test_counts_agree_with_loading(shared_data, entries, dataset, lang):
    for entry in entries:
        if (entry.dataset, entry.lang) == (dataset, lang):
            loaded = load_split(dataset, lang, entry.split, data_dir=shared_data)
            assert len(loaded) == entry.sentences, entry


def test_ontonotes_bio_is_valid_iob2_in_the_schema(shared_data):
    # OntoNotes is described as BIO; its files hold no stray I- (checked here)
    for split in ("dev", "test"):
        sentences, report = load_split_with_report("ontonotes5", "en", split, data_dir=shared_data)
        assert report.repaired == 0
        assert not any(iob2_problems(s.tags) for s in sentences[:2000])


def test_wnut_train_keeps_hash_tokens_and_tab_separators(shared_data):
    sentences = load_split("wnut17", "en", "train", data_dir=shared_data)
    assert len(sentences) == 3394
    assert any(token.startswith("#") for s in sentences for token in s.tokens)
    assert all(token.strip() for s in sentences for token in s.tokens)


def test_wnut_raw_multi_annotator_test_file_is_refused(shared_data):
    path = shared_data / "wnut17" / "emerging.test.conll"
    with pytest.raises(DataFormatError, match=r"emerging\.test\.conll, line \d+: unknown tag"):
        read_conll(path, delimiter="\t")


def test_panx_splits_and_ids(shared_data):
    dev = load_split("panx", "fa", "dev", data_dir=shared_data)
    train = load_split("panx", "fa", "train", data_dir=shared_data)
    assert len(dev) == 1000 and len(train) == 19000
    assert not {s.id for s in dev} & {s.id for s in train}
    assert all(s.id.startswith("panx/fa/train/") for s in dev)
    unlabelled = load_split("panx", "fa", "unlabelled", data_dir=shared_data, limit=50)
    assert len(unlabelled) == 50 and all(s.tags is None for s in unlabelled)


def test_rahimi_prefixes_are_stripped(shared_data):
    sentences = load_split("wikiann-rahimi", "fr", "test", data_dir=shared_data, limit=200)
    assert not any(token.startswith("fr:") for s in sentences for token in s.tokens)


@pytest.mark.parametrize("lang", ["zh", "ja"])
def test_panx_zh_ja_need_repair(shared_data, lang):
    # '#' tokens tagged O inside entities leave stray I- tags in these two languages
    with pytest.raises(DataFormatError, match=rf"dev-{lang}\.tsv, line \d+: I-"):
        load_split("panx", lang, "test", data_dir=shared_data)
    sentences, report = load_split_with_report(
        "panx", lang, "test", data_dir=shared_data, repair=True
    )
    assert report.repaired > 100 and not any(iob2_problems(s.tags) for s in sentences)
