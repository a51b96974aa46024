"""Seconds to evaluate 10k synthetic sentences, beside plain seqeval on the same data.

    python benchmarks/metrics_speed.py [--sentences 10000] [--resamples 1000] [--noise 0.1]

Rows: plain seqeval `classification_report` (strict IOB2, and default mode); each part of
`evaluate_predictions` on its own (seqeval modes, nervaluate modes, per-sentence counts +
1000 bootstrap resamples, error records); then all of it together; then a paired
clean-vs-perturbed comparison (both seqeval modes, 1000 paired resamples). Sentences are
generated (3-30 tokens, ~25% entity tokens, PER/LOC/ORG/MISC); predictions are the gold
with each token replaced by a random tag (stray I- included) with probability --noise.
"""

from __future__ import annotations

import argparse
import random
import time
import warnings
from collections.abc import Callable

from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

from xner.data.records import Sentence, sentence_id
from xner.evaluate import (
    EvalInputs,
    compare,
    entity_errors,
    evaluate_predictions,
    f1_intervals,
    score,
    sentence_counts,
)

TYPES = ("PER", "LOC", "ORG", "MISC")
VOCABULARY = ["O"] + [f"{p}-{t}" for p in "BI" for t in TYPES]


def synthetic(n: int, noise: float, seed: int) -> tuple[list[Sentence], list[list[str]]]:
    rng, noisy = random.Random(seed), random.Random(f"noise-{seed}")
    gold, predicted = [], []
    for index in range(n):
        length = rng.randint(3, 30)
        tags: list[str] = []
        while len(tags) < length:
            if rng.random() < 0.12:
                kind, size = rng.choice(TYPES), min(rng.randint(1, 3), length - len(tags))
                tags += [f"B-{kind}"] + [f"I-{kind}"] * (size - 1)
            else:
                tags.append("O")
        gold.append(
            Sentence(
                sentence_id("synth", "xx", "test", index),
                tuple(f"w{i}" for i in range(length)),
                tuple(tags),
                "xx",
                "synth",
                "test",
            )
        )
        predicted.append([noisy.choice(VOCABULARY) if noisy.random() < noise else t for t in tags])
    return gold, predicted


def timed(label: str, run: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    print(f"{label:<66} {best:7.3f} s")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=10_000)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--noise", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()
    gold, pred = synthetic(args.sentences, args.noise, seed=0)
    _, pred_worse = synthetic(args.sentences, args.noise * 2, seed=0)
    tags = [list(s.tags) for s in gold]
    n, r, k = args.sentences, args.resamples, args.repeats
    print(f"{n} sentences, {sum(map(len, tags))} tokens, {r} resamples, best of {k}")
    warnings.simplefilter("ignore")  # seqeval's zero-division warnings

    print("-- baseline")
    base = timed(
        "seqeval classification_report, strict IOB2",
        lambda: classification_report(tags, pred, mode="strict", scheme=IOB2, output_dict=True),
        k,
    )
    timed(
        "seqeval classification_report, default (conlleval)",
        lambda: classification_report(tags, pred, output_dict=True),
        k,
    )
    print("-- xner parts")
    timed(
        "score: strict + conlleval (seqeval)", lambda: score(tags, pred, ["strict", "conlleval"]), k
    )
    timed(
        "score: nv-strict/exact/partial/type (nervaluate)",
        lambda: score(tags, pred, ["nv-partial"]),
        k,
    )
    counts = sentence_counts("strict", tags, pred)
    timed("sentence_counts, strict", lambda: sentence_counts("strict", tags, pred), k)
    timed(
        f"f1_intervals, strict, {r} resamples (counts given)",
        lambda: f1_intervals(counts, n_resamples=r),
        k,
    )
    timed("entity_errors", lambda: entity_errors([s.id for s in gold], tags, pred), k)
    print("-- xner total")
    total = timed(
        f"evaluate_predictions: all 6 modes + {r} resamples x 2 + errors",
        lambda: evaluate_predictions(gold, pred, run_id="bench", test_set="synth", n_resamples=r),
        k,
    )
    timed(
        f"compare: clean vs perturbed, 2 modes, {r} paired resamples",
        lambda: compare(EvalInputs(gold, pred), EvalInputs(gold, pred_worse), n_resamples=r),
        k,
    )
    result = evaluate_predictions(gold, pred, run_id="bench", test_set="synth", n_resamples=r)
    ci = result.intervals["strict"].micro_f1
    print(f"strict micro F1 {result.f1:.4f}  95% CI [{ci.low:.4f}, {ci.high:.4f}]")
    print(f"evaluate_predictions / seqeval strict report: {total / base:.1f}x")


if __name__ == "__main__":
    main()
