"""Shared by the analysis tests: hand-written run folders in the store's layout (config.json
and eval/*.json as the runner writes them), so the tables load without training."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

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


def micro_rows(table: pd.DataFrame, **where: object) -> pd.DataFrame:
    chosen = table[(table["mode"] == "strict") & (table["type"] == "micro")]
    for column, value in where.items():
        chosen = chosen[chosen[column] == value]
    return chosen


@pytest.fixture()
def runs(tmp_path: Path) -> Path:
    write_run(tmp_path, "a", seed=1)
    write_run(tmp_path, "b", seed=2, f1={"clean": 0.7, "p1": 0.4, "mask": 0.7})
    write_run(tmp_path, "c", setting="native", f1={"clean": 0.9, "p1": 0.85})
    return tmp_path


# The helpers as fixtures: with --import-mode=importlib a test module cannot import
# this conftest by name.
@pytest.fixture()
def make_run() -> Callable[..., Path]:
    return write_run


@pytest.fixture()
def make_record() -> Callable[..., dict]:
    return eval_record


@pytest.fixture()
def micro() -> Callable[..., pd.DataFrame]:
    return micro_rows


@pytest.fixture()
def entity_types() -> tuple[str, ...]:
    return TYPES
