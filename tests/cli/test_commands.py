"""The `xner` command through typer's CliRunner: pairs, data, backbones, train, evaluate."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from xner.cli import app

runner = CliRunner()


def write_panx(path, sentences):
    path.write_text(
        "\n\n".join("\n".join(f"{t}\t{g}" for t, g in s) for s in sentences), encoding="utf-8"
    )


@pytest.fixture
def tiny_data_dir(tmp_path, monkeypatch):
    panx = tmp_path / "panx"
    panx.mkdir()
    sentence = [("Ana", "B-PER"), ("vive", "O"), ("en", "O"), ("Lima", "B-LOC")]
    for split in ("train", "dev"):
        write_panx(panx / f"{split}-es.tsv", [sentence] * 10)
    (panx / "test-es.tsv").write_text("Hola\nmundo\n\nAdiós", encoding="utf-8")
    monkeypatch.setenv("XNER_DATA_DIR", str(tmp_path))
    return tmp_path


def test_data_list_counts_sentences_per_split(tiny_data_dir):
    result = runner.invoke(app, ["data", "list"])
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if " es " in line)
    cells = [cell.strip() for cell in row.strip("│ ").split("│")]
    assert cells == ["panx", "es", "9", "1", "10", "2"]
    assert "PAN-X split policy" in result.output


def test_data_list_on_an_empty_directory_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("XNER_DATA_DIR", str(tmp_path))
    result = runner.invoke(app, ["data", "list"])
    assert result.exit_code == 1
    assert "No datasets found" in result.output and "XNER_DATA_DIR" in result.output


def test_data_check_reports_counts_and_repairs(tmp_path):
    path = tmp_path / "x.tsv"
    path.write_text("Ana\tI-PER\nvive\tO\n\nLima\tB-LOC", encoding="utf-8")
    result = runner.invoke(app, ["data", "check", str(path), "--repair"])
    assert result.exit_code == 0, result.output
    assert "2 labelled sentences" in result.output
    assert "repaired 1 stray I- tags (lines 1)" in result.output


def test_data_check_names_file_and_line_of_a_bad_tag(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("Ana\tB-PER\nvive\tO\nen\tI-LOC", encoding="utf-8")
    # Through the real entry point: a user error is one line and exit status 2.
    result = subprocess.run(
        [sys.executable, "-m", "xner.cli", "data", "check", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "300"},
    )
    assert result.returncode == 2
    assert f"error: {path}, line 3: " in result.stdout
    assert "I-LOC after O" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_data_mappings_shows_the_table():
    result = runner.invoke(app, ["data", "mappings", "ontonotes5"])
    assert result.exit_code == 0, result.output
    assert "GPE" in result.output and "LOC" in result.output


def test_pairs_lists_the_catalog_with_availability(tiny_data_dir):
    result = runner.invoke(app, ["pairs"])
    assert result.exit_code == 0, result.output
    assert "ar→fa" in result.output and "fr→br" in result.output
    assert "hub" in result.output


def test_backbone_list_names_the_offline_and_hub_encoders():
    result = runner.invoke(app, ["backbone", "list"])
    assert result.exit_code == 0, result.output
    for name in ("xlm-roberta-base", "bert-base-multilingual-cased", "multilingual-e5-small"):
        assert name in result.output


def test_backbone_build_tiny_prints_where_and_how_long(tmp_path, monkeypatch):
    monkeypatch.setenv("XNER_CACHE_DIR", str(tmp_path))
    result = runner.invoke(app, ["backbone", "build", "tiny"])
    assert result.exit_code == 0, result.output
    assert str(tmp_path) in result.output.replace("\n", "")
    assert " s)" in result.output


def test_perturb_is_registered():
    result = runner.invoke(app, ["perturb", "--list"])
    assert result.exit_code == 0, result.output
    assert "p1+p2" in result.output
