"""The run-folder tests build tiny checkpoints: their backbone cache goes to a temporary
folder shared by the session, never the user's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XNER_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
        yield
