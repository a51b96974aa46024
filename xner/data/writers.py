"""Write sentences as `token<TAB>tag` columns or JSON lines, atomically.

Both formats read back with `xner.data.readers` (`read_panx` / `read_jsonl`) to the
same tokens and tags.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from xner import atomic
from xner.data.records import Sentence


def write_atomically(path: str | Path, lines: Iterable[str]) -> None:
    """Write beside the target, then rename: a reader never sees half a file."""
    atomic.write_text(path, "".join(lines))


def _check_token(sentence: Sentence, token: str) -> None:
    # A tab or newline inside a token would change the file's sentence boundaries.
    if not token or any(c in token for c in "\t\n\r"):
        raise ValueError(
            f"sentence {sentence.id}: token {token!r} is empty or holds a tab or newline; "
            "write it as JSON lines instead"
        )


def write_columns(sentences: Iterable[Sentence], path: str | Path) -> None:
    """`token<TAB>tag` lines (the token alone when unlabelled), blank-line separated."""

    def lines() -> Iterator[str]:
        for index, sentence in enumerate(sentences):
            if index:
                yield "\n"
            tags = sentence.tags
            for position, token in enumerate(sentence.tokens):
                _check_token(sentence, token)
                yield f"{token}\n" if tags is None else f"{token}\t{tags[position]}\n"

    write_atomically(path, lines())


def write_jsonl(sentences: Iterable[Sentence], path: str | Path) -> None:
    """One `{"id", "tokens", "tags"}` object per line (`tags` left out when unlabelled)."""

    def record(sentence: Sentence) -> str:
        row: dict[str, object] = {"id": sentence.id, "tokens": list(sentence.tokens)}
        if sentence.tags is not None:
            row["tags"] = list(sentence.tags)
        return json.dumps(row, ensure_ascii=False) + "\n"

    write_atomically(path, (record(sentence) for sentence in sentences))
