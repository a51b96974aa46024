"""Training tokens/s and evaluation sentences/s of xner's loop against plain transformers.

Side by side, same sentences, same number of steps, same machine:

- train: `xner.train.finetune` (LoRA + frozen embeddings + length bucketing) and its full
  fine-tuning, against `transformers.Trainer` as run_ner.py sets it up (full fine-tuning,
  DataCollatorForTokenClassification, default arguments);
- eval: `xner.evaluate.predict` against `pipeline("token-classification")`.

Tokens/s counts real (non-padding) subword tokens. Run:
    python benchmarks/train_speed.py [--train 500 --test 500 --steps 20]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace

import torch

# Both full fine-tuning runs use Trainer's recipe (this peak rate, no warmup, no weight
# decay, linear decay), so their F1 differs only by bucketing and frozen embeddings.
FULL_LR = 3e-4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backbone", default="multilingual-e5-small")
    parser.add_argument("--hrl", default="ar")
    parser.add_argument("--lrl", default="fa")
    parser.add_argument("--train", type=int, default=500, help="training sentences")
    parser.add_argument("--test", type=int, default=500, help="test sentences")
    parser.add_argument("--steps", type=int, default=20, help="training steps per system")
    parser.add_argument("--batch", type=int, default=16)
    options = parser.parse_args()

    from transformers import (
        DataCollatorForTokenClassification,
        Trainer,
        TrainingArguments,
        pipeline,
    )

    from xner.backbones import load_tokenizer
    from xner.data.resolve import load_split, wikiann_dataset
    from xner.evaluate import score
    from xner.evaluate.predict import predict
    from xner.store import build_model
    from xner.train.encode import LabelSpace
    from xner.train.finetune import TrainArgs, finetune, set_threads

    threads = set_threads()
    train = load_split(wikiann_dataset(options.hrl), options.hrl, "train", limit=options.train)
    test = load_split(wikiann_dataset(options.lrl), options.lrl, "test", limit=options.test)
    labels = LabelSpace.from_schema("wikiann")
    tokenizer = load_tokenizer(options.backbone)
    rows: list[tuple[str, str, float]] = []

    base = TrainArgs(
        method="lora",
        freeze_embeddings=True,
        max_steps=options.steps,
        per_device_train_batch_size=options.batch,
        seed=1,
    )
    gold = [s.tags for s in test]

    def test_f1(model: torch.nn.Module) -> float:
        """Strict IOB2 micro F1 on the LRL test sentences (zero-shot transfer)."""
        predicted = [p.tags for p in predict(model, tokenizer, test, labels=labels, batch_size=64)]
        return score(gold, predicted, modes=["strict"])["strict"].overall.f1

    f1s: list[tuple[str, float]] = []
    for name, args in (
        ("xner lora (bucketed)", base),
        (
            "xner full, frozen emb. (bucketed)",
            replace(base, method="full", learning_rate=FULL_LR, warmup_ratio=0.0, weight_decay=0.0),
        ),
    ):
        torch.manual_seed(1)
        model = build_model(options.backbone, labels)
        result = finetune(model, tokenizer, train, labels, args)
        rows.append(("train tokens/s", name, result.train_tokens / result.train_seconds))
        f1s.append((name, test_f1(result.model)))

    # The run_ner.py baseline: tokenize with word_ids alignment, default Trainer.
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
    model = build_model(options.backbone, labels)
    with tempfile.TemporaryDirectory() as out:
        arguments = TrainingArguments(
            output_dir=out,
            max_steps=options.steps,
            per_device_train_batch_size=options.batch,
            report_to=[],
            save_strategy="no",
            disable_tqdm=True,
            seed=1,
            learning_rate=FULL_LR,  # the same step as xner's full fine-tuning
        )
        trainer = Trainer(
            model=model,
            args=arguments,
            train_dataset=features,
            data_collator=DataCollatorForTokenClassification(tokenizer),
        )
        started = time.perf_counter()
        trainer.train()
        seconds = time.perf_counter() - started
    # Trainer's sampler is random: estimate its real tokens by the mean sentence length.
    mean_tokens = sum(len(f["input_ids"]) for f in features) / len(features)
    tokens = mean_tokens * options.batch * options.steps
    rows.append(("train tokens/s", "transformers Trainer (full)", tokens / seconds))
    f1s.append(("transformers Trainer (full)", test_f1(model)))

    model.eval()
    started = time.perf_counter()
    predict(model, tokenizer, test, labels=labels, batch_size=64)
    rows.append(
        (
            "eval sentences/s",
            "xner predict (batched, bucketed)",
            len(test) / (time.perf_counter() - started),
        )
    )
    tagger = pipeline("token-classification", model=model, tokenizer=tokenizer, device=-1)
    texts = [" ".join(s.tokens) for s in test]
    started = time.perf_counter()
    tagger(texts)
    rows.append(
        ("eval sentences/s", "transformers pipeline", len(test) / (time.perf_counter() - started))
    )

    print(
        f"\n{options.backbone}, train {options.hrl} x{len(train)} ({options.steps} steps of "
        f"{options.batch}), test {options.lrl} x{len(test)}, torch threads {threads}"
    )
    print(f"{'measure':<18} {'system':<36} {'value':>10}")
    for measure, system, value in rows:
        print(f"{measure:<18} {system:<36} {value:>10.1f}")
    print(f"\n{'strict F1 on the LRL test set':<55} {'F1':>10}")
    for system, f1 in f1s:
        print(f"{system:<55} {100 * f1:>10.1f}")
    train_base = rows[2][2]
    eval_base = rows[4][2]
    print(
        f"\nspeed-up train: lora {rows[0][2] / train_base:.2f}x, "
        f"full {rows[1][2] / train_base:.2f}x; eval: {rows[3][2] / eval_base:.2f}x"
    )


if __name__ == "__main__":
    main()
