"""Widgets the pages share, built from the package's declarations (kept out of the
science modules, which never import Streamlit).

As LIT builds its UI from component specs, the pages build their choices from what the
package declares: a perturbation's parameters (`ParamSpec`: type, default, bounds,
choices, help) become `param_widget`s, and a choice among declared entries (metric
modes, settings, methods, perturbation kinds: anything with a `description`) is made
with `choose`, whose help lists each entry's description. A new parameter or a new
registry entry then shows up in the app without touching a page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import pandas as pd
import streamlit as st

from xner.analysis.reference import split_label
from xner.analysis.table import in_split, main_split, options
from xner.perturb.spec import ParamSpec

SPLIT_HELP = (
    "paper: each language's WikiANN pooled and split 80/20 as the paper did; "
    "xtreme: PAN-X as XTREME releases it (test = its labelled dev file)"
)


def one_split(table: pd.DataFrame, label: str = "Data split") -> pd.DataFrame:
    """The rows of one split policy, chosen with a radio when the table holds several
    (the paper's split first): runs of different splits test on different sentences and
    are never pooled."""
    splits = options(table, "split") if not table.empty else []
    if len(splits) < 2:
        return table
    split = st.radio(
        label,
        splits,
        index=splits.index(main_split(table)),
        horizontal=True,
        key="split",
        format_func=split_label,
        help=SPLIT_HELP,
    )
    return in_split(table, split)


# ---------------------------------------------------------------------------
# Declared parameters


def param_key(prefix: str, spec: ParamSpec) -> str:
    """The widget key of one parameter: `prefix` (e.g. the kind) keeps kinds apart."""
    return f"{prefix}.{spec.name}"


def param_widget(spec: ParamSpec, key: str, where: Any = None) -> Any:
    """One widget for one declared parameter, labelled with its name, set to its default,
    bounded by its `min`/`max`, with its help: a selectbox when it declares `choices`,
    else a checkbox (bool), a number input (int, float) or a text input (str). Returns
    the value, typed as the parameter declares it."""
    where = where if where is not None else st
    if spec.choices:
        choices = list(spec.choices)
        index = choices.index(spec.default) if spec.default in choices else 0
        return where.selectbox(spec.name, choices, index=index, key=key, help=spec.help)
    if spec.type == "bool":
        return where.checkbox(spec.name, value=bool(spec.default), key=key, help=spec.help)
    if spec.type in ("int", "float"):
        cast = int if spec.type == "int" else float
        value = where.number_input(
            spec.name,
            min_value=None if spec.min is None else cast(spec.min),
            max_value=None if spec.max is None else cast(spec.max),
            value=cast(spec.default),
            step=cast(1) if spec.type == "int" else 0.05,
            key=key,
            help=spec.help,
        )
        return cast(value)
    return where.text_input(spec.name, value=str(spec.default), key=key, help=spec.help)


def param_widgets(
    params: Iterable[ParamSpec],
    prefix: str,
    *,
    skip: Iterable[str] = (),
    columns: int = 3,
) -> dict[str, Any]:
    """A widget per declared parameter (but those in `skip`, which the page sets itself),
    laid out in `columns`; returns `{name: value}` for the parameters that differ from
    their defaults (what `perturb(..., params=...)` takes)."""
    shown = [spec for spec in params if spec.name not in set(skip)]
    if not shown:
        return {}
    cells = st.columns(min(columns, len(shown)))
    chosen: dict[str, Any] = {}
    for index, spec in enumerate(shown):
        value = param_widget(spec, param_key(prefix, spec), cells[index % len(cells)])
        if value != spec.default:
            chosen[spec.name] = value
    return chosen


# ---------------------------------------------------------------------------
# A choice among declared entries


def summary(entry: Any) -> str:
    """The first sentence of an entry's `description` (what the help lists)."""
    description = str(getattr(entry, "description", "") or "")
    return description.split(". ")[0].rstrip(".")


def registry_help(registry: Mapping[str, Any], names: Iterable[str]) -> str:
    """A markdown list: each declared name in bold with its description's first sentence."""
    return "\n".join(f"- **{n}**: {summary(registry[n])}" for n in names if n in registry)


def declared(registry: Mapping[str, Any], names: Iterable[str] | None = None) -> list[str]:
    """`names` (default: every declared one), declared ones in declaration order first,
    then any others (e.g. a mode an old evaluation stored) as given."""
    if names is None:
        return list(registry)
    given = list(dict.fromkeys(names))
    return [n for n in registry if n in given] + [n for n in given if n not in registry]


def choose(
    label: str,
    registry: Mapping[str, Any],
    names: Sequence[str] | None = None,
    *,
    widget: Literal["selectbox", "radio", "multiselect"] = "selectbox",
    default: str | Sequence[str] | None = None,
    first: Sequence[str] = (),
    order: bool = True,
    where: Any = None,
    **kwargs: Any,
) -> Any:
    """Choose among `names` of a registry (default: all its entries) with `widget`;
    the help lists each entry's description. `first` puts extra options (such as
    "(none)") ahead; `default` is the option (or, for a multiselect, the options)
    chosen at first; `order=False` keeps `names` as given."""
    names = declared(registry, names) if order else list(names if names is not None else registry)
    choices = [*first, *names]
    kwargs.setdefault("help", registry_help(registry, names) or None)
    where = where if where is not None else st
    if widget == "multiselect":
        return where.multiselect(label, choices, default=default, **kwargs)
    index = choices.index(default) if isinstance(default, str) and default in choices else 0
    return getattr(where, widget)(label, choices, index=index, **kwargs)
