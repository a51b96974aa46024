"""The explorer's per-sentence entity diff and its seen / unseen gold-mention filter."""

from __future__ import annotations

import pytest

from xner.errors import XnerError
from xner.explore import SentenceView, SideView
from xner.explore_summary import (
    ANY,
    EntityChanges,
    change_counts,
    entity_changes,
    filter_slice,
    slice_choices,
)
from xner.perturb import Edit

CLEAN_TOKENS = ("Ana", "Lopa", "vive", "en", "Roma", "con", "Banco")
GOLD = ("B-PER", "I-PER", "O", "O", "B-LOC", "O", "B-ORG")


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
        SideView(CLEAN_TOKENS, GOLD, clean_pred),
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
    same = SideView(CLEAN_TOKENS, GOLD, GOLD)
    unchanged = SentenceView("u", same, same, ())
    no_prediction = SentenceView(
        "n", SideView(CLEAN_TOKENS, GOLD, None), same, (Edit("n", "x", 0, "a", "b"),)
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
