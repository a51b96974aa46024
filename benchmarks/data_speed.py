"""How fast the data layer reads the shared data: one big PAN-X file, and the listing of
every local dataset × language × split through the split policy.

    python benchmarks/data_speed.py [--data-dir ../shared/data] [--repeat 3]

Prints the best of `--repeat` runs beside its aim (read train-en.tsv, 20,000 sentences,
schema-checked: < 2 s; list everything: < 3 s). Baseline in the same run: reading the
same file's lines with no parsing at all, the floor any reader pays.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from xner.config import data_dir
from xner.data.readers import read_panx_with_report
from xner.data.resolve import list_local


def best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root = args.data_dir or data_dir()
    path = root / "panx" / "train-en.tsv"
    floor = best(lambda: path.read_text(encoding="utf-8").splitlines(), args.repeat)
    read = best(lambda: read_panx_with_report(path, schema="wikiann"), args.repeat)
    listing = best(lambda: list_local(root), args.repeat)
    print(f"{'what':<44} {'seconds':>8} {'aim':>6}")
    print(f"{'baseline: read train-en.tsv lines, no parsing':<44} {floor:>8.3f} {'-':>6}")
    print(f"{'read_panx train-en.tsv (20k, schema-checked)':<44} {read:>8.3f} {'< 2':>6}")
    print(f"{'list_local (every dataset, language, split)':<44} {listing:>8.3f} {'< 3':>6}")


if __name__ == "__main__":
    main()
