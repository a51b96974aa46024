"""The tidy results table: rows, drops, seeds, caching, export and the main split, on
hand-written evaluation files in the store's layout (no training needed)."""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from xner.analysis.table import (
    COLUMNS,
    NOT_PERTURBED,
    aggregate_seeds,
    filter_results,
    in_split,
    load_results,
    load_results_with_report,
    results_signature,
    to_csv,
)
from xner.analysis.views import coverage_matrix, in_reading, reading_of
from xner.runs.layout import find_runs


def test_one_row_per_run_test_perturbation_mode_and_type(
    runs: Path, micro: Callable[..., pd.DataFrame], entity_types: tuple[str, ...]
) -> None:
    table = load_results(runs)
    assert list(table.columns) == list(COLUMNS)
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
    assert set(table["type"]) == {"micro", "macro", *entity_types}


def test_drops_come_from_the_clean_row_with_stored_intervals(
    runs: Path, micro: Callable[..., pd.DataFrame]
) -> None:
    table = load_results(runs)
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


def test_aggregate_seeds_gives_mean_and_range(
    runs: Path, micro: Callable[..., pd.DataFrame]
) -> None:
    table = filter_results(load_results(runs), settings=["transfer"])
    cells = aggregate_seeds(table)
    p1 = micro(cells, perturbation="p1").iloc[0]
    assert p1["n_seeds"] == 2
    assert p1["f1"] == pytest.approx(0.5)
    assert (p1["f1_min"], p1["f1_max"]) == (pytest.approx(0.4), pytest.approx(0.6))
    assert (p1["drop_min"], p1["drop_max"]) == (pytest.approx(0.2), pytest.approx(0.3))
    assert p1["n_significant"] == 2
    assert aggregate_seeds(table.iloc[0:0]).empty


def test_csv_export_round_trips(runs: Path) -> None:
    table = load_results(runs)
    back = pd.read_csv(__import__("io").StringIO(to_csv(table)))
    assert list(back.columns) == list(COLUMNS)
    assert back["f1"].tolist() == pytest.approx(table["f1"].tolist())


def test_cache_follows_file_changes_and_reports_broken_files(
    runs: Path, make_record: Callable[..., dict], micro: Callable[..., pd.DataFrame]
) -> None:
    before = load_results(runs)
    signature = results_signature(runs)
    path = runs / "a" / "eval" / "panx-gl-test__p1.json"
    record = make_record("id-a", "p1", 0.1, 0.8)
    path.write_text(json.dumps(record, indent=2), encoding="utf-8")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert results_signature(runs) != signature
    after = load_results(runs)
    assert micro(after, run_id="id-a", perturbation="p1")["f1"].iloc[0] == pytest.approx(0.1)
    assert micro(before, run_id="id-a", perturbation="p1")["f1"].iloc[0] == pytest.approx(0.6)
    (runs / "b" / "eval" / "panx-gl-test__mask.json").write_text("{not json", encoding="utf-8")
    table, report = load_results_with_report(runs)
    assert report.runs == 3 and report.evaluations == 7
    assert len(report.problems) == 1 and "panx-gl-test__mask.json" in report.problems[0]
    assert len(table) == 7 * 10


def test_grid_subfolders_are_found_and_missing_dirs_are_empty(
    tmp_path: Path, make_run: Callable[..., Path]
) -> None:
    make_run(tmp_path / "smoke-tiny", "x")
    (tmp_path / "not-a-run").mkdir()
    assert [p.name for p in find_runs(tmp_path)] == ["x"]
    assert len(load_results(tmp_path)) == 30
    empty = load_results(tmp_path / "nowhere")
    assert empty.empty and list(empty.columns) == list(COLUMNS)


def test_two_hundred_runs_load_fast(tmp_path: Path, make_run: Callable[..., Path]) -> None:
    for index in range(200):
        make_run(tmp_path, f"run{index:03d}", seed=index)
    started = time.perf_counter()
    table = load_results(tmp_path)
    first = time.perf_counter() - started
    started = time.perf_counter()
    load_results(tmp_path)
    again = time.perf_counter() - started
    assert len(table) == 200 * 3 * 10
    print(f"200 runs x 3 evals: first load {first:.3f} s, cached {again:.3f} s")
    # generous bounds for a shared CI core; the numbers are printed for the report
    assert first < 5 and again < 1.5


def test_coverage_and_readings_reach_the_table(
    tmp_path: Path, make_run: Callable[..., Path], micro: Callable[..., pd.DataFrame]
) -> None:
    folder = make_run(tmp_path, "a", f1={"clean": 0.8, "p1": 0.6, "p1@hrl": 0.8, "mask": 0.3})
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
    table = load_results(tmp_path)
    rows = micro(table).set_index("perturbation")
    assert rows.loc["p1", "mention_share"] == pytest.approx(0.4)
    assert rows.loc["p1", "sentence_share"] == pytest.approx(0.7)
    assert rows.loc["p1", "reference"] == "own" and rows.loc["p1@hrl", "reference"] == "hrl"
    assert math.isnan(rows.loc["clean", "mention_share"])
    assert rows.loc["p1@hrl", "sentence_share"] < NOT_PERTURBED
    shares = coverage_matrix(table)
    assert shares.loc["es→ca · transfer", "p1@hrl"] == 0.0
    assert aggregate_seeds(micro(table))["sentence_share"].notna().sum() == 3
    # readings: plain p1 is read against the model's own data, p1@hrl against the HRL's
    assert [reading_of(p) for p in ("clean", "p1", "p1@hrl", "p1+p2", "mask")] == [
        None,
        "own",
        "hrl",
        "own",
        None,
    ]
    kinds = ["p1", "p1@hrl", "mask"]
    assert in_reading(kinds, "own") == ["p1", "mask"]
    assert in_reading(kinds, "hrl") == ["p1@hrl", "mask"]
    assert in_reading(kinds, None) == kinds


def test_in_split_keeps_one_split_policy(tmp_path: Path, make_run: Callable[..., Path]) -> None:
    make_run(tmp_path, "x", f1={"clean": 0.8, "p1": 0.6})
    make_run(tmp_path, "p", split="paper", f1={"clean": 0.9, "p1": 0.5})
    table = load_results(tmp_path)
    assert set(in_split(table)["split"]) == {"paper"}  # main_split: the paper's
    assert set(in_split(table, "xtreme")["split"]) == {"xtreme"}
    assert in_split(table.iloc[0:0]).empty
