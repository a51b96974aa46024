"""Add the seen vs unseen `slices` to stored evaluations without predicting again.

A stored evaluation keeps its predictions (`preds/*.jsonl.gz`: tag ids per sentence id
and content hash). The slices need those, the evaluated sentences and the references'
mentions: the gold test set is read again, perturbed again with the stored seed
(perturbations are deterministic), checked against the stored hashes, and scored by the
same `add_slices` the runner calls, so a backfilled file is byte for byte the file a
fresh evaluation writes. Nothing else in the file changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xner.data.records import Sentence
from xner.errors import XnerError
from xner.evaluate.slices import add_slices, references_for
from xner.runs.layout import CLEAN, eval_files, find_runs
from xner.runs.records import EvalRecord

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Backfilled:
    """What a backfill did to one run: the evaluation files it wrote and kept, and those
    it could not fill (file name: why; re-evaluating the run fills them)."""

    run_dir: Path
    written: tuple[str, ...]
    kept: tuple[str, ...]
    failed: tuple[tuple[str, str], ...] = ()


def _stored_tags(run_dir: Path, test_set: str, perturbation: str, labels: tuple[str, ...]):
    from xner.runs.records import read_predictions

    return {
        str(r["id"]): (str(r["hash"]), tuple(labels[i] for i in r["tags"]))
        for r in read_predictions(run_dir, test_set, perturbation)
    }


def _predicted(
    path: Path,
    sentences: list[Sentence],
    stored: dict[str, tuple[str, tuple[str, ...]]],
    tolerance: float,
) -> tuple[list[tuple[str, ...]], int]:
    """The stored tags of `sentences`, in order, and how many sentences were not
    reproduced exactly (stored hash differs, same length: a perturbation's near-tie that
    falls the other way on this machine). More than `tolerance` of them, or any missing
    or of another length, means the data changed: re-evaluate instead."""
    tags, unreproduced = [], 0
    for sentence in sentences:
        found = stored.get(sentence.id)
        if found is None or len(found[1]) != len(sentence.tokens):
            raise XnerError(
                f"{path}: sentence {sentence.id} is not the one this evaluation predicted; "
                f"re-evaluate the run instead (`xner evaluate {path.parent.parent}`)"
            )
        unreproduced += found[0] != sentence.hash
        tags.append(found[1])
    if unreproduced > tolerance * len(sentences):
        raise XnerError(
            f"{path}: {unreproduced} of {len(sentences)} sentences are not the ones this "
            "evaluation predicted (their content hash changed since); re-evaluate the run "
            f"instead (`xner evaluate {path.parent.parent}`)"
        )
    return tags, unreproduced


def backfill_run(
    run_dir: Path | str,
    *,
    data_dir: Path | None = None,
    force: bool = False,
    progress: Progress | None = None,
    tolerance: float = 0.005,
) -> Backfilled:
    """Add `slices` to every evaluation of `run_dir` that has none (all with `force`).

    A perturbed sentence that does not come out exactly as evaluated (at most `tolerance`
    of a set) is scored on the text reproduced here, and the slices say how many there
    were (`unreproduced`); a fresh evaluation never has any. A file with more is left as
    it is and reported in `failed`."""
    from xner.data.resolve import load_split
    from xner.evaluate.runner import perturb_for_eval, run_resources
    from xner.runs.checkpoint import read_config, read_labels

    folder = Path(run_dir)
    config = read_config(folder)
    labels = read_labels(folder).labels
    resources = run_resources(config, data_dir)
    references = references_for(resources)
    if not references:
        raise XnerError(
            f"{folder}: neither the run's own training data nor the HRL's is readable here; "
            "the slices need one of them (see `xner data list`)"
        )
    tests: dict[tuple[str, int], list[Sentence]] = {}
    written, kept, failed = [], [], []
    for path in eval_files(folder):
        stored_record = EvalRecord.read(path)
        if stored_record.slices is not None and not force:
            kept.append(path.name)
            continue
        record: dict[str, Any] = stored_record.to_dict()
        result = record["result"]
        test_set, perturbation = str(result["test_set"]), str(result["perturbation"])
        n_sentences, seed = int(result["n_sentences"]), int(result["bootstrap"]["seed"])
        if progress is not None:
            progress(f"{folder.name}: {perturbation}")
        key = (test_set, n_sentences)
        if key not in tests:
            dataset, lang, split = test_set.rsplit("/", 2)
            tests[key] = load_split(dataset, lang, split, data_dir=data_dir, limit=n_sentences)
        sentences = tests[key]
        if perturbation != CLEAN:
            perturbed, _ = perturb_for_eval(sentences, perturbation, seed, resources)
            sentences = [p.sentence for p in perturbed]
        stored = _stored_tags(folder, test_set, perturbation, labels)
        try:
            tags, unreproduced = _predicted(path, sentences, stored, tolerance)
        except XnerError as error:
            failed.append((path.name, str(error)))
            continue
        add_slices(record, sentences, tags, references)
        if unreproduced and "slices" in record:
            record["slices"]["unreproduced"] = unreproduced
        EvalRecord.from_dict(record).write(path)
        written.append(path.name)
    return Backfilled(folder, tuple(written), tuple(kept), tuple(failed))


def backfill_all(
    models_dir: Path | str,
    *,
    data_dir: Path | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> list[Backfilled]:
    """`backfill_run` over every run folder under `models_dir` (as the results table
    finds them: directly under it or one level deeper)."""
    return [
        backfill_run(folder, data_dir=data_dir, force=force, progress=progress)
        for folder in find_runs(models_dir)
    ]
