"""Entity perturbations: p1 (Manafi & Krishnaswamy 2024), mask, random-entity,
mask+random (Srinivasan & Vajjala 2023), type-swap (TextFlint's CrossCategory).

Every one replaces whole mentions, so tags are rebuilt as `B-X I-X ...` over the new
tokens and the rest of the sentence is copied as is.

Entity pools ("entities from the data") are the distinct mentions per type of the LRL
training data (when the resources have it) followed by those of the batch being
perturbed, in first-seen order, so a draw is deterministic for a seed.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from xner.data.records import Sentence
from xner.perturb.base import (
    Need,
    ParamSpec,
    PerturbationSpec,
    Preserves,
    Resource,
    mention_replacer,
    register,
)
from xner.perturb.resources import Resources, is_word

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


def _pool(resources: Resources, sentences: Sequence[Sentence]) -> dict[str, list]:
    return resources.lrl_mention_pool(sentences)


# ---------------------------------------------------------------------------- p1


def _prepare_p1(
    sentences: Sequence[Sentence],
    resources: Resources,
    params: Mapping[str, Any],
    seed: int,
    kind: str,
):
    hrl_mentions = resources.hrl_mentions
    hrl_entity_tokens = resources.hrl_entity_tokens
    pool = _pool(resources, sentences)
    strict: dict[str, list[tuple[str, ...]]] = {}
    loose: dict[str, list[tuple[str, ...]]] = {}
    for entity_type, found in pool.items():
        loose[entity_type] = [m for m in found if m not in hrl_mentions]
        strict[entity_type] = [
            m for m in loose[entity_type] if not any(t in hrl_entity_tokens for t in m)
        ]
    for entity_type in sorted(pool):
        if not strict[entity_type]:
            what = "mention-level only" if loose[entity_type] else "none: left unchanged"
            resources.notes.append(
                f"p1: no {entity_type} entity free of HRL entity tokens; replacements {what}"
            )
    rate = params["rate"]
    types = parse_types(params["types"])
    by_token = params["match"] == "token"

    def seen(mention: tuple[str, ...]) -> bool:
        if by_token:
            return any(t in hrl_entity_tokens and is_word(t) for t in mention)
        return mention in hrl_mentions

    def choose(sentence: Sentence, start: int, end: int, entity_type: str, rng: random.Random):
        if (types and entity_type not in types) or not seen(sentence.tokens[start:end]):
            return None
        if rate < 1.0 and rng.random() >= rate:
            return None
        candidates = strict.get(entity_type)
        detail = "strict"
        if not candidates:
            candidates, detail = loose.get(entity_type), "mention-level"
        if not candidates:
            return None
        return start, end, candidates[rng.randrange(len(candidates))], entity_type, detail

    return mention_replacer(kind, choose)


register(
    PerturbationSpec(
        name="p1",
        description=(
            "Entity replacement (Manafi & Krishnaswamy 2024): each LRL entity mention that "
            "also occurs as an entity mention in the HRL training data is replaced by an "
            "LRL entity of the same type that does not (drawn from the LRL training data "
            "and the test set; preferring entities none of whose tokens is an HRL entity "
            "token)."
        ),
        params=(
            RATE,
            TYPES,
            ParamSpec(
                "match",
                "str",
                "mention",
                "what counts as seen in the HRL: the whole mention is an HRL mention "
                "(mention, the paper's), or any of its words is an HRL entity token (token)",
                choices=("mention", "token"),
            ),
        ),
        needs=(Need(Resource.HRL_TRAIN, why="which entities the HRL has seen"), POOL_NEED),
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
        from xner.perturb.base import PerturbError

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
        name="mask+random",
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
