"""The `xner` command: thin wrappers over the package's functions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from xner.errors import XnerError

app = typer.Typer(
    no_args_is_help=True,
    help="Cross-lingual NER transfer and robustness (HRL→LRL pairs, perturbations, F1).",
)
data_app = typer.Typer(no_args_is_help=True, help="Datasets: what is here, and checking files.")
backbone_app = typer.Typer(no_args_is_help=True, help="Encoders: list them, build offline ones.")
app.add_typer(data_app, name="data")
app.add_typer(backbone_app, name="backbone")

console = Console()

DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data directory (default: $XNER_DATA_DIR or ../shared/data)."),
]


def print_table(title: str, rows: list[dict[str, object]]) -> None:
    table = Table(title=title, title_justify="left")
    for column in rows[0] if rows else []:
        table.add_column(str(column), overflow="fold")
    for row in rows:
        table.add_row(*("" if value is None else str(value) for value in row.values()))
    console.print(table)


@app.command("pairs")
def pairs_command(data_dir: DataDirOption = None) -> None:
    """The HRL→LRL pair catalog with relation and data availability."""
    from xner.pairs import catalog_rows

    print_table("Language pairs", catalog_rows(data_dir))


@backbone_app.command("list")
def backbone_list() -> None:
    """Registered backbones (any local path or hub id works too)."""
    from xner.backbones import BACKBONES

    rows = [spec.describe() for spec in BACKBONES.values()]
    print_table("Backbones", rows)


@backbone_app.command("build")
def backbone_build(
    name: Annotated[str, typer.Argument(help="An offline backbone, e.g. multilingual-e5-small.")],
    force: Annotated[bool, typer.Option(help="Rebuild even if a valid build is cached.")] = False,
) -> None:
    """Build and cache an offline backbone; prints where and how long it took."""
    from xner.backbones import build_backbone

    result = build_backbone(name, force=force)
    verb = "built" if result.built else "already cached at"
    console.print(f"{name}: {verb} {result.path} ({result.seconds:.1f} s)")


def main() -> None:
    """Entry point: user errors print one clear line, not a traceback."""
    try:
        app()
    except XnerError as error:
        console.print(f"[bold red]error:[/] {error}", highlight=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
