"""The catalog of HRL -> LRL language pairs, and where their data can be found.

The catalog is data (`resources/pairs.yaml`): add a pair by adding an entry.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from xner.errors import XnerError
from xner.registry import Registry

if TYPE_CHECKING:
    from xner.data.records import Sentence
    from xner.perturb.overlap import OverlapStats

RELATIONS = ("geographic", "genetic", "borrowing")


class Availability(enum.StrEnum):
    """Where a pair's WikiANN data can be read from."""

    LOCAL = "local"  # both languages in the local data directory
    HUB = "hub"  # at least one language only on the Hugging Face hub
    NONE = "none"  # a language that WikiANN does not cover


@dataclass(frozen=True, slots=True)
class Pair:
    hrl: str
    lrl: str
    relation: str
    relation_source: str
    paper: bool
    note: str
    control: bool = False

    @property
    def id(self) -> str:
        return f"{self.hrl}-{self.lrl}"

    def __str__(self) -> str:
        return f"{self.hrl}→{self.lrl}"


def _load_catalog() -> None:
    """Register the pairs of `resources/pairs.yaml` (read once, on the first lookup)."""
    text = resources.files("xner").joinpath("resources/pairs.yaml").read_text("utf-8")
    for entry in yaml.safe_load(text)["pairs"]:
        pair = Pair(**entry)
        if pair.relation not in RELATIONS:
            raise XnerError(f"pairs.yaml: {pair.id} has unknown relation {pair.relation!r}")
        PAIRS.register(pair.id, pair)


PAIRS: Registry[Pair] = Registry("pair", error=XnerError, loader=_load_catalog)


def all_pairs() -> list[Pair]:
    """Every catalogued pair: the paper's 13 first, then the extra related pairs."""
    return list(PAIRS.values())


def normalise_pair_id(pair_id: str) -> str:
    return pair_id.strip().replace("→", "-").replace("->", "-").replace("_", "-")


def pair_languages(pair_id: str) -> tuple[str, str]:
    """`"ar-fa"` -> `("ar", "fa")`: catalogued pairs, or any `HRL-LRL` of two language codes."""
    normalised = normalise_pair_id(pair_id)
    if normalised in PAIRS:
        pair = PAIRS[normalised]
        return pair.hrl, pair.lrl
    hrl, sep, lrl = normalised.partition("-")
    if not sep or not hrl or not lrl or "-" in lrl:
        raise XnerError(f"pair {pair_id!r} is not of the form HRL-LRL (e.g. ar-fa)")
    return hrl, lrl


def get_pair(pair_id: str) -> Pair:
    """A pair by id: `"ar-fa"` (also accepts `"ar->fa"`, `"ar→fa"` and `"ar_fa"`)."""
    return PAIRS.get(normalise_pair_id(pair_id))


def hub_languages() -> frozenset[str]:
    """Languages of the hub dataset `unimelb-nlp/wikiann`."""
    from xner.data.hub import HUB_SOURCES

    return frozenset(HUB_SOURCES["wikiann"].languages or ())


def language_availability(lang: str, data_dir: Path | None = None) -> Availability:
    from xner.data.resolve import local_wikiann_dataset

    if local_wikiann_dataset(lang, data_dir=data_dir) is not None:
        return Availability.LOCAL
    return Availability.HUB if lang in hub_languages() else Availability.NONE


def availability(pair: Pair, data_dir: Path | None = None) -> Availability:
    """The weaker of the two languages' availabilities."""
    order = [Availability.LOCAL, Availability.HUB, Availability.NONE]
    per_language = [language_availability(lang, data_dir) for lang in (pair.hrl, pair.lrl)]
    return max(per_language, key=order.index)


def catalog_rows(data_dir: Path | None = None) -> list[dict[str, object]]:
    """The catalog as table rows (for `xner pairs` and the app)."""
    return [
        {
            "pair": str(pair),
            "id": pair.id,
            "relation": pair.relation + (" (control)" if pair.control else ""),
            "relation named by": pair.relation_source,
            "in the paper": pair.paper,
            "data": availability(pair, data_dir).value,
            "note": pair.note,
        }
        for pair in all_pairs()
    ]


def pair_overlap(
    pair_id: str, data_dir: Path | None = None, *, split_policy: str | None = None
) -> OverlapStats:
    """How much of the pair's LRL test split its HRL train split has seen, both read
    under `split_policy` (default: each dataset's own)."""
    from xner.data.datasets import with_policy
    from xner.data.resolve import load_split, wikiann_dataset
    from xner.perturb.overlap import overlap_stats

    pair = get_pair(pair_id)

    def split(lang: str, name: str) -> list[Sentence]:
        dataset = with_policy(wikiann_dataset(lang, data_dir), split_policy)
        return load_split(dataset, lang, name, data_dir=data_dir)

    return overlap_stats(split(pair.hrl, "train"), split(pair.lrl, "test"))
