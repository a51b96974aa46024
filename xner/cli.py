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
    from xner.data.resolve import get_policy, pooled_splits, wikiann_dataset, with_policy
    from xner.pairs import all_pairs

    chosen = get_policy(policy)
    if chosen.pool is None:
        raise XnerError(f"split policy {policy!r} does not pool; use paper or paper-dedup")
    langs = languages or list(
        dict.fromkeys(lang for p in all_pairs() if p.paper for lang in (p.hrl, p.lrl))
    )
    rows = []
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
    from xner.data.readers import read_file_with_report

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


@app.command("train")
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
    from xner.train.finetune import TrainArgs, TrainProgress
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


@app.command("evaluate")
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
        overall = outcome.result.scores["strict"].overall
        interval = outcome.result.intervals.get("strict")
        row: dict[str, object] = {
            "test set": outcome.perturbation,
            "sentences": outcome.result.n_sentences,
            "strict F1": f"{overall.f1:.3f}",
            "95% CI": f"{interval.micro_f1.low:.3f}–{interval.micro_f1.high:.3f}"
            if interval
            else "-",
            "partial F1": f"{outcome.result.scores['nv-partial'].overall.f1:.3f}",
            "drop": "-",
        }
        if outcome.degradation is not None:
            drop = outcome.degradation["drops"]["strict"]["micro_f1"]["absolute"]
            flag = " *" if not drop["low"] <= 0 <= drop["high"] else ""
            row["drop"] = f"{drop['estimate']:+.3f} [{drop['low']:+.3f}, {drop['high']:+.3f}]{flag}"
        rows.append(row)
    print_table(f"Evaluation of {checkpoint}", rows)
    say("* the paired-bootstrap 95% interval of the drop excludes 0. Results in eval/ and preds/.")


@app.command("findings")
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
    from xner.config import models_dir
    from xner.findings import compute_findings, findings_markdown
    from xner.results import load_results, local_overlaps, main_split

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


@app.command("grid")
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

    from xner.executors import get_executor
    from xner.grid import CellOutcome, GridError, describe, read_grid, run_grid, summary_path

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
