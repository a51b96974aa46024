"""The tidy results table: rows, drops, seeds, caching and the paper comparison, on
hand-written evaluation files in the store's layout (no training needed)."""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

import pandas as pd
import pytest

from xner import results as xr

TYPES = ("LOC", "ORG", "PER")


def score(f1: float, support: int = 10) -> dict:
    return {"precision": f1, "recall": f1, "f1": f1, "support": support, "predicted": support}


def interval(estimate: float, low: float, high: float) -> dict:
    return {"estimate": estimate, "low": low, "high": high, "level": 0.95}


def eval_record(run_id: str, perturbation: str, f1: float, clean: float | None) -> dict:
    """An eval file as the store writes it: result (+ degradation for perturbed sets)."""
    scores = {
        mode: {
            "mode": mode,
            "overall": score(f1),
            "macro": score(f1 / 2),
            "per_type": {t: score(f1 + i / 100) for i, t in enumerate(TYPES)},
        }
        for mode in ("strict", "nv-partial")
    }
    result = {
        "schema": 1,
        "run_id": run_id,
        "test_set": "panx/gl/test",
        "perturbation": perturbation,
        "n_sentences": 50,
        "n_tokens": 300,
        "headline": "strict",
        "scores": scores,
        "intervals": {
            "strict": {
                "mode": "strict",
                "micro_f1": interval(f1, f1 - 0.05, f1 + 0.05),
                "macro_f1": interval(f1 / 2, f1 / 2 - 0.05, f1 / 2 + 0.05),
                "per_type_f1": {t: interval(f1, f1 - 0.1, f1 + 0.1) for t in TYPES},
            }
        },
        "error_counts": {},
        "errors": [{"sentence_id": f"s{i}", "kind": "missed", "start": 0} for i in range(30)],
        "stray_starts": 0,
        "bootstrap": {"seed": 0, "n_resamples": 50, "level": 0.95},
    }
    degradation = None
    if clean is not None:
        drop = clean - f1
        low = drop - 0.02
        degradation = {
            "drops": {
                "strict": {
                    "mode": "strict",
                    "micro_f1": {
                        "clean": clean,
                        "perturbed": f1,
                        "absolute": interval(drop, low, drop + 0.02),
                        "relative": interval(drop / clean, low / clean, (drop + 0.02) / clean),
                        "significant": low > 0,
                    },
                    "macro_f1": {},
                    "per_type_f1": {},
                }
            }
        }
    return {"result": result, "degradation": degradation}


def write_run(
    root: Path,
    name: str,
    *,
    setting: str = "transfer",
    seed: int = 1,
    pair: tuple[str, str] = ("es", "ca"),
    backbone: str = "tiny",
    f1: dict[str, float] | None = None,
    split: str | None = None,
) -> Path:
    f1 = f1 or {"clean": 0.8, "p1": 0.6, "mask": 0.79}
    folder = root / name
    (folder / "eval").mkdir(parents=True)
    config = {
        "backbone": backbone,
        "hrl": pair[0],
        "lrl": pair[1],
        "setting": setting,
        "args": {"method": "full", "seed": seed},
        "run_id": f"id-{name}",
        **({"split_policy": split} if split else {}),
    }
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    for perturbation, value in f1.items():
        clean = None if perturbation == "clean" else f1["clean"]
        record = eval_record(f"id-{name}", perturbation, value, clean)
        path = folder / "eval" / f"panx-gl-test__{perturbation}.json"
        # indent=2 as the store writes it: the loader's fast path depends on that layout
        path.write_text(json.dumps(record, indent=2), encoding="utf-8")
    return folder


@pytest.fixture()
def runs(tmp_path: Path) -> Path:
    write_run(tmp_path, "a", seed=1)
    write_run(tmp_path, "b", seed=2, f1={"clean": 0.7, "p1": 0.4, "mask": 0.7})
    write_run(tmp_path, "c", setting="native", f1={"clean": 0.9, "p1": 0.85})
    return tmp_path


def micro(table: pd.DataFrame, **where: object) -> pd.DataFrame:
    chosen = table[(table["mode"] == "strict") & (table["type"] == "micro")]
    for column, value in where.items():
        chosen = chosen[chosen[column] == value]
    return chosen


def test_one_row_per_run_test_perturbation_mode_and_type(runs: Path) -> None:
    table = xr.load_results(runs)
    assert list(table.columns) == list(xr.COLUMNS)
    # 8 evaluations x 2 modes x (micro, macro, 3 types)
    assert len(table) == 8 * 2 * 5
    row = micro(table, run_id="id-a", perturbation="clean").iloc[0]
    assert (row["pair"], row["hrl"], row["lrl"], row["setting"]) == (
        "es-ca",
        "es",
        "ca",
        "transfer",
    )
    assert row["relation"] == "genetic"
    assert row["f1"] == pytest.approx(0.8)
    assert (row["f1_low"], row["f1_high"]) == (pytest.approx(0.75), pytest.approx(0.85))
    assert math.isnan(row["drop"]) and pd.isna(row["significant"])
    assert set(table["type"]) == {"micro", "macro", *TYPES}


def test_drops_come_from_the_clean_row_with_stored_intervals(runs: Path) -> None:
    table = xr.load_results(runs)
    p1 = micro(table, run_id="id-a", perturbation="p1").iloc[0]
    assert p1["drop"] == pytest.approx(0.2)
    assert p1["drop_rel"] == pytest.approx(0.25)
    assert (p1["drop_low"], p1["drop_high"]) == (pytest.approx(0.18), pytest.approx(0.22))
    assert bool(p1["significant"]) is True
    mask = micro(table, run_id="id-b", perturbation="mask").iloc[0]
    assert mask["drop"] == pytest.approx(0.0) and bool(mask["significant"]) is False
    # modes without a stored paired bootstrap still get the point drop, no interval
    partial = table[
        (table["mode"] == "nv-partial")
        & (table["type"] == "PER")
        & (table["run_id"] == "id-a")
        & (table["perturbation"] == "p1")
    ].iloc[0]
    assert partial["drop"] == pytest.approx(0.2)
    assert math.isnan(partial["drop_low"]) and pd.isna(partial["significant"])


def test_aggregate_seeds_gives_mean_and_range(runs: Path) -> None:
    table = xr.filter_results(xr.load_results(runs), settings=["transfer"])
    cells = xr.aggregate_seeds(table)
    p1 = micro(cells, perturbation="p1").iloc[0]
    assert p1["n_seeds"] == 2
    assert p1["f1"] == pytest.approx(0.5)
    assert (p1["f1_min"], p1["f1_max"]) == (pytest.approx(0.4), pytest.approx(0.6))
    assert (p1["drop_min"], p1["drop_max"]) == (pytest.approx(0.2), pytest.approx(0.3))
    assert p1["n_significant"] == 2
    assert xr.aggregate_seeds(table.iloc[0:0]).empty


def test_filter_matrix_types_and_headline(runs: Path) -> None:
    table = xr.load_results(runs)
    matrix = xr.drop_matrix(table)
    assert list(matrix.columns) == ["p1", "mask"]  # the declared order: the paper's kinds first
    assert list(matrix.index) == ["es→ca · native", "es→ca · transfer"]
    assert matrix.loc["es→ca · transfer", "p1"] == pytest.approx(0.25)
    assert math.isnan(matrix.loc["es→ca · native", "mask"])
    relative = xr.drop_matrix(table, relative=True)
    assert relative.loc["es→ca · native", "p1"] == pytest.approx(0.05 / 0.9)
    types = xr.type_scores(xr.filter_results(table, settings=["native"]))
    assert list(types["type"][:3]) == list(TYPES) and types["perturbation"].iloc[0] == "clean"
    assert types.loc[types["type"] == "PER", "f1"].tolist() == pytest.approx([0.92, 0.87])
    headline = xr.headline_rows(table).set_index("setting")
    assert headline.loc["transfer", "clean"] == pytest.approx(0.75)
    assert headline.loc["transfer", "perturbed"] == pytest.approx((0.6 + 0.79 + 0.4 + 0.7) / 4)
    assert headline.loc["native", "n_perturbations"] == 1
    assert xr.options(table, "perturbation") == ["clean", "mask", "p1"]
    assert xr.options(table, "type")[:2] == ["micro", "macro"]


def test_csv_export_round_trips(runs: Path) -> None:
    table = xr.load_results(runs)
    back = pd.read_csv(__import__("io").StringIO(xr.to_csv(table)))
    assert list(back.columns) == list(xr.COLUMNS)
    assert back["f1"].tolist() == pytest.approx(table["f1"].tolist())


def test_cache_follows_file_changes_and_reports_broken_files(runs: Path) -> None:
    before = xr.load_results(runs)
    signature = xr.results_signature(runs)
    path = runs / "a" / "eval" / "panx-gl-test__p1.json"
    record = eval_record("id-a", "p1", 0.1, 0.8)
    path.write_text(json.dumps(record, indent=2), encoding="utf-8")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert xr.results_signature(runs) != signature
    after = xr.load_results(runs)
    assert micro(after, run_id="id-a", perturbation="p1")["f1"].iloc[0] == pytest.approx(0.1)
    assert micro(before, run_id="id-a", perturbation="p1")["f1"].iloc[0] == pytest.approx(0.6)
    (runs / "b" / "eval" / "panx-gl-test__mask.json").write_text("{not json", encoding="utf-8")
    table, report = xr.load_results_with_report(runs)
    assert report.runs == 3 and report.evaluations == 7
    assert len(report.problems) == 1 and "panx-gl-test__mask.json" in report.problems[0]
    assert len(table) == 7 * 10


def test_grid_subfolders_are_found_and_missing_dirs_are_empty(tmp_path: Path) -> None:
    write_run(tmp_path / "smoke-tiny", "x")
    (tmp_path / "not-a-run").mkdir()
    assert [p.name for p in xr.run_dirs(tmp_path)] == ["x"]
    assert len(xr.load_results(tmp_path)) == 30
    empty = xr.load_results(tmp_path / "nowhere")
    assert empty.empty and list(empty.columns) == list(xr.COLUMNS)


def test_overlap_points_and_reference(runs: Path) -> None:
    table = xr.load_results(runs)
    points = xr.overlap_points(table, {"es-ca": 0.4})
    assert len(points) == 3 and set(points["overlap"]) == {0.4}
    transfer_p1 = points[(points["setting"] == "transfer") & (points["perturbation"] == "p1")]
    assert transfer_p1["drop"].iloc[0] == pytest.approx(0.25)
    assert xr.overlap_points(table, {}).attrs["missing"] == ["es-ca"]
    assert xr.attach_overlap(table, {"es-ca": 0.4})["entity_overlap"].eq(0.4).all()
    reference = xr.reference_drops(perturbations=["p1"])
    assert set(reference["perturbation"]) == {"p1"}
    fr_br = reference[(reference["pair"] == "fr-br") & (reference["setting"] == "native")]
    assert fr_br["overlap"].iloc[0] == pytest.approx(0.23)
    assert (fr_br["drop"].between(-1, 1)).all()


def test_reference_comparison_labels_sources_and_hub_only(runs: Path) -> None:
    table = xr.load_results(runs)
    rows = xr.reference_comparison(table, pairs=["es-ca", "fr-br"], availability={"fr-br": "hub"})
    paper = rows[rows["source"] == "paper"]
    ours = rows[rows["source"] == "xner"]
    assert set(paper["pair"]) == {"es-ca", "fr-br"} and set(paper["split"]) == {xr.PAPER_SPLIT}
    assert set(ours["split"]) == {xr.ours_split_label()} and "PAN-X" in xr.ours_split_label()
    clean = ours[(ours["setting"] == "transfer") & (ours["perturbation"] == "clean")].iloc[0]
    assert clean["f1"] == pytest.approx(75.0) and clean["n_seeds"] == 2
    assert (clean["f1_min"], clean["f1_max"]) == (pytest.approx(70.0), pytest.approx(80.0))
    assert "mask" not in set(rows["perturbation"])  # only the paper's four test sets
    assert set(rows.loc[rows["pair"] == "fr-br", "note"]) == {
        "data is hub-only here: xner runs need the Hugging Face hub"
    }


def test_runs_of_each_split_policy_stay_apart(tmp_path: Path) -> None:
    write_run(tmp_path, "x", f1={"clean": 0.8, "p1+p2": 0.6})
    write_run(tmp_path, "p", split="paper", f1={"clean": 0.9, "p1+p2": 0.5})
    table = xr.load_results(tmp_path)
    assert set(table["split"]) == {"xtreme", "paper"} and xr.main_split(table) == "paper"
    rows = xr.reference_comparison(table, pairs=["es-ca"])
    ours = rows[(rows["source"] == "xner") & (rows["perturbation"] == "clean")]
    assert sorted(ours["f1"].round(1)) == [80.0, 90.0]  # never averaged across splits
    assert any("paper split" in label for label in ours["split"])
    paper_rows = xr.reference_comparison(table[table["split"] == "paper"], pairs=["es-ca"])
    wide = xr.side_by_side(paper_rows, "transfer", "p1+p2")
    [row] = wide.to_dict("records")
    assert row["pair"] == "es→ca" and row["xner clean F1 (95% CI)"].startswith("90.0")
    assert row["xner p1+p2 drop (95% CI)"].startswith("40.0")
    # the paper's es→ca transfer: clean 85.1 / 82.6, p1+p2 drops published beside ours
    assert row["paper clean F1 (mBERT / XLM-R)"] == "85.1 / 82.6"
    assert row["paper overlap %"] == pytest.approx(37.0)


def test_two_hundred_runs_load_fast(tmp_path: Path) -> None:
    for index in range(200):
        write_run(tmp_path, f"run{index:03d}", seed=index)
    started = time.perf_counter()
    table = xr.load_results(tmp_path)
    first = time.perf_counter() - started
    started = time.perf_counter()
    xr.load_results(tmp_path)
    again = time.perf_counter() - started
    assert len(table) == 200 * 3 * 10
    print(f"200 runs x 3 evals: first load {first:.3f} s, cached {again:.3f} s")
    # generous bounds for a shared CI core; the numbers are printed for the report
    assert first < 5 and again < 1.5


def test_provenance_names_backbones_methods_sizes_and_split() -> None:
    from xner.results import provenance

    rows = pd.DataFrame(
        {
            "run_path": ["a", "a", "b", "c"],
            "backbone": ["e5", "e5", "e5", "scratch-char"],
            "method": ["lora", "lora", "lora", "full"],
            "test_set": ["panx/fa/test", "panx/fa/test", "panx/hi/test", "panx/fa/test"],
            "perturbation": ["clean", "p1", "clean", "clean"],
            "n_sentences": [2000, 2000, 1000, 2000],
        }
    )
    text = provenance(rows)
    assert text.startswith("3 runs; backbones: e5 (lora), scratch-char (full); 2 test sets")
    assert "(1,000–2,000 sentences each)" in text and "labelled dev file" in text
    assert provenance(rows.iloc[0:0]) == "No evaluated runs."


def test_coverage_and_readings_reach_the_table(tmp_path: Path) -> None:
    folder = write_run(tmp_path, "a", f1={"clean": 0.8, "p1": 0.6, "p1@hrl": 0.8, "mask": 0.3})
    coverage = {
        "p1": (40, 100, 35, 50),
        "p1@hrl": (0, 100, 0, 50),
        "mask": (100, 100, 48, 50),
    }
    for name, (replaced, total, changed, sentences) in coverage.items():
        path = folder / "eval" / f"panx-gl-test__{name}.json"
        record = json.loads(path.read_text("utf-8"))
        record["coverage"] = {
            "reference": {"p1": "own", "p1@hrl": "hrl"}.get(name),
            "mentions_total": total,
            "mentions_replaced": replaced,
            "o_tokens_total": 200,
            "o_tokens_replaced": 0,
            "sentences_total": sentences,
            "sentences_changed": changed,
        }
        path.write_text(json.dumps(record, indent=2), encoding="utf-8")
    table = xr.load_results(tmp_path)
    rows = micro(table).set_index("perturbation")
    assert rows.loc["p1", "mention_share"] == pytest.approx(0.4)
    assert rows.loc["p1", "sentence_share"] == pytest.approx(0.7)
    assert rows.loc["p1", "reference"] == "own" and rows.loc["p1@hrl", "reference"] == "hrl"
    assert math.isnan(rows.loc["clean", "mention_share"])
    assert rows.loc["p1@hrl", "sentence_share"] < xr.NOT_PERTURBED
    shares = xr.coverage_matrix(table)
    assert shares.loc["es→ca · transfer", "p1@hrl"] == 0.0
    assert xr.aggregate_seeds(micro(table))["sentence_share"].notna().sum() == 3
    # readings: plain p1 is read against the model's own data, p1@hrl against the HRL's
    assert [xr.reading_of(p) for p in ("clean", "p1", "p1@hrl", "p1+p2", "mask")] == [
        None,
        "own",
        "hrl",
        "own",
        None,
    ]
    kinds = ["p1", "p1@hrl", "mask"]
    assert xr.in_reading(kinds, "own") == ["p1", "mask"]
    assert xr.in_reading(kinds, "hrl") == ["p1@hrl", "mask"]
    assert xr.in_reading(kinds, None) == kinds


def test_significance_matrix_is_the_share_of_runs_with_a_significant_drop(runs: Path) -> None:
    table = xr.load_results(runs)
    sure = xr.coverage_matrix(table, share="significant")
    # es→ca transfer: seed 1 drops p1 by 0.2 (interval above 0), seed 2 by 0.3: both
    assert sure.loc["es→ca · transfer", "p1"] == pytest.approx(1.0)
