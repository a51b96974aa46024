"""What a person sees of right-to-left sentences, measured in headless Chromium: the
token HTML the app draws (`xner.viz.tokens.render_tokens`) laid out by a real browser,
with wrapped lines, entities, [MASK] tokens, Latin names, badges and confidences.

For every line of a right-to-left sentence the tokens stand right to left in their
logical order; inside a Latin entity box they read left to right; each badge sits inside
its entity's box; wrapped lines are right-aligned. Needs chromium + chromedriver and
selenium (skipped with the reason otherwise).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from xner.viz.tokens import TokenMarks, render_tokens

from .conftest import chromium_flags

DRIVER = os.environ.get("XNER_CHROMEDRIVER", "/usr/bin/chromedriver")
pytestmark = pytest.mark.browser
selenium = pytest.importorskip("selenium", reason="selenium is not installed")
if not Path(DRIVER).is_file() or not (shutil.which("chromium") or shutil.which("chromium-browser")):
    pytest.skip(
        f"chromium or chromedriver ({DRIVER}) is absent: apt-get install chromium chromium-driver",
        allow_module_level=True,
    )

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402


def _words(text: str) -> list[str]:
    return text.split()


# Made-up sentences (tokens, predicted tags), one per right-to-left script, each with an
# entity, a Latin name and a placeholder; several long enough to wrap.
SENTENCES = {
    "persian": (
        _words("احمد رضایی در شرکت Nour Tech در تهران کار می‌کند و [MASK] هم آنجاست ."),
        _words("B-PER I-PER O O B-ORG I-ORG O B-LOC O O O O O O O"),
    ),
    "arabic": (
        _words("سافر كريم إلى مدينة حلب مع فريق Blue Star للكرة ( 2024 ) ."),
        _words("O B-PER O O B-LOC O O B-ORG I-ORG O O O O O"),
    ),
    "urdu": (
        _words("[MASK] [MASK] نے لاہور میں Green Valley اسکول کھولا"),
        _words("B-PER I-PER O B-LOC O B-ORG I-ORG I-ORG O"),
    ),
    "hebrew": (
        _words("דוד כהן עובד בחברת Red Bird בירושלים מאז שנת 2010 ."),
        _words("B-PER I-PER O O B-ORG I-ORG B-LOC O O O O"),
    ),
}

# For each token: its rectangle, the box (entity isolate) it sits in, and each badge's
# rectangle with its box's.
MEASURE = """
const out = [];
for (const sentence of document.querySelectorAll('.xner-sentence')) {
  const rect = sentence.getBoundingClientRect();
  const tokens = [...sentence.querySelectorAll('.xner-tok')].map(t => {
    const r = t.getBoundingClientRect();
    const box = t.closest('.xner-ent');
    return {i: +t.dataset.i, text: t.textContent, x: r.left, right: r.right,
            y: Math.round(r.top), box: box ? box.dataset.type + ':' + box.textContent : null,
            unitRight: box ? box.getBoundingClientRect().right : r.right,
            boxDir: box ? box.dir : null};
  });
  const badges = [...sentence.querySelectorAll('.xner-badge')].map(b => {
    const r = b.getBoundingClientRect(), q = b.closest('.xner-ent').getBoundingClientRect();
    return {x: r.left, right: r.right, top: r.top, boxLeft: q.left, boxRight: q.right,
            boxTop: q.top, boxBottom: q.bottom};
  });
  out.push({name: sentence.dataset.name, left: rect.left, right: rect.right, tokens, badges});
}
return out;
"""


@pytest.fixture(scope="module")
def laid_out(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[dict]]:
    folder = tmp_path_factory.mktemp("rtl")
    blocks = []
    for name, (tokens, tags) in SENTENCES.items():
        confidence = [0.5 + 0.01 * i for i in range(len(tokens))]
        html = render_tokens(
            tokens, TokenMarks(pred=tags, confidence=confidence), show_confidence=True
        )
        blocks.append(
            html.replace('class="xner-sentence"', f'data-name="{name}" class="xner-sentence"', 1)
        )
    page = folder / "rtl.html"
    page.write_text(
        '<!doctype html><html><head><meta charset="utf-8"></head>'
        '<body style="width:360px;font:16px sans-serif">' + "".join(blocks) + "</body></html>",
        encoding="utf-8",
    )
    options = webdriver.ChromeOptions()
    for flag in chromium_flags(folder / "profile"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        driver.get(page.as_uri())
        yield driver.execute_script(MEASURE)
    finally:
        driver.quit()


def _lines(tokens: list[dict]) -> list[list[dict]]:
    rows: dict[int, list[dict]] = {}
    for token in tokens:
        rows.setdefault(token["y"], []).append(token)
    return [rows[y] for y in sorted(rows)]


@pytest.mark.parametrize("name", sorted(SENTENCES))
def test_words_stand_right_to_left_in_logical_order(laid_out: list[dict], name: str) -> None:
    (sentence,) = [s for s in laid_out if s["name"] == name]
    tokens = sentence["tokens"]
    assert [t["i"] for t in tokens] == list(range(len(SENTENCES[name][0])))
    lines = _lines(tokens)
    assert len(lines) >= 2 or name == "urdu"  # the long ones wrap at 360 px
    previous_last = -1
    for line in lines:
        # Units read right to left: an entity box is one unit, its inside in its own order.
        units: list[list[dict]] = []
        for token in sorted(line, key=lambda t: t["i"]):
            if units and token["box"] and units[-1][0]["box"] == token["box"]:
                units[-1].append(token)
            else:
                units.append([token])
        rights = [max(t["unitRight"] for t in unit) for unit in units]
        assert rights == sorted(rights, reverse=True), (name, [u[0]["text"] for u in units])
        for unit in units:
            inside = [t["x"] for t in unit]
            latin = unit[0]["boxDir"] == "ltr"  # a Latin name: left to right in its box
            assert inside == sorted(inside, reverse=not latin), [t["text"] for t in unit]
        assert line[0]["i"] > previous_last or line is lines[0]
        previous_last = max(t["i"] for t in line)
        # right-aligned: the line's first unit touches the right edge
        assert sentence["right"] - rights[0] < 12, (name, units[0][0], sentence["right"])


@pytest.mark.parametrize("name", sorted(SENTENCES))
def test_each_badge_sits_inside_its_entity_box(laid_out: list[dict], name: str) -> None:
    (sentence,) = [s for s in laid_out if s["name"] == name]
    expected = sum(tag.startswith("B-") for tag in SENTENCES[name][1])
    assert len(sentence["badges"]) == expected
    for badge in sentence["badges"]:
        assert badge["boxLeft"] - 1 <= badge["x"] and badge["right"] <= badge["boxRight"] + 1
        assert badge["boxTop"] - 1 <= badge["top"] <= badge["boxBottom"]
