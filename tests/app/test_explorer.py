"""AppTest: the sentence explorer renders a tiny run and its filters change the list."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from xner.app.explorer import explore_run, filter_views, kind_counts
from xner.config import MODELS_DIR_ENV
from xner.evaluate import ERROR_KINDS

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "explorer.py")


@pytest.fixture(scope="module")
def runs(tiny_runs: Callable[..., Path]) -> Path:
    return tiny_runs("app-explorer", settings=("transfer",), perturbations=("p1", "mask"))


def matching(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "sentences match" in m.value)


def test_explorer_shows_clean_beside_perturbed_and_filters(runs: Path):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert at.selectbox[1].value.perturbation == "mask"  # a perturbation is chosen first
    html = [m.value for m in at.markdown if "xner-sentence" in m.value]
    assert any("perturbed (mask)" in h for h in html) and any("[MASK]" in h for h in html)
    total = matching(at)
    assert total.startswith("**9** of 9")
    # The page shows what xner.app.explorer's filter gives, and the filter narrows the list.
    exploration = explore_run(at.selectbox[0].value, at.selectbox[1].value)
    counts = kind_counts(exploration.views, "perturbed")
    kind = min(ERROR_KINDS, key=lambda k: counts.get(k, 0))
    expected = len(filter_views(exploration.views, kinds=[kind], side="perturbed"))
    assert expected < 9
    at.multiselect[0].set_value([kind]).run()  # error kind
    assert not at.exception
    assert matching(at).startswith(f"**{expected}** of 9")
    at.multiselect[0].set_value([]).run()
    at.multiselect[1].set_value(["LOC"]).run()  # entity type
    assert not at.exception
    expected = len(filter_views(exploration.views, types=["LOC"]))
    assert matching(at).startswith(f"**{expected}** of 9")
    at.multiselect[1].set_value([]).run()
    at.checkbox[0].check().run()  # only sentences the perturbation changed
    assert not at.exception
    assert all("changed" in m.value for m in at.markdown if m.value.startswith("`"))


def test_explorer_clean_set_has_no_perturbed_column(runs: Path):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    index = next(i for i, label in enumerate(at.selectbox[1].options) if "· clean" in label)
    at.selectbox[1].select_index(index).run()
    assert not at.exception
    html = [m.value for m in at.markdown if "xner-sentence" in m.value]
    assert html and not any("perturbed (" in h for h in html)
    assert not at.checkbox  # "only changed" needs a perturbation


def test_explorer_without_runs_says_how_to_get_them(
    runs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv(MODELS_DIR_ENV, str(tmp_path / "none"))
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert "xner grid configs/smoke-tiny.yaml" in at.info[0].value


def test_the_explorer_refreshes_after_a_re_evaluation(
    runs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import shutil

    from xner.evaluate.runner import EvalSettings, evaluate_checkpoint

    folder = tmp_path / "models"
    shutil.copytree(runs, folder)
    monkeypatch.setenv(MODELS_DIR_ENV, str(folder))
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    before = list(at.selectbox[1].options)
    assert not any("typos" in option for option in before)
    evaluate_checkpoint(at.selectbox[0].value, EvalSettings(perturbations=("p1", "mask", "typos")))
    at.run()  # the same session: cached sets must not hide the new evaluation
    assert not at.exception
    assert any("typos" in option for option in at.selectbox[1].options)


def test_entity_changes_per_sentence_and_over_the_run(runs: Path):
    from xner.app.explorer import change_counts, entity_changes

    at = AppTest.from_file(PAGE, default_timeout=60).run()  # mask: every sentence changed
    assert not at.exception
    exploration = explore_run(at.selectbox[0].value, at.selectbox[1].value)
    totals, n_changed = change_counts(exploration.views)
    assert n_changed == 9
    summary = next(c.value for c in at.caption if c.value.startswith("Predicted entities"))
    assert f"in the {n_changed} sentences" in summary
    for kind, n in totals.items():
        assert f"**{kind}** {n}" in summary
    lines = [c.value for c in at.caption if c.value.startswith("Entities: ")]
    expected = [f"Entities: {entity_changes(v).line()}" for v in exploration.views]
    assert lines == expected  # one line per changed sentence, in page order


def test_gold_mention_filter_seen_and_unseen(runs: Path):
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert at.selectbox(key="explorer_slice").options == [
        "any",
        "seen in its own training data",
        "unseen in its own training data",
        "seen in the HRL training data",
        "unseen in the HRL training data",
    ]
    at.radio(key="explorer_side").set_value("clean").run()
    # A transfer run's own data is es train: "Ana Lopa", "Zetacorp" and "Tamsa" are in it
    # (every gl test sentence has one of them); "Brenn..." and "Xoan" are not (6 of 9).
    at.selectbox(key="explorer_slice").set_value("seen-own").run()
    assert not at.exception and matching(at).startswith("**9** of 9")
    at.selectbox(key="explorer_slice").set_value("unseen-own").run()
    assert matching(at).startswith("**6** of 9")
    # On the masked side every mention reads [MASK]: none was seen.
    at.radio(key="explorer_side").set_value("perturbed").run()
    assert matching(at).startswith("**9** of 9")
    at.selectbox(key="explorer_slice").set_value("seen-own").run()
    assert matching(at).startswith("**0** of 9")
