"""AppTest: the degradation browser renders from real tiny runs and its widgets change it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "degradation.py")


@pytest.fixture(scope="module")
def runs(tiny_runs: Callable[..., Path]) -> Path:
    return tiny_runs("app-results")


def charts(at: AppTest) -> list[str]:
    # the specs escape non-ASCII characters; decode them so labels compare as written
    return [
        json.dumps(json.loads(chart.proto.spec), ensure_ascii=False)
        for chart in at.get("plotly_chart")
    ]


def test_renders_heatmap_bars_scatter_and_table(runs: Path) -> None:
    started = time.perf_counter()
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    print(f"degradation first render: {time.perf_counter() - started:.2f} s")
    assert not at.exception
    # drops (mask on its own scale, a second heatmap), type bars, overlap scatter
    keys = [chart.key for chart in at.get("plotly_chart")]
    assert keys == ["heatmap-", "heatmap--mask", "types-", "slices", "scatter"]
    assert "es→gl · transfer" in charts(at)[0]
    table = at.dataframe[0].value
    assert set(table["perturbation"]) == {"clean", "p1", "mask"}
    assert set(table["setting"]) == {"native", "transfer"}
    source = next(c.value for c in at.caption if c.value.startswith("What produced"))
    assert "2 runs; backbones: tiny (full)" in source and "PAN-X" in source
    # overlap: published where the paper has a value, else computed (es→gl: computed)
    scatter = chart(at, "scatter")
    assert "else computed" in scatter["layout"]["title"]["text"]
    assert [t["xaxis"] for t in scatter["data"]] == ["x", "x2"]  # a facet per setting
    at.radio(key="overlap_source").set_value("published (paper's split)").run()
    assert not at.exception
    assert any("No overlap value for es-gl: not in the paper" in c.value for c in at.caption)


def test_widgets_change_the_view(runs: Path) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    before = charts(at)
    started = time.perf_counter()
    at.radio(key="drop").set_value("relative").run()
    print(f"degradation rerun (relative drop): {time.perf_counter() - started:.2f} s")
    assert not at.exception
    assert "% of clean F1" in charts(at)[0] and before[0] != charts(at)[0]
    at.multiselect(key="perturbations-own").set_value(["p1"]).run()
    assert not at.exception
    assert set(at.dataframe[0].value["perturbation"]) == {"clean", "p1"}
    at.selectbox(key="mode").set_value("nv-partial").run()
    assert set(at.dataframe[0].value["mode"]) == {"nv-partial"}
    at.radio(key="compare").set_value("two settings").run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 6  # two heatmaps, two bar charts, slices, scatter
    assert "native" in charts(at)[0] and "transfer" in charts(at)[1]
    at.multiselect(key="perturbations-own").set_value([]).run()
    assert not at.exception and "select at least one perturbation" in at.info[0].value


def chart(at: AppTest, key: str) -> dict:
    return json.loads(next(c.proto.spec for c in at.get("plotly_chart") if c.key == key))


def test_seen_vs_unseen_chart_shows_the_stored_slices(runs: Path) -> None:
    from xner.analysis.slicetable import load_slices, slice_cells
    from xner.viz.palette import SLICE_COLORS

    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    table, missing = load_slices(runs)
    assert not missing  # every evaluation of the tiny runs stored its slices
    for reference, test_set in (("own", "clean"), ("hrl", "p1")):
        at.radio(key="slice_reference").set_value(reference).run()
        at.selectbox(key="slice_test").set_value(test_set).run()
        assert not at.exception
        spec = chart(at, "slices")
        expected = slice_cells(table, reference=reference, perturbation=test_set)
        assert [t["name"] for t in spec["data"]] == ["seen", "unseen"]
        assert [t["marker"]["color"] for t in spec["data"]] == [
            SLICE_COLORS["seen"],
            SLICE_COLORS["unseen"],
        ]
        assert test_set in spec["layout"]["title"]["text"]
        for trace, seen in zip(spec["data"], (True, False), strict=True):
            rows = expected[expected["seen"] == seen]
            assert trace["x"] == rows["cell"].tolist()
            for y, text, f1, gold in zip(
                trace["y"], trace["text"], rows["f1"], rows["gold"], strict=True
            ):
                if gold:  # F1 in points; the bar says how many gold mentions
                    assert y == pytest.approx(100 * f1) and text == str(gold)
                else:
                    assert y is None and text == "no mentions"
    # native (own = gl train, which holds the test's names) sees mentions; transfer's
    # own data (es train) shares only some
    own = slice_cells(table, reference="own")
    seen = own[own["seen"]].set_index("cell")["gold"]
    assert seen["es→gl · native"] > seen["es→gl · transfer"]


def test_missing_folder_and_empty_folder_say_what_to_do(tmp_path: Path) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    at.sidebar.text_input[0].set_value(str(tmp_path / "nowhere")).run()
    assert not at.exception and "xner grid configs/smoke-tiny.yaml" in at.warning[0].value
    at.sidebar.text_input[0].set_value(str(tmp_path)).run()
    assert not at.exception and "No evaluated runs" in at.info[0].value


def test_metric_modes_are_the_stored_ones_described_as_declared(runs: Path) -> None:
    from xner.analysis.table import load_results, options
    from xner.app.controls import registry_help, summary
    from xner.evaluate.metrics import MODES

    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    mode = at.selectbox(key="mode")
    stored = options(load_results(runs), "mode")
    assert mode.options == stored and mode.value == stored[0] == "strict"  # headline first
    assert mode.help == registry_help(MODES, stored)
    for name in stored:  # every stored mode has its declared description in the help
        assert f"- **{name}**: {summary(MODES[name])}" in mode.help
