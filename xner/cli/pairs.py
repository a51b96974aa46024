"""`xner pairs`: the HRL→LRL pair catalog, optionally with how much each LRL test set
the HRL train split has seen."""

from __future__ import annotations

from typing import Annotated

import typer

from xner.cli.common import DataDirOption, print_table, say


def pairs_command(
    data_dir: DataDirOption = None,
    overlap: Annotated[
        bool,
        typer.Option(
            "--overlap",
            help="Add how much of each LRL test set the HRL train split has seen "
            "(local pairs; the paper's explanatory variable).",
        ),
    ] = False,
) -> None:
    """The HRL→LRL pair catalog with relation and data availability."""
    from xner.pairs import catalog_rows, pair_overlap

    rows = catalog_rows(data_dir)
    if overlap:
        for row in rows:
            stats = pair_overlap(str(row["id"]), data_dir) if row["data"] == "local" else None
            row["entity tokens seen"] = f"{stats.entity_token_overlap:.1%}" if stats else "-"
            row["mentions seen"] = f"{stats.mention_overlap:.1%}" if stats else "-"
            row["word types seen"] = f"{stats.word_type_overlap:.1%}" if stats else "-"
            del row["note"]
    print_table("Language pairs", rows)
    if overlap:
        say(
            "Seen = also in the HRL train split (entity tokens and mentions: as entities). "
            "Test set = the LRL test split (PAN-X: the labelled dev file)."
        )


def register(app: typer.Typer) -> None:
    """Add `pairs` to the root command."""
    app.command("pairs")(pairs_command)
