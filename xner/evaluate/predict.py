"""Batched inference: a predicted tag and a confidence for every word of every sentence.

Every forward pass has a fixed shape: windows are padded to a width that depends only on
their own length (the next multiple of `WIDTH_STEP`), grouped by that width, and run in
batches of exactly `batch_size` rows (the last one filled with repeats). The kernels
then compute each window the same way whatever else is in the batch, so a sentence's
prediction depends only on the sentence, bit for bit: a perturbed test set re-predicts
only the sentences the perturbation changed (`known`) and gets what predicting all of
them would give. A sentence longer than the model's limit is read in overlapping
windows; each word takes its prediction from the window in which it sits farthest from
a cut edge, so every word gets one and none is truncated.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from xner.data.records import Sentence
from xner.evaluate.engines import DEFAULT_ENGINE, Prepared, prepare
from xner.train.encode import LabelSpace, Window, encode, max_tokens
from xner.train.runtime import Runtime


@dataclass(frozen=True, slots=True)
class Prediction:
    """Per word of sentence `id` (content `hash`): tag, tag id and confidence.

    Confidence is the softmax probability of the chosen tag at the word's first subword.
    """

    id: str
    hash: str
    tags: tuple[str, ...]
    tag_ids: tuple[int, ...]
    confidence: tuple[float, ...]

    def __len__(self) -> int:
        return len(self.tags)


def model_labels(model: PreTrainedModel) -> LabelSpace:
    """The label list stored in the model's config (`id2label`)."""
    # transformers types `id2label` loosely (str keys, None); the loaded config always holds
    # an int-keyed dict (PretrainedConfig converts the keys and fills a default).
    id2label = cast("dict[int, str]", model.config.id2label)
    return LabelSpace(tuple(id2label[i] for i in range(len(id2label))))


def _edge_distance(word: int, window: Window, n_words: int) -> float:
    # A sentence boundary is not a cut: words there have full context on that side.
    left = word - window.start if window.start > 0 else math.inf
    right = window.end - 1 - word if window.end < n_words else math.inf
    return min(left, right)


WIDTH_STEP = 4  # windows are padded to a multiple of this many subwords
# `batch_size` counts windows of this many subwords: a forward holds about
# batch_size * BATCH_WIDTH subwords, so short windows go many to a batch, long ones few.
BATCH_WIDTH = 16


def padded_width(length: int, limit: int) -> int:
    """The width a window of `length` subwords is padded to: a function of it alone."""
    return min(max(limit, length), -(-length // WIDTH_STEP) * WIDTH_STEP)


def rows_for(width: int, tokens: int) -> int:
    """Rows per forward for windows of `width`: about `tokens` subwords in all."""
    return max(1, tokens // width)


def fixed_shape_batches(
    lengths: Sequence[int], tokens: int, limit: int
) -> list[tuple[int, int, list[int]]]:
    """`(width, rows, indices)` batches: windows of one padded width, widest first, in
    input order within a width, `rows_for(width)` per forward (the forward fills a short
    last batch with repeats)."""
    if tokens < 1:
        raise ValueError(f"a batch needs at least 1 token, not {tokens}")
    groups: dict[int, list[int]] = {}
    for index, length in enumerate(lengths):
        groups.setdefault(padded_width(length, limit), []).append(index)
    batches: list[tuple[int, int, list[int]]] = []
    for width in sorted(groups, reverse=True):
        members, rows = groups[width], rows_for(width, tokens)
        batches.extend(
            (width, rows, members[offset : offset + rows])
            for offset in range(0, len(members), rows)
        )
    return batches


@torch.inference_mode()
def window_logits(
    model: PreTrainedModel,
    windows: Sequence[Window],
    pad_id: int,
    batch_size: int,
    runtime: Runtime | None = None,
    limit: int | None = None,
    engine: str | Prepared = DEFAULT_ENGINE,
) -> list[torch.Tensor]:
    """Per window, the logits (words x labels) at each word's first subword, in fp32 on
    the CPU, each computed in a forward of fixed shape (see the module docstring).
    `runtime` (default: the model's device, fp32) sets the forward's precision; the model
    must already be on its device. `engine` (see `xner.evaluate.engines`) runs the
    forwards."""
    if not windows:
        return []  # nothing to run: no engine to prepare (an onnx export)
    runtime = runtime or Runtime.of(model)
    forward = prepare(engine, model, runtime).forward
    limit = limit or max((len(w) for w in windows), default=1)
    out: list[torch.Tensor | None] = [None] * len(windows)
    lengths = [len(w) for w in windows]
    for width, rows, batch in fixed_shape_batches(lengths, batch_size * BATCH_WIDTH, limit):
        filled = batch + [batch[-1]] * (rows - len(batch))
        ids = torch.full((rows, width), pad_id, dtype=torch.long)
        mask = torch.zeros((rows, width), dtype=torch.long)
        for row, index in enumerate(filled):
            window = windows[index]
            ids[row, : len(window)] = torch.tensor(window.input_ids)
            mask[row, : len(window)] = 1
        logits = forward(ids, mask)
        for row, index in enumerate(batch):
            out[index] = logits[row, list(windows[index].first)]
    return [t for t in out if t is not None]


def predict(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    sentences: Sequence[Sentence],
    *,
    labels: LabelSpace | None = None,
    batch_size: int = 32,
    max_length: int | None = None,
    context: int | None = None,
    runtime: Runtime | None = None,
    known: Mapping[tuple[str, str], Prediction] | None = None,
    engine: str | Prepared = DEFAULT_ENGINE,
) -> list[Prediction]:
    """Predictions for `sentences`, in their order.

    `max_length` (tokens per input, specials included) defaults to the model's limit;
    `context` (subwords shared by neighbouring windows) to a quarter of it; `runtime`
    (default: where the model is, fp32) to `window_logits`. `known` maps `(id, hash)` to
    predictions made before with the same model and settings: those sentences are not
    predicted again (the result is the same, see the module docstring). `engine`: a name
    in `xner.evaluate.engines.ENGINES` or one prepared for this model (to predict many
    test sets without preparing it again); stored results use `torch`.
    """
    todo: Sequence[Sentence] = sentences
    if known:
        todo = [s for s in sentences if (s.id, s.hash) not in known]
    labels = labels or model_labels(model)
    limit = max_length or max_tokens(model, tokenizer)
    if context is None:
        context = max(1, limit // 4)
    was_training = model.training
    model.eval()
    try:
        windows = encode(todo, tokenizer, max_length=limit, context=context)
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        logits = window_logits(model, windows, pad, batch_size, runtime, limit, engine)
    finally:
        model.train(was_training)
    by_sentence: list[list[int]] = [[] for _ in todo]
    for index, window in enumerate(windows):
        by_sentence[window.sentence].append(index)
    names = labels.labels
    predictions: list[Prediction] = []
    for sentence, owned in zip(todo, by_sentence, strict=True):
        n = len(sentence.tokens)
        probs = torch.zeros((n, len(names)))
        best = [-1.0] * n
        for index in owned:
            window = windows[index]
            window_probs = logits[index].softmax(-1)
            for offset, word in enumerate(range(window.start, window.end)):
                distance = _edge_distance(word, window, n)
                if distance > best[word]:
                    best[word] = distance
                    probs[word] = window_probs[offset]
        confidence, ids = probs.max(-1) if n else (torch.zeros(0), torch.zeros(0, dtype=torch.long))
        tag_ids = tuple(int(i) for i in ids)
        predictions.append(
            Prediction(
                id=sentence.id,
                hash=sentence.hash,
                tags=tuple(names[i] for i in tag_ids),
                tag_ids=tag_ids,
                confidence=tuple(round(float(c), 6) for c in confidence),
            )
        )
    if known:
        made = {(p.id, p.hash): p for p in predictions}
        return [known.get((s.id, s.hash)) or made[s.id, s.hash] for s in sentences]
    return predictions


# ---------------------------------------------------------------------------
# One raw sentence (the app's playground)

_JOINERS = frozenset("-'’.")  # kept inside a word: "Jean-Luc", "O'Neil", "U.S"


def _is_punct(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


def simple_tokenize(text: str) -> list[str]:
    """Whitespace, then punctuation split off as its own token (not inside a word)."""
    tokens: list[str] = []
    for chunk in text.split():
        current = ""
        for index, char in enumerate(chunk):
            inner = (
                char in _JOINERS
                and current
                and index + 1 < len(chunk)
                and not _is_punct(chunk[index + 1])
            )
            if _is_punct(char) and not inner:
                if current:
                    tokens.append(current)
                    current = ""
                tokens.append(char)
            else:
                current += char
        if current:
            tokens.append(current)
    return tokens


def predict_text(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    text: str,
    *,
    lang: str = "",
    labels: LabelSpace | None = None,
) -> tuple[list[str], Prediction]:
    """Tokenize one raw sentence and tag it: the fast path for interactive use."""
    tokens = simple_tokenize(text)
    sentence = Sentence(
        id="text/0", tokens=tuple(tokens), tags=None, lang=lang, dataset="text", split="text"
    )
    return tokens, predict(model, tokenizer, [sentence], labels=labels, batch_size=1)[0]
