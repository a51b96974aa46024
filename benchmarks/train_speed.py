"""Training tokens/s, evaluation sentences/s and F1 of xner against plain transformers.

Side by side, same sentences, same machine, one run:

- train: the shipped study's recipe (read from its grid config: the `train:` block and
  `resources: precision`), the recipe it replaced (length-bucketed batches, LoRA dropout,
  fp32), and `transformers.Trainer` as run_ner.py sets it up (full fine-tuning,
  DataCollatorForTokenClassification, random batches);
- eval: `xner.evaluate.predict` in fp32 (what stored results use), bf16 and on the onnx
  engine (ONNX Runtime, fp32; its one-off export is timed apart), against
  `pipeline("token-classification")`.

Tokens/s counts real (non-padding) subword tokens; F1 is strict IOB2 micro F1 on the LRL
test sentences after the same training sentences. The last line is
`ratios: train=<x> eval=<y> f1_gap=<points>` for the shipped recipe (train and eval as
multiples of the baselines; f1_gap = shipped recipe minus Trainer, in points). Run:

    python benchmarks/train_speed.py --hrl fa --lrl fa --steps 100 --train 2000 --test 500
    python benchmarks/train_speed.py --hrl fa --lrl fa --epoch --train 5000 --test 2000
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

STUDY = Path(__file__).resolve().parents[1] / "configs" / "offline-e5-paper.yaml"
# The Trainer's defaults (run_ner.py): this peak rate, linear decay, no warmup.
TRAINER_LR = 3e-4
# The recipe the shipped study used before the speed work (issue 14).
PREVIOUS = {"bucket_batches": 50, "lora_dropout": 0.1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backbone", default="multilingual-e5-small")
    parser.add_argument("--hrl", default="fa", help="training language")
    parser.add_argument("--lrl", default="fa", help="test language")
    parser.add_argument("--train", type=int, default=2000, help="training sentences")
    parser.add_argument("--test", type=int, default=500, help="test sentences")
    parser.add_argument("--steps", type=int, default=100, help="training steps per system")
    parser.add_argument("--epoch", action="store_true", help="one epoch instead of --steps")
    parser.add_argument("--config", type=Path, default=STUDY, help="the study's grid config")
    parser.add_argument("--skip-previous", action="store_true", help="leave out the old recipe")
    options = parser.parse_args()

    from transformers import DataCollatorForTokenClassification, Trainer, TrainingArguments
    from transformers import pipeline as hf_pipeline

    from xner.backbones import load_tokenizer
    from xner.data.resolve import load_split, wikiann_dataset
    from xner.evaluate.metrics import score
    from xner.evaluate.predict import predict
    from xner.experiments.spec import read_grid
    from xner.runs.checkpoint import build_model
    from xner.train.encode import LabelSpace
    from xner.train.finetune import TrainArgs, finetune
    from xner.train.loop import set_threads
    from xner.train.runtime import Runtime

    threads = set_threads()
    grid = read_grid(options.config)
    precision = grid.resources.precision if grid.resources.precision != "auto" else "fp32"
    train = load_split(wikiann_dataset(options.hrl), options.hrl, "train", limit=options.train)
    test = load_split(wikiann_dataset(options.lrl), options.lrl, "test", limit=options.test)
    labels = LabelSpace.from_schema("wikiann")
    tokenizer = load_tokenizer(options.backbone)
    batch = int(grid.train.get("per_device_train_batch_size", 16))
    steps = math.ceil(len(train) / batch) if options.epoch else options.steps
    gold = [s.tags for s in test]

    def f1_of(model: torch.nn.Module, runtime: Runtime | None = None) -> float:
        predicted = predict(model, tokenizer, test, labels=labels, runtime=runtime)
        return score(gold, [p.tags for p in predicted], modes=["strict"])["strict"].overall.f1

    shipped = TrainArgs.from_dict(
        {**grid.train, "max_steps": steps, "seed": 1, "max_train_sentences": None}
    )
    systems: list[tuple[str, TrainArgs, str]] = [
        (f"xner shipped ({precision})", shipped, precision)
    ]
    if not options.skip_previous:
        systems.append(("xner previous (bucketed, fp32)", replace(shipped, **PREVIOUS), "fp32"))
    train_rows: list[tuple[str, float, float]] = []  # system, tokens/s, F1
    trained: dict[str, Any] = {}
    for name, args, run_precision in systems:
        torch.manual_seed(1)
        model = build_model(options.backbone, labels)
        result = finetune(
            model, tokenizer, train, labels, args, runtime=Runtime("cpu", run_precision)
        )
        trained[name] = result.model
        train_rows.append((name, result.train_tokens / result.train_seconds, f1_of(result.model)))

    # The run_ner.py baseline: word_ids() alignment (-100 off first subwords), the Trainer.
    encoded = tokenizer([list(s.tokens) for s in train], is_split_into_words=True, truncation=True)
    features = []
    for index, sentence in enumerate(train):
        previous, row = None, []
        for word in encoded.word_ids(index):
            first = word is not None and word != previous
            row.append(labels.label2id[sentence.tags[word]] if first else -100)
            previous = word
        features.append({"input_ids": encoded["input_ids"][index], "labels": row})
    torch.manual_seed(1)
    baseline = build_model(options.backbone, labels)
    with tempfile.TemporaryDirectory() as out:
        arguments = TrainingArguments(
            output_dir=out,
            max_steps=steps,
            per_device_train_batch_size=batch,
            report_to=[],
            save_strategy="no",
            disable_tqdm=True,
            seed=1,
            learning_rate=TRAINER_LR,
        )
        trainer = Trainer(
            model=baseline,
            args=arguments,
            train_dataset=features,
            data_collator=DataCollatorForTokenClassification(tokenizer),
        )
        started = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - started
    # The Trainer's sampler is random: its real tokens estimated by the mean sentence length.
    mean_tokens = sum(len(f["input_ids"]) for f in features) / len(features)
    trainer_speed = mean_tokens * batch * steps / seconds
    baseline.eval()
    train_rows.append(("transformers Trainer (full, fp32)", trainer_speed, f1_of(baseline)))

    model = trained[systems[0][0]]
    eval_rows: list[tuple[str, float, float]] = []
    for run_precision in ("fp32", "bf16"):
        runtime = Runtime("cpu", run_precision)
        predict(model, tokenizer, test[:64], labels=labels, runtime=runtime)  # warm up
        started = time.perf_counter()
        predicted = predict(model, tokenizer, test, labels=labels, runtime=runtime)
        speed = len(test) / (time.perf_counter() - started)
        f1 = score(gold, [p.tags for p in predicted], modes=["strict"])["strict"].overall.f1
        eval_rows.append((f"xner predict ({run_precision})", speed, f1))
    from xner.evaluate.engines import prepare

    started = time.perf_counter()
    onnx = prepare("onnx", model, Runtime("cpu", "fp32"))  # export (cached) + session
    onnx_setup = time.perf_counter() - started
    predict(model, tokenizer, test[:64], labels=labels, engine=onnx)  # warm up
    started = time.perf_counter()
    predicted = predict(model, tokenizer, test, labels=labels, engine=onnx)
    speed = len(test) / (time.perf_counter() - started)
    f1 = score(gold, [p.tags for p in predicted], modes=["strict"])["strict"].overall.f1
    eval_rows.append(("xner predict (onnx)", speed, f1))
    tagger = hf_pipeline("token-classification", model=model, tokenizer=tokenizer, device=-1)
    texts = [" ".join(s.tokens) for s in test]
    tagger(texts[:8])
    started = time.perf_counter()
    tagger(texts)
    eval_rows.append(
        ("transformers pipeline", len(test) / (time.perf_counter() - started), math.nan)
    )

    what = "1 epoch" if options.epoch else f"{steps} steps"
    print(
        f"\n{options.backbone}: train {options.hrl} x{len(train)} ({what} of {batch}), "
        f"test {options.lrl} x{len(test)}, torch threads {threads}, "
        f"recipe from {options.config.name}"
    )
    print(f"{'system':<40} {'train tokens/s':>15} {'strict F1':>10}")
    for name, speed, f1 in train_rows:
        print(f"{name:<40} {speed:>15.1f} {100 * f1:>10.1f}")
    print(f"\n{'system':<40} {'eval sent/s':>15} {'strict F1':>10}")
    for name, speed, f1 in eval_rows:
        print(f"{name:<40} {speed:>15.1f} {100 * f1:>10.1f}")
    train_ratio = train_rows[0][1] / trainer_speed
    eval_ratio = eval_rows[0][1] / eval_rows[-1][1]
    gap = 100 * (train_rows[0][2] - train_rows[-1][2])
    print(
        f"\nbf16 eval: {eval_rows[1][1] / eval_rows[-1][1]:.2f}x the pipeline, F1 "
        f"{100 * (eval_rows[1][2] - eval_rows[0][2]):+.2f} points against fp32"
    )
    print(
        f"onnx eval: {eval_rows[2][1] / eval_rows[-1][1]:.2f}x the pipeline, "
        f"{eval_rows[2][1] / eval_rows[0][1]:.2f}x fp32, F1 "
        f"{100 * (eval_rows[2][2] - eval_rows[0][2]):+.2f} points against fp32 "
        f"(export and session {onnx_setup:.1f}s, once per checkpoint)"
    )
    print(f"ratios: train={train_ratio:.2f} eval={eval_ratio:.2f} f1_gap={gap:+.1f}")


if __name__ == "__main__":
    main()
