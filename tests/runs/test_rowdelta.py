"""Row deltas: an embedding table stored as the rows training changed over the backbone
decays back bit for bit, and a damaged delta is named, never half-loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from xner.errors import XnerError
from xner.runs import checkpoint, rowdelta
from xner.train import LabelSpace, RunConfig, TrainArgs

LABELS = LabelSpace.from_schema("wikiann")


def decayed_table(
    rows: int = 600, cols: int = 16, touched: int = 40, steps: int = 50
) -> tuple[torch.Tensor, torch.Tensor]:
    """A base table and what AdamW-style training makes of it in half precision: every
    element decays step by step, and `touched` rows also learn."""
    generator = torch.Generator().manual_seed(0)
    base = torch.randn(rows, cols, generator=generator) * 0.02
    trained = base.clone()
    for _ in range(steps):
        trained.mul_(1 - 1e-3 * 0.01)
    trained[:touched] += torch.randn(touched, cols, generator=generator) * 0.01
    return base, trained.half()


def test_a_decayed_table_keeps_only_the_rows_that_learned_and_rebuilds_exactly() -> None:
    base, trained = decayed_table()
    encoded = rowdelta.encode({"emb": trained}, {"emb": base})
    assert "emb" not in encoded
    stored_rows = encoded["emb" + rowdelta.ROWS]
    assert 40 <= len(stored_rows) < 100  # the learned rows and a few rounding stragglers
    assert set(range(40)) <= set(stored_rows.tolist())
    assert torch.equal(rowdelta.decode(encoded, {"emb": base}, "w")["emb"], trained)


@pytest.mark.parametrize(
    "case",
    ["no base", "a vector", "other shape", "mostly learned", "integers"],
)
def test_tensors_the_delta_does_not_help_are_kept_whole(case: str) -> None:
    base, trained = decayed_table()
    bases = {"emb": base}
    if case == "no base":
        bases = {}
    elif case == "a vector":
        trained, bases = trained[0], {"emb": base[0]}
    elif case == "other shape":
        bases = {"emb": base[:10]}
    elif case == "mostly learned":
        base, trained = decayed_table(touched=500)
        bases = {"emb": base}
    elif case == "integers":
        trained = torch.arange(600 * 16).reshape(600, 16)
    encoded = rowdelta.encode({"emb": trained}, bases)
    assert list(encoded) == ["emb"] and torch.equal(encoded["emb"], trained)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("drop rows", r"lacks \['emb@rows'\]"),
        ("no base", "has no base in the backbone"),
        ("row out of range", "rows outside the table's 600"),
        ("short values", "values for"),
        ("stray part", "belong to no row delta"),
    ],
)
def test_a_damaged_delta_names_the_file_and_the_fix(damage: str, message: str) -> None:
    base, trained = decayed_table()
    encoded = rowdelta.encode({"emb": trained}, {"emb": base})
    bases = {"emb": base}
    if damage == "drop rows":
        del encoded["emb@rows"]
    elif damage == "no base":
        bases = {}
    elif damage == "row out of range":
        encoded["emb@rows"] = encoded["emb@rows"] + 600
    elif damage == "short values":
        encoded["emb@values"] = encoded["emb@values"][1:]
    elif damage == "stray part":
        encoded["head@rows"] = torch.tensor([0])
    with pytest.raises(XnerError, match=message) as caught:
        rowdelta.decode(encoded, bases, "run/model.safetensors")
    assert "run/model.safetensors" in str(caught.value) and "retrain" in str(caught.value)


def test_a_full_checkpoint_stores_its_embedding_rows_and_loads_the_same_model(
    tmp_path: Path,
) -> None:
    """End to end on the tiny character BERT: only a few characters' rows learn; the file
    holds those (not the table) and the loaded model equals the saved one."""
    from safetensors import safe_open

    args = TrainArgs(seed=1, method="full")
    run = RunConfig(backbone="tiny", hrl="es", lrl="ar", args=args)
    model = checkpoint.build_model("tiny", LABELS)
    table = model.get_input_embeddings().weight
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.mul_(1 - 1e-5)  # weight decay everywhere
        table[5:9] += 0.05  # four characters learned
    saved = checkpoint.save_checkpoint(model, run, LABELS, tmp_path / "run")
    name = next(k for k, p in model.named_parameters() if p is table)
    with safe_open(str(saved / "model.safetensors"), framework="pt") as handle:
        keys = set(handle.keys())
        assert name not in keys and name + rowdelta.ROWS in keys
        assert set(handle.get_tensor(name + rowdelta.ROWS).tolist()) >= {5, 6, 7, 8}
    loaded, _, _ = checkpoint.load_checkpoint(saved)
    expected = {
        k: v.half().to(v.dtype) if v.is_floating_point() else v
        for k, v in model.state_dict().items()
    }
    for key, value in loaded.state_dict().items():
        assert torch.equal(value, expected[key]), key
