"""Sentences -> model inputs: label ids, subword alignment, windows and length-bucketed batches.

Words are tokenized once with `is_split_into_words=True`; `word_ids()` groups the subword
ids by word. Only a word's first subword carries its label (the others and the special
tokens get -100, ignored by the loss). A sentence longer than the model's limit becomes
several windows cut at word boundaries: disjoint ones for training (each word labelled
once, none dropped), overlapping ones for prediction (see `xner.evaluate.predict`).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from xner.data.records import Sentence
from xner.data.schemas import get_schema
from xner.data.tags import OUTSIDE
from xner.errors import XnerError

IGNORE = -100  # the label id CrossEntropyLoss skips

# Position embeddings of RoBERTa-style models start after the padding index, so two of
# their `max_position_embeddings` slots can never hold a token.
_POSITION_OFFSET = {"roberta": 2, "xlm-roberta": 2, "camembert": 2, "xlm-roberta-xl": 2}


# ---------------------------------------------------------------------------
# Labels


@dataclass(frozen=True, slots=True)
class LabelSpace:
    """The tag set a model predicts: `O` first, then B-/I- per entity type."""

    labels: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.labels or self.labels[0] != OUTSIDE:
            raise XnerError(f"a label list must start with {OUTSIDE!r}; got {list(self.labels)}")
        if len(set(self.labels)) != len(self.labels):
            raise XnerError(f"the label list repeats a tag: {list(self.labels)}")

    @property
    def label2id(self) -> dict[str, int]:
        return {label: index for index, label in enumerate(self.labels)}

    @property
    def id2label(self) -> dict[int, str]:
        return dict(enumerate(self.labels))

    def __len__(self) -> int:
        return len(self.labels)

    def ids(self, tags: Sequence[str], where: str = "") -> list[int]:
        """Tag strings -> ids; an unknown tag names the sentence and the label list."""
        table = self.label2id
        try:
            return [table[tag] for tag in tags]
        except KeyError as error:
            raise XnerError(
                f"{where or 'sentence'}: tag {error.args[0]!r} is not in the label list "
                f"{list(self.labels)}; map the data onto this schema first "
                "(xner.data.schemas) or train with a schema that has it"
            ) from None

    @classmethod
    def from_schema(cls, schema: str) -> LabelSpace:
        """The labels of a declared schema (`wikiann`: O, B-PER, I-PER, B-ORG, ...)."""
        return cls(get_schema(schema).tags)

    @classmethod
    def from_sentences(cls, sentences: Sequence[Sentence], schema: str | None = None) -> LabelSpace:
        """The schema's labels when given (checked against the data), else the tags
        seen in the data in schema order: O, then B-/I- per type sorted by name."""
        if schema is not None:
            space = cls.from_schema(schema)
            for sentence in sentences:
                if sentence.tags is not None:
                    space.ids(sentence.tags, sentence.id)
            return space
        types = sorted({t[2:] for s in sentences for t in (s.tags or ()) if t != OUTSIDE})
        return cls((OUTSIDE, *(f"{p}-{t}" for t in types for p in ("B", "I"))))


# ---------------------------------------------------------------------------
# Tokenization and alignment


def max_tokens(model: PreTrainedModel | None, tokenizer: PreTrainedTokenizerBase) -> int:
    """How many tokens (specials included) one input may hold for this model."""
    limits = []
    if model is not None:
        positions = getattr(model.config, "max_position_embeddings", None)
        if positions:
            limits.append(positions - _POSITION_OFFSET.get(model.config.model_type, 0))
    # Tokenizers without a limit report a huge sentinel (1e30).
    if 0 < tokenizer.model_max_length < 1_000_000:
        limits.append(int(tokenizer.model_max_length))
    return min(limits) if limits else 512


def word_pieces(
    tokenizer: PreTrainedTokenizerBase, sentences: Sequence[Sequence[str]]
) -> list[list[list[int]]]:
    """Per sentence, per word, the subword ids (no special tokens), via `word_ids()`.

    A word the tokenizer drops entirely (e.g. a lone zero-width character) becomes one
    `<unk>` piece, so every word still has a first subword to label and predict.
    """
    if not tokenizer.is_fast:
        raise XnerError("label alignment needs a fast tokenizer (word_ids()); use one")
    if not sentences:
        return []
    encoded = tokenizer(
        [list(words) for words in sentences],
        is_split_into_words=True,
        add_special_tokens=False,
        truncation=False,
        verbose=False,  # long sentences are windowed below, not truncated
    )
    unk = tokenizer.unk_token_id if tokenizer.unk_token_id is not None else 0
    result: list[list[list[int]]] = []
    for index, words in enumerate(sentences):
        pieces: list[list[int]] = [[] for _ in words]
        for token_id, word in zip(
            encoded["input_ids"][index], encoded.word_ids(index), strict=True
        ):
            if word is not None:
                pieces[word].append(token_id)
        result.append([p if p else [unk] for p in pieces])
    return result


@dataclass(frozen=True, slots=True)
class Window:
    """Words `start:end` of sentence `sentence`, as one model input.

    `input_ids` includes the special tokens; `first` holds, per word of the window, the
    position of its first subword in `input_ids`; `labels` (training only) holds the
    label id at each first subword and -100 elsewhere.
    """

    sentence: int
    start: int
    end: int
    input_ids: tuple[int, ...]
    first: tuple[int, ...]
    labels: tuple[int, ...] | None = None

    def __len__(self) -> int:
        return len(self.input_ids)


def special_tokens(tokenizer: PreTrainedTokenizerBase) -> tuple[list[int], list[int]]:
    """The special ids a single-sequence input starts and ends with (e.g. <s> ... </s>),
    read off a probe encoding (transformers 5 tokenizers have no build_inputs_with_...)."""
    probe = tokenizer(["a"], is_split_into_words=True, add_special_tokens=True)
    ids, words = probe["input_ids"], probe.word_ids()
    content = [i for i, w in enumerate(words) if w is not None]
    return ids[: content[0]], ids[content[-1] + 1 :]


def _window_input(
    specials: tuple[list[int], list[int]], pieces: Sequence[Sequence[int]], budget: int
) -> tuple[list[int], list[int]]:
    prefix, suffix = specials
    content: list[int] = []
    first: list[int] = []
    for word in pieces:
        first.append(len(prefix) + len(content))
        # A single word longer than the whole budget keeps its first pieces: only the
        # first subword is ever labelled or read.
        content.extend(word[: max(1, budget - len(content))])
    return [*prefix, *content, *suffix], first


def spans_by_budget(sizes: Sequence[int], budget: int, context: int = 0) -> list[tuple[int, int]]:
    """Word ranges `(start, end)` whose piece counts sum to at most `budget` each.

    With `context=0` the ranges are disjoint and cover every word once (training).
    With `context>0` each next range starts early enough to repeat about `context`
    pieces of the previous one, so every word is also seen away from a window edge.
    A word bigger than `budget` gets a range of its own.
    """
    n = len(sizes)
    ranges: list[tuple[int, int]] = []
    start = 0
    while start < n:
        end, total = start, 0
        while end < n and (end == start or total + sizes[end] <= budget):
            total += min(sizes[end], budget)
            end += 1
        ranges.append((start, end))
        if end >= n:
            break
        next_start, overlap = end, 0
        while next_start - 1 > start and overlap + sizes[next_start - 1] <= context:
            next_start -= 1
            overlap += sizes[next_start]
        start = next_start
    return ranges


def encode(
    sentences: Sequence[Sentence],
    tokenizer: PreTrainedTokenizerBase,
    *,
    max_length: int,
    labels: LabelSpace | None = None,
    context: int = 0,
) -> list[Window]:
    """Windows for `sentences`: one per sentence when it fits in `max_length` tokens.

    With `labels`, each window carries label ids (first subword) for training; the
    sentences must then be labelled. `context` > 0 makes overlapping windows (prediction).
    """
    specials = special_tokens(tokenizer)
    budget = max_length - len(specials[0]) - len(specials[1])
    if budget < 1:
        raise XnerError(f"max_length {max_length} leaves no room for tokens; raise it")
    all_pieces = word_pieces(tokenizer, [s.tokens for s in sentences])
    windows: list[Window] = []
    for index, (sentence, pieces) in enumerate(zip(sentences, all_pieces, strict=True)):
        tag_ids: list[int] | None = None
        if labels is not None:
            if sentence.tags is None:
                raise XnerError(f"sentence {sentence.id} has no tags; training needs labels")
            tag_ids = labels.ids(sentence.tags, sentence.id)
        sizes = [len(p) for p in pieces]
        for start, end in spans_by_budget(sizes, budget, context) if pieces else [(0, 0)]:
            ids, first = _window_input(specials, pieces[start:end], budget)
            window_labels = None
            if tag_ids is not None:
                row = [IGNORE] * len(ids)
                for position, tag in zip(first, tag_ids[start:end], strict=True):
                    row[position] = tag
                window_labels = tuple(row)
            windows.append(Window(index, start, end, tuple(ids), tuple(first), window_labels))
    return windows


# ---------------------------------------------------------------------------
# Batches


def bucket_batches(
    lengths: Sequence[int],
    batch_size: int,
    *,
    seed: int | None = None,
    chunk_batches: int = 50,
) -> list[list[int]]:
    """Index batches of similar length, so little of each batch is padding.

    Training (`seed` given): shuffle, sort by length within chunks of `chunk_batches`
    batches, then shuffle the batch order: random yet length-homogeneous, and the same
    for the same seed. Inference (`seed=None`): one global sort, longest first.
    """
    if batch_size < 1:
        raise XnerError(f"batch_size must be at least 1, not {batch_size}")
    order = list(range(len(lengths)))
    if seed is None:
        order.sort(key=lambda i: -lengths[i])
        return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    rng = random.Random(seed)
    rng.shuffle(order)
    chunk = batch_size * max(1, chunk_batches)
    batches: list[list[int]] = []
    for offset in range(0, len(order), chunk):
        part = sorted(order[offset : offset + chunk], key=lambda i: lengths[i])
        batches.extend(part[i : i + batch_size] for i in range(0, len(part), batch_size))
    rng.shuffle(batches)
    return batches


def collate(
    windows: Sequence[Window], pad_id: int, *, with_labels: bool = True
) -> dict[str, torch.Tensor]:
    """Pad a batch to its own longest window (dynamic padding, not to the model limit)."""
    width = max(len(w) for w in windows)
    ids = torch.full((len(windows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(windows), width), dtype=torch.long)
    for row, window in enumerate(windows):
        ids[row, : len(window)] = torch.tensor(window.input_ids)
        mask[row, : len(window)] = 1
    batch = {"input_ids": ids, "attention_mask": mask}
    if with_labels:
        labels = torch.full((len(windows), width), IGNORE, dtype=torch.long)
        for row, window in enumerate(windows):
            if window.labels is None:
                raise XnerError("a training batch holds a window without labels")
            labels[row, : len(window)] = torch.tensor(window.labels)
        batch["labels"] = labels
    return batch


def iterate_batches(
    windows: Sequence[Window], batch_size: int, pad_id: int, *, seed: int | None
) -> Iterator[dict[str, torch.Tensor]]:
    """Padded, length-bucketed training batches (one epoch's worth for `seed`)."""
    for batch in bucket_batches([len(w) for w in windows], batch_size, seed=seed):
        yield collate([windows[i] for i in batch], pad_id)


# ---------------------------------------------------------------------------
# Packing: several sentences to a row


# Model families whose positions can be given per token (position_ids) and whose
# attention takes a (rows, 1, width, width) mask; XLM-R / RoBERTa count positions from
# pad_token_id + 1.
PACKABLE = {"bert": False, "xlm-roberta": True, "roberta": True}


def position_offset(config: Any) -> int:
    """The first position id of a sentence for a model `config`, or an error naming the
    model type when its attention cannot be packed."""
    kind = getattr(config, "model_type", "")
    if kind not in PACKABLE:
        raise XnerError(
            f"pack_tokens: a {kind or 'this'} model cannot be packed (supported: "
            f"{', '.join(PACKABLE)}); set pack_tokens to 0"
        )
    return int(config.pad_token_id) + 1 if PACKABLE[kind] else 0


def pack_rows(lengths: Sequence[int], width: int) -> list[list[int]]:
    """Item indices grouped into rows of at most `width` tokens (first fit, longest
    first; the order within a row is the batch order, so packing is deterministic)."""
    rows: list[list[int]] = []
    room: list[int] = []
    for index in sorted(range(len(lengths)), key=lambda i: (-lengths[i], i)):
        for row, left in enumerate(room):
            if lengths[index] <= left:
                rows[row].append(index)
                room[row] -= lengths[index]
                break
        else:
            rows.append([index])
            room.append(width - lengths[index])
    return [sorted(row) for row in rows]


def pack(
    batch: Mapping[str, torch.Tensor],
    lengths: Sequence[int],
    min_width: int,
    fills: Mapping[str, float | int | bool],
    first_position: int = 0,
) -> dict[str, torch.Tensor]:
    """A padded batch (`collate`'s: every tensor `items x width x ...`) repacked several
    items to a row of `max(min_width, longest item)` tokens. Each item attends only to
    itself (a block-diagonal `rows x 1 x width x width` mask) and its positions restart
    at `first_position`, so every token sees what it saw alone: the logits are the same
    as one item a row, the loss over the same labelled tokens the same, and short rows
    waste little on padding. A padding token attends to itself only (a row of nothing
    would give NaN). `fills` gives each tensor's padding value."""
    width = max(min_width, max(lengths))
    rows = pack_rows(lengths, width)
    segment = torch.full((len(rows), width), -1, dtype=torch.long)
    positions = torch.zeros((len(rows), width), dtype=torch.long)
    out: dict[str, torch.Tensor] = {}
    for name, tensor in batch.items():
        if name == "attention_mask":
            continue
        shape = (len(rows), width, *tensor.shape[2:])
        out[name] = torch.full(shape, fills[name], dtype=tensor.dtype)
    for row, items in enumerate(rows):
        offset = 0
        for item in items:
            n = lengths[item]
            for name in out:
                out[name][row, offset : offset + n] = batch[name][item, :n]
            segment[row, offset : offset + n] = item
            positions[row, offset : offset + n] = torch.arange(n) + first_position
            offset += n
    padding = segment < 0
    # unique negative ids: each padding token is a segment of its own
    segment[padding] = -1 - torch.arange(int(padding.sum()))
    out["attention_mask"] = (segment[:, :, None] == segment[:, None, :])[:, None]
    out["position_ids"] = positions
    return out
