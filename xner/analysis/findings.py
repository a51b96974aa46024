"""The study's headline questions, answered from whatever results are in a models folder.

Each finding is declared as data (`FindingSpec`: name, the question, what it needs and the
function that answers it), ExplainaBoard-style, so the CLI (`xner findings`) and the app
list them without special cases, and a new question is one more declaration. Answers are
computed, never written by hand: a sentence with the numbers, and the table behind it.

All numbers are strict micro F1 in points (0-100), each run's test set, averaged over
seeds first; "drop" is clean F1 minus perturbed F1 of the same run (positive = worse).
The paper's kinds (p1, p2, p1+p2) have two readings (`xner.analysis.views.READINGS`):
against each model's own training data (the paper's, plain names) and against the HRL
training data (`KIND@hrl`); a mean "over the kinds" takes each kind once, in the paper's
reading, and every finding about perturbation states the paper's kinds in both readings.
The numbers they are built from are in `findings_stats`, the words in `findings_text`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from xner.analysis.findings_stats import (
    both_settings,
    clean_matrix,
    drop_means,
    micro_rows,
    micro_scores,
    on_shared_seeds,
    once_per_kind,
    spearman,
    spearman_interval,
)
from xner.analysis.findings_text import extreme_clause, noise_clause, readings_clause
from xner.analysis.reference import PAPER_KINDS, paper_reference_drops
from xner.analysis.table import in_split
from xner.analysis.views import SCRATCH, main_backbone, reading_of
from xner.runs.layout import CLEAN

# Entity overlap per pair; None where it could not be computed (a language not local).
Overlaps = Mapping[str, float | None]


@dataclass(frozen=True)
class Finding:
    """One question's answer: a sentence with the numbers, and the table behind it."""

    name: str
    question: str
    answer: str
    table: pd.DataFrame = field(repr=False)
    n_pairs: int


Compute = Callable[[pd.DataFrame, Overlaps], Finding | None]


@dataclass(frozen=True)
class FindingSpec:
    """One question, declared: the CLI and the app list these without special cases."""

    name: str
    question: str
    needs: str  # what results it takes, shown when they are missing
    compute: Compute = field(repr=False)


# ---------------------------------------------------------------------------
# The questions


def native_vs_transfer(table: pd.DataFrame, overlaps: Overlaps) -> Finding | None:
    backbone = main_backbone(table)
    pairs = both_settings(clean_matrix(micro_scores(table, backbone)), "native", "transfer")
    if pairs.empty:
        return None
    gap = pairs["native"] - pairs["transfer"]
    wins = int((gap > 0).sum())
    answer = (
        f"{backbone}: native fine-tuning beats transfer on clean data in {wins} of "
        f"{len(pairs)} pairs: mean F1 {pairs['native'].mean():.1f} native vs "
        f"{pairs['transfer'].mean():.1f} transfer, a gap of {gap.mean():+.1f} points "
        f"(from {extreme_clause(gap, 'min')} to {extreme_clause(gap, 'max')})."
    ) + noise_clause(table, backbone, gap.mean())
    out = pairs.assign(gap=gap).round(1).reset_index()
    return Finding(
        "native-vs-transfer",
        FINDINGS_BY_NAME["native-vs-transfer"].question,
        answer,
        out,
        len(pairs),
    )


def robustness(table: pd.DataFrame, overlaps: Overlaps) -> Finding | None:
    backbone = main_backbone(table)
    scores = micro_scores(table, backbone)
    drops = both_settings(drop_means(scores), "native", "transfer")
    if drops.empty:
        return None
    relative = both_settings(drop_means(scores, "drop_rel"), "native", "transfer").reindex(
        drops.index
    )
    more = int((drops["native"] > drops["transfer"]).sum())
    kinds = scores.loc[once_per_kind(scores["perturbation"]), "perturbation"].nunique()
    answer = (
        f"{backbone}: under perturbation native loses more than transfer in {more} of "
        f"{len(drops)} pairs: mean drop over {kinds} perturbation kinds "
        f"{drops['native'].mean():.1f} points native vs {drops['transfer'].mean():.1f} "
        f"transfer ({relative['native'].mean():.0%} vs {relative['transfer'].mean():.0%} "
        "of clean F1)."
    )
    both = scores["pair"].isin(drops.index) & scores["setting"].isin(["native", "transfer"])
    per_kind = (
        scores[both & (scores["perturbation"] != CLEAN)]
        .pivot_table(index="perturbation", columns="setting", values="drop", aggfunc="mean")
        .round(1)
    )
    answer += readings_clause(scores, "native", "transfer", drops.index)
    if "native" in per_kind:
        worst = per_kind.loc[[k for k in per_kind.index if reading_of(k) != "hrl"], "native"]
        worst = worst.idxmax()
        answer += (
            f" The hardest kind for native is {worst} ({per_kind.loc[worst, 'native']:.1f} "
            f"points; transfer {per_kind.loc[worst].get('transfer', math.nan):.1f})."
        )
    out = drops.join(relative.add_suffix("_relative")).round(3).reset_index()
    return Finding("robustness", FINDINGS_BY_NAME["robustness"].question, answer, out, len(drops))


def paper_perturbations(table: pd.DataFrame, overlaps: Overlaps) -> Finding | None:
    backbone = main_backbone(table)
    rows = micro_rows(table, backbone)
    names = {
        **{k: (k, "own") for k in PAPER_KINDS},
        **{f"{k}@hrl": (k, "hrl") for k in PAPER_KINDS},
    }
    rows = rows[
        rows["perturbation"].isin(list(names)) & rows["setting"].isin(["native", "transfer"])
    ]
    if rows.empty or "mention_share" not in rows:
        return None
    rows = rows.assign(
        kind=rows["perturbation"].map(lambda p: names[p][0]),
        reading=rows["perturbation"].map(lambda p: names[p][1]),
    )
    out = (
        rows.groupby(["kind", "reading", "setting"])
        .agg(
            drop=("drop", "mean"),
            mentions_replaced=("mention_share", "mean"),
            o_words_replaced=("o_token_share", "mean"),
            pairs=("pair", "nunique"),
        )
        .mul({"drop": 100, "mentions_replaced": 100, "o_words_replaced": 100, "pairs": 1})
        .round(1)
        .reset_index()
    )
    paper = paper_reference_drops()
    out["paper_drop"] = [
        round(float(paper.loc[k, s]), 1) if k in paper.index and s in paper else math.nan
        for k, s in zip(out["kind"], out["setting"], strict=True)
    ]
    out = out.sort_values(["reading", "kind", "setting"], key=lambda c: c.map(_paper_order))

    def cell(kind: str, reading: str, setting: str, column: str) -> float:
        chosen = out[
            (out["kind"] == kind) & (out["reading"] == reading) & (out["setting"] == setting)
        ]
        return float(chosen[column].iloc[0]) if not chosen.empty else math.nan

    parts = []
    for reading, label in (
        ("own", "each model's own training data (the paper's reading)"),
        ("hrl", "the HRL training data (controlled)"),
    ):
        drops = ", ".join(
            f"{kind} {cell(kind, reading, 'native', 'drop'):.1f} vs "
            f"{cell(kind, reading, 'transfer', 'drop'):.1f}"
            for kind in PAPER_KINDS
        )
        parts.append(
            f"against {label}: native vs transfer drop {drops} points; p1 replaces "
            f"{cell('p1', reading, 'native', 'mentions_replaced'):.0f}% vs "
            f"{cell('p1', reading, 'transfer', 'mentions_replaced'):.0f}% of test mentions and "
            f"p2 {cell('p2', reading, 'native', 'o_words_replaced'):.0f}% vs "
            f"{cell('p2', reading, 'transfer', 'o_words_replaced'):.0f}% of O words"
        )
    paper_text = ", ".join(
        f"{kind} {paper.loc[kind, 'native']:.1f} vs {paper.loc[kind, 'transfer']:.1f}"
        for kind in PAPER_KINDS
        if kind in paper.index
    )
    answer = (
        f"{backbone}, mean over {int(out['pairs'].max())} pairs: " + "; ".join(parts) + ". "
        f"The paper (mBERT and XLM-R, 13 pairs): {paper_text}."
    )
    return Finding(
        "paper-perturbations",
        FINDINGS_BY_NAME["paper-perturbations"].question,
        answer,
        out.reset_index(drop=True),
        int(out["pairs"].max()),
    )


def _paper_order(value: object) -> object:
    order: dict[object, int] = {
        "own": 0,
        "hrl": 1,
        "native": 0,
        "transfer": 1,
        **{k: i for i, k in enumerate(PAPER_KINDS)},
    }
    return order.get(value, 9)


def drop_vs_overlap(table: pd.DataFrame, overlaps: Overlaps) -> Finding | None:
    backbone = main_backbone(table)
    scores = micro_scores(table, backbone)
    transfer = scores[(scores["setting"] == "transfer") & once_per_kind(scores["perturbation"])]
    known = {p: v for p, v in overlaps.items() if v is not None and v == v}
    transfer = transfer[transfer["pair"].isin(known)]
    if transfer["pair"].nunique() < 3:
        return None
    by_kind = transfer.pivot_table(index="pair", columns="perturbation", values="drop")
    by_kind["mean"] = by_kind.mean(axis=1)
    by_kind.insert(0, "entity_overlap", [known[p] * 100 for p in by_kind.index])
    rhos = {
        kind: spearman(by_kind["entity_overlap"], by_kind[kind].astype(float))
        for kind in by_kind.columns[1:]
        if by_kind[kind].notna().sum() >= 3
    }

    def verdict(rho: float) -> str:
        if rho != rho:
            return "cannot be related to entity overlap"
        if rho >= 0.5:
            return "rises with entity overlap"
        if rho <= -0.5:
            return "falls as entity overlap rises"
        return "shows no clear relation to entity overlap"

    main = "p1" if "p1" in rhos else "mean"
    rho = rhos[main]
    low, high = spearman_interval(by_kind["entity_overlap"], by_kind[main].astype(float))
    answer = (
        f"{backbone}: across {len(by_kind)} pairs the transfer model's drop under {main} "
        f"{verdict(rho)} (Spearman ρ = {rho:+.2f}, 95% bootstrap interval over pairs "
        f"{low:+.2f} to {high:+.2f}); averaged over all kinds ρ = "
        f"{rhos['mean']:+.2f}. Overlap = share of LRL test entity tokens seen in HRL "
        f"training data, from {by_kind['entity_overlap'].min():.1f}% to "
        f"{by_kind['entity_overlap'].max():.1f}%."
    )
    controlled = scores[(scores["setting"] == "transfer") & (scores["perturbation"] == "p1@hrl")]
    controlled = controlled.set_index("pair")["drop"].reindex(by_kind.index)
    if main == "p1" and controlled.notna().sum() >= 3:
        rho_hrl = spearman(by_kind["entity_overlap"], controlled.astype(float))
        rhos["p1@hrl"] = rho_hrl
        answer += (
            f" A transfer model's own training data is the HRL's (capped), so both readings "
            f"agree: p1 against the whole HRL training data gives ρ = {rho_hrl:+.2f}."
        )
    if len(by_kind) < 8:
        answer += f" With {len(by_kind)} pairs this is a weak test."
    out = by_kind.round(1).reset_index()
    out.attrs["spearman"] = rhos
    out.attrs["spearman_interval"] = (low, high)
    return Finding(
        "drop-vs-overlap", FINDINGS_BY_NAME["drop-vs-overlap"].question, answer, out, len(by_kind)
    )


def _seeds(seeds: set[int]) -> str:
    return ", ".join(str(seed) for seed in sorted(seeds))


def _against_transfer(setting: str, name: str, what: str) -> Compute:
    """The finding `name`: `setting` (`what` it adds to transfer) against plain transfer
    on the same pairs, clean and under perturbation."""

    def compute(table: pd.DataFrame, overlaps: Overlaps) -> Finding | None:
        backbone = main_backbone(table)
        rows = micro_rows(table, backbone)
        paired = on_shared_seeds(rows, setting, "transfer")
        scores = micro_scores(paired)
        clean = both_settings(clean_matrix(scores), setting, "transfer")
        if clean.empty:
            return None
        drops = both_settings(drop_means(scores), setting, "transfer").reindex(clean.index)
        gain = clean[setting] - clean["transfer"]
        better = int((gain > 0).sum())
        answer = (
            f"{backbone}: {what} changes clean F1 by {gain.mean():+.1f} points on average "
            f"({better} of {len(clean)} pairs better; from {extreme_clause(gain, 'min')} to "
            f"{extreme_clause(gain, 'max')})"
        )
        if drops.notna().all(axis=None):
            change = drops[setting] - drops["transfer"]
            answer += (
                f", and the mean drop under perturbation by {change.mean():+.1f} points "
                f"({drops[setting].mean():.1f} vs {drops['transfer'].mean():.1f})."
            )
            answer += readings_clause(scores, setting, "transfer", clean.index)
        else:
            answer += "."
        used = set(paired["seed"])
        unused = set(rows.loc[rows["setting"] == "transfer", "seed"]) - used
        if unused:
            answer += (
                f" Both are read on the seeds both were run with (seed {_seeds(used)}; "
                f"transfer's seed {_seeds(unused)} is left out here)."
            )
        answer += noise_clause(table, backbone, gain.mean())
        out = clean.assign(gain=gain).join(drops.add_suffix("_drop")).round(1).reset_index()
        return Finding(name, FINDINGS_BY_NAME[name].question, answer, out, len(clean))

    compute.__name__ = compute.__qualname__ = name.replace("-", "_")
    return compute


target_pretraining = _against_transfer(
    "adapted-transfer",
    "target-pretraining",
    "pretraining on unlabelled target-language text before transfer (adapted-transfer)",
)
self_training = _against_transfer(
    "self-training", "self-training", "self-training on teacher-labelled target-language text"
)


def multilingual_pretraining(table: pd.DataFrame, overlaps: Overlaps) -> Finding | None:
    backbone = main_backbone(table)
    if backbone is None:
        return None
    scores = micro_scores(table)
    scores = scores[scores["backbone"].isin([backbone, SCRATCH])]
    clean = scores[scores["perturbation"] == CLEAN].pivot_table(
        index=["pair", "setting"], columns="backbone", values="f1"
    )
    noisy = scores[once_per_kind(scores["perturbation"])]
    if SCRATCH not in clean or backbone not in clean:
        return None
    clean = clean[[backbone, SCRATCH]].dropna()
    if clean.empty:
        return None
    gain = clean[backbone] - clean[SCRATCH]
    parts = []
    for setting in ("native", "transfer"):
        rows = gain[gain.index.get_level_values("setting") == setting]
        if not rows.empty:
            parts.append(f"{rows.mean():+.1f} points {setting} ({len(rows)} pairs)")
    answer = (
        f"Multilingual pretraining ({backbone} against the from-scratch {SCRATCH}) adds "
        + " and ".join(parts)
        + " of clean F1"
    )
    drops, relative = (
        noisy.pivot_table(index=["pair", "setting"], columns="backbone", values=value).reindex(
            clean.index
        )
        for value in ("drop", "drop_rel")
    )
    # Robustness is compared on native runs: a transfer model from scratch scores near
    # zero, so it has little left to lose and its drop says nothing.
    native = clean.index.get_level_values("setting") == "native"
    drop_pairs = drops[native][[backbone, SCRATCH]].dropna()
    if not drop_pairs.empty:
        shares = relative[native].reindex(drop_pairs.index)
        answer += (
            f"; under perturbation the native models drop {drop_pairs[backbone].mean():.1f} "
            f"points pretrained vs {drop_pairs[SCRATCH].mean():.1f} from scratch "
            f"({shares[backbone].mean():.0%} vs {shares[SCRATCH].mean():.0%} of clean F1)."
        )
    else:
        answer += "."
    out = clean.assign(gain=gain).join(drops.add_suffix("_drop")).round(1).reset_index()
    return Finding(
        "multilingual-pretraining",
        FINDINGS_BY_NAME["multilingual-pretraining"].question,
        answer,
        out,
        clean.index.get_level_values("pair").nunique(),
    )


FINDINGS: tuple[FindingSpec, ...] = (
    FindingSpec(
        "native-vs-transfer",
        "Does native fine-tuning beat transfer from the HRL on clean data?",
        "native and transfer runs of the same pairs",
        native_vs_transfer,
    ),
    FindingSpec(
        "robustness",
        "Does the native model lose more than the transfer model under perturbation?",
        "native and transfer runs evaluated on perturbed test sets",
        robustness,
    ),
    FindingSpec(
        "paper-perturbations",
        "What do the paper's perturbations (p1, p2, p1+p2) cost native and transfer models, "
        "read against each model's own training data and against the HRL's, and how much "
        "do they replace?",
        "native and transfer runs evaluated on p1, p2, p1+p2 and their @hrl readings",
        paper_perturbations,
    ),
    FindingSpec(
        "drop-vs-overlap",
        "Does the transfer model's drop follow the HRL-LRL entity overlap?",
        "transfer runs of at least 3 pairs with local data, evaluated on perturbed sets",
        drop_vs_overlap,
    ),
    FindingSpec(
        "target-pretraining",
        "What does pretraining on unlabelled target-language text before transfer change?",
        "adapted-transfer and transfer runs of the same pairs",
        target_pretraining,
    ),
    FindingSpec(
        "self-training",
        "What does self-training on target-language text change?",
        "self-training and transfer runs of the same pairs",
        self_training,
    ),
    FindingSpec(
        "multilingual-pretraining",
        "What does multilingual pretraining buy, against a model trained from scratch?",
        f"{SCRATCH} runs beside the pretrained backbone's, same pairs and settings",
        multilingual_pretraining,
    ),
)
FINDINGS_BY_NAME: Mapping[str, FindingSpec] = {spec.name: spec for spec in FINDINGS}


def compute_findings(
    table: pd.DataFrame,
    overlaps: Overlaps | None = None,
    split: str | None = None,
) -> list[tuple[FindingSpec, Finding | None]]:
    """Every declared finding, answered where the table has what it needs (else None),
    from the runs of one split policy (`split`; default: `table.main_split`): runs of
    different splits test on different sentences and are never pooled."""
    table = in_split(table, split)
    return [(spec, spec.compute(table, overlaps or {})) for spec in FINDINGS]
