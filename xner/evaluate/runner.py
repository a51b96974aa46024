"""Evaluate a checkpoint on its clean test set and on perturbed copies of it.

For each test set the runner writes, into the checkpoint folder,
`eval/<test>__<perturbation>.json` (the `EvalResult` with its error counts, plus for
perturbed sets the paired `Degradation` against clean) and
`preds/<test>__<perturbation>.jsonl.gz` (tag ids keyed by sentence id and content hash). The
per-entity error records are not stored: the predictions and the data reproduce them.
The clean predictions are computed once and reused for every perturbation's paired
comparison.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xner import atomic
from xner.data.records import Sentence
from xner.errors import XnerError
from xner.evaluate.engines import DEFAULT_ENGINE, get_engine, prepare
from xner.evaluate.result import CLEAN, EvalInputs, EvalResult, compare, evaluate_predictions
from xner.evaluate.slices import add_slices, references_for
from xner.perturb.coverage import Coverage, coverage
from xner.runs.layout import EVAL_DIR, PREDS_DIR, artifact_stem, eval_files, is_evaluation_file
from xner.runs.records import EvalRecord, EvalStamp
from xner.train.runtime import Runtime

if TYPE_CHECKING:
    from xner.perturb.resources import PerturbResources
    from xner.perturb.spec import Perturbed
    from xner.train.runconfig import RunConfig

ALL = "all"
# Bumped whenever evaluation gives other results for the same checkpoint and test sets; a
# grid re-evaluates cells evaluated by an older version. 2: p1/p2 against the model's own
# training data (the paper's), coverage, fixed-shape prediction batches.
EVAL_VERSION = 2

# `all` also reads each kind measured against training data (p1, p2, p1+p2) against the
# HRL training data: `p1@hrl` etc., the controlled comparison beside the paper's `own`.
EXTRA_READINGS = ("hrl",)


@dataclass(frozen=True)
class EvalSettings:
    """How to evaluate: which perturbations, how many sentences, bootstrap settings."""

    perturbations: tuple[str, ...] = (CLEAN,)
    limit: int | None = None  # first N test sentences (None: all)
    seed: int = 0  # perturbation and bootstrap seed
    n_resamples: int = 1000
    batch_size: int = 32


@dataclass(frozen=True)
class EvalOutcome:
    """What one test set gave: its result, and its drop against clean when perturbed."""

    perturbation: str
    result: EvalResult
    degradation: dict[str, Any] | None
    eval_path: Path


ProgressCallback = Callable[[str, int, int], None]  # (perturbation, done, total)


def expand_perturbations(names: Sequence[str]) -> tuple[str, ...]:
    """`clean` first, then each requested kind once; `all` means every default kind."""
    from xner.perturb.spec import READING_SEPARATOR, default_excluded, kinds, takes_reading

    wanted: list[str] = [CLEAN]
    for name in names:
        for part in name.split(","):
            part = part.strip()
            if not part:
                continue
            if part == ALL:
                # every declared kind that keeps the entities (`default_excluded`)
                chosen = [s for s in kinds() if s.name not in default_excluded()]
                wanted += [s.name for s in chosen]
                wanted += [
                    f"{s.name}{READING_SEPARATOR}{reading}"
                    for reading in EXTRA_READINGS
                    for s in chosen
                    if takes_reading(s.name)
                ]
            else:
                wanted.append(part)
    return tuple(dict.fromkeys(wanted))


def test_set_id(dataset: str, lang: str, split: str = "test") -> str:
    return f"{dataset}/{lang}/{split}"


def evaluate_checkpoint(
    run_dir: Path | str,
    settings: EvalSettings | None = None,
    *,
    progress: ProgressCallback | None = None,
    runtime: Runtime | None = None,
    engine: str = DEFAULT_ENGINE,
) -> list[EvalOutcome]:
    """Evaluate the checkpoint in `run_dir` on its setting's test set (the LRL test split)
    and on each perturbation of it. `runtime` (default: auto) is where and in what
    precision the model predicts; `engine` what runs its forwards (`xner.evaluate.engines`;
    like the runtime, not part of the experiment: stored results and the grid use torch).

    The evaluation is written into a copy of the run folder that then takes the folder's
    place whole (`atomic.swap_folder`): a reader, a killed evaluation or a concurrent one
    leaves the old complete set or a new complete set, never a mix. Stored evaluations of
    other test sets made with the same settings (sentences, seed, resamples) are kept;
    those made with other settings are dropped, so one run never mixes them."""
    from xner.data.resolve import load_split
    from xner.perturb.spec import resolve_steps
    from xner.runs.checkpoint import load_checkpoint
    from xner.train.run import run_dataset

    settings = settings or EvalSettings()
    perturbations = expand_perturbations(settings.perturbations)
    for name in perturbations[1:]:
        resolve_steps(name)  # unknown kinds fail before the model loads
    runtime = (runtime or Runtime()).resolved()
    get_engine(engine)  # an unknown engine fails before the model loads
    model, tokenizer, config = load_checkpoint(run_dir)
    model.to(runtime.torch_device)  # type: ignore[arg-type]  # @wraps(Module.to) mistypes it
    dataset = run_dataset(config, "lrl")  # under the run's split policy: panx@paper
    test = load_split(dataset, config.lrl, "test", limit=settings.limit)
    if not test:
        raise XnerError(f"{dataset}/{config.lrl}/test is empty: nothing to evaluate")
    test_id = test_set_id(dataset, config.lrl)
    resources = run_resources(config)
    run_dir = Path(run_dir)
    atomic.clean_stale(run_dir.parent)  # copies left by evaluations that were killed
    staged = _staged_copy(
        run_dir, EvalStamp(test_id, len(test), settings.seed, settings.n_resamples)
    )
    try:
        outcomes = _evaluate_into(
            staged,
            model,
            tokenizer,
            config,
            test,
            test_id,
            resources,
            perturbations,
            settings,
            runtime,
            progress,
            engine=engine,
        )
        atomic.swap_folder(staged, run_dir)
    except BaseException:
        shutil.rmtree(staged, ignore_errors=True)
        raise
    return [replace(o, eval_path=run_dir / o.eval_path.relative_to(staged)) for o in outcomes]


def _staged_copy(run_dir: Path, stamp: EvalStamp) -> Path:
    """A copy of `run_dir` to write a new evaluation into: every file hard-linked (the
    writes replace names, never the linked bytes), except evaluations of `stamp`'s test
    set made with other settings, and their predictions."""
    staged = run_dir.with_name(f".{run_dir.name}.{atomic.owner_tag()}.eval-{uuid.uuid4().hex[:8]}")
    dropped: set[str] = set()
    for path in eval_files(run_dir):
        try:
            other = EvalRecord.read(path).stamp
        except (OSError, ValueError, KeyError, TypeError):
            dropped.add(artifact_stem(path.name))  # unreadable: replaced by this one or gone
            continue
        if other.test_set == stamp.test_set and other != stamp:
            dropped.add(artifact_stem(path.name))
    for source in sorted(run_dir.rglob("*")):
        relative = source.relative_to(run_dir)
        target = staged / relative
        if source.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        if is_evaluation_file(relative) and artifact_stem(source.name) in dropped:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)
    for folder in (staged, staged / EVAL_DIR, staged / PREDS_DIR):
        folder.mkdir(parents=True, exist_ok=True)
    atomic.make_ordinary(staged)
    return staged


def _evaluate_into(
    run_dir: Path,
    model: Any,
    tokenizer: Any,
    config: RunConfig,
    test: list[Sentence],
    test_id: str,
    resources: PerturbResources,
    perturbations: tuple[str, ...],
    settings: EvalSettings,
    runtime: Runtime,
    progress: ProgressCallback | None,
    *,
    engine: str = DEFAULT_ENGINE,
) -> list[EvalOutcome]:
    from xner.evaluate.predict import predict

    # Through the module (records.write_eval): a test stops an evaluation part way by
    # patching it there.
    from xner.runs import records

    outcomes: list[EvalOutcome] = []
    clean_inputs: EvalInputs | None = None
    clean_known: dict[tuple[str, str], Any] = {}
    references = references_for(resources)  # seen vs unseen slices: own and HRL mentions
    prepared = prepare(engine, model, runtime)  # once for every test set (an onnx export)
    for done, name in enumerate(perturbations):
        if progress is not None:
            progress(name, done, len(perturbations))
        covered = None
        if name == CLEAN:
            sentences = test
        else:
            perturbed, covered = perturb_for_eval(test, name, settings.seed, resources)
            sentences = [p.sentence for p in perturbed]
        # A sentence the perturbation left unchanged keeps its clean prediction: the same
        # bits a fresh prediction would give (predict's fixed-shape batches).
        predictions = predict(
            model,
            tokenizer,
            sentences,
            batch_size=settings.batch_size,
            runtime=runtime,
            known=clean_known,
            engine=prepared,
        )
        if name == CLEAN:
            clean_known = {(p.id, p.hash): p for p in predictions}
        tags = [prediction.tags for prediction in predictions]
        result = evaluate_predictions(
            sentences,
            tags,
            run_id=config.run_id,
            test_set=test_id,
            perturbation=name,
            seed=settings.seed,
            n_resamples=settings.n_resamples,
        )
        inputs = EvalInputs(tuple(sentences), tuple(tags), name)
        degradation = None
        if name == CLEAN:
            clean_inputs = inputs
        else:
            assert clean_inputs is not None
            degradation = compare(
                clean_inputs,
                inputs,
                run_id=config.run_id,
                test_set=test_id,
                seed=settings.seed,
                n_resamples=settings.n_resamples,
            ).to_dict()
        record: dict[str, Any] = {
            "result": result.to_dict(with_errors=False),
            "degradation": degradation,
        }
        if covered is not None:
            record["coverage"] = covered.to_dict()
        if engine != DEFAULT_ENGINE:
            record["engine"] = engine  # said where it is not the stored results' torch
        add_slices(record, sentences, tags, references)
        records.write_predictions(run_dir, test_id, name, predictions)
        path = records.write_eval(run_dir, test_id, name, EvalRecord.from_dict(record))
        outcomes.append(EvalOutcome(name, result, degradation, path))
    if progress is not None:
        progress("done", len(perturbations), len(perturbations))
    return outcomes


def run_resources(config: RunConfig, data_dir: Path | None = None) -> PerturbResources:
    """Perturbation inputs for evaluating the run `config`: its pair's data, its backbone
    (p2's word vectors), and as the `own` reference its exact training data (loaded on
    first use)."""
    from xner.perturb.resources import PerturbResources
    from xner.train.run import own_training_data

    _, describes = own_training_data(config, load=False)
    return PerturbResources.for_pair(
        f"{config.hrl}-{config.lrl}",
        data_dir=data_dir,
        backbone=config.backbone,
        own_train=lambda: own_training_data(config)[0],
        own_describes=describes,
        split_policy=config.split_policy,
    )


def perturb_for_eval(
    test: Sequence[Sentence], kind: str, seed: int, resources: PerturbResources
) -> tuple[list[Perturbed], Coverage]:
    """The perturbed test set as evaluation makes it, and its coverage. p2's substitutes
    come from the evaluated model's own backbone; a kind with a reading is measured
    against that reference, else against the declared default (`own`)."""
    from xner.perturb.base import perturb
    from xner.perturb.spec import get, resolve_steps, step_references

    steps = resolve_steps(kind)
    declared = {p.name for step in steps for p in get(step).params}
    params = {"backbone": resources.backbone} if "backbone" in declared else {}
    reference = next(iter(step_references(kind).values()), None)
    described = resources.reference(reference).describes if reference else None
    results = perturb(test, kind, seed=seed, resources=resources, params=params)
    found = coverage(test, results, reference=reference, reference_data=described)
    return results, found


def read_outcome(run_dir: Path | str, test_set: str, perturbation: str) -> dict[str, Any]:
    """A stored evaluation (`{"result": ..., "degradation": ...}`)."""
    from xner.runs.records import read_eval

    return read_eval(run_dir, test_set, perturbation).to_dict()
