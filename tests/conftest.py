"""Shared fixtures: a made-up PAN-X directory and throwaway cache/models directories for
end-to-end runs on the tiny backbone (invented sentences, nothing from the real data)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from xner.config import CACHE_DIR_ENV, DATA_DIR_ENV, MODELS_DIR_ENV

# HRL "es" and LRL "gl": some entities shared (p1 has work to do), some not.
HRL = [
    (["Ana", "Lopa", "vive", "en", "Vellora"], ["B-PER", "I-PER", "O", "O", "B-LOC"]),
    (["Banco", "Orvo", "abre", "en", "Tamsa"], ["B-ORG", "I-ORG", "O", "O", "B-LOC"]),
    (["Mira", "trabaja", "para", "Zetacorp"], ["B-PER", "O", "O", "B-ORG"]),
]
LRL = [
    (["Ana", "Lopa", "mora", "en", "Brenn"], ["B-PER", "I-PER", "O", "O", "B-LOC"]),
    (["Xoan", "traballa", "para", "Zetacorp", "hoxe"], ["B-PER", "O", "O", "B-ORG", "O"]),
    (["A", "cidade", "de", "Tamsa", "medra"], ["O", "O", "O", "B-LOC", "O"]),
]


def panx_text(sentences: list[tuple[list[str], list[str]]], copies: int) -> str:
    blocks = []
    for copy in range(copies):
        for tokens, tags in sentences:
            tokens = [*tokens[:-1], f"{tokens[-1]}{copy % 4 or ''}"]  # distinct sentences
            blocks.append("\n".join(f"{t}\t{g}" for t, g in zip(tokens, tags, strict=True)))
    return "\n\n".join(blocks) + "\n"


# Module scope: the environment must not leak into other test modules, which read the
# real data directory.
@pytest.fixture(scope="module")
def pipeline_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """XNER_DATA_DIR (es and gl PAN-X files), XNER_CACHE_DIR and XNER_MODELS_DIR."""
    data = tmp_path_factory.mktemp("pipeline-data")
    panx = data / "panx"
    panx.mkdir()
    for lang, sentences in (("es", HRL), ("gl", LRL)):
        (panx / f"train-{lang}.tsv").write_text(panx_text(sentences, 8), encoding="utf-8")
        (panx / f"dev-{lang}.tsv").write_text(panx_text(sentences, 3), encoding="utf-8")
        tokens_only = "\n\n".join("\n".join(tokens) for tokens, _ in sentences) + "\n"
        (panx / f"test-{lang}.tsv").write_text(tokens_only, encoding="utf-8")
    paths = {
        "data": data,
        "cache": tmp_path_factory.mktemp("pipeline-cache"),
        "models": tmp_path_factory.mktemp("pipeline-models"),
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(DATA_DIR_ENV, str(paths["data"]))
        patch.setenv(CACHE_DIR_ENV, str(paths["cache"]))
        patch.setenv(MODELS_DIR_ENV, str(paths["models"]))
        yield paths
