"""What every command group shares: one console, plain lines, tables, common options.

Kept apart from the groups so each group module holds only its commands, and so the
options spelled the same way in several commands (`--data-dir`, `--device`,
`--precision`) are declared once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from xner.errors import XnerError

console = Console()

DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="Data directory (default: $XNER_DATA_DIR or ../shared/data)."),
]
DeviceOption = Annotated[
    str, typer.Option(help="auto (CUDA when torch sees a GPU), cpu, cuda or cuda:N.")
]
PrecisionOption = Annotated[
    str,
    typer.Option(help="auto (bf16 mixed precision on a GPU, fp32 on a CPU), fp32, bf16, fp16."),
]


def say(text: str) -> None:
    """A plain line: never re-wrapped, so paths and numbers stay whole."""
    console.print(text, soft_wrap=True, highlight=False)


def print_table(title: str, rows: Sequence[Mapping[str, object]]) -> None:
    """`rows` as a table whose columns are the first row's keys; the first column never
    wraps (it names the row), the others fold rather than truncate."""
    table = Table(title=title, title_justify="left")
    for index, column in enumerate(rows[0] if rows else []):
        table.add_column(str(column), overflow="fold", no_wrap=index == 0)
    for row in rows:
        table.add_row(*("" if value is None else str(value) for value in row.values()))
    console.print(table)


def print_error(error: XnerError) -> None:
    """A user error as one clear line, not a traceback."""
    console.print(f"[bold red]error:[/] {error}", soft_wrap=True, highlight=False)


def parse_assignments(items: list[str], option: str) -> dict[str, object]:
    """`NAME=VALUE` pairs; values read as YAML scalars (3, 0.1, true, null, text)."""
    import yaml

    values: dict[str, object] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise XnerError(f"{option} {item!r}: expected NAME=VALUE")
        values[name.strip().replace("-", "_")] = yaml.safe_load(value)
    return values
