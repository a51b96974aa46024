"""Sentences per second of each perturbation kind, and p2's word-vector cache fill.

    python benchmarks/perturb_speed.py [--pair ar-fa] [--setting native] [--limit 2000]

The LRL test split (PAN-X: the labelled dev file) is perturbed with each kind, p1 and p2
measured against the `--setting`'s own training data (the paper's reading). The time
covers preparing (pools, indexes) and applying, not loading the data (shared by every
kind). p2's first run embeds every eligible word of the test set with the pretrained
backbone (`cls` vectors: the paper's) — that cache fill is timed on its own, beside the
cheap `input-mean` vectors as the baseline — then every kind is timed with warm caches.
Aims: cache fill for 2,000 sentences under 60 s; >= 2,000 sentences/s for p2 with cached
vectors; >= 20,000 for the dictionary-based kinds.
"""

from __future__ import annotations

import argparse
import time

from xner.data.resolve import load_split
from xner.pairs import pair_languages
from xner.perturb import PerturbResources, kinds, perturb
from xner.perturb.context import EMBEDDINGS, p2_vocabulary

AIMS = {"p2": 2_000, "p1+p2": 2_000, "fill": 60.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pair", default="ar-fa")
    parser.add_argument("--setting", default="native")
    parser.add_argument("--backbone", default="multilingual-e5-small")
    parser.add_argument("--limit", type=int, default=2000)
    args = parser.parse_args()
    _, lrl = pair_languages(args.pair)
    test = load_split("panx", lrl, "test", limit=args.limit)
    start = time.perf_counter()
    shared = PerturbResources.for_pair(args.pair, backbone=args.backbone, setting=args.setting)
    shared.reference("own")
    _ = shared.lrl_train, shared.lrl_text
    print(
        f"{args.pair} {args.setting}: {len(test)} {lrl} test sentences; reference "
        f"{shared.own_describes}; data and indexes {time.perf_counter() - start:.1f}s (once)"
    )

    queries, candidates = p2_vocabulary(test, shared, "own", 100)
    words = [*queries, *candidates]
    print(f"p2 vectors for {len(words)} distinct eligible words ({len(queries)} shared):")
    print(f"  {'vectors':<12}{'load s':>8}{'embed s':>9}{'words/s':>10}{'aim s':>8}")
    for strategy in ("cls", "input-mean"):
        embedder = EMBEDDINGS[strategy](args.backbone)
        start = time.perf_counter()
        embedder.embed(words[:1])  # loads the backbone
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        embedder.embed(words)
        seconds = time.perf_counter() - start
        aim = f"{AIMS['fill']:>8.0f}" if strategy == "cls" else f"{'(base)':>8}"
        flag = "  (over aim)" if strategy == "cls" and loaded + seconds > AIMS["fill"] else ""
        print(
            f"  {strategy:<12}{loaded:>8.1f}{seconds:>9.1f}{len(words) / seconds:>10,.0f}"
            f"{aim}{flag}"
        )
    perturb(test, "p2", resources=shared, params={"backbone": args.backbone})  # warm caches
    own = shared.reference_data("own")[0]

    print(f"{'kind':<14}{'sent/s':>10}{'seconds':>9}{'changed':>9}{'aim':>9}")
    for spec in kinds():
        params = {"backbone": args.backbone} if "p2" in spec.name else {}
        fresh = PerturbResources(  # the loaded data, none of the indexes derived from it
            hrl_train=shared.hrl_train,
            lrl_train=shared.lrl_train,
            lrl_text=shared.lrl_text,
            own_train=own,
            own_describes=shared.own_describes,
            backbone=args.backbone,
            lang=lrl,
            pair=args.pair,
        )
        start = time.perf_counter()
        out = perturb(test, spec.name, seed=0, resources=fresh, params=params)
        seconds = time.perf_counter() - start
        aim = AIMS.get(spec.name, 20_000)
        rate = len(test) / seconds
        print(
            f"{spec.name:<14}{rate:>10,.0f}{seconds:>9.2f}{sum(p.changed for p in out):>9}"
            f"{aim:>9,}{'' if rate >= aim else '  (below aim)'}"
        )


if __name__ == "__main__":
    main()
