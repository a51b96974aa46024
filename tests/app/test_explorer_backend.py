"""The Explorer's back end: stored predictions joined back to their text, checked,
filtered; the per-sentence entity diff and the seen / unseen gold-mention filter."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from xner.app.explorer import (
    ANY,
    EntityChanges,
    EvaluatedSet,
    change_counts,
    entity_changes,
    evaluated_sets,
    explore_run,
    filter_slice,
    filter_views,
    join_views,
    kind_counts,
    parse_test_set,
    slice_choices,
    tag_names,
)
from xner.app.views import SentenceView, SideView, view_marks
from xner.data.records import Sentence
from xner.errors import XnerError
from xner.perturb import Edit, perturb

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


@pytest.fixture(scope="module")
def tiny_run(tiny_runs: Callable[..., Path]) -> Path:
    models = tiny_runs("explore", settings=("transfer",))
    (run,) = [p for p in models.iterdir() if p.is_dir()]
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


# A sentence whose perturbation shifted spans: the per-sentence entity diff.
CLEAN_TOKENS = ("Ana", "Lopa", "vive", "en", "Roma", "con", "Banco")
CLEAN_GOLD = ("B-PER", "I-PER", "O", "O", "B-LOC", "O", "B-ORG")


def perturbed_view() -> SentenceView:
    """ "Ana Lopa" (2 tokens) replaced by "Xoan" (1): every later span moves one left."""
    tokens = ("Xoan", "vive", "en", "Roma", "con", "Banco")
    gold = ("B-PER", "O", "O", "B-LOC", "O", "B-ORG")
    clean_pred = ("B-PER", "I-PER", "O", "O", "B-LOC", "O", "B-ORG")
    # Xoan kept as PER (other text, same span), Roma relabelled, Banco lost, "en" new
    pred = ("B-PER", "O", "B-LOC", "B-ORG", "O", "O")
    edit = Edit("s", "p1", 0, "Ana Lopa", "Xoan", old_position=0, n_old=2, n_new=1)
    return SentenceView(
        "s",
        SideView(CLEAN_TOKENS, CLEAN_GOLD, clean_pred),
        SideView(tokens, gold, pred),
        (edit,),
    )


def test_entities_are_matched_by_span_through_the_edits() -> None:
    changes = entity_changes(perturbed_view())
    assert changes == EntityChanges(
        kept=("Ana Lopa (PER) → Xoan",),
        lost=("Banco (ORG)",),
        new=("en (LOC)",),
        relabelled=("Roma (LOC) → ORG",),
    )
    assert changes.counts() == {"kept": 1, "lost": 1, "new": 1, "relabelled": 1}
    assert changes.line().startswith("kept 1 · lost 1 (Banco (ORG)) · new 1 (en (LOC))")


def test_counts_over_a_run_add_the_changed_sentences_only() -> None:
    same = SideView(CLEAN_TOKENS, CLEAN_GOLD, CLEAN_GOLD)
    unchanged = SentenceView("u", same, same, ())
    no_prediction = SentenceView(
        "n", SideView(CLEAN_TOKENS, CLEAN_GOLD, None), same, (Edit("n", "x", 0, "a", "b"),)
    )
    totals, sentences = change_counts(
        [perturbed_view(), perturbed_view(), unchanged, no_prediction]
    )
    assert sentences == 2
    assert totals == {"kept": 2, "lost": 2, "new": 2, "relabelled": 2}
    assert entity_changes(unchanged) is None and entity_changes(no_prediction) is None


def test_the_gold_mention_filter_reads_the_side_it_is_asked() -> None:
    view = perturbed_view()
    mentions = {"own": frozenset({("Ana", "Lopa")}), "hrl": frozenset({("Roma",)})}
    assert slice_choices(mentions) == [ANY, "seen-own", "unseen-own", "seen-hrl", "unseen-hrl"]
    assert slice_choices(["hrl"]) == [ANY, "seen-hrl", "unseen-hrl"]
    # "Ana Lopa" is only in the clean sentence; p1 put the unseen "Xoan" in its place
    assert filter_slice([view], "seen-own", mentions, side="clean") == [view]
    assert filter_slice([view], "seen-own", mentions, side="perturbed") == []
    assert filter_slice([view], "seen-own", mentions, side="either") == [view]
    assert filter_slice([view], "unseen-own", mentions, side="perturbed") == [view]
    assert filter_slice([view], "seen-hrl", mentions, side="perturbed") == [view]
    bare = SentenceView("o", SideView(("hola",), ("O",), ("O",)))
    assert filter_slice([view, bare], ANY, mentions) == [view, bare]
    assert filter_slice([bare], "unseen-hrl", mentions, side="clean") == []
    with pytest.raises(XnerError, match="unknown slice"):
        filter_slice([view], "seen-lrl", mentions)
