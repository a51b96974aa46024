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


def say(text: str) -> None:
    """A plain line: never re-wrapped, so paths and numbers stay whole."""
    console.print(text, soft_wrap=True, highlight=False)


def print_table(title: str, rows: list[dict[str, object]]) -> None:
    table = Table(title=title, title_justify="left")
    for index, column in enumerate(rows[0] if rows else []):
        table.add_column(str(column), overflow="fold", no_wrap=index == 0)
    for row in rows:
        table.add_row(*("" if value is None else str(value) for value in row.values()))
    console.print(table)


@app.command("pairs")
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


@data_app.command("list")
def data_list(data_dir: DataDirOption = None) -> None:
    """Datasets and languages found locally, with sentence counts per split."""
    from xner.config import data_dir as default_data_dir
    from xner.data.resolve import list_local, split_policy

    root = data_dir or default_data_dir()
    by_language: dict[tuple[str, str], dict[str, object]] = {}
    for found in list_local(root):
        row = by_language.setdefault(
            (found.dataset, found.lang), {"dataset": found.dataset, "lang": found.lang}
        )
        row[found.split] = found.sentences
    if not by_language:
        say(
            f"No datasets found in {root}. Point XNER_DATA_DIR (or --data-dir) at a folder "
            "holding panx/, wikiann-rahimi/, wnut17/ or ontonotes5/."
        )
        raise typer.Exit(1)
    splits = ("train", "dev", "test", "unlabelled")
    rows = [
        {**{"dataset": r["dataset"], "lang": r["lang"]}, **{s: r.get(s, "-") for s in splits}}
        for r in by_language.values()
    ]
    print_table(f"Local data in {root}", rows)
    policy = split_policy("panx")
    say(f"PAN-X split policy: {policy.description}.")
    for rule in policy.rules:
        say(f"  {rule.split}: {rule.note}")


@data_app.command("check")
def data_check(
    path: Annotated[Path, typer.Argument(help="A PAN-X TSV, Rahimi, CoNLL or JSONL file.")],
    reader: Annotated[
        str | None, typer.Option(help="Reader (panx, rahimi, conll, jsonl); default: guessed.")
    ] = None,
    repair: Annotated[
        bool, typer.Option(help="Read stray I- starts as B- (as conlleval does).")
    ] = False,
) -> None:
    """Read a data file and report what is in it, or the first problem (file and line)."""
    from xner.data.readers import read_file_with_report

    _, report = read_file_with_report(path, reader, repair=repair)
    say(report.summary())


@data_app.command("mappings")
def data_mappings(
    source: Annotated[str, typer.Argument(help="Source schema: ontonotes5 or wnut17.")],
    target: Annotated[str, typer.Option(help="Target schema: wikiann or coarse.")] = "wikiann",
) -> None:
    """The label mapping used for cross-dataset evaluation, as a table."""
    from xner.data.schemas import mapping_rows

    rows = [
        {"source": row.source, "target": row.target or "O (dropped)", "note": row.note}
        for row in mapping_rows(source, target)
    ]
    print_table(f"{source} → {target}", rows)


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
    say(f"{name}: {verb} {result.path} ({result.seconds:.1f} s)")


def _register_subcommands() -> None:
    from xner.perturb.commands import register

    register(app)


_register_subcommands()


def main() -> None:
    """Entry point: user errors print one clear line, not a traceback."""
    try:
        app()
    except XnerError as error:
        console.print(f"[bold red]error:[/] {error}", soft_wrap=True, highlight=False)
        sys.exit(2)


if __name__ == "__main__":
    main()
