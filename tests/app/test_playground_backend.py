"""The Playground's back end: typed text checked, perturbed around the model's own tags
(with the reader's parameters), and its first example sentence."""

from __future__ import annotations

import pytest

from xner.app.playground import (
    EXAMPLES,
    FIXED,
    MAX_CHARS,
    check_text,
    example_for,
    fixed_params,
    needs_reference,
    perturb_text,
    scripts,
)
from xner.app.views import entities, entity_diff
from xner.perturb import PerturbError


@pytest.mark.parametrize(
    ("text", "error", "note"),
    [
        ("", "empty", None),
        ("   \n\t ", "empty", None),
        ("x" * (MAX_CHARS + 500), None, "only the first 2,000"),
        ("Ana 🙂 vive en Brenn 👩‍🔬", None, "Emoji"),
        ("Ana vive en تهران", None, "Mixed scripts (Latin, Arabic)"),
        ("Ana\x00vive", None, "control characters"),
        ("12 + 7 = 19", None, "No letters"),
    ],
)
def test_check_text(text: str, error: str | None, note: str | None):
    checked = check_text(text)
    if error:
        assert not checked.ok and error in checked.error
        return
    assert checked.ok and len(checked.text) <= MAX_CHARS
    assert any(note in n for n in checked.notes), checked.notes


def test_plain_text_has_no_notes_and_scripts_are_named():
    assert check_text("Ana vive en Brenn.").notes == ()
    assert scripts("Москва и Київ, मुंबई") == ["Cyrillic", "Devanagari"]


def test_entities_diff_and_text_perturbation():
    tokens, tags = ["Ana", "vive", "en", "Brenn"], ["B-PER", "O", "O", "B-LOC"]
    found = entities(tokens, tags)
    assert [(e.text, e.type) for e in found] == [("Ana", "PER"), ("Brenn", "LOC")]
    masked = perturb_text(tokens, tags, "mask")
    assert masked.sentence.tokens[0] != "Ana" and len(masked.edits) == 2
    diff = entity_diff(found, entities(masked.sentence.tokens, ["O", "O", "O", "B-LOC"]))
    # by span: Brenn's span still holds a LOC (masked), Ana's none any more
    assert diff["lost"] == ["Ana (PER)"] and diff["kept"] == ["Brenn (LOC) → [MASK]"]
    assert diff["new"] == []
    assert needs_reference("p1") and needs_reference("p1+p2") and not needs_reference("mask")
    with pytest.raises(PerturbError, match="model's training data"):
        perturb_text(tokens, tags, "p1")


def test_text_perturbation_accepts_a_models_invalid_tags():
    # A model may open entities with I- (invalid IOB2): read as conlleval does, not a crash.
    result = perturb_text(["marie", "kervella", "a"], ["I-PER", "B-LOC", "I-PER"], "case")
    assert result.sentence.tags == ("B-PER", "B-LOC", "B-PER")


def test_the_playground_example_is_in_the_checkpoints_language():
    assert example_for("fa") == EXAMPLES["fa"] and scripts(example_for("fa")) == ["Arabic"]
    assert example_for("hi") != example_for("ur")
    assert example_for("xx") == EXAMPLES["br"]  # no example: the Breton one


def test_text_perturbation_takes_the_readers_parameters_but_not_the_fixed_ones():
    tokens, tags = ["Ana", "vive", "en", "Brenn"], ["B-PER", "O", "O", "B-LOC"]
    both = perturb_text(tokens, tags, "mask")
    assert len(both.edits) == 2  # the declared default: every mention
    person = perturb_text(tokens, tags, "mask", params={"types": "PER", "placeholder": "<x>"})
    assert person.sentence.tokens == ("<x>", "vive", "en", "Brenn")
    # A typed sentence is a test set of one: p1 draws from the LRL data whatever is asked.
    assert set(FIXED) == {"pool", "backbone"}
    assert fixed_params("p1", "tiny") == {"pool": "lrl-train"}
    assert fixed_params("p1+p2", "tiny") == {"pool": "lrl-train", "backbone": "tiny"}
    assert fixed_params("mask", "tiny") == {}
