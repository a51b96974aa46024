"""`concat`: sentence concatenation (TextFlint's ConcatSent).

Each sentence (with probability `rate`) gets another sentence of the batch appended:
the `next` one (wrapping around) or a `random` other one. What is preserved: the
sentence's own tokens, tags and spans at the same positions (it is a prefix of the
result); the appended part carries the other sentence's tokens and tags unchanged; the
result holds the mentions of both. The sentence keeps its id; the batch keeps its size.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

from xner.data.records import Sentence
from xner.perturb.resources import PerturbResources
from xner.perturb.spec import Edit, ParamSpec, PerturbationSpec, Preserves, register


def _prepare_concat(
    sentences: Sequence[Sentence],
    resources: PerturbResources,
    params: Mapping[str, Any],
    seed: int,
    kind: str,
):
    batch = list(sentences)
    where = {s.id: i for i, s in enumerate(batch)}
    rate, partner = params["rate"], params["with"]
    if len(batch) < 2:
        resources.notes.append(
            "concat: it joins two sentences, and there is only one here (a typed sentence "
            "is one); use it on a test set or an uploaded file"
        )

    def apply(sentence: Sentence, rng: random.Random):
        if len(batch) < 2 or (rate < 1.0 and rng.random() >= rate):
            return None
        index = where.get(sentence.id, -1)
        if partner == "next":
            other = batch[(index + 1) % len(batch)]
        else:
            pick = rng.randrange(len(batch) - 1)
            other = batch[pick + 1 if 0 <= index <= pick else pick]
        if not other.tokens:
            return None
        edit = Edit(
            sentence.id,
            kind,
            len(sentence.tokens),
            "",
            " ".join(other.tokens),
            len(sentence.tokens),
            0,
            len(other.tokens),
            other.id,
        )
        # perturb() takes labelled sentences only
        assert sentence.tags is not None and other.tags is not None
        return (
            [*sentence.tokens, *other.tokens],
            [*sentence.tags, *other.tags],
            [edit],
        )

    return apply


register(
    PerturbationSpec(
        name="concat",
        description=(
            "Sentence concatenation (TextFlint ConcatSent): another sentence of the set is "
            "appended; the sentence's own entities stay where they were."
        ),
        params=(
            ParamSpec("rate", "float", 1.0, "share of sentences that get a partner", 0.0, 1.0),
            ParamSpec(
                "with",
                "str",
                "random",
                "which sentence is appended: the next one or a random other one",
                choices=("random", "next"),
            ),
        ),
        preserves=Preserves.CONCAT,
        prepare=_prepare_concat,
        source="TextFlint",
    )
)
