"""Shared fixtures: handmade files in several scripts, and a miniature data directory.

Every sentence here is invented for the tests; nothing is copied from the real data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from xner import hubprobe
from xner.data import resolve

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"

Labelled = Sequence[tuple[Sequence[str], Sequence[str]]]

# (tokens, tags) in Latin, Arabic, Devanagari and Cyrillic script.
LATIN = [
    (["Ana", "Lopa", "visita", "Vellora", "."], ["B-PER", "I-PER", "O", "B-LOC", "O"]),
    (["''", "Orvo", "Banco", "''"], ["O", "B-ORG", "I-ORG", "O"]),
]
ARABIC = [(["زار", "كريم", "مدينة", "تامبا"], ["O", "B-PER", "O", "B-LOC"])]
DEVANAGARI = [(["रवि", "कुमार", "नवपुर", "गए"], ["B-PER", "I-PER", "B-LOC", "O"])]
CYRILLIC = [(["Олег", "работает", "в", "Зарбанк"], ["B-PER", "O", "O", "B-ORG"])]
ALL_SCRIPTS = [*LATIN, *ARABIC, *DEVANAGARI, *CYRILLIC]


def columns(
    sentences: Labelled,
    *,
    prefix: str = "",
    labelled: bool = True,
    separator: str = "",
    extra: Sequence[str] = (),
) -> str:
    """Token-per-line text: `prefix+token[<TAB>extra...]<TAB>tag`, blank-line separated."""
    blocks = []
    for tokens, tags in sentences:
        lines = []
        for token, tag in zip(tokens, tags, strict=True):
            fields = [prefix + token, *extra] + ([tag] if labelled else [])
            lines.append("\t".join(fields))
        blocks.append("\n".join(lines))
    return f"\n{separator}\n".join(blocks)


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write text (UTF-8) or bytes to a file under tmp_path and return its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write


@pytest.fixture(autouse=True)
def _offline_and_fresh(monkeypatch: pytest.MonkeyPatch):
    """Tests never wait on the network: the hub is off unless a test turns it on."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    hubprobe.reset_probe()
    resolve.clear_cache()
    yield
    hubprobe.reset_probe()
    resolve.clear_cache()


def make_train(n: int) -> list[tuple[list[str], list[str]]]:
    """`n` distinct invented sentences (token i names the sentence)."""
    return [([f"Nome{i}", "vive", "em", "Lugar"], ["B-PER", "O", "O", "B-LOC"]) for i in range(n)]


@pytest.fixture
def data_root(tmp_path: Path) -> Path:
    """A data directory laid out like ../shared/data, with invented content.

    panx: `xx` (train 30, dev 2, test 3 unlabelled) and `yy` (train only);
    wikiann-rahimi: `fr`; wnut17 and ontonotes5 (dev and test only).
    """
    root = tmp_path / "data"
    files = {
        "panx/train-xx.tsv": columns(make_train(30)),
        "panx/dev-xx.tsv": columns(LATIN),
        "panx/test-xx.tsv": columns([*ARABIC, *DEVANAGARI, *CYRILLIC], labelled=False),
        "panx/train-yy.tsv": columns(CYRILLIC),
        "wikiann-rahimi/fr/train.txt": columns(make_train(12), prefix="fr:"),
        "wikiann-rahimi/fr/dev.txt": columns(LATIN, prefix="fr:"),
        "wikiann-rahimi/fr/test.txt": columns(LATIN[:1], prefix="fr:"),
        # WNUT-17's train file separates sentences with tab-only lines
        "wnut17/wnut17train.conll": columns(
            [
                (["@ana", "loves", "Zap", "Phone"], ["O", "O", "B-product", "I-product"]),
                (["#", "in", "Vellora"], ["O", "O", "B-location"]),
            ],
            separator="\t",
        )
        + "\n",
        "wnut17/emerging.dev.conll": columns([(["see", "Ana"], ["O", "B-person"])]) + "\n",
        "wnut17/emerging.test.annotated": columns([(["Orvo", "rocks"], ["B-group", "O"])]) + "\n",
        # OntoNotes: word POS parse tag, leading and doubled blank lines
        "ontonotes5/onto.development.ner": "\n"
        + columns(
            [
                (["Ana", "Lopa", "spoke"], ["B-PERSON", "I-PERSON", "O"]),
                (["on", "Monday"], ["O", "B-DATE"]),
            ],
            extra=("NNP", "*"),
            separator="\n",
        )
        + "\n",
        "ontonotes5/onto.test.ner": columns(
            [(["in", "Vellora"], ["O", "B-GPE"])], extra=("NNP", "*")
        ),
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def shared_data() -> Path:
    """The real data directory beside the checkout; integration tests skip without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared data directory {SHARED_DATA} is absent on this machine")
    return SHARED_DATA
