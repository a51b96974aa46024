"""Token-level HTML: escaping, RTL, colours, marks."""

from __future__ import annotations

import re

import pytest

from xner.viz.tokens import (
    ERROR_COLOR,
    TYPE_COLORS,
    TokenMarks,
    legend_html,
    render_tokens,
    text_direction,
    type_color,
)


def test_everything_from_the_data_is_escaped():
    html = render_tokens(
        ["<script>alert(1)</script>", 'a"b', "&"],
        TokenMarks(edits={1: 'x" onmouseover="evil()'}),
        caption="<b>cap</b>",
    )
    assert "<script>" not in html and "<b>cap" not in html
    assert "&lt;script&gt;" in html and "&amp;" in html
    assert 'onmouseover="evil' not in html  # the quote in the tooltip is escaped
    assert "\n" not in html  # one line: markdown keeps it a raw HTML block


def test_rtl_sentence_gets_rtl_direction_and_isolated_tokens():
    tokens = ["او", "در", "شرکت", "Nour", "Tech", "کار", "می\u200cکند"]
    assert text_direction(tokens) == "rtl"
    assert text_direction(["Ana", "vive", "en", "Brenn", "(2024)"]) == "ltr"
    html = render_tokens(tokens)
    assert 'dir="rtl"' in html and "text-align:right" in html
    assert html.count("<bdi") == len(tokens)  # no entities: every token its own isolate
    assert 'class="xner-sentence" dir="ltr"' in render_tokens(["Ana", "vive"])
    # a [MASK] placeholder does not turn a Persian line left-to-right
    masked = ["[MASK]", "[MASK]", "در", "[MASK]", "کار", "کرد"]
    assert text_direction(masked) == "rtl"


def test_an_entity_is_one_isolated_box_with_its_badge_inside():
    tokens = ["او", "در", "Nour", "Tech", "کار", "می‌کند"]
    html = render_tokens(tokens, TokenMarks(pred=["O", "O", "B-ORG", "I-ORG", "O", "O"]))
    (box,) = re.findall(r'<bdi dir="ltr" class="xner-seg xner-ent".*?</bdi>', html)
    assert "Nour" in box and "Tech" in box and ">ORG</span>" in box
    assert box.index("Nour") < box.index("Tech") < box.index(">ORG<")
    assert html.count("<bdi") == 5  # 4 lone tokens + 1 entity box


def test_predicted_gold_errors_and_edits_are_drawn_per_token():
    tokens = ["Ana", "Lopa", "vive", "en", "Brenn"]
    marks = TokenMarks(
        gold=["B-PER", "I-PER", "O", "O", "B-LOC"],
        pred=["B-PER", "I-PER", "O", "O", "B-ORG"],
        errors={4: ["wrong_type"]},
        edits={2: "mask: vive → [MASK]"},
        confidence=[0.9, 0.8, 0.99, 0.97, 0.51],
    )
    html = render_tokens(tokens, marks, show_confidence=True)
    spans = re.findall(r'<span class="xner-tok"[^>]*>', html)
    boxes = re.findall(r'<bdi dir="ltr" class="xner-seg xner-ent"[^>]*>', html)
    assert len(spans) == 5 and len(boxes) == 2  # Ana Lopa (PER), Brenn (ORG)
    assert f"background:{TYPE_COLORS['PER']}33" in boxes[0]
    assert f"background:{TYPE_COLORS['ORG']}33" in boxes[1]
    assert f"border-bottom:3px solid {TYPE_COLORS['LOC']}" in spans[4]
    assert ERROR_COLOR in spans[4] and "wrong_type" in spans[4]
    assert "italic" in spans[2] and "edited" in spans[2]
    assert "background" not in spans[3]
    assert html.count(">PER<") == 1  # one badge per entity, not per token
    assert "0.51" in html


def test_mismatched_lengths_fail_loudly():
    with pytest.raises(ValueError, match="2 entries for 3 tokens"):
        render_tokens(["a", "b", "c"], TokenMarks(pred=["O", "O"]))


def test_type_colours_are_stable_and_legend_lists_types():
    assert type_color("PER") == TYPE_COLORS["PER"]
    assert type_color("EVENT") == type_color("EVENT")
    legend = legend_html({"LOC", "PER"}, errors=False)
    assert "LOC" in legend and "PER" in legend and ERROR_COLOR not in legend
    assert "(no tokens)" in render_tokens([])


def test_the_legend_mentions_gold_only_when_there_is_gold():
    assert "gold" in legend_html({"PER"})
    assert "gold" not in legend_html({"PER"}, gold=False)
