"""The embedded default (what `make app` shows on a fresh clone): the degradation browser
lists every shipped pair × setting × perturbation and their seen / unseen slices. That
every page renders the shipped models is `test_pages.py`'s."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from xner.config import MODELS_DIR_ENV

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "models"

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def shipped(monkeypatch: pytest.MonkeyPatch) -> None:
    if not list(SHIPPED.glob("*/cell.json")):
        pytest.skip("no shipped grid cells")
    monkeypatch.setenv(MODELS_DIR_ENV, str(SHIPPED))


def test_degradation_browser_shows_every_shipped_cell() -> None:
    expected: dict[str, set[tuple[str, str, str]]] = {}
    for cell in SHIPPED.glob("*/cell.json"):
        facts = json.loads(cell.read_text("utf-8"))
        split = facts.get("split_policy", "xtreme")
        for perturbation in facts["perturbations"]:
            expected.setdefault(split, set()).add((facts["pair"], facts["setting"], perturbation))
    at = AppTest.from_file(str(ROOT / "pages" / "degradation.py"), default_timeout=180).run()
    assert not at.exception
    # One backbone by default (the pretrained one): backbones are never averaged.
    assert set(at.dataframe[0].value["backbone"]) == {"multilingual-e5-small"}
    # By default p1/p2 are read against each model's own training data (the paper's).
    default = set(at.dataframe[0].value["perturbation"])
    assert {"p1", "p2", "p1+p2"} <= default and not any("@" in p for p in default)
    at.radio(key="reading").set_value("both").run()
    at.multiselect(key="backbones").set_value([]).run()  # all: shown side by side
    assert not at.exception
    # One split policy at a time (the paper's first when runs use it), every cell of each.
    splits = sorted(expected, key=lambda split: split != "paper")
    for split in splits:
        if len(splits) > 1:
            at.radio(key="split").set_value(split).run()
            assert not at.exception
        table = at.dataframe[0].value
        shown = set(zip(table["pair"], table["setting"], table["perturbation"], strict=True))
        assert expected[split] <= shown, split
        # Coverage travels with every perturbed row: the share of sentences changed.
        perturbed = table[table["perturbation"] != "clean"]
        assert perturbed["sentence_share"].notna().all()
        assert (perturbed["sentence_share"] > 50).any()
        assert (perturbed["sentence_share"] < 50).any()
        source = next(c.value for c in at.caption if c.value.startswith("What produced"))
        assert "multilingual-e5-small (lora)" in source and f"{split} split" in source


def test_every_shipped_run_has_seen_and_unseen_slices_on_the_degradation_page() -> None:
    from xner.analysis.slicetable import load_slices, slice_cells
    from xner.evaluate.slices import SLICES

    table, missing = load_slices(SHIPPED)
    assert not missing, f"evaluations without slices: {missing[:3]}"
    evals = {str(p) for p in SHIPPED.glob("*/eval/*.json")}
    per_file = table.groupby(["run_path", "perturbation"])["slice"].apply(set)
    assert len(per_file) == len(evals)  # every evaluation of every shipped run
    assert all(found == {s.name for s in SLICES} for found in per_file)
    for path in evals:  # a backfill that could not reproduce a sentence says so
        unreproduced = json.loads(Path(path).read_text("utf-8"))["slices"].get("unreproduced", 0)
        assert unreproduced <= 5
    at = AppTest.from_file(str(ROOT / "pages" / "degradation.py"), default_timeout=180).run()
    assert not at.exception
    assert not any("hold no seen/unseen slices" in w.value for w in at.warning)
    splits = sorted(set(table["split"]), key=lambda split: split != "paper")
    for split in splits:  # the chart follows the page's split, one at a time
        if len(splits) > 1:
            at.radio(key="split").set_value(split).run()
            assert not at.exception
        spec = json.loads(next(c.proto.spec for c in at.get("plotly_chart") if c.key == "slices"))
        shown = set(spec["data"][0]["x"]) | set(spec["data"][1]["x"])
        expected = slice_cells(
            table[table["split"] == split], reference="own", backbones=["multilingual-e5-small"]
        )
        assert shown == set(expected["cell"]), split
    assert len(set(slice_cells(table, reference="own")["cell"])) >= 40


def test_the_paper_study_shows_all_its_pairs_on_the_degradation_page() -> None:
    """The shipped study (issue 13): its twelve local pairs, under the paper's split,
    all on the default view of the Degradation page, natively and by transfer."""
    from xner.experiments.spec import read_grid

    study = read_grid(ROOT / "configs" / "offline-e5-paper.yaml")
    assert len(study.pairs) == 12 and study.split_policy == "paper"
    at = AppTest.from_file(str(ROOT / "pages" / "degradation.py"), default_timeout=180).run()
    assert not at.exception
    assert at.radio(key="split").value == "paper"  # the paper's split first
    table = at.dataframe[0].value
    for setting in ("native", "transfer"):
        shown = set(table.loc[table["setting"] == setting, "pair"])
        assert shown == set(study.pairs), setting
