"""Reading a grid: the declared cells, their run configs, and errors that name the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from xner.errors import XnerError
from xner.experiments.spec import GridError, grid_from_dict, read_grid

PROJECT = Path(__file__).resolve().parents[2]


def test_cells_are_the_product_of_the_declared_axes(tiny_grid, tmp_path):
    spec = tiny_grid(tmp_path, seeds=[1, 2], backbones=["tiny"])
    keys = [cell.key for cell in spec.cells()]
    assert keys == [
        "es-gl_native_full_tiny_seed1",
        "es-gl_native_full_tiny_seed2",
        "es-gl_transfer_full_tiny_seed1",
        "es-gl_transfer_full_tiny_seed2",
    ]


def test_seeds_per_setting_and_the_split_policy_shape_the_cells(tiny_grid, tmp_path):
    spec = tiny_grid(
        tmp_path,
        settings=["native", "transfer"],
        seeds={"native": [1, 2], "transfer": [1]},
        split="paper",
    )
    assert [cell.key for cell in spec.cells()] == [
        "es-gl_native_full_tiny_paper_seed1",
        "es-gl_native_full_tiny_paper_seed2",
        "es-gl_transfer_full_tiny_paper_seed1",
    ]
    config = spec.cells()[0].run_config()
    assert config.split_policy == "paper" and config.to_dict()["split_policy"] == "paper"
    # the default policy stays out of the folder name and the run id
    plain = tiny_grid(tmp_path).cells()[0]
    assert plain.key == "es-gl_native_full_tiny_seed1"
    assert "split_policy" not in plain.run_config().to_dict()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"pairs": []}, "`pairs` must list at least one pair"),
        ({"pairs": ["es-gl"], "colour": 1}, "unknown field(s) ['colour']"),
        ({"pairs": ["es-gl"], "train": {"learning_rat": 1}}, "unknown field(s) ['learning_rat']"),
        ({"pairs": ["es-gl"], "seeds": ["a"]}, "`seeds` must be a list of integers"),
        ({"pairs": ["es-gl"], "eval": {"limt": 3}}, "eval: "),
        ({"pairs": ["es-gl"], "split": "papr"}, "split: "),
        ({"pairs": ["es-gl"], "seeds": {"native": []}}, "`seeds: native` must be a non-empty"),
        (
            {"pairs": ["es-gl"], "settings": ["native"], "seeds": {"transfer": [1]}},
            "names settings ['transfer']",
        ),
    ],
)
def test_bad_grid_configs_name_the_field(data, message):
    with pytest.raises(XnerError) as caught:
        grid_from_dict(data, source="g.yaml")
    assert "g.yaml" in str(caught.value) and message in str(caught.value)


def test_bad_yaml_names_file_and_line(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text("pairs: [es-gl\nseeds: [1]\n", encoding="utf-8")
    with pytest.raises(GridError, match=r"g.yaml, line \d+: not valid YAML"):
        read_grid(path)


def test_setting_blocks_reach_the_run_config(tiny_grid, tmp_path):
    spec = tiny_grid(
        tmp_path,
        settings=["adapted-transfer", "self-training"],
        adapt={"steps": 3, "method": "lora"},
        self_training={"max_unlabelled_sentences": 5},
    )
    adapted, self_trained = (cell.run_config() for cell in spec.cells())
    assert adapted.adapt.steps == 3 and adapted.adapt.method == "lora"
    assert self_trained.self_training.max_unlabelled_sentences == 5
    with pytest.raises(XnerError, match="adapt"):
        tiny_grid(tmp_path, settings=["adapted-transfer"], adapt={"stepz": 3})


def test_select_filters_cells_and_names_unknown_values(tiny_grid, tmp_path):
    spec = tiny_grid(tmp_path, seeds=[1, 2], settings=["native", "transfer", "self-training"])
    keys = [c.key for c in spec.select(settings=["transfer"], seeds=[2])]
    assert keys == ["es-gl_transfer_full_tiny_seed2"]
    assert len(spec.select()) == len(spec.cells()) == 6
    with pytest.raises(GridError, match=r"test.yaml: seeds \[7\] not in the grid; it has \[1, 2\]"):
        spec.select(seeds=[7])


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        ({"num_gpu": 1}, "resources: unknown field(s) ['num_gpu']"),
        ({"num_cpus": -1}, "resources.num_cpus: -1 must be a number >= 0"),
        ({"max_retries": 1.5}, "resources.max_retries: 1.5 must be an integer >= 0"),
        ({"precision": "fp8"}, "resources: precision 'fp8'"),
        ({"device": "tpu"}, "resources: device 'tpu'"),
    ],
)
def test_bad_resources_name_the_field(resources, message):
    with pytest.raises(XnerError) as caught:
        grid_from_dict({"pairs": ["es-gl"], "resources": resources}, source="g.yaml")
    assert "g.yaml" in str(caught.value) and message in str(caught.value)


def test_the_paper_config_reads_offline():
    from xner.pairs import all_pairs

    spec = read_grid(PROJECT / "configs" / "paper-full.yaml")
    assert list(spec.pairs) == [pair.id for pair in all_pairs() if pair.paper]
    assert len(spec.pairs) == 13 and spec.backbones == (
        "xlm-roberta-base",
        "bert-base-multilingual-cased",
    )
    assert {"native", "transfer"} <= set(spec.settings)
    assert spec.resources.num_gpus == 1 and spec.train["method"] == "full"
