"""The teaching tour's invented examples and their live perturbations."""

from __future__ import annotations

import pytest

from xner.app.tour import BY_KEY, SENTENCES, STEPS, clamp_step, run_example, tour_overlap
from xner.data.tags import iob2_problems
from xner.viz.tokens import text_direction


def test_examples_are_valid_and_cover_several_scripts():
    for entry in SENTENCES:
        assert len(entry.tokens) == len(entry.tags)
        assert not iob2_problems(entry.tags), entry.key
        assert any(tag != "O" for tag in entry.tags), entry.key
    langs = {entry.lang for entry in SENTENCES}
    assert {"fr", "br", "ar", "fa", "hi", "ru", "uk"} <= langs
    assert text_direction(BY_KEY["fa-home"].tokens) == "rtl"


def test_every_step_and_choice_runs():
    for step in STEPS:
        assert step.title and step.body
        for example in step.examples:
            assert example.sentence in BY_KEY
            for kind in (None, *step.try_kinds):
                result = run_example(example, kind, seed=3)
                if example.perturbation is None and kind is None:
                    assert result is None
                else:
                    assert result is not None
                    assert len(result.sentence.tokens) == len(result.sentence.tags)


def test_p1_replaces_only_entities_the_hrl_sentences_have_seen():
    # Damascus occurs in the Arabic (HRL) sentence: replaced; the names differ in spelling.
    shared = run_example(STEPS[3].examples[0])
    assert shared is not None and [e.old for e in shared.edits] == ["دمشق"]
    # The control pair: another script, nothing shared, nothing replaced.
    control = run_example(STEPS[3].examples[2])
    assert control is not None and not control.edits
    stats = tour_overlap("ar-fa")
    assert stats.mentions_in_hrl == 1 and stats.mentions == 4


def test_mask_is_deterministic_and_seed_changes_typos():
    example = STEPS[2].examples[0]
    assert run_example(example, "mask", 1) == run_example(example, "mask", 2)
    typos = {run_example(STEPS[2].examples[1], "typos", s).sentence.tokens for s in range(5)}
    assert len(typos) > 1


@pytest.mark.parametrize(("value", "expected"), [(-3, 0), (2, 2), (99, len(STEPS) - 1)])
def test_clamp_step(value: int, expected: int):
    assert clamp_step(value) == expected
