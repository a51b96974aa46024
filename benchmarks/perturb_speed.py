"""Sentences per second of each perturbation kind on a 10k-sentence PAN-X set.

    python benchmarks/perturb_speed.py [--pair ar-fa] [--backbone multilingual-e5-small]

The LRL test split (PAN-X: the labelled dev file, 10k sentences for fa) is perturbed with
each kind; the time covers preparing (pools, indexes) and applying, not loading the data
or building the HRL indexes (shared by every kind, timed once on its own). p2 is run
once to fill its caches (word vectors per backbone, substitution table), then timed with
fresh resources that read the caches. Aims: >= 20,000 sentences/s for the dictionary-
based kinds, >= 2,000 for p2 with cached vectors.
"""

from __future__ import annotations

import argparse
import time

from xner.data.resolve import load_split
from xner.pairs import pair_languages
from xner.perturb import Resources, kinds, perturb

AIMS = {"p2": 2_000, "p1+p2": 2_000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pair", default="ar-fa")
    parser.add_argument("--backbone", default="multilingual-e5-small")
    parser.add_argument("--split", default="test")
    args = parser.parse_args()
    hrl, lrl = pair_languages(args.pair)

    def resources() -> Resources:
        hrl_train = load_split("panx", hrl, "train")
        return Resources(
            hrl_train=hrl_train,
            lrl_train=load_split("panx", lrl, "train"),
            lrl_text=load_split("panx", lrl, "unlabelled"),
            backbone=args.backbone,
            lang=lrl,
            pair=args.pair,
        )

    test = load_split("panx", lrl, args.split)
    shared = resources()
    start = time.perf_counter()
    _ = shared.hrl_vocab, shared.hrl_mentions, shared.hrl_entity_tokens, shared.lrl_train
    print(
        f"{args.pair}: {len(test)} {lrl} {args.split} sentences; HRL indexes "
        f"{time.perf_counter() - start:.2f}s (once)"
    )
    params = {"p2.backbone": args.backbone}
    start = time.perf_counter()
    perturb(test, "p2", resources=resources(), params=params)
    print(f"p2 cache fill with {args.backbone}: {time.perf_counter() - start:.1f}s (first run)")
    print(f"{'kind':<14}{'sent/s':>10}{'seconds':>9}{'changed':>9}{'aim':>9}")
    for spec in kinds():
        res = resources() if "p2" in spec.name else shared
        if "p2" in spec.name:
            _ = res.hrl_vocab, res.hrl_mentions, res.hrl_entity_tokens, res.lrl_train
        step_params = params if "p2" in spec.name else {}
        start = time.perf_counter()
        out = perturb(test, spec.name, seed=0, resources=res, params=step_params)
        seconds = time.perf_counter() - start
        aim = AIMS.get(spec.name, 20_000)
        rate = len(test) / seconds
        print(
            f"{spec.name:<14}{rate:>10,.0f}{seconds:>9.2f}{sum(p.changed for p in out):>9}"
            f"{aim:>9,}{'' if rate >= aim else '  (below aim)'}"
        )


if __name__ == "__main__":
    main()
