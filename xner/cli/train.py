"""`xner train`: fine-tune one run (a pair, a setting, a backbone) into a checkpoint."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xner.cli.common import DeviceOption, PrecisionOption, parse_assignments, say


def train_command(
    pair: Annotated[str, typer.Option(help="HRL-LRL pair, e.g. ar-fa (see `xner pairs`).")],
    setting: Annotated[
        str, typer.Option(help="native, transfer, combined, adapted-transfer, self-training.")
    ] = "transfer",
    backbone: Annotated[
        str, typer.Option(help="Backbone name, local path or hub id.")
    ] = "multilingual-e5-small",
    method: Annotated[str, typer.Option(help="full or lora.")] = "lora",
    out: Annotated[
        Path | None, typer.Option(help="Checkpoint folder (default: models/<name>_<run id>).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seeds data order and initialisation.")] = 42,
    max_train_sentences: Annotated[
        int | None, typer.Option(help="Cap on each training split (keeps CPU runs short).")
    ] = None,
    max_steps: Annotated[int, typer.Option(help="> 0: stop after this many steps.")] = -1,
    epochs: Annotated[float, typer.Option(help="Passes over the training data.")] = 3.0,
    freeze_embeddings: Annotated[
        bool, typer.Option(help="Keep the embedding layer fixed (full method).")
    ] = False,
    arg: Annotated[
        list[str] | None,
        typer.Option("--arg", help="Any other TrainArgs field as NAME=VALUE (repeatable)."),
    ] = None,
    adapt: Annotated[
        list[str] | None,
        typer.Option(
            "--adapt",
            help="adapted-transfer: an AdaptArgs field as NAME=VALUE, e.g. text=my.txt, steps=200.",
        ),
    ] = None,
    self_train: Annotated[
        list[str] | None,
        typer.Option(
            "--self-train",
            help="self-training: a SelfTrainArgs field as NAME=VALUE, e.g. teacher=models/RUN.",
        ),
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing --out folder.")] = False,
    device: DeviceOption = "auto",
    precision: PrecisionOption = "auto",
) -> None:
    """Fine-tune a backbone for a pair and setting; saves a checkpoint under models/."""
    from tqdm import tqdm

    from xner.pairs import pair_languages
    from xner.train.adapt import AdaptArgs
    from xner.train.finetune import TrainArgs
    from xner.train.loop import TrainProgress
    from xner.train.run import train_run
    from xner.train.runconfig import RunConfig
    from xner.train.runtime import Runtime
    from xner.train.selftrain import SelfTrainArgs

    runtime = Runtime(device, precision).resolved()  # a bad choice fails before any data loads
    hrl, lrl = pair_languages(pair)
    fields = {
        "method": method,
        "seed": seed,
        "max_train_sentences": max_train_sentences,
        "max_steps": max_steps,
        "num_train_epochs": epochs,
        "freeze_embeddings": freeze_embeddings,
        **parse_assignments(arg or [], "--arg"),
    }
    config = RunConfig(
        backbone=backbone,
        hrl=hrl,
        lrl=lrl,
        setting=setting,
        args=TrainArgs.from_dict(fields, where="--arg"),
        adapt=AdaptArgs.from_dict(parse_assignments(adapt or [], "--adapt"), where="--adapt"),
        self_training=SelfTrainArgs.from_dict(
            parse_assignments(self_train or [], "--self-train"), where="--self-train"
        ),
    )
    bar = tqdm(desc=f"{hrl}→{lrl} {setting} {method}", unit="step", dynamic_ncols=True)

    def show(progress: TrainProgress) -> None:
        bar.total = progress.total_steps
        bar.n = progress.step
        bar.set_postfix(loss=f"{progress.loss:.3f}", refresh=False)
        bar.refresh()

    try:
        path = train_run(config, out, progress=show, overwrite=overwrite, runtime=runtime)
    finally:
        bar.close()
    say(f"checkpoint: {path}")


def register(app: typer.Typer) -> None:
    """Add `train` to the root command."""
    app.command("train")(train_command)
