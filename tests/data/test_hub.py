"""Hub loaders: fast offline failure, and label conversion through ClassLabel features.

No test reaches the network: the probe is pointed at a closed local port or replaced.
"""

from __future__ import annotations

import socket
import time

import datasets
import pytest

from xner import hubprobe
from xner.data import hub
from xner.data.hub import HUB_SOURCES, HubSource, load_hub_part, sentences_from_rows, tag_names
from xner.data.readers import Origin
from xner.errors import DataFormatError, DataNotFoundError, OfflineError, XnerError

ORIGIN = Origin("panx", "br", "train", id_split="train")
FLAT = HUB_SOURCES["wikiann"]
NESTED = HUB_SOURCES["ontonotes5"]
# Deliberately not the usual order, so a hard-coded list would give wrong tags.
NAMES = ["O", "B-LOC", "I-LOC", "B-PER", "I-PER", "B-ORG", "I-ORG"]


def flat_dataset(tokens, ids) -> datasets.Dataset:
    features = datasets.Features(
        {
            "tokens": datasets.List(datasets.Value("string")),
            "ner_tags": datasets.List(datasets.ClassLabel(names=NAMES)),
        }
    )
    return datasets.Dataset.from_dict({"tokens": tokens, "ner_tags": ids}, features=features)


def nested_dataset() -> datasets.Dataset:
    names = ["O", "B-PERSON", "I-PERSON", "B-GPE", "I-GPE"]
    sentence = {
        "words": datasets.List(datasets.Value("string")),
        "named_entities": datasets.List(datasets.ClassLabel(names=names)),
    }
    features = datasets.Features(
        {"document_id": datasets.Value("string"), "sentences": datasets.List(sentence)}
    )
    docs = {
        "document_id": ["d1", "d2"],
        "sentences": [
            [
                {"words": ["Ana", "Lopa", "came"], "named_entities": [1, 2, 0]},
                {"words": [], "named_entities": []},
            ],
            [{"words": ["to", "Vellora"], "named_entities": [0, 3]}],
        ],
    }
    return datasets.Dataset.from_dict(docs, features=features)


def test_env_offline_fails_fast_and_names_the_local_file():
    start = time.perf_counter()
    with pytest.raises(OfflineError) as caught:
        load_hub_part(FLAT, "br", "train", origin=ORIGIN, local_hint="/data/panx/train-br.tsv")
    assert time.perf_counter() - start < 1.0
    message = str(caught.value)
    assert "/data/panx/train-br.tsv" in message and "HF_HUB_OFFLINE=1" in message
    assert "XNER_DATA_DIR" in message and "unimelb-nlp/wikiann/br/train" in message


def test_unreachable_endpoint_fails_within_the_probe_timeout(monkeypatch):
    for name in hubprobe.OFFLINE_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # discard port: closed
    start = time.perf_counter()
    with pytest.raises(OfflineError, match=r"no connection to 127\.0\.0\.1:9"):
        load_hub_part(FLAT, "br", "dev", origin=ORIGIN, local_hint="x")
    assert time.perf_counter() - start < hubprobe.PROBE_TIMEOUT_S + 1.0


def test_probe_is_bounded_even_when_connect_hangs(monkeypatch):
    def hang(*args, **kwargs):
        time.sleep(3)
        raise OSError("late")

    monkeypatch.setattr(socket, "create_connection", hang)
    start = time.perf_counter()
    assert hubprobe.probe_hub(timeout=0.2) is False
    assert time.perf_counter() - start < 1.0


def test_probe_answer_is_remembered(monkeypatch):
    calls = []

    def refuse(*args, **kwargs):
        calls.append(args)
        raise OSError("refused")

    monkeypatch.setattr(socket, "create_connection", refuse)
    assert hubprobe.probe_hub() is False and hubprobe.probe_hub() is False
    assert len(calls) == 1
    hubprobe.reset_probe()
    hubprobe.probe_hub()
    assert len(calls) == 2


def test_rows_become_sentences_through_class_labels():
    data = flat_dataset([["Ana", "in", "Vellora"], ["Orvo", "Banco"]], [[3, 0, 1], [5, 6]])
    names = tag_names(data.features, FLAT)
    assert names == NAMES
    sentences, report = sentences_from_rows(data, names, FLAT, origin=ORIGIN, where="hub:x")
    assert [s.tags for s in sentences] == [("B-PER", "O", "B-LOC"), ("B-ORG", "I-ORG")]
    assert sentences[1].id == "panx/br/train/000001"
    assert report.sentences == 2 and report.tokens == 5 and report.path == "hub:x"


def test_documents_are_flattened_and_empty_sentences_skipped():
    data = nested_dataset()
    names = tag_names(data.features, NESTED)
    sentences, _ = sentences_from_rows(data, names, NESTED, origin=ORIGIN, where="hub:onto")
    assert [s.tokens for s in sentences] == [("Ana", "Lopa", "came"), ("to", "Vellora")]
    assert sentences[1].tags == ("O", "B-GPE")


def test_unlabelled_rows_and_limit():
    data = flat_dataset([["a"], ["b"], ["c"]], [[0], [0], [0]])
    sentences, _ = sentences_from_rows(
        data, NAMES, FLAT, origin=ORIGIN, where="h", labelled=False, limit=2
    )
    assert [s.tags for s in sentences] == [None, None]


def test_stray_i_in_hub_rows_names_the_sentence():
    data = flat_dataset([["a"], ["b", "c"]], [[0], [0, 4]])
    with pytest.raises(DataFormatError, match=r"^hub:x: sentence 2, tag 2: I-PER after O"):
        sentences_from_rows(data, NAMES, FLAT, origin=ORIGIN, where="hub:x")
    fixed, report = sentences_from_rows(data, NAMES, FLAT, origin=ORIGIN, where="x", repair=True)
    assert fixed[1].tags == ("O", "B-PER") and report.repaired == 1


def test_features_without_class_labels_are_refused():
    features = datasets.Features(
        {
            "tokens": datasets.List(datasets.Value("string")),
            "tags": datasets.List(datasets.Value("int32")),
        }
    )
    with pytest.raises(XnerError, match="no field 'ner_tags'"):
        tag_names(features, FLAT)
    source = HubSource("x/y", "", None, tags_field="tags")
    with pytest.raises(XnerError, match="no ClassLabel names"):
        tag_names(features, source)


def test_unknown_language_or_part_needs_no_network():
    with pytest.raises(DataNotFoundError, match="has no language 'fr'"):
        load_hub_part(HUB_SOURCES["wnut17"], "fr", "train", origin=ORIGIN, local_hint="x")
    with pytest.raises(DataNotFoundError, match="no 'unlabelled' split"):
        load_hub_part(FLAT, "br", "unlabelled", origin=ORIGIN, local_hint="x")


def test_online_path_calls_load_dataset_with_the_declared_source(monkeypatch):
    calls = []

    def fake_load(repo, name=None, split=None, revision=None):
        calls.append((repo, name, split, revision))
        return flat_dataset([["Ana"]], [[3]])

    monkeypatch.setattr(hub, "offline_reason", lambda timeout=2.0: None)
    monkeypatch.setattr(datasets, "load_dataset", fake_load)
    sentences, report = load_hub_part(
        HUB_SOURCES["wnut17"], "en", "dev", origin=ORIGIN, local_hint="x", labelled=True
    )
    assert calls == [("leondz/wnut_17", "wnut_17", "validation", "refs/convert/parquet")]
    assert sentences[0].tags == ("B-PER",) and report.reader == "hub"


def test_load_failures_become_clear_errors(monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("BuilderConfig 'zz' not found")

    monkeypatch.setattr(hub, "offline_reason", lambda timeout=2.0: None)
    monkeypatch.setattr(datasets, "load_dataset", broken)
    with pytest.raises(DataNotFoundError, match=r"could not be loaded.*local file at /d/x"):
        load_hub_part(FLAT, "br", "train", origin=ORIGIN, local_hint="/d/x")


def test_wikiann_hub_languages_are_known_offline():
    languages = HUB_SOURCES["wikiann"].languages
    assert languages is not None and {"br", "sco", "cy", "ast", "en"} <= set(languages)
    with pytest.raises(DataNotFoundError, match=r"no language 'zz'; it has .*\(\d+ in all\)"):
        load_hub_part(FLAT, "zz", "train", origin=ORIGIN, local_hint="x")


def test_data_and_backbones_share_one_probe_and_one_set_of_switches(monkeypatch):
    """Any declared offline switch stops both the data loaders and the backbones."""
    from xner.backbones import hub as backbone_hub
    from xner.data import hub as data_hub

    for name in hubprobe.OFFLINE_ENV:
        for other in hubprobe.OFFLINE_ENV:
            monkeypatch.delenv(other, raising=False)
        monkeypatch.setenv(name, "1")
        assert data_hub.offline_reason() == backbone_hub.hub_unreachable_reason() == f"{name}=1"
        assert backbone_hub.hub_offline_forced()
