"""Headline findings: computed from a results table, sentences carry the table's numbers."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from typer.testing import CliRunner

from xner.analysis.findings import (
    FINDINGS,
    compute_findings,
    drop_vs_overlap,
    multilingual_pretraining,
    native_vs_transfer,
    robustness,
    self_training,
    target_pretraining,
)
from xner.analysis.findings_stats import seed_spread, spearman
from xner.analysis.findings_text import findings_markdown
from xner.analysis.views import main_backbone
from xner.cli import app
from xner.experiments.run import run_grid
from xner.experiments.spec import grid_from_dict

E5 = "multilingual-e5-small"


def rows(
    pair: str, setting: str, clean: float, drops: dict[str, float], backbone: str = E5
) -> list[dict[str, object]]:
    """Strict micro rows of one run as load_results gives them (fractions)."""
    out = [
        {
            "backbone": backbone,
            "pair": pair,
            "setting": setting,
            "seed": 1,
            "perturbation": "clean",
            "mode": "strict",
            "type": "micro",
            "f1": clean,
            "drop": math.nan,
            "drop_rel": math.nan,
        }
    ]
    for kind, drop in drops.items():
        out.append(
            {
                **out[0],
                "perturbation": kind,
                "f1": clean - drop,
                "drop": drop,
                "drop_rel": drop / clean,
            }
        )
    # a row of another mode and type must not leak into the numbers
    out.append({**out[0], "mode": "nv-partial", "f1": 0.0})
    out.append({**out[0], "type": "PER", "f1": 0.0})
    return out


def table(*runs: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame([row for run in runs for row in run])


STUDY = table(
    rows("ar-fa", "native", 0.85, {"p1": 0.02, "mask": 0.60}),
    rows("ar-fa", "transfer", 0.60, {"p1": 0.01, "mask": 0.40}),
    rows("ar-fa", "adapted-transfer", 0.65, {"p1": 0.01, "mask": 0.30}),
    rows("nl-af", "native", 0.80, {"p1": 0.10, "mask": 0.50}),
    rows("nl-af", "transfer", 0.78, {"p1": 0.20, "mask": 0.50}),
    rows("nl-af", "adapted-transfer", 0.76, {"p1": 0.10, "mask": 0.50}),
    rows("id-ms", "native", 0.70, {"p1": 0.05, "mask": 0.40}),
    rows("id-ms", "transfer", 0.75, {"p1": 0.15, "mask": 0.45}),
)
OVERLAPS = {"ar-fa": 0.25, "nl-af": 0.61, "id-ms": 0.45}


def test_native_vs_transfer_counts_wins_and_reports_the_gap() -> None:
    finding = native_vs_transfer(STUDY, OVERLAPS)
    assert finding is not None and finding.n_pairs == 3
    assert "in 2 of 3 pairs" in finding.answer
    # mean native (85+80+70)/3 = 78.3, transfer (60+78+75)/3 = 71.0, gap +7.3
    assert "mean F1 78.3 native vs 71.0 transfer, a gap of +7.3 points" in finding.answer
    assert "from -5.0 (id→ms) to +25.0 (ar→fa)" in finding.answer
    assert finding.table.set_index("pair").loc["ar-fa", "gap"] == pytest.approx(25.0)


def test_robustness_compares_mean_drops_and_names_the_hardest_kind() -> None:
    finding = robustness(STUDY, OVERLAPS)
    assert finding is not None
    # native: (31 + 30 + 22.5) / 3 = 27.8; transfer: (20.5 + 35 + 30) / 3 = 28.5
    assert "native loses more than transfer in 1 of 3 pairs" in finding.answer
    assert "27.8 points native vs 28.5 transfer" in finding.answer
    assert (
        "On the paper's kinds (p1, p2, p1+p2): native 5.7 vs transfer 12.0 points against "
        "each model's own training data" in finding.answer
    )
    assert "against the HRL training data" not in finding.answer  # no @hrl rows here
    assert "hardest kind for native is mask (50.0 points; transfer 45.0)" in finding.answer


def test_findings_state_both_readings_and_count_each_kind_once() -> None:
    # The controlled reading: native models' p1 against HRL train replaces little.
    controlled = table(
        rows("ar-fa", "native", 0.85, {"p1": 0.02, "p1@hrl": 0.001, "mask": 0.60}),
        rows("ar-fa", "transfer", 0.60, {"p1": 0.01, "p1@hrl": 0.01, "mask": 0.40}),
        rows("nl-af", "native", 0.80, {"p1": 0.10, "p1@hrl": 0.03, "mask": 0.50}),
        rows("nl-af", "transfer", 0.78, {"p1": 0.20, "p1@hrl": 0.20, "mask": 0.50}),
        rows("id-ms", "native", 0.70, {"p1": 0.05, "p1@hrl": 0.02, "mask": 0.40}),
        rows("id-ms", "transfer", 0.75, {"p1": 0.15, "p1@hrl": 0.16, "mask": 0.45}),
    )
    finding = robustness(controlled, OVERLAPS)
    assert finding is not None
    assert "mean drop over 2 perturbation kinds" in finding.answer  # p1@hrl not counted twice
    assert "native 5.7 vs transfer 12.0 points against each model's own" in finding.answer
    # (0.1 + 3 + 2) / 3 = 1.7 native; (1 + 20 + 16) / 3 = 12.3 transfer
    assert "native 1.7 vs transfer 12.3 points against the HRL training data" in finding.answer
    overlap = drop_vs_overlap(controlled, OVERLAPS)
    assert overlap is not None and "both readings agree" in overlap.answer
    assert overlap.table.attrs["spearman"]["p1@hrl"] == pytest.approx(1.0)


def test_drop_vs_overlap_is_a_rank_correlation_over_pairs() -> None:
    finding = drop_vs_overlap(STUDY, OVERLAPS)
    assert finding is not None and finding.n_pairs == 3
    # transfer p1 drops 1, 20, 15 against overlaps 25, 61, 45: same order, rho = +1
    assert "drop under p1 rises with entity overlap (Spearman ρ = +1.00, 95% bootstrap" in (
        finding.answer
    )
    assert "weak test" in finding.answer
    low, high = finding.table.attrs["spearman_interval"]
    assert -1.0 <= low <= high == pytest.approx(1.0)  # resampled points: ρ ≤ 1
    assert finding.table.attrs["spearman"]["p1"] == pytest.approx(1.0)
    assert drop_vs_overlap(STUDY, {"ar-fa": 0.25, "nl-af": None}) is None  # < 3 pairs


def test_spearman_interval_brackets_rho_and_is_seeded() -> None:
    from xner.analysis.findings_stats import spearman, spearman_interval

    x = [1, 2, 3, 4, 5, 6, 7, 8]
    y = [2, 1, 4, 3, 6, 5, 8, 7]
    low, high = spearman_interval(x, y)
    assert low <= spearman(x, y) <= high and high <= 1.0
    assert spearman_interval(x, y) == (low, high)  # same seed, same interval
    assert all(v != v for v in spearman_interval([1, 2], [2, 1]))  # NaN below 3 points


def test_target_pretraining_compares_adapted_transfer_with_transfer() -> None:
    finding = target_pretraining(STUDY, OVERLAPS)
    assert finding is not None and finding.n_pairs == 2  # id-ms has no adapted run
    assert "changes clean F1 by +1.5 points on average (1 of 2 pairs better" in finding.answer
    # drops: adapted (15.5 + 30) / 2 = 22.75, transfer (20.5 + 35) / 2 = 27.75
    assert "mean drop under perturbation by -5.0 points (22.8 vs 27.8)" in finding.answer


def reseeded(run: list[dict[str, object]], seed: int) -> list[dict[str, object]]:
    return [{**row, "seed": seed} for row in run]


@pytest.mark.parametrize("finding", [target_pretraining, self_training])
def test_a_setting_run_on_fewer_seeds_is_set_against_transfer_on_the_same_seeds(
    finding,
) -> None:
    """Transfer on seeds 1 and 2, the other setting on seed 1: a collapsed transfer seed 2
    must not show up as a gain of the other setting."""
    other = "adapted-transfer" if finding is target_pretraining else "self-training"
    study = table(
        rows("ar-fa", "transfer", 0.60, {"p1": 0.01}),
        reseeded(rows("ar-fa", "transfer", 0.36, {"p1": 0.01}), 2),
        rows("ar-fa", other, 0.62, {"p1": 0.01}),
    )
    answer = finding(study, {}).answer
    assert "changes clean F1 by +2.0 points" in answer  # not 62 - mean(60, 36) = +14
    assert "(seed 1; transfer's seed 2 is left out here)" in answer


def test_changes_are_set_against_the_seed_to_seed_spread() -> None:
    assert seed_spread(STUDY, E5) == (pytest.approx(math.nan, nan_ok=True), 0)
    assert "one seed, so seed-to-seed noise is unknown" in target_pretraining(STUDY, {}).answer
    two_seeds = pd.concat(
        [
            STUDY,
            table(
                reseeded(rows("ar-fa", "transfer", 0.64, {"p1": 0.01}), 2),
                reseeded(rows("ar-fa", "adapted-transfer", 0.61, {"p1": 0.01}), 2),
            ),
        ]
    )
    # ar-fa transfer 60 / 64 and adapted 65 / 61: a range of 4 points for both
    assert seed_spread(two_seeds, E5) == (pytest.approx(4.0), 2)
    answer = target_pretraining(two_seeds, {}).answer
    # seed means: ar-fa adapted 63 vs transfer 62 (+1), nl-af 76 vs 78 (-2): mean -0.5
    assert "changes clean F1 by -0.5 points" in answer
    assert "differ by 4.0 points on average (2 pair × settings with 2+ seeds)" in answer
    assert "a mean change of -0.5 is within seed noise" in answer
    # ar-fa native 85 / 87 (a range of 2): gaps +26, +2, -5, mean +7.7, beyond 2 points
    native_two_seeds = pd.concat([STUDY, table(reseeded(rows("ar-fa", "native", 0.87, {}), 2))])
    answer = native_vs_transfer(native_two_seeds, {}).answer
    assert "differ by 2.0 points on average (1 pair × settings with 2+ seeds)" in answer
    assert "a mean change of +7.7 is beyond seed noise" in answer


def test_multilingual_pretraining_needs_scratch_runs_beside_the_backbone() -> None:
    assert multilingual_pretraining(STUDY, OVERLAPS) is None
    with_scratch = pd.concat(
        [
            STUDY,
            table(
                rows("ar-fa", "native", 0.45, {"p1": 0.05, "mask": 0.30}, "scratch-char"),
                rows("ar-fa", "transfer", 0.10, {"p1": 0.0, "mask": 0.05}, "scratch-char"),
            ),
        ]
    )
    assert main_backbone(with_scratch) == E5  # the baseline is never the main backbone
    finding = multilingual_pretraining(with_scratch, OVERLAPS)
    assert finding is not None
    assert "adds +40.0 points native (1 pairs) and +50.0 points transfer (1 pairs)" in (
        finding.answer
    )
    # robustness on native runs only: e5 (2 + 60) / 2 = 31.0 points, 36% of clean;
    # scratch (5 + 30) / 2 = 17.5 points, 39% of clean
    assert "native models drop 31.0 points pretrained vs 17.5 from scratch (36% vs 39%" in (
        finding.answer
    )


def test_every_declared_finding_answers_or_says_what_it_needs() -> None:
    answered = compute_findings(STUDY, OVERLAPS)
    assert [spec.name for spec, _ in answered] == [spec.name for spec in FINDINGS]
    names = {spec.name for spec, finding in answered if finding is not None}
    assert names == {"native-vs-transfer", "robustness", "drop-vs-overlap", "target-pretraining"}
    assert all(spec.needs and spec.question.endswith("?") for spec in FINDINGS)
    empty = compute_findings(STUDY.iloc[0:0])
    assert all(finding is None for _, finding in empty)


def test_findings_as_markdown_list_every_question_once() -> None:
    answered = compute_findings(STUDY, OVERLAPS)
    text = findings_markdown(answered)
    lines = text.splitlines()
    assert len(lines) == len(FINDINGS) and text.endswith("\n")
    assert lines[0] == f"- **{FINDINGS[0].question}** {answered[0][1].answer}"
    assert lines[-1] == f"- **{FINDINGS[-1].question}** Not answered: needs {FINDINGS[-1].needs}."


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        ([1, 2, 3, 4], [10, 20, 30, 40], 1.0),
        ([1, 2, 3, 4], [4, 3, 2, 1], -1.0),
        ([1, 2, 3], [1, 1, 2], 0.8660254),  # ties get average ranks (scipy's value)
    ],
)
def test_spearman_matches_the_reference_values(x, y, expected) -> None:
    assert spearman(x, y) == pytest.approx(expected)
    assert math.isnan(spearman([1, 2], [1, 2]))


def test_findings_command_on_real_tiny_runs(pipeline_env, tmp_path) -> None:
    spec = grid_from_dict(
        {
            "name": "findings",
            "backbones": ["tiny"],
            "pairs": ["es-gl"],
            "settings": ["native", "transfer"],
            "seeds": [1],
            "perturbations": ["mask"],
            "train": {"max_steps": 4, "per_device_train_batch_size": 4},
            "eval": {"n_resamples": 20},
            "out": str(tmp_path),
        }
    )
    assert not [o.error for o in run_grid(spec) if o.error]
    result = CliRunner().invoke(app, ["findings", "--models-dir", str(tmp_path), "--tables"])
    assert result.exit_code == 0, result.output
    assert "tiny: native fine-tuning beats transfer on clean data in" in result.output
    assert "not answered: needs scratch-char runs" in result.output
    empty = CliRunner().invoke(app, ["findings", "--models-dir", str(tmp_path / "none")])
    assert empty.exit_code != 0 and "no evaluated runs" in str(empty.exception)


def test_paper_perturbations_states_both_readings_coverage_and_the_paper() -> None:
    from xner.analysis.findings import paper_perturbations

    def covered(pair, setting, clean, drops, shares):
        out = rows(pair, setting, clean, drops)
        for row in out:
            mention, o_words = shares.get(row["perturbation"], (math.nan, math.nan))
            row["mention_share"], row["o_token_share"] = mention, o_words
        return out

    study = table(
        covered(
            "ar-hi",
            "native",
            0.80,
            {"p1": 0.10, "p2": 0.05, "p1+p2": 0.15, "p1@hrl": 0.0, "p2@hrl": 0.0, "p1+p2@hrl": 0.0},
            {
                "p1": (0.6, 0.0),
                "p2": (0.0, 0.2),
                "p1+p2": (0.6, 0.2),
                "p1@hrl": (0.0, 0.0),
                "p2@hrl": (0.0, 0.01),
                "p1+p2@hrl": (0.0, 0.01),
            },
        ),
        covered(
            "ar-hi",
            "transfer",
            0.50,
            {
                "p1": 0.0,
                "p2": 0.01,
                "p1+p2": 0.01,
                "p1@hrl": 0.0,
                "p2@hrl": 0.01,
                "p1+p2@hrl": 0.01,
            },
            {
                "p1": (0.0, 0.0),
                "p2": (0.0, 0.01),
                "p1+p2": (0.0, 0.01),
                "p1@hrl": (0.0, 0.0),
                "p2@hrl": (0.0, 0.01),
                "p1+p2@hrl": (0.0, 0.01),
            },
        ),
    )
    finding = paper_perturbations(study, OVERLAPS)
    assert finding is not None
    assert (
        "native vs transfer drop p1 10.0 vs 0.0, p2 5.0 vs 1.0, p1+p2 15.0 vs 1.0" in finding.answer
    )
    assert "p1 replaces 60% vs 0% of test mentions and p2 20% vs 1% of O words" in finding.answer
    assert (
        "against the HRL training data (controlled): native vs transfer drop p1 0.0"
        in finding.answer
    )
    assert "The paper (mBERT and XLM-R, 13 pairs): p1 10.1 vs 2.6" in finding.answer
    own = finding.table[finding.table["reading"] == "own"].set_index(["kind", "setting"])
    assert own.loc[("p1", "native"), "paper_drop"] == pytest.approx(10.1)


def test_the_answer_in_three_sentences() -> None:
    from xner.analysis.findings_text import summary_sentences

    study = table(
        *(
            rows(pair, setting, clean, {"p1+p2": d, "p1+p2@hrl": h, "p1": d})
            for pair, setting, clean, d, h in (
                ("ar-fa", "native", 0.85, 0.10, 0.01),
                ("ar-fa", "transfer", 0.60, 0.02, 0.02),
                ("nl-af", "native", 0.80, 0.20, 0.03),
                ("nl-af", "transfer", 0.78, 0.04, 0.04),
                ("id-ms", "native", 0.70, 0.12, 0.02),
                ("id-ms", "transfer", 0.75, 0.03, 0.03),
            )
        )
    ).assign(mention_share=0.5, o_token_share=0.2)
    sentences = summary_sentences(compute_findings(study, OVERLAPS))
    assert len(sentences) == 3
    assert (
        sentences[0].startswith("Trained on the target language itself")
        and "2 of 3" in sentences[0]
    )
    assert "costs native models 14.0 F1 points and transfer models 3.0" in sentences[1]
    assert "the same for both, costs 2.0 vs 3.0" in sentences[1]
    assert "Across 3 pairs" in sentences[2] and "ρ" in sentences[2]
    # transfer runs only: no native number, so no sentence with "nan" in it
    transfer_only = study[study["setting"] == "transfer"]
    assert not any("nan" in s for s in summary_sentences(compute_findings(transfer_only)))
