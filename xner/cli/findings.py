"""`xner findings`: the study's headline questions, answered from the evaluated runs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from xner.cli.common import DataDirOption, print_table, say
from xner.errors import XnerError


def findings_command(
    models: Annotated[
        Path | None,
        typer.Option("--models-dir", help="Runs to read (default: $XNER_MODELS_DIR or models/)."),
    ] = None,
    data_dir: DataDirOption = None,
    tables: Annotated[bool, typer.Option(help="Print the numbers behind each answer.")] = False,
    markdown: Annotated[
        bool, typer.Option(help="Print the answers as a Markdown list (as in the README).")
    ] = False,
    split: Annotated[
        str | None,
        typer.Option(help="Read the runs of this split policy (default: paper where present)."),
    ] = None,
) -> None:
    """The study's headline questions, answered from the evaluated runs of one split."""
    from xner.analysis.findings import compute_findings
    from xner.analysis.findings_text import findings_markdown
    from xner.analysis.overlap import local_overlaps
    from xner.analysis.table import load_results, main_split
    from xner.config import models_dir

    folder = models or models_dir()
    table = load_results(folder)
    if table.empty:
        raise XnerError(f"{folder}: no evaluated runs; run `xner grid` or `xner evaluate` first")
    split = split or main_split(table)
    if split not in set(table["split"]):
        raise XnerError(
            f"--split {split}: no runs under that split policy in {folder}; it has "
            f"{', '.join(sorted(set(table['split'])))}"
        )
    table = table[table["split"] == split]
    overlaps = local_overlaps(sorted(set(table["pair"])), data_dir, split)
    answered = compute_findings(table, overlaps, split)
    if markdown:
        sys.stdout.write(findings_markdown(answered))
        return
    for spec, finding in answered:
        say(f"[bold]{spec.question}[/]")
        if finding is None:
            say(f"  not answered: needs {spec.needs}.")
            continue
        say(f"  {finding.answer}")
        if tables:
            print_table("", finding.table.to_dict("records"))


def register(app: typer.Typer) -> None:
    """Add `findings` to the root command."""
    app.command("findings")(findings_command)
