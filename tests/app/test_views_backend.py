"""The shared sentence records: entity mentions matched by span through a perturbation."""

from __future__ import annotations

from xner.app.playground import text_sentence
from xner.app.views import entities, entity_diff, token_ranges
from xner.perturb import perturb
from xner.perturb.resources import PerturbResources


def test_entity_diff_matches_by_span_through_the_edits():
    tokens = ["Ana", "Lopa", "vive", "en", "Brenn", "con", "Mira"]
    tags = ["B-PER", "I-PER", "O", "O", "B-LOC", "O", "B-PER"]
    sentence = text_sentence(tokens, tags, lang="es")
    # names replaces the PER mentions by names of other lengths: positions shift
    res = PerturbResources(lang="es")
    (done,) = perturb([sentence], "names", seed=1, resources=res, params={"types": "PER"})
    new_tokens, new_tags = done.sentence.tokens, done.sentence.tags
    ranges = token_ranges(len(tokens), done.edits)
    assert new_tokens[ranges[4][0] : ranges[4][1]] == ("Brenn",)
    predicted = list(new_tags)
    brenn = ranges[4][0]
    predicted[brenn] = "B-ORG"  # the model now calls Brenn an organisation
    last = ranges[6]
    predicted[last[0] : last[1]] = ["O"] * (last[1] - last[0])  # and misses the last name
    diff = entity_diff(entities(tokens, tags), entities(new_tokens, predicted), ranges)
    assert diff["relabelled"] == ["Brenn (LOC) → ORG"]
    assert diff["lost"] == ["Mira (PER)"]
    assert len(diff["kept"]) == 1 and diff["kept"][0].startswith("Ana Lopa (PER) → ")
    assert diff["new"] == []
    # the same tokens (two checkpoints): spans compare directly, strings do not matter
    twice = entity_diff(entities(tokens, tags), entities(tokens, tags))
    assert twice["kept"] == ["Ana Lopa (PER)", "Brenn (LOC)", "Mira (PER)"]
