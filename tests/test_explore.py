"""Joining stored predictions back to text; filters; playground text checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from xner.data.records import Sentence
from xner.experiments.run import run_grid
from xner.experiments.spec import grid_from_dict
from xner.explore import (
    MAX_CHARS,
    EvaluatedSet,
    check_text,
    entities,
    entity_diff,
    evaluated_sets,
    explore_run,
    filter_views,
    join_views,
    kind_counts,
    needs_reference,
    parse_test_set,
    perturb_text,
    scripts,
    tag_names,
    text_sentence,
    view_marks,
)
from xner.perturb import PerturbError, perturb

LABELS = ("O", "B-LOC", "I-LOC", "B-PER", "I-PER")


def sentence(index: int, tokens: list[str], tags: list[str]) -> Sentence:
    return Sentence(f"t/xx/test/{index:06d}", tuple(tokens), tuple(tags), "xx", "t", "test")


GOLD = [
    sentence(0, ["Ana", "vive", "en", "Brenn"], ["B-PER", "O", "O", "B-LOC"]),
    sentence(1, ["Hoxe", "chove"], ["O", "O"]),
]


def record(s: Sentence, tags: list[str], hash_: str | None = None) -> dict[str, object]:
    return {"id": s.id, "hash": hash_ or s.hash, "tags": [LABELS.index(t) for t in tags]}


def test_join_marks_errors_edits_and_filters():
    perturbed = perturb(GOLD, "mask", seed=0)
    clean_preds = tag_names(
        [record(GOLD[0], ["B-PER", "O", "O", "O"]), record(GOLD[1], ["O", "B-LOC"])], LABELS
    )
    masked = perturbed[0].sentence
    perturbed_preds = tag_names(
        [record(masked, ["O", "O", "O", "O"]), record(perturbed[1].sentence, ["O", "O"])], LABELS
    )
    result = join_views(GOLD, clean_preds, perturbed, perturbed_preds, perturbation="mask")
    assert result.check.ok and result.entity_types == ["LOC", "PER"]
    first, second = result.views
    assert first.changed and not second.changed
    assert first.clean.error_kinds == {"missed"}
    assert first.perturbed.error_kinds == {"missed"} and len(first.perturbed.errors) == 2
    assert second.clean.error_kinds == {"spurious"} and not second.perturbed.errors
    # Filters: by kind and side, by type, by change.
    assert filter_views(result.views, kinds=["spurious"]) == [second]
    assert filter_views(result.views, kinds=["spurious"], side="perturbed") == []
    assert filter_views(result.views, types=["PER"]) == [first]
    assert filter_views(result.views, types=["LOC"]) == [first, second]  # predicted LOC
    assert filter_views(result.views, changed_only=True) == [first]
    assert kind_counts(result.views, "clean") == {"missed": 1, "spurious": 1}
    with pytest.raises(ValueError):
        filter_views(result.views, side="left")
    marks = view_marks(first, "perturbed")
    assert set(marks.edits) == {0, 3} and marks.errors[0] == ["missed"]
    assert set(view_marks(first, "clean").edits) == {0, 3}


def test_changed_data_is_reported_and_unalignable_predictions_hidden():
    changed = sentence(0, ["Ana", "vive", "en", "Brenn", "hoxe"], ["B-PER", "O", "O", "B-LOC", "O"])
    preds = tag_names([record(GOLD[0], ["B-PER", "O", "O", "O"])], LABELS)
    result = join_views([changed, GOLD[1]], preds)
    assert result.check.clean_mismatch == 1 and result.check.unpredicted == 1
    assert result.views[0].clean.pred is None and result.views[0].clean.stale
    text = " ".join(result.check.messages())
    assert "data directory changed" in text and "no stored prediction" in text
    gone = join_views([GOLD[1]], tag_names([record(GOLD[0], ["O"] * 4)], LABELS))
    assert gone.check.missing == 1 and not gone.check.ok


def test_tag_ids_outside_the_labels_are_an_error():
    with pytest.raises(ValueError, match=r"outside labels\.json"):
        tag_names([{"id": "a", "hash": "h", "tags": [0, 9]}], LABELS)


def test_parse_test_set():
    assert parse_test_set("panx/fa/test") == ("panx", "fa", "test")
    assert parse_test_set("wikiann-rahimi/sk/test") == ("wikiann-rahimi", "sk", "test")
    with pytest.raises(ValueError):
        parse_test_set("panx/test")


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


@pytest.fixture(scope="module")
def tiny_run(pipeline_env: dict[str, Path]) -> Path:
    spec = grid_from_dict(
        {
            "name": "explore",
            "backbones": ["tiny"],
            "pairs": ["es-gl"],
            "settings": ["transfer"],
            "train": {"max_steps": 4, "per_device_train_batch_size": 4},
            "eval": {"n_resamples": 50},
            "perturbations": ["p1", "mask"],
            "out": str(pipeline_env["models"]),
        }
    )
    run_grid(spec)
    (run,) = [p for p in pipeline_env["models"].iterdir() if p.is_dir()]
    return run


def test_explore_a_real_run_reproduces_the_stored_hashes(tiny_run: Path):
    sets = evaluated_sets(tiny_run)
    assert [s.perturbation for s in sets] == ["clean", "mask", "p1"]
    for evaluated in sets:
        result = explore_run(tiny_run, evaluated)
        assert result.check.ok, result.check.messages()
        assert len(result.views) == evaluated.n_sentences
        assert all(v.clean.pred is not None for v in result.views)
    p1 = explore_run(tiny_run, sets[2])
    assert any(v.changed for v in p1.views)  # es and gl share entities: p1 has work


def test_explore_reports_a_changed_data_file(tiny_run: Path, pipeline_env: dict[str, Path]):
    dev = pipeline_env["data"] / "panx" / "dev-gl.tsv"
    original = dev.read_text(encoding="utf-8")
    try:
        dev.write_text(original.replace("Brenn", "Brennx", 1), encoding="utf-8")
        result = explore_run(tiny_run, evaluated_sets(tiny_run)[1])
        assert result.check.clean_mismatch == 1
        assert "data directory changed" in result.check.messages()[0]
    finally:
        dev.write_text(original, encoding="utf-8")


def test_unreadable_eval_files_are_skipped(tmp_path: Path):
    (tmp_path / "eval").mkdir()
    (tmp_path / "eval" / "broken.json").write_text("{", encoding="utf-8")
    good = {"result": {"test_set": "panx/gl/test", "perturbation": "mask", "seed": 3}}
    (tmp_path / "eval" / "good.json").write_text(json.dumps(good), encoding="utf-8")
    assert evaluated_sets(tmp_path) == [EvaluatedSet("panx/gl/test", "mask", 3, 0)]


def test_text_perturbation_accepts_a_models_invalid_tags():
    # A model may open entities with I- (invalid IOB2): read as conlleval does, not a crash.
    result = perturb_text(["marie", "kervella", "a"], ["I-PER", "B-LOC", "I-PER"], "case")
    assert result.sentence.tags == ("B-PER", "B-LOC", "B-PER")


def test_entity_diff_matches_by_span_through_the_edits():
    from xner.explore import token_ranges
    from xner.perturb.resources import PerturbResources

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


def test_the_playground_example_is_in_the_checkpoints_language():
    from xner.explore import EXAMPLES, example_for

    assert example_for("fa") == EXAMPLES["fa"] and scripts(example_for("fa")) == ["Arabic"]
    assert example_for("hi") != example_for("ur")
    assert example_for("xx") == EXAMPLES["br"]  # no example: the Breton one
