"""The app's caches: on-disk results keyed by file signatures, and one tokenizer per
backbone folder per process."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from xner import diskcache
from xner.config import CACHE_DIR_ENV


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def touch_later(path: Path, text: str) -> None:
    """Rewrite `path` with a later mtime (a same-second rewrite must change the key too)."""
    path.write_text(text, encoding="utf-8")
    later = time.time_ns() + 10**9
    os.utime(path, ns=(later, later))


def test_a_cached_value_is_reused_across_calls_and_recomputed_when_its_file_changes(
    cache: Path, tmp_path: Path
) -> None:
    data = tmp_path / "train-xx.tsv"
    data.write_text("Ana\tB-PER\n", encoding="utf-8")
    calls: list[str] = []

    def compute() -> str:
        calls.append("x")
        return data.read_text(encoding="utf-8")

    def cached() -> str:
        return diskcache.disk_cached("test", diskcache.file_signature([data]), compute)

    assert cached() == "Ana\tB-PER\n" and cached() == "Ana\tB-PER\n"
    assert len(calls) == 1  # the second call read the disk entry
    assert list((cache / "app" / "test").glob("*.pickle"))
    touch_later(data, "Ana\tB-PER\nBrenn\tB-LOC\n")
    assert cached() == "Ana\tB-PER\nBrenn\tB-LOC\n" and len(calls) == 2


def test_a_missing_file_is_part_of_the_key(tmp_path: Path) -> None:
    path = tmp_path / "later.tsv"
    before = diskcache.file_signature([path])
    path.write_text("x\tO\n", encoding="utf-8")
    assert diskcache.file_signature([path]) != before


def test_an_unreadable_entry_is_recomputed_and_replaced(cache: Path) -> None:
    assert diskcache.disk_cached("test", "key", lambda: 1) == 1
    (entry,) = (cache / "app" / "test").glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    assert diskcache.disk_cached("test", "key", lambda: 2) == 2
    assert diskcache.disk_cached("test", "key", lambda: 3) == 2


def test_the_key_covers_xner_source(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = diskcache.entry_path("test", "key")
    monkeypatch.setattr(diskcache, "code_signature", lambda: (("xner/x.py", 1, 2),))
    assert diskcache.entry_path("test", "key") != first


def test_wikiann_files_are_those_of_the_languages(tmp_path: Path) -> None:
    for name in ("panx/train-fa.tsv", "panx/dev-ar.tsv", "panx/test-zh-yue.tsv"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("", encoding="utf-8")
    (tmp_path / "wikiann-rahimi" / "br").mkdir(parents=True)
    (tmp_path / "wikiann-rahimi" / "br" / "train.txt").write_text("", encoding="utf-8")
    names = {p.name for p in diskcache.wikiann_files(tmp_path, ("fa", "br", "zh-yue"))}
    assert names == {"train-fa.tsv", "test-zh-yue.tsv", "train.txt"}
    assert len(diskcache.wikiann_files(tmp_path)) == 4


def test_results_table_follows_a_changed_evaluation(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xner.analysis import table as xr

    runs = tmp_path / "models"
    (runs / "a" / "eval").mkdir(parents=True)
    (runs / "a" / "config.json").write_text("{}", encoding="utf-8")
    reads: list[str] = []
    monkeypatch.setattr(
        xr, "load_results_with_report", lambda d: reads.append(str(d)) or (len(reads), None)
    )
    first = diskcache.load_results_cached(runs, xr.results_signature(runs))
    assert diskcache.load_results_cached(runs, xr.results_signature(runs)) == first
    assert len(reads) == 1
    touch_later(runs / "a" / "eval" / "panx-gl-test__p1.json", "{}")
    assert diskcache.load_results_cached(runs, xr.results_signature(runs)) != first


def test_checkpoints_of_one_backbone_share_one_tokenizer(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xner.backbones import api

    monkeypatch.setattr(api, "_SHARED_TOKENIZERS", {})
    first = api.shared_tokenizer("tiny")
    assert api.shared_tokenizer("tiny") is first
    assert api.load_tokenizer("tiny") is not first  # training still gets its own
    folder = Path(api.backbone_path("tiny"))
    config = folder / "tokenizer_config.json"
    touch_later(config, config.read_text(encoding="utf-8"))  # a rebuilt backbone
    assert api.shared_tokenizer("tiny") is not first
