"""The stored records of a run folder: evaluations, predictions and the training log.

`EvalRecord` is the one reader and writer of `eval/<test>__<perturbation>.json`:

```
{"result": EvalResult.to_dict(with_errors=False),
 "degradation": Degradation.to_dict() or null (the clean set),
 "coverage": what the perturbation changed (perturbed sets),
 "engine": what ran the forwards, only when not torch,
 "slices": seen vs unseen entity slices}
```

Reading and writing keep the keys in that order, the nested objects as parsed and the
project's JSON style (indent 2, a final newline), so a record read and written again is
byte for byte the file it came from (the shipped results are checked that way).
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from xner import atomic
from xner.errors import XnerError
from xner.runs.layout import (
    CLEAN,
    TRAIN_LOG,
    clean_name,
    eval_path,
    plain_preds_path,
    preds_path,
)


class CheckpointError(XnerError):
    """A checkpoint folder is missing a file, or a file is unreadable or inconsistent."""


class EvalRecordError(CheckpointError, ValueError):
    """An eval/*.json file that is not an evaluation record (a ValueError: readers that
    skip unreadable files skip it)."""


def read_json(path: Path, what: str) -> Any:
    """A run folder's JSON file; a missing or broken one says how to fix it."""
    if not path.is_file():
        raise CheckpointError(
            f"{path}: missing ({what}); the checkpoint is incomplete - retrain the run "
            "or remove the folder"
        )
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CheckpointError(
            f"{path}: not valid JSON ({error}); restore the file or retrain the run"
        ) from None


# ---------------------------------------------------------------------------
# Evaluations

_KNOWN = ("result", "degradation", "coverage", "engine", "slices")


@dataclass(frozen=True)
class EvalStamp:
    """What makes two evaluations of a run comparable: the same test set, the same
    number of sentences, the same perturbation/bootstrap seed and resamples (None where
    a record does not say)."""

    test_set: str
    n_sentences: int | None
    seed: int | None
    n_resamples: int | None


@dataclass(frozen=True)
class EvalRecord:
    """One stored evaluation. The nested objects are the JSON as parsed (read-only by
    convention): the results table reads a handful of fields from thousands of them,
    and rebuilding every score as a dataclass would only slow that down.

    `flat`: a record of the earliest format, the result itself at the top level (read,
    never written by this xner)."""

    result: Mapping[str, Any]
    degradation: Mapping[str, Any] | None = None
    coverage: Mapping[str, Any] | None = None
    engine: str | None = None
    slices: Mapping[str, Any] | None = None
    extra: tuple[tuple[str, Any], ...] = ()  # keys this xner does not know, kept in order
    flat: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.result, Mapping) or "test_set" not in self.result:
            raise EvalRecordError("an evaluation record needs a result with a test_set")
        for name in ("degradation", "coverage", "slices"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Mapping):
                raise EvalRecordError(f"an evaluation record's {name} must be an object")

    # -- what it evaluated

    @property
    def test_set(self) -> str:
        return str(self.result["test_set"])

    @property
    def perturbation(self) -> str:
        """The perturbation, CLEAN for the unperturbed set (however an older file spelled it)."""
        return clean_name(str(self.result.get("perturbation") or CLEAN))

    @property
    def is_clean(self) -> bool:
        return self.perturbation == CLEAN

    @property
    def n_sentences(self) -> int | None:
        value = self.result.get("n_sentences")
        return None if value is None else int(value)

    @property
    def bootstrap(self) -> Mapping[str, Any]:
        return self.result.get("bootstrap") or {}

    @property
    def seed(self) -> int | None:
        """The perturbation and bootstrap seed."""
        value = self.bootstrap.get("seed", self.result.get("seed"))
        return None if value is None else int(value)

    @property
    def n_resamples(self) -> int | None:
        value = self.bootstrap.get("n_resamples")
        return None if value is None else int(value)

    @property
    def stamp(self) -> EvalStamp:
        return EvalStamp(self.test_set, self.n_sentences, self.seed, self.n_resamples)

    # -- what it scored

    @property
    def scores(self) -> Mapping[str, Any]:
        """Mode name -> {overall, macro, per_type} as EvalResult stores them."""
        return self.result["scores"]

    @property
    def intervals(self) -> Mapping[str, Any]:
        return self.result.get("intervals") or {}

    @property
    def drops(self) -> Mapping[str, Any]:
        """Mode name -> paired drops against clean (empty for the clean set)."""
        return (self.degradation or {}).get("drops") or {}

    # -- JSON

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EvalRecord:
        if not isinstance(data, Mapping):
            raise EvalRecordError("an evaluation record must be a JSON object")
        if "result" not in data:
            return cls(result=data, flat=True)
        return cls(
            result=data["result"],
            degradation=data.get("degradation"),
            coverage=data.get("coverage"),
            engine=data.get("engine"),
            slices=data.get("slices"),
            extra=tuple((k, v) for k, v in data.items() if k not in _KNOWN),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, keys in the stored order (result, degradation, then what is there)."""
        if self.flat:
            return dict(self.result)
        data: dict[str, Any] = {"result": self.result, "degradation": self.degradation}
        for name in ("coverage", "engine", "slices"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        data.update(self.extra)
        return data

    @classmethod
    def from_json(cls, text: str | bytes) -> EvalRecord:
        return cls.from_dict(json.loads(text))

    def to_json(self) -> str:
        """The file's text: indent 2, UTF-8 as is, a final newline (as `atomic.write_json`)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def read(cls, path: Path | str) -> EvalRecord:
        """The record in `path`; OSError, ValueError (bad JSON, not a record) on failure."""
        return cls.from_json(Path(path).read_text(encoding="utf-8"))

    def write(self, path: Path | str) -> Path:
        """Write atomically: a reader sees the old file or this one."""
        atomic.write_text(path, self.to_json())
        return Path(path)


def write_eval(
    run_dir: Path | str, test: str, perturbation: str, record: EvalRecord | Mapping[str, Any]
) -> Path:
    """Store the evaluation of `test` under `perturbation` in `run_dir`."""
    if not isinstance(record, EvalRecord):
        record = EvalRecord.from_dict(record)
    return record.write(eval_path(run_dir, test, perturbation))


def read_eval(run_dir: Path | str, test: str, perturbation: str = CLEAN) -> EvalRecord:
    """The stored evaluation of `test` under `perturbation`; a missing or broken file
    raises CheckpointError naming it."""
    path = eval_path(run_dir, test, perturbation)
    data = read_json(path, "an evaluation; run the evaluation first")
    try:
        return EvalRecord.from_dict(data)
    except EvalRecordError as error:
        raise EvalRecordError(f"{path}: {error}; re-run the evaluation") from None


# ---------------------------------------------------------------------------
# Predictions


class StoredPrediction(Protocol):
    """What `write_predictions` keeps of a prediction (xner.evaluate.predict.Prediction)."""

    @property
    def id(self) -> str: ...
    @property
    def hash(self) -> str: ...
    @property
    def tag_ids(self) -> Iterable[int]: ...


def jsonl(records: Iterable[Mapping[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def write_predictions(
    run_dir: Path | str, test: str, perturbation: str, predictions: Iterable[StoredPrediction]
) -> Path:
    """Per sentence its id, content hash and tag ids: never the sentence text. Gzipped
    without a timestamp (about 5x smaller, same predictions give the same bytes); an
    older plain `.jsonl` beside it is replaced."""
    text = jsonl({"id": p.id, "hash": p.hash, "tags": list(p.tag_ids)} for p in predictions)
    path = preds_path(run_dir, test, perturbation)
    atomic.write_bytes(path, gzip.compress(text.encode("utf-8"), mtime=0))
    plain_preds_path(run_dir, test, perturbation).unlink(missing_ok=True)
    return path


def read_predictions(
    run_dir: Path | str, test: str, perturbation: str = CLEAN
) -> list[dict[str, Any]]:
    """What `write_predictions` wrote (plain `.jsonl` from older runs is read too)."""
    gzipped = preds_path(run_dir, test, perturbation)
    path = gzipped if gzipped.is_file() else plain_preds_path(run_dir, test, perturbation)
    if not path.is_file():
        raise CheckpointError(f"{gzipped}: missing; predict this test set first")
    try:
        raw = path.read_bytes()
        text = (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as error:
        raise CheckpointError(f"{path}: unreadable ({error})") from None
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise CheckpointError(f"{path}, line {number}: bad JSON ({error})") from None
    return records


# ---------------------------------------------------------------------------
# The training log


def read_log(run_dir: Path | str) -> list[dict[str, Any]]:
    """The training log's records (empty when the run has none)."""
    path = Path(run_dir) / TRAIN_LOG
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
