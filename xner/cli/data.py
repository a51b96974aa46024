"""`xner data`: which datasets are here, how a split policy splits them, checking a file,
and the cross-dataset label mappings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from xner.cli.common import DataDirOption, print_table, say
from xner.errors import XnerError

data_app = typer.Typer(no_args_is_help=True, help="Datasets: what is here, and checking files.")


@data_app.command("list")
def data_list(data_dir: DataDirOption = None) -> None:
    """Datasets and languages found locally, with sentence counts per split."""
    from xner.config import data_dir as default_data_dir
    from xner.data.datasets import split_policy
    from xner.data.resolve import list_local

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


@data_app.command("split")
def data_split(
    languages: Annotated[
        list[str] | None,
        typer.Argument(help="WikiANN languages (default: those of the paper's pairs)"),
    ] = None,
    policy: Annotated[str, typer.Option(help="a pooled split policy")] = "paper",
    data_dir: DataDirOption = None,
) -> None:
    """How a pooled split policy (the paper's) splits each language: sentences pooled and
    kept, train/dev/test, and test sentences that repeat a train or dev sentence."""
    from xner.data.datasets import with_policy
    from xner.data.policies import get_policy
    from xner.data.resolve import pooled_splits, wikiann_dataset
    from xner.pairs import all_pairs

    chosen = get_policy(policy)
    if chosen.pool is None:
        raise XnerError(f"split policy {policy!r} does not pool; use paper or paper-dedup")
    langs = languages or list(
        dict.fromkeys(lang for p in all_pairs() if p.paper for lang in (p.hrl, p.lrl))
    )
    rows: list[dict[str, object]] = []
    for lang in langs:
        dataset = with_policy(wikiann_dataset(lang, data_dir), policy)
        try:
            pooled = pooled_splits(dataset, lang, data_dir=data_dir)
        except XnerError as error:
            rows.append({"lang": lang, "dataset": dataset, "pooled": f"({error})"})
            continue
        rows.append(
            {
                "lang": lang,
                "dataset": dataset,
                "pooled": pooled.pooled,
                "kept": pooled.kept,
                "train": len(pooled.train),
                "dev": len(pooled.dev),
                "test": len(pooled.test),
                "test repeats train": pooled.test_duplicates,
                "dropped": pooled.dropped,
            }
        )
    print_table(f"Split policy {policy}: {chosen.description}", rows)


@data_app.command("check")
def data_check(
    path: Annotated[Path, typer.Argument(help="A PAN-X TSV, Rahimi, CoNLL or JSONL file.")],
    reader: Annotated[
        str | None, typer.Option(help="Reader (panx, rahimi, conll, jsonl); default: guessed.")
    ] = None,
    repair: Annotated[
        bool, typer.Option(help="Read stray I- starts as B- (as conlleval does).")
    ] = False,
    token_col: Annotated[
        int | None,
        typer.Option(help="conll: the token's column (0 = first); implies --reader conll."),
    ] = None,
    tag_col: Annotated[
        int | None,
        typer.Option(help="conll: the tag's column (-1 = last); implies --reader conll."),
    ] = None,
    delimiter: Annotated[
        str | None,
        typer.Option(help="conll: the column separator, e.g. '\\t' (default: any whitespace)."),
    ] = None,
) -> None:
    """Read a data file and report what is in it, or the first problem (file and line)."""
    from xner.data.readers.registry import read_file_with_report

    options: dict[str, object] = {"repair": repair}
    columns = {"token_column": token_col, "tag_column": tag_col, "delimiter": delimiter}
    chosen = {name: value for name, value in columns.items() if value is not None}
    if chosen:
        if reader not in (None, "conll"):
            raise XnerError(
                f"--token-col/--tag-col/--delimiter are options of the conll reader, not "
                f"of {reader}; use --reader conll"
            )
        reader = "conll"
        if isinstance(chosen.get("delimiter"), str):
            chosen["delimiter"] = str(chosen["delimiter"]).replace("\\t", "\t")
        options.update(chosen)
    _, report = read_file_with_report(path, reader, **options)
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


def register(app: typer.Typer) -> None:
    """Add the `data` group to the root command."""
    app.add_typer(data_app, name="data")
