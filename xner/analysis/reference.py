"""The paper's numbers (Manafi & Krishnaswamy 2024, NER F1 on WikiANN) and how they sit
beside ours: its kinds, its published F1, drops and entity overlaps, and the comparison
tables the Reference page shows, each row labelled with its data split.

The paper's perturbation kinds are declared here once (`PAPER_KINDS`); the findings and
the comparison read them from here.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from xner.analysis.table import NAN
from xner.evaluate.metrics import HEADLINE
from xner.runs.layout import CLEAN

SOURCE = (
    "Manafi & Krishnaswamy (2024), 'Cross-Lingual Transfer Robustness to Lower-Resource "
    "Languages on Adversarial Datasets', LREC-COLING 2024, arXiv 2403.20056; numbers read from "
    "the executed notebooks of csu-signal/xlingual-robustness (finetuning_NER/"
    "train_test_before_bias.ipynb, train_test_after_bias.ipynb). Their split: each language "
    "capped at 17,003 sentences, 80/20 train/test, 1 epoch, batch size 8."
)


# The perturbations of Manafi & Krishnaswamy (2024), and the test sets it reports.
PAPER_KINDS = ("p1", "p2", "p1+p2")
REFERENCE_PERTURBATIONS = (CLEAN, *PAPER_KINDS)
PAPER_SPLIT = "paper: 80/20 split of up to 17,003 sentences per language"
PAPER_MODELS = {"bert-base-multilingual-cased": "mBERT", "xlm-roberta-base": "XLM-R"}


@dataclass(frozen=True, slots=True)
class ReferenceResult:
    """One published F1: a model × pair × setting × perturbation."""

    hrl: str
    lrl: str
    entity_overlap: float  # share of LRL test entity tokens seen in HRL training data
    model: str
    setting: str  # transfer | native
    perturbation: str  # clean | p1 | p2 | p1+p2
    f1: float  # entity-level F1 x 100

    @property
    def pair_id(self) -> str:
        return f"{self.hrl}-{self.lrl}"


@cache
def reference_results() -> tuple[ReferenceResult, ...]:
    """Every published F1, read once from the CSV shipped with the package."""
    path = resources.files("xner").joinpath("resources/manafi2024_wikiann_ner_f1.csv")
    with path.open(encoding="utf-8") as handle:
        return tuple(
            ReferenceResult(
                hrl=row["hrl"],
                lrl=row["lrl"],
                entity_overlap=float(row["entity_overlap"]),
                model=row["model"],
                setting=row["setting"],
                perturbation=row["perturbation"],
                f1=float(row["f1"]),
            )
            for row in csv.DictReader(handle)
        )


def reference_overlaps() -> dict[str, float]:
    """The paper's published entity overlap per pair (share of LRL test entity tokens
    seen in HRL training data, on their split)."""
    return {r.pair_id: r.entity_overlap for r in reference_results()}


def reference_drops(
    *, relative: bool = False, perturbations: Sequence[str] | None = None
) -> pd.DataFrame:
    """The paper's drops (clean - perturbed, as a fraction of F1 like ours, or relative
    to clean) per model × pair × setting × perturbation, with the paper's overlap."""
    results = reference_results()
    clean = {(r.model, r.pair_id, r.setting): r.f1 for r in results if r.perturbation == CLEAN}
    rows = []
    for r in results:
        base = clean.get((r.model, r.pair_id, r.setting))
        if r.perturbation == CLEAN or base is None:
            continue
        if perturbations is not None and r.perturbation not in perturbations:
            continue
        drop = (base - r.f1) / base if relative else (base - r.f1) / 100
        if relative and base == 0:
            continue
        rows.append(
            {
                "model": r.model,
                "pair": r.pair_id,
                "setting": r.setting,
                "perturbation": r.perturbation,
                "drop": drop,
                "overlap": r.entity_overlap,
            }
        )
    return pd.DataFrame(
        rows, columns=["model", "pair", "setting", "perturbation", "drop", "overlap"]
    )


def paper_reference_drops() -> pd.DataFrame:
    """The paper's mean drop (points) per kind × setting over its pairs and both models."""
    results = reference_results()
    clean = {(r.model, r.pair_id, r.setting): r.f1 for r in results if r.perturbation == CLEAN}
    rows = [
        {
            "perturbation": r.perturbation,
            "setting": r.setting,
            "drop": clean[r.model, r.pair_id, r.setting] - r.f1,
        }
        for r in results
        if r.perturbation != CLEAN and (r.model, r.pair_id, r.setting) in clean
    ]
    frame = pd.DataFrame(rows, columns=["perturbation", "setting", "drop"])
    return frame.pivot_table(index="perturbation", columns="setting", values="drop", aggfunc="mean")


def split_label(policy: str = "xtreme") -> str:
    """One line saying how a split policy makes the test set, for captions."""
    from xner.data.policies import get_policy

    if policy == "xtreme":
        return "xner: PAN-X xtreme split (test = the labelled dev file)"
    return f"xner: {policy} split ({get_policy(policy).description})"


def ours_split_label(table: pd.DataFrame | None = None) -> str:
    """The split policies of the runs in `table` (default: the xtreme one), in words."""
    policies = ["xtreme"]
    if table is not None and not table.empty and "split" in table.columns:
        policies = sorted(set(table["split"].unique()))
    return "; ".join(split_label(policy) for policy in policies)


def reference_comparison(
    table: pd.DataFrame,
    *,
    pairs: Sequence[str] | None = None,
    availability: Mapping[str, str] | None = None,
    reading: str = "own",
) -> pd.DataFrame:
    """The paper's F1 (×100) and this project's (strict micro, ×100, mean and range over
    seeds) per pair × setting × perturbation (clean, p1, p2, p1+p2), one row per source
    (`paper` or `xner`) and model, each row labelled with its data split. Ours are read
    as `reading` says (`own`, the paper's comparison, or `hrl`: p1@hrl shown as p1), with
    the share of mentions and O words they replaced. `availability` (pair ->
    local/hub/none) adds a note for pairs whose data is hub-only."""
    rows: list[dict[str, Any]] = []
    for ref in reference_results():
        if pairs is not None and ref.pair_id not in pairs:
            continue
        rows.append(
            {
                "pair": ref.pair_id,
                "setting": ref.setting,
                "perturbation": ref.perturbation,
                "source": "paper",
                "model": ref.model,
                "split": PAPER_SPLIT,
                "f1": ref.f1,
                "f1_min": ref.f1,
                "f1_max": ref.f1,
                "n_seeds": pd.NA,
                "mention_share": NAN,
                "o_token_share": NAN,
            }
        )
    shown = {
        (kind if reading == "own" or kind == CLEAN else f"{kind}@{reading}"): kind
        for kind in REFERENCE_PERTURBATIONS
    }
    ours = table[
        (table["mode"] == HEADLINE)
        & (table["type"] == "micro")
        & table["perturbation"].isin(list(shown))
    ]
    ours = ours.assign(perturbation=ours["perturbation"].map(shown))
    if pairs is not None:
        ours = ours[ours["pair"].isin(list(pairs))]
    if not ours.empty:
        grouped = ours.groupby(["pair", "setting", "perturbation", "backbone", "split"], sort=True)
        for (pair, setting, perturbation, backbone, policy), group in grouped:
            rows.append(
                {
                    "pair": pair,
                    "setting": setting,
                    "perturbation": perturbation,
                    "source": "xner",
                    "model": backbone,
                    "split": split_label(str(policy)),
                    "f1": 100 * group["f1"].mean(),
                    "f1_min": 100 * group["f1"].min(),
                    "f1_max": 100 * group["f1"].max(),
                    "f1_low": 100 * group["f1_low"].min(),
                    "f1_high": 100 * group["f1_high"].max(),
                    "drop": 100 * group["drop"].mean(),
                    "drop_low": 100 * group["drop_low"].min(),
                    "drop_high": 100 * group["drop_high"].max(),
                    "n_seeds": group["seed"].nunique(),
                    "mention_share": 100 * group["mention_share"].mean(),
                    "o_token_share": 100 * group["o_token_share"].mean(),
                }
            )
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    notes = availability or {}
    out["data"] = out["pair"].map(lambda p: notes.get(p, ""))
    out["note"] = out["data"].map(
        lambda a: "data is hub-only here: xner runs need the Hugging Face hub" if a == "hub" else ""
    )
    order = {p: i for i, p in enumerate(REFERENCE_PERTURBATIONS)}
    out["order"] = out["perturbation"].map(order)
    out = out.sort_values(["pair", "setting", "order", "source", "model"], kind="stable")
    return out.drop(columns="order").reset_index(drop=True)


def finite(value: Any) -> bool:
    """A number that is not NaN (None and text are not)."""
    try:
        return not math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def side_by_side(
    comparison: pd.DataFrame, setting: str, perturbation: str = "p1+p2"
) -> pd.DataFrame:
    """One row per pair: the paper's clean F1 and `perturbation` drop (mBERT / XLM-R)
    beside ours (mean over seeds, with the widest seed's 95% interval) and the share of
    test mentions and O words our perturbation replaced, plus the paper's overlap. Reads
    `reference_comparison`'s rows (points, ×100)."""
    chosen = comparison[comparison["setting"] == setting]
    overlap = {pair: 100 * share for pair, share in reference_overlaps().items()}
    rows = []
    for pair, group in chosen.groupby("pair", sort=True):
        paper = group[group["source"] == "paper"]
        ours = group[group["source"] == "xner"]

        def paper_value(kind: str, model: str, paper: pd.DataFrame = paper) -> float:
            clean = paper[(paper["perturbation"] == CLEAN) & (paper["model"] == model)]["f1"]
            value = paper[(paper["perturbation"] == kind) & (paper["model"] == model)]["f1"]
            if clean.empty or value.empty:
                return NAN
            return float(clean.iloc[0]) if kind == CLEAN else float(clean.iloc[0] - value.iloc[0])

        def paper_pair(kind: str) -> str:
            values = [paper_value(kind, model) for model in PAPER_MODELS]
            return " / ".join("–" if v != v else f"{v:.1f}" for v in values)

        clean = ours[ours["perturbation"] == CLEAN]
        perturbed = ours[ours["perturbation"] == perturbation]
        row: dict[str, Any] = {
            "pair": pair.replace("-", "→"),
            "paper clean F1 (mBERT / XLM-R)": paper_pair(CLEAN),
            "xner clean F1 (95% CI)": _with_interval(clean, "f1", "f1_low", "f1_high"),
            f"paper {perturbation} drop (mBERT / XLM-R)": paper_pair(perturbation),
            f"xner {perturbation} drop (95% CI)": _with_interval(
                perturbed, "drop", "drop_low", "drop_high"
            ),
            "mentions / O words replaced %": (
                f"{perturbed['mention_share'].iloc[0]:.1f} / "
                f"{perturbed['o_token_share'].iloc[0]:.1f}"
                if not perturbed.empty
                else "–"
            ),
            "paper overlap %": overlap.get(pair, NAN),
        }
        rows.append(row)
    return pd.DataFrame(rows)


def _with_interval(rows: pd.DataFrame, value: str, low: str, high: str) -> str:
    if rows.empty or not finite(rows[value].iloc[0]):
        return "–"
    first = rows.iloc[0]
    interval = (
        f" ({first[low]:.1f} – {first[high]:.1f})"
        if finite(first[low]) and finite(first[high])
        else ""
    )
    return f"{first[value]:.1f}{interval}"
