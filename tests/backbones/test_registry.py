from __future__ import annotations

import time
from pathlib import Path

import pytest

from xner.backbones import BACKBONES, UnknownBackboneError, backbone_path, get_backbone, hub
from xner.errors import OfflineError
from xner.hubprobe import OFFLINE_ENV


def test_registry_declares_the_papers_encoders_and_the_offline_ones() -> None:
    assert get_backbone("xlm-roberta-base").hub_id == "FacebookAI/xlm-roberta-base"
    assert get_backbone("bert-base-multilingual-cased").hub_id.endswith(
        "bert-base-multilingual-cased"
    )
    assert get_backbone("multilingual-e5-small").offline
    assert get_backbone("tiny").offline
    for spec in BACKBONES.values():
        facts = spec.describe()
        assert facts["name"] == spec.name and len(facts["description"]) > 20
        assert (spec.hub_id is not None) != (spec.builder is not None)


def test_unknown_names_are_hub_ids_and_paths_are_local(tmp_path: Path) -> None:
    spec = get_backbone("someone/some-model")
    assert (spec.source, spec.hub_id, spec.registered) == ("hub", "someone/some-model", False)
    (tmp_path / "config.json").write_text("{}")
    local = get_backbone(tmp_path)
    assert local.source == "local" and local.local_path == tmp_path and local.offline
    assert backbone_path(str(tmp_path)) == tmp_path


def test_a_directory_without_config_says_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(UnknownBackboneError, match=r"no config\.json.*tiny"):
        get_backbone(tmp_path)


def test_a_missing_path_is_not_taken_for_a_hub_id(tmp_path: Path) -> None:
    message = r"unknown backbone '.*model'; known: xlm-roberta-base, .*tiny \(nor"
    with pytest.raises(UnknownBackboneError, match=message):
        get_backbone(str(tmp_path / "nowhere" / "model"))


def test_hub_backbone_with_forced_offline_fails_fast_naming_the_alternative(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(hub, "cached_snapshot", lambda hub_id: None)  # nothing cached
    with pytest.raises(OfflineError, match="multilingual-e5-small") as caught:
        backbone_path("xlm-roberta-base")
    assert "HF_HUB_OFFLINE" in str(caught.value)


def test_unreachable_hub_fails_within_the_probe_time(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in OFFLINE_ENV:  # every switch the shared probe reads
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(hub, "cached_snapshot", lambda hub_id: None)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: refused at once
    start = time.perf_counter()
    with pytest.raises(OfflineError, match=r"no connection to 127\.0\.0\.1:9"):
        backbone_path("bert-base-multilingual-cased")
    assert time.perf_counter() - start < hub.PROBE_TIMEOUT_S + 1.5


def test_a_cached_snapshot_is_used_when_offline(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    snapshot = tmp_path / "snap"
    monkeypatch.setattr(hub, "cached_snapshot", lambda hub_id: snapshot)
    assert backbone_path("xlm-roberta-base") == snapshot
