"""The study's headline questions, answered from whatever results are in a models folder.

Each finding is declared as data (`FindingSpec`: name, the question, what it needs and the
function that answers it), ExplainaBoard-style, so the CLI (`xner findings`) and the app
list them without special cases, and a new question is one more declaration. Answers are
computed, never written by hand: a sentence with the numbers, and the table behind it.

All numbers are strict micro F1 in points (0-100), each run's test set, averaged over
seeds first; "drop" is clean F1 minus perturbed F1 of the same run (positive = worse).
The paper's kinds (p1, p2, p1+p2) have two readings (`results.READINGS`): against each
model's own training data (the paper's, plain names) and against the HRL training data
(`KIND@hrl`); a mean "over the kinds" takes each kind once, in the paper's reading, and
every finding about perturbation states the paper's kinds in both readings.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from xner.results import CLEAN, HEADLINE_MODE, reading_of


@dataclass(frozen=True)
class Finding:
    """One question's answer: a sentence with the numbers, and the table behind it."""

    name: str
    question: str
    answer: str
    table: pd.DataFrame = field(repr=False)
    n_pairs: int


Compute = Callable[[pd.DataFrame, Mapping[str, float]], Finding | None]


@dataclass(frozen=True)
class FindingSpec:
    name: str
    question: str
    needs: str  # what results it takes, shown when they are missing
    compute: Compute = field(repr=False)


def _micro_rows(table: pd.DataFrame, backbone: str | None = None) -> pd.DataFrame:
    """The strict micro rows (of one backbone, when given): what every finding reads."""
    rows = table[(table["mode"] == HEADLINE_MODE) & (table["type"] == "micro")]
    return rows if backbone is None else rows[rows["backbone"] == backbone]


def micro_scores(table: pd.DataFrame, backbone: str | None = None) -> pd.DataFrame:
    """Strict micro rows, F1 and drop in points, mean over seeds per backbone × pair ×
    setting × perturbation."""
    rows = _micro_rows(table, backbone)
    if rows.empty:
        return pd.DataFrame(
            columns=["backbone", "pair", "setting", "perturbation", "f1", "drop", "drop_rel"]
        )
    keys = ["backbone", "pair", "setting", "perturbation"]
    out = rows.groupby(keys, sort=True).agg(
        f1=("f1", "mean"), drop=("drop", "mean"), drop_rel=("drop_rel", "mean")
    )
    out["f1"] *= 100
    out["drop"] *= 100
    return out.reset_index()


def main_backbone(table: pd.DataFrame) -> str | None:
    """The pretrained backbone with the most pairs × settings (ties: by name)."""
    rows = table[table["backbone"] != SCRATCH]
    if rows.empty:
        return None
    counts = rows.groupby("backbone")[["pair", "setting"]].apply(lambda g: len(g.drop_duplicates()))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0][0]


SCRATCH = "scratch-char"
PAPER_KINDS = ("p1", "p2", "p1+p2")  # the perturbations of Manafi & Krishnaswamy (2024)


def _clean(scores: pd.DataFrame) -> pd.DataFrame:
    """pair × setting matrix of clean F1."""
    clean = scores[scores["perturbation"] == CLEAN]
    return clean.pivot_table(index="pair", columns="setting", values="f1", aggfunc="mean")


def _drops(scores: pd.DataFrame, value: str = "drop") -> pd.DataFrame:
    """pair × setting matrix of the mean drop over the perturbation kinds (each once: the
    paper's kinds in their own reading)."""
    noisy = scores[_once(scores["perturbation"])]
    return noisy.pivot_table(index="pair", columns="setting", values=value, aggfunc="mean")


def _once(perturbations: pd.Series) -> pd.Series:
    """True for the perturbed sets a mean over kinds takes: not clean, not `@hrl`."""
    readings = {p: reading_of(str(p)) for p in perturbations.unique()}
    return (perturbations != CLEAN) & perturbations.map(lambda p: readings[p] != "hrl")


def paper_drops(scores: pd.DataFrame, reading: str) -> pd.DataFrame:
    """pair × setting matrix of the mean drop over the paper's kinds read as `reading`."""
    names = [k if reading == "own" else f"{k}@{reading}" for k in PAPER_KINDS]
    chosen = scores[scores["perturbation"].isin(names)]
    return chosen.pivot_table(index="pair", columns="setting", values="drop", aggfunc="mean")


def _both_readings(scores: pd.DataFrame, first: str, second: str, pairs: pd.Index) -> str:
    """' On the paper's kinds: ... (own) ...; ... (hrl).' for two settings, or ''."""
    parts = []
    for reading, label in (
        ("own", "against each model's own training data, as the paper"),
        ("hrl", "against the HRL training data, the same test set for both"),
    ):
        matrix = _both(paper_drops(scores, reading), first, second).reindex(pairs).dropna()
        if not matrix.empty:
            parts.append(
                f"{first} {matrix[first].mean():.1f} vs {second} {matrix[second].mean():.1f} "
                f"points {label}"
            )
    return f" On the paper's kinds (p1, p2, p1+p2): {'; '.join(parts)}." if parts else ""


def _both(matrix: pd.DataFrame, first: str, second: str) -> pd.DataFrame:
    if first not in matrix or second not in matrix:
        return pd.DataFrame(columns=[first, second])
    return matrix[[first, second]].dropna()


def _extreme(series: pd.Series, pick: str) -> str:
    index = series.idxmax() if pick == "max" else series.idxmin()
    return f"{series[index]:+.1f} ({index.replace('-', '→')})"


def seed_spread(table: pd.DataFrame, backbone: str | None) -> tuple[float, int]:
    """Mean seed-to-seed range of clean F1 (points) over the pair × settings run with
    2+ seeds, and how many there are: the noise floor a change must clear."""
    rows = _micro_rows(table, backbone)
    rows = rows[rows["perturbation"] == CLEAN]
    per_seed = rows.groupby(["pair", "setting", "seed"])["f1"].mean() * 100
    ranges = per_seed.groupby(["pair", "setting"]).agg(["max", "min", "count"])
    ranges = ranges[ranges["count"] >= 2]
    if ranges.empty:
        return math.nan, 0
    return float((ranges["max"] - ranges["min"]).mean()), len(ranges)


def _against_noise(table: pd.DataFrame, backbone: str | None, change: float) -> str:
    spread, runs = seed_spread(table, backbone)
    if not runs:
        return " Every run has one seed, so seed-to-seed noise is unknown."
    side = "within" if abs(change) <= spread else "beyond"
    return (
        f" Between seeds the same pair and setting differ by {spread:.1f} points on average "
        f"({runs} pair × settings with 2+ seeds), so a mean change of {change:+.1f} is "
        f"{side} seed noise."
    )


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rank correlation (average ranks for ties); NaN below 3 points."""
    if len(x) < 3:
        return math.nan
    ranks = pd.DataFrame({"x": list(x), "y": list(y)}).rank()
    value = ranks["x"].corr(ranks["y"])
    return float(value) if value == value else math.nan


def spearman_interval(
    x: Sequence[float], y: Sequence[float], *, n_resamples: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """A 95% percentile bootstrap interval of Spearman's ρ, resampling the points (pairs)
    with replacement, all resamples at once; resamples whose ranks do not vary (ρ
    undefined) are skipped."""
    import numpy as np
    from scipy.stats import rankdata

    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(xs) < 3:
        return math.nan, math.nan
    index = np.random.default_rng(seed).integers(0, len(xs), (n_resamples, len(xs)))
    rx = rankdata(xs[index], axis=1)  # average ranks for ties, as `spearman`
    ry = rankdata(ys[index], axis=1)
    rx -= rx.mean(axis=1, keepdims=True)
    ry -= ry.mean(axis=1, keepdims=True)
    scale = np.sqrt((rx**2).sum(axis=1) * (ry**2).sum(axis=1))
    valid = scale > 0
    if not valid.any():
        return math.nan, math.nan
    rho = (rx * ry).sum(axis=1)[valid] / scale[valid]
    low, high = np.percentile(rho, [2.5, 97.5])
    return float(low), float(high)


# ---------------------------------------------------------------------------
# The questions


def native_vs_transfer(table: pd.DataFrame, overlaps: Mapping[str, float]) -> Finding | None:
    backbone = main_backbone(table)
    pairs = _both(_clean(micro_scores(table, backbone)), "native", "transfer")
    if pairs.empty:
        return None
    gap = pairs["native"] - pairs["transfer"]
    wins = int((gap > 0).sum())
    answer = (
        f"{backbone}: native fine-tuning beats transfer on clean data in {wins} of "
        f"{len(pairs)} pairs: mean F1 {pairs['native'].mean():.1f} native vs "
        f"{pairs['transfer'].mean():.1f} transfer, a gap of {gap.mean():+.1f} points "
        f"(from {_extreme(gap, 'min')} to {_extreme(gap, 'max')})."
    ) + _against_noise(table, backbone, gap.mean())
    out = pairs.assign(gap=gap).round(1).reset_index()
    return Finding(
        "native-vs-transfer",
        FINDINGS_BY_NAME["native-vs-transfer"].question,
        answer,
        out,
        len(pairs),
    )


def robustness(table: pd.DataFrame, overlaps: Mapping[str, float]) -> Finding | None:
    backbone = main_backbone(table)
    scores = micro_scores(table, backbone)
    drops = _both(_drops(scores), "native", "transfer")
    if drops.empty:
        return None
    relative = _both(_drops(scores, "drop_rel"), "native", "transfer").reindex(drops.index)
    more = int((drops["native"] > drops["transfer"]).sum())
    kinds = scores.loc[_once(scores["perturbation"]), "perturbation"].nunique()
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
    answer += _both_readings(scores, "native", "transfer", drops.index)
    if "native" in per_kind:
        worst = per_kind.loc[[k for k in per_kind.index if reading_of(k) != "hrl"], "native"]
        worst = worst.idxmax()
        answer += (
            f" The hardest kind for native is {worst} ({per_kind.loc[worst, 'native']:.1f} "
            f"points; transfer {per_kind.loc[worst].get('transfer', math.nan):.1f})."
        )
    out = drops.join(relative.add_suffix("_relative")).round(3).reset_index()
    return Finding("robustness", FINDINGS_BY_NAME["robustness"].question, answer, out, len(drops))


def paper_reference_drops() -> pd.DataFrame:
    """The paper's mean drop (points) per kind × setting over its pairs and both models."""
    from xner.reference import reference_results

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


def paper_perturbations(table: pd.DataFrame, overlaps: Mapping[str, float]) -> Finding | None:
    backbone = main_backbone(table)
    rows = _micro_rows(table, backbone)
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
    order = {"own": 0, "hrl": 1, "p1": 0, "p2": 1, "p1+p2": 2, "native": 0, "transfer": 1}
    return order.get(value, 9)  # type: ignore[arg-type]


def drop_vs_overlap(table: pd.DataFrame, overlaps: Mapping[str, float]) -> Finding | None:
    backbone = main_backbone(table)
    scores = micro_scores(table, backbone)
    transfer = scores[(scores["setting"] == "transfer") & _once(scores["perturbation"])]
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


def _against_transfer(table: pd.DataFrame, setting: str, name: str, what: str) -> Finding | None:
    backbone = main_backbone(table)
    scores = micro_scores(table, backbone)
    clean = _both(_clean(scores), setting, "transfer")
    if clean.empty:
        return None
    drops = _both(_drops(scores), setting, "transfer").reindex(clean.index)
    gain = clean[setting] - clean["transfer"]
    better = int((gain > 0).sum())
    answer = (
        f"{backbone}: {what} changes clean F1 by {gain.mean():+.1f} points on average "
        f"({better} of {len(clean)} pairs better; from {_extreme(gain, 'min')} to "
        f"{_extreme(gain, 'max')})"
    )
    if drops.notna().all(axis=None):
        change = drops[setting] - drops["transfer"]
        answer += (
            f", and the mean drop under perturbation by {change.mean():+.1f} points "
            f"({drops[setting].mean():.1f} vs {drops['transfer'].mean():.1f})."
        )
        answer += _both_readings(scores, setting, "transfer", clean.index)
    else:
        answer += "."
    answer += _against_noise(table, backbone, gain.mean())
    out = clean.assign(gain=gain).join(drops.add_suffix("_drop")).round(1).reset_index()
    return Finding(name, FINDINGS_BY_NAME[name].question, answer, out, len(clean))


def target_pretraining(table: pd.DataFrame, overlaps: Mapping[str, float]) -> Finding | None:
    return _against_transfer(
        table,
        "adapted-transfer",
        "target-pretraining",
        "pretraining on unlabelled target-language text before transfer (adapted-transfer)",
    )


def self_training(table: pd.DataFrame, overlaps: Mapping[str, float]) -> Finding | None:
    return _against_transfer(
        table,
        "self-training",
        "self-training",
        "self-training on teacher-labelled target-language text",
    )


def multilingual_pretraining(table: pd.DataFrame, overlaps: Mapping[str, float]) -> Finding | None:
    backbone = main_backbone(table)
    if backbone is None:
        return None
    scores = micro_scores(table)
    scores = scores[scores["backbone"].isin([backbone, SCRATCH])]
    clean = scores[scores["perturbation"] == CLEAN].pivot_table(
        index=["pair", "setting"], columns="backbone", values="f1"
    )
    noisy = scores[_once(scores["perturbation"])]
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
    table: pd.DataFrame, overlaps: Mapping[str, float] | None = None, split: str | None = None
) -> list[tuple[FindingSpec, Finding | None]]:
    """Every declared finding, answered where the table has what it needs (else None),
    from the runs of one split policy (`split`; default: `results.main_split`): runs of
    different splits test on different sentences and are never pooled."""
    from xner.results import main_split

    if not table.empty and "split" in table.columns:
        table = table[table["split"] == (split or main_split(table))]
    return [(spec, spec.compute(table, overlaps or {})) for spec in FINDINGS]


def summary_sentences(answered: Sequence[tuple[FindingSpec, Finding | None]]) -> list[str]:
    """The answer in (up to) three plain sentences for a newcomer, from the findings'
    tables: clean native vs transfer, the paper's perturbations read both ways, overlap."""
    found = {spec.name: finding for spec, finding in answered if finding is not None}
    out: list[str] = []
    if (clean := found.get("native-vs-transfer")) is not None:
        t = clean.table
        out.append(
            f"Trained on the target language itself, a model beats one transferred from the "
            f"related high-resource language in {int((t['gap'] > 0).sum())} of {len(t)} "
            f"pairs ({t['native'].mean():.1f} vs {t['transfer'].mean():.1f} F1)."
        )
    if (paper := found.get("paper-perturbations")) is not None:
        t = paper.table.set_index(["kind", "reading", "setting"])["drop"]

        def drop(reading: str, setting: str) -> float:
            key = ("p1+p2", reading, setting)
            return float(t[key]) if key in t.index else math.nan

        # Only a comparison both settings have: a missing number is left out, never "nan".
        if math.isfinite(drop("own", "native")) and math.isfinite(drop("own", "transfer")):
            sentence = (
                "Replacing the entities and context words a model saw in training (the "
                f"paper's p1+p2) costs native models {drop('own', 'native'):.1f} F1 points "
                f"and transfer models {drop('own', 'transfer'):.1f}"
            )
            if math.isfinite(drop("hrl", "native")) and math.isfinite(drop("hrl", "transfer")):
                sentence += (
                    "; replacing what the high-resource training data holds, the same for "
                    f"both, costs {drop('hrl', 'native'):.1f} vs {drop('hrl', 'transfer'):.1f}"
                )
            out.append(sentence + ".")
    if (overlap := found.get("drop-vs-overlap")) is not None:
        rho = overlap.table.attrs.get("spearman", {}).get("p1", math.nan)
        trend = "rises" if rho >= 0.5 else ("falls" if rho <= -0.5 else "shows no clear trend")
        out.append(
            f"Across {overlap.n_pairs} pairs, the transfer model's loss under p1 {trend} "
            f"with how many entity words the two languages share (Spearman ρ = {rho:+.2f})."
        )
    return out


def findings_markdown(answered: Sequence[tuple[FindingSpec, Finding | None]]) -> str:
    """The answers as a Markdown list (for the README; `xner findings --markdown`)."""
    lines = []
    for spec, finding in answered:
        answer = finding.answer if finding else f"Not answered: needs {spec.needs}."
        lines.append(f"- **{spec.question}** {answer}")
    return "\n".join(lines) + "\n"
