"""`xner evaluate`: score a checkpoint on the clean and perturbed test sets (or add the
entity slices to stored evaluations)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xner.cli.common import DeviceOption, PrecisionOption, print_table, say


def evaluate_command(
    checkpoint: Annotated[Path, typer.Argument(help="A checkpoint folder under models/.")],
    perturbations: Annotated[
        list[str] | None,
        typer.Option(
            "--perturbations",
            "-p",
            help="Kinds to evaluate besides clean: names, a+b, comma lists, or `all`.",
        ),
    ] = None,
    limit: Annotated[int | None, typer.Option(help="First N test sentences only.")] = None,
    seed: Annotated[int, typer.Option(help="Perturbation and bootstrap seed.")] = 0,
    resamples: Annotated[
        int, typer.Option(min=1, help="Bootstrap resamples for the intervals (fewer: faster).")
    ] = 1000,
    device: DeviceOption = "auto",
    precision: PrecisionOption = "auto",
    engine: Annotated[
        str,
        typer.Option(
            help="What runs the forwards: torch (the default; every stored result and the "
            "grid use it, in fp32) or onnx (ONNX Runtime, CPU fp32, faster; exported once "
            "per checkpoint into the cache dir; logits differ from torch in the last bits, "
            "so do not mix its evaluations with the shipped ones).",
        ),
    ] = "torch",
    slices_only: Annotated[
        bool,
        typer.Option(
            "--slices-only",
            help="Add the seen vs unseen entity slices to the stored evaluations from the "
            "stored predictions (no model, no re-prediction); CHECKPOINT may be a folder "
            "of runs.",
        ),
    ] = False,
) -> None:
    """Evaluate a checkpoint on the clean LRL test set and each perturbation of it."""
    from xner.evaluate.metrics import HEADLINE
    from xner.evaluate.runner import EvalSettings, evaluate_checkpoint
    from xner.train.runtime import Runtime

    if slices_only:
        from xner.evaluate.slicefill import backfill_all, backfill_run
        from xner.runs.layout import is_run

        done = [backfill_run(checkpoint)] if is_run(checkpoint) else backfill_all(checkpoint)
        for run in done:
            say(f"{run.run_dir.name}: slices added to {len(run.written)}, {len(run.kept)} had them")
            for name, why in run.failed:
                say(f"  {name}: not filled: {why}")
        return
    runtime = Runtime(device, precision).resolved()

    settings = EvalSettings(
        perturbations=tuple(perturbations or ()),
        limit=limit,
        seed=seed,
        n_resamples=resamples,
    )
    rows = []
    for outcome in evaluate_checkpoint(checkpoint, settings, runtime=runtime, engine=engine):
        overall = outcome.result.scores[HEADLINE].overall
        interval = outcome.result.intervals.get(HEADLINE)
        row: dict[str, object] = {
            "test set": outcome.perturbation,
            "sentences": outcome.result.n_sentences,
            f"{HEADLINE} F1": f"{overall.f1:.3f}",
            "95% CI": f"{interval.micro_f1.low:.3f}–{interval.micro_f1.high:.3f}"
            if interval
            else "-",
            "partial F1": f"{outcome.result.scores['nv-partial'].overall.f1:.3f}",
            "drop": "-",
        }
        if outcome.degradation is not None:
            drop = outcome.degradation["drops"][HEADLINE]["micro_f1"]["absolute"]
            flag = " *" if not drop["low"] <= 0 <= drop["high"] else ""
            row["drop"] = f"{drop['estimate']:+.3f} [{drop['low']:+.3f}, {drop['high']:+.3f}]{flag}"
        rows.append(row)
    print_table(f"Evaluation of {checkpoint}", rows)
    say("* the paired-bootstrap 95% interval of the drop excludes 0. Results in eval/ and preds/.")


def register(app: typer.Typer) -> None:
    """Add `evaluate` to the root command."""
    app.command("evaluate")(evaluate_command)
