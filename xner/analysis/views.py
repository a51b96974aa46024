"""Views of the results table (`xner.analysis.table`) for the figures and pages: the two
readings of the paper's kinds, drop and coverage matrices, per-type scores, drop against
overlap, the overview's headline rows and the one-line provenance of a table.

They take a table and return a small frame; none reads files, so the pages can call them
on every rerun.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from xner.analysis.reference import ours_split_label
from xner.analysis.table import AGGREGATES, NAN, options
from xner.evaluate.metrics import HEADLINE
from xner.runs.layout import CLEAN

# The from-scratch baseline: never the main backbone, compared against it.
SCRATCH = "scratch-char"


# The two readings of the kinds measured against training data (p1, p2, p1+p2): a plain
# name is read against each model's own training data, `KIND@hrl` against the HRL's.
READINGS: dict[str, str] = {
    "own": "each model against its own training data (the paper's comparison: native "
    "models against LRL train, transfer models against HRL train)",
    "hrl": "every model against the HRL training data (the controlled comparison: native "
    "and transfer models see the same perturbed test set)",
}


def reading_of(perturbation: str) -> str | None:
    """`own` or `hrl` for the readings of p1/p2/p1+p2, None for other kinds (and clean)."""
    from xner.perturb.spec import PerturbError, split_reading, takes_reading

    kind, reading = split_reading(perturbation)
    if reading:
        return reading
    try:
        return "own" if kind != CLEAN and takes_reading(kind) else None
    except PerturbError:  # a kind this build does not declare
        return None


def in_reading(perturbations: Sequence[str], reading: str | None) -> list[str]:
    """The perturbations to show for `reading` (None: all): kinds without readings always,
    p1/p2/p1+p2 only in the chosen reading."""
    if reading is None:
        return list(perturbations)
    return [p for p in perturbations if reading_of(p) in (None, reading)]


def cell_label(pair: str, setting: str | None = None) -> str:
    """`es→ca · transfer`: how a pair · setting cell is named on every chart."""
    label = pair.replace("-", "→")
    return f"{label} · {setting}" if setting else label


def drop_matrix(
    table: pd.DataFrame, *, relative: bool = False, mode: str = HEADLINE, type_: str = "micro"
) -> pd.DataFrame:
    """Mean drop over seeds (and backbones, if several are in `table`) as a matrix:
    rows `pair · setting`, columns perturbations. Relative drops are fractions."""
    chosen = table[
        (table["perturbation"] != CLEAN) & (table["mode"] == mode) & (table["type"] == type_)
    ]
    if chosen.empty:
        return pd.DataFrame()
    value = "drop_rel" if relative else "drop"
    chosen = chosen.assign(
        row=[cell_label(p, s) for p, s in zip(chosen["pair"], chosen["setting"], strict=True)]
    )
    matrix = chosen.pivot_table(index="row", columns="perturbation", values=value, aggfunc="mean")
    return _ordered(matrix, chosen)


def _ordered(matrix: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    """Rows by pair, then setting in its declared order; columns in the declared order
    of the perturbations (the paper's kinds first)."""
    from xner.viz.palette import perturbation_rank, setting_rank

    rows = chosen.drop_duplicates("row").set_index("row")
    order = sorted(
        matrix.index, key=lambda r: (rows.at[r, "pair"], setting_rank(rows.at[r, "setting"]))
    )
    columns = sorted(matrix.columns, key=lambda c: perturbation_rank(str(c)))
    matrix = matrix.loc[order, columns]
    matrix.index.name = "pair · setting"
    return matrix


def coverage_matrix(
    table: pd.DataFrame, *, share: str = "sentence_share", mode: str = HEADLINE
) -> pd.DataFrame:
    """The mean coverage `share` (see COVERAGE_COLUMNS) in `drop_matrix`'s layout; with
    `share="significant"`, the share of runs whose paired bootstrap calls the drop
    significant (NaN where the mode stores no interval)."""
    chosen = table[
        (table["perturbation"] != CLEAN) & (table["mode"] == mode) & (table["type"] == "micro")
    ]
    if chosen.empty:
        return pd.DataFrame()
    if share == "significant":
        chosen = chosen.assign(significant=chosen["significant"].astype("Float64").astype(float))
    chosen = chosen.assign(
        row=[cell_label(p, s) for p, s in zip(chosen["pair"], chosen["setting"], strict=True)]
    )
    matrix = chosen.pivot_table(index="row", columns="perturbation", values=share, aggfunc="mean")
    return _ordered(matrix, chosen)


def type_scores(
    table: pd.DataFrame, *, mode: str = HEADLINE, types: Sequence[str] | None = None
) -> pd.DataFrame:
    """Per entity type (and micro/macro when asked) and perturbation: mean F1 over the
    rows in `table` with mean bootstrap bounds, for bars with error bars."""
    chosen = table[table["mode"] == mode]
    if types is not None:
        chosen = chosen[chosen["type"].isin(list(types))]
    else:
        chosen = chosen[~chosen["type"].isin(AGGREGATES)]
    if chosen.empty:
        return pd.DataFrame(columns=["type", "perturbation", "f1", "f1_low", "f1_high", "n"])
    out = (
        chosen.groupby(["type", "perturbation"], sort=True)
        .agg(
            f1=("f1", "mean"),
            f1_low=("f1_low", "mean"),
            f1_high=("f1_high", "mean"),
            n=("f1", "size"),
        )
        .reset_index()
    )
    order = options(out, "perturbation")
    out["order"] = out["perturbation"].map(order.index)
    return out.sort_values(["order", "type"]).drop(columns="order").reset_index(drop=True)


def overlap_points(
    table: pd.DataFrame,
    overlaps: Mapping[str, float],
    *,
    mode: str = HEADLINE,
    relative: bool = False,
) -> pd.DataFrame:
    """One point per pair × setting × perturbation: the mean micro drop (over seeds and
    backbones in `table`) against the pair's entity overlap; pairs without an overlap
    value are left out (their count is in the `attrs["missing"]` list)."""
    value = "drop_rel" if relative else "drop"
    chosen = table[
        (table["perturbation"] != CLEAN) & (table["mode"] == mode) & (table["type"] == "micro")
    ]
    columns = ["pair", "setting", "perturbation", "drop", "overlap", "n_runs"]
    if chosen.empty:
        return pd.DataFrame(columns=columns)
    points = (
        chosen.groupby(["pair", "setting", "perturbation"], sort=True)
        .agg(drop=(value, "mean"), n_runs=(value, "size"))
        .reset_index()
    )
    points["overlap"] = points["pair"].map(lambda p: overlaps.get(p, NAN))
    missing = sorted(set(points.loc[points["overlap"].isna(), "pair"]))
    points = points.dropna(subset=["overlap"]).reset_index(drop=True)[columns]
    points.attrs["missing"] = missing
    return points


def main_backbone(table: pd.DataFrame) -> str | None:
    """The pretrained backbone with the most pairs × settings (ties: by name)."""
    rows = table[table["backbone"] != SCRATCH]
    if rows.empty:
        return None
    counts = rows.groupby("backbone")[["pair", "setting"]].apply(lambda g: len(g.drop_duplicates()))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[0][0]


def headline_main(headline: pd.DataFrame) -> pd.DataFrame:
    """`headline_rows` for a newcomer's chart: one backbone (the pretrained one with most
    runs), native and transfer only."""
    main = main_backbone(headline.assign(perturbation=CLEAN)) or headline["backbone"].iloc[0]
    return headline[
        (headline["backbone"] == main) & headline["setting"].isin(["native", "transfer"])
    ]


def headline_rows(table: pd.DataFrame) -> pd.DataFrame:
    """For the overview: per backbone × pair × setting, strict micro F1 on the clean test
    set and mean F1 over the perturbed sets (mean over seeds), with how many perturbation
    kinds were averaged."""
    chosen = table[(table["mode"] == HEADLINE) & (table["type"] == "micro")]
    columns = ["backbone", "pair", "setting", "clean", "perturbed", "n_perturbations"]
    if chosen.empty:
        return pd.DataFrame(columns=columns)
    keys = ["backbone", "pair", "setting"]
    clean = chosen[chosen["perturbation"] == CLEAN].groupby(keys)["f1"].mean().rename("clean")
    noisy = chosen[chosen["perturbation"] != CLEAN]
    perturbed = noisy.groupby(keys)["f1"].mean().rename("perturbed")
    kinds = noisy.groupby(keys)["perturbation"].nunique().rename("n_perturbations")
    out = pd.concat([clean, perturbed, kinds], axis=1).reset_index()
    out["n_perturbations"] = out["n_perturbations"].fillna(0).astype(int)
    return out[columns].sort_values(keys).reset_index(drop=True)


def provenance(table: pd.DataFrame) -> str:
    """What produced the results in `table`, in one line: backbones with their training
    methods, test sets, how many sentences each was scored on, and the split."""
    if table.empty:
        return "No evaluated runs."
    runs = table.drop_duplicates("run_path")
    methods = runs.groupby("backbone")["method"].agg(lambda m: "/".join(sorted(set(m))))
    backbones = ", ".join(f"{name} ({method})" for name, method in methods.items())
    test_sets = sorted(set(table["test_set"].unique()))
    datasets = sorted({t.split("/")[0] for t in test_sets})
    sizes = table.loc[table["perturbation"] == CLEAN, "n_sentences"]
    size = (
        f"{int(sizes.min()):,}–{int(sizes.max()):,}"
        if not sizes.empty and sizes.min() != sizes.max()
        else (f"{int(sizes.max()):,}" if not sizes.empty else "?")
    )
    text = (
        f"{len(runs)} runs; backbones: {backbones}; {len(test_sets)} test sets "
        f"({size} sentences each)."
    )
    if any(d.startswith(("panx", "wikiann")) for d in datasets):
        text += f" Split — {ours_split_label(table)}."
    return text
