"""AppTest: the Explorer shows a re-evaluation on its next run (its cache key is the run's
stored evaluation and gzipped prediction files)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from xner.evaluate.runner import EvalSettings, evaluate_checkpoint
from xner.runs.layout import evaluation_stamp, find_runs

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "explorer.py")


@pytest.fixture(scope="module")
def run(tiny_runs: Callable[..., Path]) -> Path:
    (found,) = find_runs(
        tiny_runs("app-explorer-refresh", settings=("transfer",), perturbations=("mask",))
    )
    return found


def perturbations(at: AppTest) -> list[str]:
    return [label.split(" · ")[1].split(" (")[0] for label in at.selectbox[1].options]


def test_explorer_refreshes_after_a_re_evaluation(run: Path) -> None:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert perturbations(at) == ["clean", "mask"]
    before = evaluation_stamp(run)
    # Re-evaluated with another perturbation and fewer sentences (other settings drop the
    # old evaluations): new eval/*.json and preds/*.jsonl.gz files.
    evaluate_checkpoint(run, EvalSettings(perturbations=("typos",), limit=5, n_resamples=50))
    assert evaluation_stamp(run) != before
    at.run()
    assert not at.exception
    assert perturbations(at) == ["clean", "typos"]
    assert at.selectbox[1].value.n_sentences == 5
    matched = next(m.value for m in at.markdown if "sentences match" in m.value)
    assert "of 5" in matched


def test_explorer_refreshes_when_only_predictions_change(run: Path) -> None:
    """A prediction file rewritten in place (same eval JSON) changes what is shown."""
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception
    assert not [w for w in at.warning if "stale" in w.value or "hash" in w.value]
    preds = sorted((run / "preds").glob("*__typos.jsonl.gz"))
    assert preds, "the re-evaluation above wrote gzipped predictions"
    records = [json.loads(line) for line in gzip.decompress(preds[0].read_bytes()).splitlines()]
    records[0]["hash"] = "0" * len(records[0]["hash"])  # as if predicted on other text
    text = "".join(json.dumps(r) + "\n" for r in records)
    preds[0].write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    at.run()
    assert not at.exception
    assert at.warning, "the page read the changed predictions (a hash no longer matches)"
