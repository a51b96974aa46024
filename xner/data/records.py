"""The sentence record: the currency every other module passes around."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


def content_hash(tokens: tuple[str, ...], tags: tuple[str, ...] | None) -> str:
    """A short, stable digest of a sentence's tokens and tags.

    Stored beside predictions instead of the text, so results can be matched back
    to sentences without shipping the data.
    """
    digest = hashlib.blake2b(digest_size=8)
    digest.update("\x1f".join(tokens).encode("utf-8"))
    digest.update(b"\x1e")
    if tags is not None:
        digest.update("\x1f".join(tags).encode("utf-8"))
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Sentence:
    """One tokenised sentence with IOB2 tags, or `tags=None` for unlabelled text.

    `id` is stable across runs (`dataset/lang/split/index`); `hash` changes whenever
    the tokens or tags change (a perturbed sentence keeps its id, gets a new hash).
    """

    id: str
    tokens: tuple[str, ...]
    tags: tuple[str, ...] | None
    lang: str
    dataset: str
    split: str
    hash: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.tokens, tuple):
            object.__setattr__(self, "tokens", tuple(self.tokens))
        if self.tags is not None and not isinstance(self.tags, tuple):
            object.__setattr__(self, "tags", tuple(self.tags))
        if self.tags is not None and len(self.tags) != len(self.tokens):
            raise ValueError(
                f"sentence {self.id}: {len(self.tokens)} tokens but {len(self.tags)} tags"
            )
        if not self.hash:
            object.__setattr__(self, "hash", content_hash(self.tokens, self.tags))

    @property
    def labelled(self) -> bool:
        return self.tags is not None

    def __len__(self) -> int:
        return len(self.tokens)

    def with_content(
        self, tokens: tuple[str, ...] | list[str], tags: tuple[str, ...] | list[str] | None
    ) -> Sentence:
        """The same sentence (id, language, origin) with new tokens and tags."""
        return Sentence(
            id=self.id,
            tokens=tuple(tokens),
            tags=None if tags is None else tuple(tags),
            lang=self.lang,
            dataset=self.dataset,
            split=self.split,
        )


def sentence_id(dataset: str, lang: str, split: str, index: int) -> str:
    """The stable id of the `index`-th sentence of a split."""
    return f"{dataset}/{lang}/{split}/{index:06d}"
