"""Entity perturbations: p1 (Manafi & Krishnaswamy 2024), mask, random-entity,
mask-or-random (Srinivasan & Vajjala 2023), type-swap (TextFlint's CrossCategory).

Every one replaces whole mentions, so tags are rebuilt as `B-X I-X ...` over the new
tokens and the rest of the sentence is copied as is.

p1 follows the authors' notebooks: a mention is shared when its exact token sequence
(case-sensitive) is a mention, of any type, in the reference data; its replacement is a
same-type mention of the test set that is not (`pool=test`). The other kinds' pools
("entities from the data") are the distinct mentions per type of the LRL training data
(when the resources have it) followed by those of the batch being perturbed, in
first-seen order, so a draw is deterministic for a seed.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from xner.data.records import Sentence
from xner.perturb.base import mention_replacer
from xner.perturb.resources import (
    REFERENCE_DEFAULT,
    REFERENCES,
    PerturbResources,
    ReferenceIndex,
    is_word,
    mentions,
)
from xner.perturb.spec import Need, ParamSpec, PerturbationSpec, Preserves, Resource, register

RATE = ParamSpec(
    "rate", "float", 1.0, "share of the eligible entity mentions to perturb", min=0.0, max=1.0
)
TYPES = ParamSpec(
    "types", "str", "", "comma-separated entity types to touch (empty: all), e.g. PER,LOC"
)
POOL_NEED = Need(Resource.LRL_TRAIN, required=False, why="more entities to draw from")


def parse_types(value: str) -> frozenset[str]:
    return frozenset(t.strip() for t in value.split(",") if t.strip())


def _draw_other(
    rng: random.Random, candidates: Sequence[tuple[str, ...]], avoid: tuple[str, ...]
) -> tuple[str, ...] | None:
    """A candidate different from `avoid` (None when the pool holds nothing else)."""
    if not candidates:
        return None
    for _ in range(8):
        found = candidates[rng.randrange(len(candidates))]
        if found != avoid:
            return found
    others = [c for c in candidates if c != avoid]
    return others[rng.randrange(len(others))] if others else None


def _pool(resources: PerturbResources, sentences: Sequence[Sentence]) -> dict[str, list]:
    return resources.lrl_mention_pool(sentences)


# ---------------------------------------------------------------------------- p1

REFERENCE = ParamSpec(
    "reference",
    "str",
    REFERENCE_DEFAULT,
    "the labelled data 'shared' is measured against: "
    + "; ".join(f"{name}: {text}" for name, text in REFERENCES.items()),
    choices=tuple(REFERENCES),
)
REFERENCE_NEED = Need(Resource.REFERENCE, why="what counts as shared (see `reference`)")


def test_pool(
    sentences: Sequence[Sentence], reference: frozenset[tuple[str, ...]]
) -> dict[str, list[tuple[str, ...]]]:
    """The paper's pool: distinct mentions per type of the set being perturbed that do not
    occur as a mention in the reference data, in first-seen order."""
    pool: dict[str, dict[tuple[str, ...], None]] = {}
    for tokens, entity_type in mentions(sentences):
        if tokens not in reference:
            pool.setdefault(entity_type, {})[tokens] = None
    return {entity_type: list(found) for entity_type, found in pool.items()}


def _lrl_train_pool(
    sentences: Sequence[Sentence], resources: PerturbResources, index: ReferenceIndex
) -> dict[str, list[tuple[str, ...]]]:
    """The earlier pool: LRL training data and the batch, minus reference mentions,
    preferring mentions none of whose tokens is a reference entity token."""
    pool = _pool(resources, sentences)
    chosen: dict[str, list[tuple[str, ...]]] = {}
    for entity_type in sorted(pool):
        loose = [m for m in pool[entity_type] if m not in index.mentions]
        strict = [m for m in loose if not any(t in index.entity_tokens for t in m)]
        chosen[entity_type] = strict or loose
        if not strict:
            what = "mention-level only" if loose else "none: left unchanged"
            resources.notes.append(
                f"p1: no {entity_type} entity free of reference entity tokens; replacements {what}"
            )
    return chosen


def _prepare_p1(
    sentences: Sequence[Sentence],
    resources: PerturbResources,
    params: Mapping[str, Any],
    seed: int,
    kind: str,
):
    index = resources.reference(params["reference"])
    if params["pool"] == "test":
        pool = test_pool(sentences, index.mentions)
    else:
        pool = _lrl_train_pool(sentences, resources, index)
    rate = params["rate"]
    types = parse_types(params["types"])
    by_token = params["match"] == "token"

    def seen(mention: tuple[str, ...]) -> bool:
        if by_token:
            return any(t in index.entity_tokens and is_word(t) for t in mention)
        return mention in index.mentions

    def choose(sentence: Sentence, start: int, end: int, entity_type: str, rng: random.Random):
        if (types and entity_type not in types) or not seen(sentence.tokens[start:end]):
            return None
        if rate < 1.0 and rng.random() >= rate:
            return None
        candidates = pool.get(entity_type)
        if not candidates:
            return None
        new = _draw_other(rng, candidates, sentence.tokens[start:end])
        return None if new is None else (start, end, new, entity_type, index.name)

    return mention_replacer(kind, choose)


register(
    PerturbationSpec(
        name="p1",
        description=(
            "Entity replacement (Manafi & Krishnaswamy 2024): each test entity mention whose "
            "exact tokens occur as a mention in the reference data (by default the "
            "evaluated model's own training data) is replaced by a same-type mention of the "
            "test set that does not, drawn with the seed."
        ),
        params=(
            RATE,
            TYPES,
            REFERENCE,
            ParamSpec(
                "match",
                "str",
                "mention",
                "what counts as shared: the whole mention is a reference mention "
                "(mention, the paper's), or any of its words is a reference entity token "
                "(token)",
                choices=("mention", "token"),
            ),
            ParamSpec(
                "pool",
                "str",
                "test",
                "where replacements come from: the test set's own mentions absent from the "
                "reference (test, the paper's), or the LRL training data and the test set, "
                "preferring mentions with no reference entity token (lrl-train)",
                choices=("test", "lrl-train"),
            ),
        ),
        needs=(REFERENCE_NEED, POOL_NEED),
        prepare=_prepare_p1,
        source="Manafi & Krishnaswamy 2024",
    )
)


# ---------------------------------------------------------------------------- mask

PLACEHOLDER = ParamSpec("placeholder", "str", "[MASK]", "the text that replaces each entity token")


def _mask_replacement(start: int, end: int, entity_type: str, placeholder: str):
    return (start, end, [placeholder] * (end - start), entity_type, "mask")


def _prepare_mask(sentences, resources, params, seed, kind):
    rate = params["rate"]
    types = parse_types(params["types"])
    placeholder = params["placeholder"]
    if not placeholder or any(ch.isspace() for ch in placeholder):
        from xner.perturb.spec import PerturbError

        raise PerturbError(f"mask: placeholder {placeholder!r} must be one non-empty token")

    def choose(sentence: Sentence, start: int, end: int, entity_type: str, rng: random.Random):
        if types and entity_type not in types:
            return None
        if rate < 1.0 and rng.random() >= rate:
            return None
        if all(t == placeholder for t in sentence.tokens[start:end]):
            return None
        return _mask_replacement(start, end, entity_type, placeholder)

    return mention_replacer(kind, choose)


register(
    PerturbationSpec(
        name="mask",
        description=(
            "Entity masking (CheckList / Srinivasan & Vajjala 2023): every token of an entity "
            "mention becomes a placeholder (default [MASK]); tags and lengths are unchanged."
        ),
        params=(RATE, TYPES, PLACEHOLDER),
        prepare=_prepare_mask,
        source="Srinivasan & Vajjala 2023; CheckList",
    )
)


# ---------------------------------------------------------------------------- random-entity


def _prepare_random(sentences, resources, params, seed, kind):
    pool = _pool(resources, sentences)
    rate = params["rate"]
    types = parse_types(params["types"])
    mask_share = params.get("mask_share", 0.0)
    placeholder = params.get("placeholder", "[MASK]")

    def choose(sentence: Sentence, start: int, end: int, entity_type: str, rng: random.Random):
        mention = sentence.tokens[start:end]
        if types and entity_type not in types:
            return None
        if rate < 1.0 and rng.random() >= rate:
            return None
        if mask_share > 0.0 and rng.random() < mask_share:
            if any(t != placeholder for t in mention):
                return _mask_replacement(start, end, entity_type, placeholder)
            return None
        new = _draw_other(rng, pool.get(entity_type, ()), mention)
        return None if new is None else (start, end, new, entity_type, "random")

    return mention_replacer(kind, choose)


register(
    PerturbationSpec(
        name="random-entity",
        description=(
            "Random entity replacement (Srinivasan & Vajjala 2023): each entity mention is "
            "replaced by a different mention of the same type from the data (LRL training "
            "data and the perturbed set)."
        ),
        params=(RATE, TYPES),
        needs=(POOL_NEED,),
        prepare=_prepare_random,
        source="Srinivasan & Vajjala 2023",
    )
)

register(
    PerturbationSpec(
        name="mask-or-random",
        description=(
            "Mask or replace (Srinivasan & Vajjala 2023): each entity mention is masked with "
            "probability mask_share, otherwise replaced by a random same-type entity."
        ),
        params=(
            RATE,
            TYPES,
            PLACEHOLDER,
            ParamSpec(
                "mask_share",
                "float",
                0.5,
                "probability that a mention is masked rather than replaced",
                min=0.0,
                max=1.0,
            ),
        ),
        needs=(POOL_NEED,),
        prepare=_prepare_random,
        source="Srinivasan & Vajjala 2023",
    )
)


# ---------------------------------------------------------------------------- type-swap


def _prepare_type_swap(sentences, resources, params, seed, kind):
    pool = _pool(resources, sentences)
    pool_types = sorted(t for t, found in pool.items() if found)
    rate = params["rate"]
    types = parse_types(params["types"])

    def choose(sentence: Sentence, start: int, end: int, entity_type: str, rng: random.Random):
        if types and entity_type not in types:
            return None
        others = [t for t in pool_types if t != entity_type]
        if not others or (rate < 1.0 and rng.random() >= rate):
            return None
        new_type = others[rng.randrange(len(others))]
        candidates = pool[new_type]
        new = candidates[rng.randrange(len(candidates))]
        return start, end, new, new_type, f"{entity_type}->{new_type}"

    return mention_replacer(kind, choose)


register(
    PerturbationSpec(
        name="type-swap",
        description=(
            "Cross-category swap (TextFlint CrossCategory): each entity mention is replaced by "
            "a mention of another type from the data, tagged with that type; the number and "
            "order of mentions stay, their types change."
        ),
        params=(RATE, TYPES),
        needs=(POOL_NEED,),
        preserves=Preserves.COUNT,
        prepare=_prepare_type_swap,
        source="TextFlint",
    )
)
