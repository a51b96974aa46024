"""The perturbation driver: run declared kinds over sentences, composing steps.

`perturb()` resolves a kind into steps (`xner.perturb.spec`), calls each step's
`prepare(sentences, resources, params, seed)` once per batch (to build pools and
indexes) and the per-sentence function it returns, `(sentence, rng) -> (tokens, tags,
edits) | None` (None: unchanged). It seeds one RNG per sentence from `(seed, step,
sentence id)` so a sentence's result does not depend on which other sentences are in
the batch, checks that the output tags are valid IOB2 and as long as the tokens, and
chains steps for compositions (`"a+b"`: apply a, then b to a's output).

The contract itself (specs, parameters, the registry) lives in `xner.perturb.spec`;
import its names from there (or from `xner.perturb`, the package's public surface).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from xner.data.records import Sentence
from xner.data.tags import OUTSIDE, is_iob2, span_tuples
from xner.perturb.spec import (
    Edit,
    Perturbed,
    PerturbError,
    check_params,
    get,
    reading_params,
    resolve_steps,
    step_params,
)

if TYPE_CHECKING:
    from xner.perturb.resources import PerturbResources

__all__ = [
    "MentionChoice",
    "Replacement",
    "mention_replacer",
    "perturb",
    "replace_spans",
    "rng_for",
]


def rng_for(seed: int, tag: str, sentence_id: str) -> random.Random:
    """The RNG of one sentence for one step: independent of the batch it sits in."""
    return random.Random(f"{seed}|{tag}|{sentence_id}")


def replace_spans(
    sentence_id: str,
    kind: str,
    tokens: Sequence[str],
    tags: Sequence[str],
    replacements: Iterable[tuple[int, int, Sequence[str], str, str]],
) -> tuple[list[str], list[str], list[Edit]]:
    """Replace token ranges `[start, end)` by `new_tokens` tagged as one mention of
    `new_type` (`""`: all `O`), recording an `Edit` (with `detail`) for each.

    Replacements must be sorted and must not overlap; a replaced entity must be a whole
    mention, so the surrounding tags stay valid.
    """
    out_tokens: list[str] = []
    out_tags: list[str] = []
    edits: list[Edit] = []
    cursor = 0
    for start, end, new_tokens, new_type, detail in replacements:
        out_tokens.extend(tokens[cursor:start])
        out_tags.extend(tags[cursor:start])
        position = len(out_tokens)
        out_tokens.extend(new_tokens)
        if new_type:
            out_tags.append("B-" + new_type)
            out_tags.extend(["I-" + new_type] * (len(new_tokens) - 1))
        else:
            out_tags.extend([OUTSIDE] * len(new_tokens))
        edits.append(
            Edit(
                sentence_id,
                kind,
                position,
                " ".join(tokens[start:end]),
                " ".join(new_tokens),
                start,
                end - start,
                len(new_tokens),
                detail,
            )
        )
        cursor = end
    out_tokens.extend(tokens[cursor:])
    out_tags.extend(tags[cursor:])
    return out_tokens, out_tags, edits


Replacement = tuple[int, int, Sequence[str], str, str]  # start, end, tokens, type, detail
MentionChoice = Callable[[Sentence, int, int, str, random.Random], "Replacement | None"]


def mention_replacer(kind: str, choose: MentionChoice) -> Callable[[Sentence, random.Random], Any]:
    """The per-sentence step of an entity perturbation: `choose` sees each mention in
    order (sentence, start, end, type, rng) and returns its replacement or None."""

    def apply(sentence: Sentence, rng: random.Random) -> Any:
        tags = sentence.tags
        assert tags is not None  # perturb() takes labelled sentences only
        replacements = [
            replacement
            for start, end, entity_type in span_tuples(tags)
            if (replacement := choose(sentence, start, end, entity_type, rng)) is not None
        ]
        if not replacements:
            return None
        return replace_spans(sentence.id, kind, sentence.tokens, tags, replacements)

    return apply


def perturb(
    sentences: Sequence[Sentence],
    kind: str | Sequence[str],
    *,
    seed: int = 0,
    resources: PerturbResources | None = None,
    params: Mapping[str, Any] | None = None,
) -> list[Perturbed]:
    """Apply `kind` (a name, `"a+b"`, or a list applied in order) to labelled sentences.

    Returns one `Perturbed` per input, in order, with the edits of every step. The same
    sentences, kind, parameters, resources and seed give the same output.
    """
    from xner.perturb.resources import PerturbResources

    steps = resolve_steps(kind)
    params = dict(params or {})
    for name, value in reading_params(kind).items():
        if name in params and str(params[name]) != value:
            raise PerturbError(
                f"{kind!r} reads {name}={value}, but the parameters say {params[name]!r}"
            )
        params[name] = value
    check_params(params, steps)
    resources = resources if resources is not None else PerturbResources()
    for sentence in sentences:
        if sentence.tags is None:
            raise PerturbError(
                f"sentence {sentence.id} has no tags: perturbations need labelled sentences "
                "(tokens + IOB2 tags); use a labelled split such as 'test' or 'dev'"
            )
    current = list(sentences)
    edits: list[list[Edit]] = [[] for _ in current]
    for index, step in enumerate(steps):
        spec = get(step)
        values = step_params(step, params, steps)
        resources.check(spec)
        tag = step if index == 0 else f"{step}#{index}"
        assert spec.prepare is not None
        apply = spec.prepare(current, resources, values, seed, step)
        for position, sentence in enumerate(current):
            result = apply(sentence, rng_for(seed, tag, sentence.id))
            if result is None:
                continue
            new_tokens, new_tags, step_edits = result
            if len(new_tokens) != len(new_tags) or not is_iob2(new_tags):
                raise AssertionError(  # a bug in a perturbation, never the user's fault
                    f"{step} broke the tags of {sentence.id}: {new_tokens} / {new_tags}"
                )
            if not step_edits:
                continue
            current[position] = sentence.with_content(new_tokens, new_tags)
            edits[position].extend(step_edits)
    return [
        Perturbed(new, tuple(found), old.hash)
        for old, new, found in zip(sentences, current, edits, strict=True)
    ]
