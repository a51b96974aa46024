"""`xner grid`: run a declarative grid of cells (resumable), or show each cell's state."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xner.cli.common import print_table, say


def grid_command(
    config: Annotated[Path, typer.Argument(help="A grid YAML file (see configs/).")],
    status: Annotated[bool, typer.Option(help="Show each cell's state; run nothing.")] = False,
    max_cells: Annotated[
        int | None, typer.Option(help="Run at most this many unfinished cells, then stop.")
    ] = None,
    stop_on_error: Annotated[
        bool, typer.Option(help="Stop at the first failing cell (default: report, go on).")
    ] = False,
    pair: Annotated[
        list[str] | None, typer.Option(help="Only cells of this pair (repeatable).")
    ] = None,
    setting: Annotated[
        list[str] | None, typer.Option(help="Only cells of this setting (repeatable).")
    ] = None,
    seed: Annotated[
        list[int] | None, typer.Option(help="Only cells of this seed (repeatable).")
    ] = None,
    executor: Annotated[
        str,
        typer.Option(
            help="local (one cell after another, here) or ray (each cell a Ray task, with "
            "the config's resources:)."
        ),
    ] = "local",
    address: Annotated[
        str | None,
        typer.Option(
            help="ray: the cluster to join, `auto` (started here with `ray start`) or "
            "ray://HOST:PORT; default: a Ray instance on this machine."
        ),
    ] = None,
) -> None:
    """Run a declarative grid; finished cells are skipped, so re-running resumes it."""
    from tqdm import tqdm

    from xner.experiments.executors import get_executor
    from xner.experiments.run import CellOutcome, run_grid
    from xner.experiments.spec import GridError, read_grid
    from xner.experiments.summary import describe, summary_path

    spec = read_grid(config)
    cells = spec.select(pairs=pair or (), settings=setting or (), seeds=seed or ())
    if status:
        where = spec.store().location
        print_table(f"Grid {spec.name}: {len(cells)} cells in {where}", describe(cells))
        return
    if address is not None and executor != "ray":
        raise GridError("--address is for --executor ray (the Ray cluster to join)")
    runner = get_executor(executor, **({"address": address} if executor == "ray" else {}))
    bar = tqdm(total=len(cells), desc=f"grid {spec.name}", unit="cell", dynamic_ncols=True)
    failures: list[CellOutcome] = []

    def on_cell(outcome: CellOutcome, done: int, total: int) -> None:
        bar.update(1)
        state = "skipped" if outcome.skipped else ("FAILED" if outcome.error else "done")
        if outcome.duplicate:
            state = "duplicate (a finished copy was already there; this one discarded)"
        bar.write(
            f"{outcome.cell.key}: {state}"
            + (
                f" (train {outcome.train_seconds:.0f} s, eval {outcome.eval_seconds:.0f} s)"
                if state == "done"
                else ""
            )
            + (f": {outcome.error}" if outcome.error else "")
        )
        if outcome.error:
            failures.append(outcome)

    try:
        run_grid(
            spec,
            cells=cells,
            on_cell=on_cell,
            max_cells=max_cells,
            keep_going=not stop_on_error,
            executor=runner,
        )
    finally:
        bar.close()
    say(f"results: {summary_path(spec)}")
    if failures:
        say(f"{len(failures)} cell(s) failed; fix them and re-run to finish the grid.")
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `grid` to the root command."""
    app.command("grid")(grid_command)
