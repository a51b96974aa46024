"""Entity overlap between a pair's languages: computed from the local data, and attached
to the results table's `entity_overlap` column.

The paper's published overlaps are with its numbers (`xner.analysis.reference`). Computing
one reads both languages' data, so it is done on demand and cached, never while loading
the table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import pandas as pd

from xner.analysis.table import NAN


@cache
def _local_overlap(pair_id: str, data_dir: str, split: str = "xtreme") -> float | None:
    from xner.pairs import Availability, availability, get_pair, pair_overlap

    root = Path(data_dir)
    try:
        pair = get_pair(pair_id)
    except Exception:
        return None
    if availability(pair, root) is not Availability.LOCAL:
        return None
    from xner.diskcache import disk_cached, file_signature, wikiann_files

    # Seconds per pair (both languages read in full): kept on disk across processes,
    # keyed by the data files it reads.
    files = file_signature(wikiann_files(root, (pair.hrl, pair.lrl)))
    return disk_cached(
        "overlap",
        (pair_id, str(root), split, files),
        lambda: float(pair_overlap(pair_id, root, split_policy=split).entity_token_overlap),
    )


def local_overlaps(
    pair_ids: Iterable[str], data_dir: Path | str | None = None, split: str = "xtreme"
) -> dict[str, float | None]:
    """Entity-token overlap of each pair computed from the local data under the split
    policy `split` (None where a language is not local: computing it would download from
    the hub). Reads both languages' splits, so it takes seconds per pair; cached per
    pair, directory and split."""
    from xner.config import data_dir as default_data_dir

    root = str(Path(data_dir) if data_dir is not None else default_data_dir())
    return {pair: _local_overlap(pair, root, split) for pair in pair_ids}


def attach_overlap(table: pd.DataFrame, overlaps: Mapping[str, float | None]) -> pd.DataFrame:
    """A copy of `table` with `entity_overlap` filled from `overlaps` (pair -> share)."""
    values = {k: (NAN if v is None else float(v)) for k, v in overlaps.items()}
    return table.assign(entity_overlap=table["pair"].map(lambda p: values.get(p, NAN)))
