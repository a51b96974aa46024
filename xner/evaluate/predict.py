"""Batched inference: a predicted tag and a confidence for every word of every sentence.

Inputs are sorted by length and padded per batch. A sentence longer than the model's
limit is read in overlapping windows; each word takes its prediction from the window in
which it sits farthest from a cut edge, so every word gets one and none is truncated.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from xner.data.records import Sentence
from xner.train.encode import LabelSpace, Window, bucket_batches, collate, encode, max_tokens
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
    id2label = model.config.id2label
    return LabelSpace(tuple(id2label[i] for i in range(len(id2label))))


def _edge_distance(word: int, window: Window, n_words: int) -> float:
    # A sentence boundary is not a cut: words there have full context on that side.
    left = word - window.start if window.start > 0 else math.inf
    right = window.end - 1 - word if window.end < n_words else math.inf
    return min(left, right)


@torch.inference_mode()
def window_logits(
    model: PreTrainedModel,
    windows: Sequence[Window],
    pad_id: int,
    batch_size: int,
    runtime: Runtime | None = None,
) -> list[torch.Tensor]:
    """Per window, the logits (words x labels) at each word's first subword, in fp32 on
    the CPU. `runtime` (default: the model's device, fp32) sets the forward's precision;
    the model must already be on its device."""
    runtime = runtime or Runtime.of(model)
    out: list[torch.Tensor | None] = [None] * len(windows)
    for batch in bucket_batches([len(w) for w in windows], batch_size, seed=None):
        inputs = runtime.put(collate([windows[i] for i in batch], pad_id, with_labels=False))
        with runtime.autocast():
            logits = model(**inputs).logits.float().cpu()
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
) -> list[Prediction]:
    """Predictions for `sentences`, in their order.

    `max_length` (tokens per input, specials included) defaults to the model's limit;
    `context` (subwords shared by neighbouring windows) to a quarter of it; `runtime`
    (default: where the model is, fp32) to `window_logits`.
    """
    labels = labels or model_labels(model)
    limit = max_length or max_tokens(model, tokenizer)
    if context is None:
        context = max(1, limit // 4)
    was_training = model.training
    model.eval()
    try:
        windows = encode(sentences, tokenizer, max_length=limit, context=context)
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        logits = window_logits(model, windows, pad, batch_size, runtime)
    finally:
        model.train(was_training)
    by_sentence: list[list[int]] = [[] for _ in sentences]
    for index, window in enumerate(windows):
        by_sentence[window.sentence].append(index)
    names = labels.labels
    predictions: list[Prediction] = []
    for sentence, owned in zip(sentences, by_sentence, strict=True):
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
