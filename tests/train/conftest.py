"""Fixtures: a made-up PAN-X data directory, a throwaway cache and models directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from xner.config import CACHE_DIR_ENV, DATA_DIR_ENV, MODELS_DIR_ENV

# Invented sentences (Latin and Arabic script), nothing from the real data.
LATIN = [
    (["Ana", "Lopa", "visita", "Vellora", "."], ["B-PER", "I-PER", "O", "B-LOC", "O"]),
    (["Orvo", "Banco", "abre", "en", "Tamsa"], ["B-ORG", "I-ORG", "O", "O", "B-LOC"]),
    (["Mira", "Kelo", "trabaja", "para", "Zetacorp"], ["B-PER", "I-PER", "O", "O", "B-ORG"]),
    (["La", "ciudad", "de", "Brenn", "crece"], ["O", "O", "O", "B-LOC", "O"]),
]
ARABIC = [
    (["زار", "كريم", "مدينة", "تامبا"], ["O", "B-PER", "O", "B-LOC"]),
    (["شركة", "نورا", "للنفط", "في", "زهران"], ["B-ORG", "I-ORG", "I-ORG", "O", "B-LOC"]),
    (["قال", "سامي", "فارس", "اليوم"], ["O", "B-PER", "I-PER", "O"]),
]


def panx_text(sentences: list[tuple[list[str], list[str]]], copies: int) -> str:
    blocks = []
    for round_ in range(copies):
        for tokens, tags in sentences:
            # Vary one token per copy so sentences (and their hashes) differ.
            tokens = [*tokens[:-1], f"{tokens[-1]}{round_ % 3 or ''}"]
            blocks.append("\n".join(f"{t}\t{g}" for t, g in zip(tokens, tags, strict=True)))
    return "\n\n".join(blocks) + "\n"


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    panx = root / "panx"
    panx.mkdir()
    for lang, sentences in (("es", LATIN), ("ar", ARABIC)):
        (panx / f"train-{lang}.tsv").write_text(panx_text(sentences, 6), encoding="utf-8")
        (panx / f"dev-{lang}.tsv").write_text(panx_text(sentences, 2), encoding="utf-8")
        # The test part is the unlabelled text (adapted-transfer, self-training).
        (panx / f"test-{lang}.tsv").write_text(panx_text(sentences, 4), encoding="utf-8")
    return root


# Module scope: the environment must not leak into other test modules.
@pytest.fixture(scope="module")
def env(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """XNER_DATA_DIR, XNER_CACHE_DIR and XNER_MODELS_DIR pointing at temp folders."""
    paths = {
        "data": data_dir,
        "cache": tmp_path_factory.mktemp("cache"),
        "models": tmp_path_factory.mktemp("models"),
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DATA_DIR_ENV, str(paths["data"]))
        patch.setenv(CACHE_DIR_ENV, str(paths["cache"]))
        patch.setenv(MODELS_DIR_ENV, str(paths["models"]))
        yield paths
