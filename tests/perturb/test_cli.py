"""`xner perturb` through typer's CliRunner, on a tiny made-up PAN-X data dir."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from xner.cli.perturb import edits_path, register
from xner.data.resolve import load_split
from xner.data.tags import spans

TRAIN_AR = [
    [("سافر", "O"), ("کریم", "B-PER"), ("إلى", "O"), ("تبریز", "B-LOC")],
    [("كتاب", "O"), ("جديد", "O"), ("في", "O"), ("حلب", "B-LOC"), ("کتاب", "O")],
]
TRAIN_FA = [
    [("نسرین", "B-PER"), ("به", "O"), ("شیراز", "B-LOC"), ("رفت", "O")],
    [("بانک", "B-ORG"), ("آینده", "I-ORG"), ("در", "O"), ("اصفهان", "B-LOC"), ("دفتر", "O")],
]
DEV_FA = [
    [
        ("کریم", "B-PER"),
        ("دیروز", "O"),
        ("به", "O"),
        ("تبریز", "B-LOC"),
        ("رفت", "O"),
        ("و", "O"),
        ("کتاب", "O"),
        ("خرید", "O"),
    ],
    [("مریم", "B-PER"), ("در", "O"), ("حلب", "B-LOC"), ("ماند", "O")],
    [("هیچ", "O"), ("چیز", "O")],
]
TEST_FA = [["دفترچه", "نوشت"], ["دفتر", "بزرگ", "کتابخانه"]]


def _write(path, blocks, labelled=True):
    lines = []
    for block in blocks:
        lines.append("\n".join("\t".join(row) if labelled else row for row in block))
    path.write_text("\n\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    panx = tmp_path / "data" / "panx"
    panx.mkdir(parents=True)
    # Twice over: whichever sentence the held-out dev slice takes, a copy stays in train.
    _write(panx / "train-ar.tsv", TRAIN_AR * 2)
    _write(panx / "train-fa.tsv", TRAIN_FA * 2)
    _write(panx / "dev-fa.tsv", DEV_FA)
    _write(panx / "test-fa.tsv", TEST_FA, labelled=False)
    monkeypatch.setenv("XNER_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


@pytest.fixture
def app():
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """test app"""

    register(app)
    return app


def _read_tsv(path):
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    return [[line.split("\t") for line in block.strip("\n").split("\n")] for block in blocks]


def test_list(app):
    result = CliRunner().invoke(app, ["perturb", "--list"])
    assert result.exit_code == 0, result.output
    for name in ("p1", "p2", "p1+p2", "mask", "names", "typos", "concat", "case"):
        assert f"\n{name}\n" in "\n" + result.output
    assert "--param rate (float, default 1.0 in [0.0, 1.0])" in result.output


def test_perturb_p1_writes_tsv_and_edits(app, data_dir):
    out = data_dir / "out" / "fa.p1.tsv"
    result = CliRunner().invoke(
        app,
        [
            *("perturb", "--pair", "ar-fa", "--kind", "p1", "--setting", "transfer"),
            *("--seed", "0", "--out", str(out)),
        ],
    )
    assert result.exit_code == 0, result.output
    blocks = _read_tsv(out)
    assert len(blocks) == len(DEV_FA)
    assert all(len(row) == 2 for block in blocks for row in block)
    first = [token for token, _ in blocks[0]]
    # The paper's pool is the test set's own mentions unseen in the reference (here the
    # HRL train split: a transfer model's): مریم is the only unseen PER; every test LOC is
    # an HRL mention, so تبریز has no replacement and stays.
    assert first[0] == "مریم" and "تبریز" in first
    edits = [json.loads(line) for line in edits_path(out).read_text("utf-8").splitlines()]
    assert {e["kind"] for e in edits} == {"p1"}
    assert {e["old"] for e in edits} == {"کریم"}
    hrl_mentions = {
        " ".join(s.tokens[span.start : span.end])
        for s in load_split("panx", "ar", "train")
        for span in spans(s.tags)
    }
    assert {e["new"] for e in edits}.isdisjoint(hrl_mentions)
    assert not list(out.parent.glob(".*"))  # no temporary files left


def test_composition_params_and_limit(app, data_dir):
    out = data_dir / "fa.mix.tsv"
    result = CliRunner().invoke(
        app,
        [
            "perturb",
            "--pair",
            "ar-fa",
            "--kind",
            "mask",
            "--kind",
            "typos+concat",
            "--rate",
            "1",
            "-p",
            "mask.placeholder=<mask>",
            "-p",
            "concat.with=next",
            "--limit",
            "2",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    blocks = _read_tsv(out)
    assert len(blocks) == 2
    assert blocks[0][0] == ["<mask>", "B-PER"]
    kinds = {json.loads(x)["kind"] for x in edits_path(out).read_text("utf-8").splitlines()}
    assert kinds == {"mask", "typos", "concat"}


def test_same_seed_same_output(app, data_dir):
    outs = []
    for name in ("a.tsv", "b.tsv"):
        out = data_dir / name
        CliRunner().invoke(
            app,
            [
                "perturb",
                "--pair",
                "ar-fa",
                "--kind",
                "random-entity",
                "--seed",
                "3",
                "--out",
                str(out),
            ],
        )
        outs.append(out.read_text("utf-8"))
    assert outs[0] == outs[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pair", "ar-fa", "--kind", "nope", "--out", "x.tsv"], "unknown perturbation"),
        (["--pair", "ar-fa", "--kind", "mask"], "give --pair (or --run), --kind and --out"),
        (
            ["--pair", "ar-fa", "--kind", "mask", "--out", "x.tsv", "-p", "zzz=1"],
            "no step of mask has a parameter 'zzz'",
        ),
        (
            ["--pair", "ar-fa", "--kind", "mask", "--out", "x.tsv", "--backbone", "tiny"],
            "none of mask uses a backbone",
        ),
        (["--pair", "ar-zz", "--kind", "mask", "--out", "x.tsv"], "zz"),
    ],
)
def test_errors_are_clear(app, data_dir, args, message):
    result = CliRunner().invoke(app, ["perturb", *args])
    assert result.exit_code == 1
    assert message in result.output


def test_p2_with_the_tiny_backbone(app, data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("XNER_CACHE_DIR", str(tmp_path / "cache"))
    out = data_dir / "fa.p2.tsv"
    result = CliRunner().invoke(
        app,
        [
            "perturb",
            "--pair",
            "ar-fa",
            "--kind",
            "p2",
            "--setting",
            "transfer",
            "--backbone",
            "tiny",
            "-p",
            "stopwords_top=0",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    edits = [json.loads(x) for x in edits_path(out).read_text("utf-8").splitlines()]
    assert [e["old"] for e in edits] == ["کتاب"]  # the only non-entity word the HRL has
    assert edits[0]["new"] in {
        "دفتر",
        "خرید",
        "دیروز",
        "رفت",
        "ماند",
        "نوشت",
        "دفترچه",
        "بزرگ",
        "کتابخانه",
        "آینده",
        "هیچ",
        "چیز",
    } - {"آینده"}
    assert list((tmp_path / "cache" / "word-vectors").glob("tiny--cls/*.npy"))
