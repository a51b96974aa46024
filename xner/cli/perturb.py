"""`xner perturb`: perturb a pair's LRL test set, or list the declared kinds.

    xner perturb --list
    xner perturb --pair ar-fa --kind p1 --seed 0 --out fa.p1.tsv
    xner perturb --pair ar-fa --kind p1+p2 --backbone tiny --out fa.p1p2.tsv
    xner perturb --pair en-de --kind typos --kind case --rate 0.3 -p case.mode=upper --out x.tsv

Writes the perturbed sentences as PAN-X TSV to `--out` and the edits as JSONL beside it
(`fa.p1.tsv` -> `fa.p1.edits.jsonl`), each atomically (temporary file, then rename).
Every option of every kind comes from its declaration: `--param NAME=VALUE` (or
`KIND.NAME=VALUE`); `--rate` and `--backbone` are shortcuts for the common ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from xner.data.records import Sentence
from xner.errors import XnerError
from xner.pairs import pair_languages
from xner.perturb.base import perturb
from xner.perturb.coverage import coverage
from xner.perturb.resources import PerturbResources
from xner.perturb.spec import (
    Perturbed,
    PerturbError,
    get,
    kinds,
    reading_params,
    resolve_steps,
    step_references,
)


def edits_path(out: Path) -> Path:
    """Where the edits of `out` go: `x.tsv` -> `x.edits.jsonl`."""
    stem = out.stem if out.suffix else out.name
    return out.with_name(stem + ".edits.jsonl")


def list_text() -> str:
    """The kinds, their descriptions, parameters and needs, as plain text."""
    lines: list[str] = []
    for spec in kinds():
        lines.append(f"{spec.name}")
        lines.append(f"    {spec.description}")
        if spec.steps:
            lines.append(f"    steps: {' then '.join(spec.steps)}")
        for param in spec.params:
            lines.append(f"    --param {param.describe()}")
        needs = ", ".join(
            n.resource.value + ("" if n.required else " (optional)") for n in spec.needs
        )
        lines.append(f"    needs: {needs or 'nothing beyond the sentences'}")
        lines.append(f"    preserves: {spec.preserves.value}")
    return "\n".join(lines)


def parse_params(items: list[str]) -> dict[str, str]:
    """`--param` values as given (strings): each kind's declaration parses its own."""
    params: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise PerturbError(f"--param {item!r}: expected NAME=VALUE or KIND.NAME=VALUE")
        params[name.strip()] = value.strip()
    return params


def load_test(
    dataset: str | None, lang: str, split: str, limit: int | None, policy: str | None = None
) -> list[Sentence]:
    from xner.data.datasets import with_policy
    from xner.data.resolve import load_split, wikiann_dataset

    source = with_policy(dataset or wikiann_dataset(lang), policy)
    return load_split(source, lang, split, limit=limit)


def write_outputs(results: list[Perturbed], out: Path) -> Path:
    from xner.data.writers import write_atomically, write_columns

    write_columns([r.sentence for r in results], out)
    target = edits_path(out)
    write_atomically(
        target,
        (json.dumps(e.to_dict(), ensure_ascii=False) + "\n" for r in results for e in r.edits),
    )
    return target


def resources_params(kind: list[str], params: dict[str, object]) -> dict[str, object]:
    """The parameters with what a `KIND@READING` name says folded in."""
    readings = reading_params(kind)
    for name, value in readings.items():
        if name in params and str(params[name]) != value:
            raise PerturbError(f"{kind} reads {name}={value}, but --param says {params[name]}")
    return {**params, **readings}


def run_resources(
    run: Path, pair: str | None, setting: str | None, dataset: str | None, policy: str | None
) -> tuple[str, PerturbResources, str]:
    """The pair of a run folder, resources whose `own` reference is its training data, and
    the split policy its data is read under."""
    from xner.evaluate.runner import run_resources
    from xner.runs.checkpoint import read_config

    config = read_config(run)
    run_pair = f"{config.hrl}-{config.lrl}"
    if pair and pair != run_pair:
        raise PerturbError(f"--pair {pair} disagrees with the run {run} (pair {run_pair})")
    if setting and setting != config.setting:
        raise PerturbError(
            f"--setting {setting} disagrees with the run {run} (setting {config.setting})"
        )
    if dataset:
        raise PerturbError("--dataset and --run: a run's data is the data it was trained on")
    if policy and policy != config.split_policy:
        raise PerturbError(
            f"--split-policy {policy} disagrees with the run {run} "
            f"(split policy {config.split_policy})"
        )
    return run_pair, run_resources(config), config.split_policy


def perturb_command(
    pair: Annotated[str | None, typer.Option(help="HRL-LRL pair, e.g. ar-fa")] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option("--kind", "-k", help="kind (repeat, or a+b, to compose in order)"),
    ] = None,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    out: Annotated[Path | None, typer.Option(help="output TSV (edits: .edits.jsonl)")] = None,
    backbone: Annotated[
        str | None, typer.Option(help="backbone for p2 (default multilingual-e5-small)")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="first N test sentences only")] = None,
    list_kinds: Annotated[bool, typer.Option("--list", help="list the kinds")] = False,
    rate: Annotated[
        float | None, typer.Option(help="the rate parameter of every kind that has one")
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="NAME=VALUE or KIND.NAME=VALUE (repeatable)"),
    ] = None,
    dataset: Annotated[
        str | None,
        typer.Option(help="dataset of the pair's splits (default: each language's WikiANN)"),
    ] = None,
    split: Annotated[str, typer.Option(help="the LRL split to perturb")] = "test",
    split_policy: Annotated[
        str | None,
        typer.Option(help="how the data is split: xtreme (default), paper, paper-dedup"),
    ] = None,
    setting: Annotated[
        str | None,
        typer.Option(help="setting of the evaluated model, for reference=own (e.g. native)"),
    ] = None,
    run: Annotated[
        Path | None,
        typer.Option(
            help="a run folder: its pair, setting and exact training data (reference=own)"
        ),
    ] = None,
) -> None:
    """Perturb a pair's LRL test set (label-preserving), or --list the kinds."""
    if list_kinds:
        typer.echo(list_text())
        return
    try:
        if run is not None:
            pair, resources, split_policy = run_resources(run, pair, setting, dataset, split_policy)
        if not pair or not kind or out is None:
            raise PerturbError(
                "give --pair (or --run), --kind and --out (or --list to see the kinds)"
            )
        steps = resolve_steps(kind)
        params: dict[str, object] = dict(parse_params(param or []))
        params = resources_params(kind, params)
        declared = {p.name for step in steps for p in get(step).params}
        if rate is not None:
            params["rate"] = rate
        if backbone is not None:
            if "backbone" not in declared:
                raise PerturbError(f"--backbone: none of {'+'.join(steps)} uses a backbone")
            params["backbone"] = backbone
        _, lrl = pair_languages(pair)
        if run is None:
            resources = PerturbResources.for_pair(
                pair, dataset=dataset, setting=setting, split_policy=split_policy
            )
        sentences = load_test(dataset, lrl, split, limit, split_policy)
        results = perturb(sentences, steps, seed=seed, resources=resources, params=params)
        target = write_outputs(results, out)
    except XnerError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    for note in dict.fromkeys(resources.notes):
        typer.echo(f"note: {note}", err=True)
    found = coverage(sentences, results)
    n_edits = sum(len(r.edits) for r in results)
    against = "".join(
        f", {step} against {name} ({resources.reference(name).describes})"
        for step, name in step_references(kind, params).items()
    )
    typer.echo(
        f"{'+'.join(steps)} on {pair} ({lrl}, {len(results)} sentences, seed {seed}{against}): "
        f"{found.sentences_changed} sentences changed, {n_edits} edits; "
        f"mentions replaced {found.mentions_replaced}/{found.mentions_total} "
        f"({100 * found.mention_share:.1f}%; distinct {found.mentions_distinct_replaced}/"
        f"{found.mentions_distinct}, {100 * found.distinct_mention_share:.1f}%), "
        "O tokens replaced "
        f"{found.o_tokens_replaced}/{found.o_tokens_total} "
        f"({100 * found.o_token_share:.1f}%) -> {out}, {target}"
    )


def register(app: typer.Typer) -> None:
    """Add `perturb` to `app` (the root command, or a test's own)."""
    app.command("perturb")(perturb_command)
