"""Every name in a run folder, and the one run finder.

```
<models>/<run>/                   a run: a folder with a config.json
<models>/<grid out>/<run>/        a grid's runs, one level down
  config.json        RunConfig (+ a "checkpoint" block: format, weights kind, dtype)
  labels.json        the label list, O first
  model.safetensors  full fine-tuning: the parameters training changed
  adapter/           lora: peft's adapter_config.json + adapter_model.safetensors
  train_log.jsonl    one record per step and per dev check
  cell.json          a grid cell's timings and hardware (written last: finished)
  eval/<test>__<perturbation>.json        an `EvalRecord` (xner.runs.records)
  preds/<test>__<perturbation>.jsonl.gz   {id, hash, tags} per sentence, no text
```

Torch-free on purpose: the results table, the grid and the app's pages know a run folder
through these names without importing the model stack.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from xner.errors import XnerError

CONFIG_FILE = "config.json"
LABELS_FILE = "labels.json"
WEIGHTS_FILE = "model.safetensors"
ADAPTER_DIR = "adapter"
ADAPTER_WEIGHTS = "adapter_model.safetensors"  # peft's name inside ADAPTER_DIR
TRAIN_LOG = "train_log.jsonl"
CELL_FILE = "cell.json"  # written last: its presence marks a finished grid cell
EVAL_DIR = "eval"
PREDS_DIR = "preds"
EVAL_SUFFIX = ".json"
PREDS_SUFFIX = ".jsonl.gz"
PLAIN_PREDS_SUFFIX = ".jsonl"  # predictions of older runs, read and replaced
SEPARATOR = "__"  # between the test set and the perturbation in a file stem
# A backbone given as a local folder: Hugging Face's save_pretrained config (the same
# name as a run's config, by that library's convention; not a run-folder file).
HF_CONFIG_FILE = "config.json"

# The unperturbed test set: the one spelling, as the stored file names have it.
CLEAN = "clean"
LEGACY_CLEAN = "none"  # how older records spelled it; read as CLEAN

_SAFE = re.compile(r"[^A-Za-z0-9_.+=-]")


def clean_name(perturbation: str | None) -> str:
    """`perturbation` with the unperturbed set always spelled CLEAN (empty or legacy)."""
    return CLEAN if not perturbation or perturbation == LEGACY_CLEAN else perturbation


def artifact_name(test: str, perturbation: str = CLEAN) -> str:
    """`panx/fa/test`, `p1+p2` -> `panx-fa-test__p1+p2` (a safe file stem, lossy for
    the test set: the records inside keep the real names)."""
    parts = [_SAFE.sub("-", part.strip()) for part in (test, perturbation or CLEAN)]
    if not all(parts):
        raise XnerError("a test set and a perturbation name must not be empty")
    return SEPARATOR.join(parts)


def split_artifact_name(name: str) -> tuple[str, str]:
    """A file name or stem back to (safe test stem, perturbation):
    `panx-fa-test__p1+p2.json` -> (`panx-fa-test`, `p1+p2`)."""
    stem = artifact_stem(name)
    test, separator, perturbation = stem.rpartition(SEPARATOR)
    if not separator or not test or not perturbation:
        raise XnerError(f"{name!r} is not a <test>{SEPARATOR}<perturbation> file name")
    return test, perturbation


def artifact_stem(name: str) -> str:
    """The stem of an eval or prediction file name (any of their suffixes removed)."""
    for suffix in (PREDS_SUFFIX, PLAIN_PREDS_SUFFIX, EVAL_SUFFIX):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def config_path(run_dir: Path | str) -> Path:
    return Path(run_dir) / CONFIG_FILE


def eval_path(run_dir: Path | str, test: str, perturbation: str = CLEAN) -> Path:
    """Where the evaluation of `test` under `perturbation` is stored."""
    return Path(run_dir) / EVAL_DIR / f"{artifact_name(test, perturbation)}{EVAL_SUFFIX}"


def preds_path(run_dir: Path | str, test: str, perturbation: str = CLEAN) -> Path:
    """Where the predictions of `test` under `perturbation` are stored (gzipped)."""
    return Path(run_dir) / PREDS_DIR / f"{artifact_name(test, perturbation)}{PREDS_SUFFIX}"


def plain_preds_path(run_dir: Path | str, test: str, perturbation: str = CLEAN) -> Path:
    """Where an older run kept them uncompressed."""
    name = artifact_name(test, perturbation)
    return Path(run_dir) / PREDS_DIR / f"{name}{PLAIN_PREDS_SUFFIX}"


def eval_files(run_dir: Path | str) -> list[Path]:
    """A run's stored evaluations, sorted by file name."""
    return sorted((Path(run_dir) / EVAL_DIR).glob(f"*{EVAL_SUFFIX}"))


def pred_files(run_dir: Path | str) -> list[Path]:
    """A run's stored predictions, gzipped or plain, sorted by file name."""
    return sorted((Path(run_dir) / PREDS_DIR).glob(f"*{PLAIN_PREDS_SUFFIX}*"))


def is_evaluation_file(relative: Path | str) -> bool:
    """Whether a path inside a run folder is one of its evaluations or predictions."""
    first = Path(relative).parts[:1]
    return first in ((EVAL_DIR,), (PREDS_DIR,))


def is_run(path: Path | str) -> bool:
    """A run folder: a folder holding a run configuration."""
    return (Path(path) / CONFIG_FILE).is_file()


def _visible_folders(root: Path) -> list[Path]:
    # os.scandir: every page calls the finder on every rerun, and it is twice as fast
    # as Path.iterdir + is_dir.
    try:
        with os.scandir(root) as entries:
            names = [e.name for e in entries if not e.name.startswith(".") and e.is_dir()]
    except OSError:
        return []
    return [root / name for name in sorted(names)]


def find_runs(root: Path | str, *, broken: bool = False) -> list[Path]:
    """THE run finder: every run folder directly under `root`, or one level deeper (a
    grid writes its runs into its own `out:` folder, often inside models/).

    Sorted by name, a grid folder's runs in its place. With `broken`, a top-level folder
    that is neither a run nor holds one is listed too (a run whose config is missing:
    the run index shows it with the fix). Hidden folders (staging, temporaries) never."""
    found: list[Path] = []
    for folder in _visible_folders(Path(root)):
        if is_run(folder):
            found.append(folder)
            continue
        inner = [sub for sub in _visible_folders(folder) if is_run(sub)]
        found.extend(inner)
        if broken and not inner:
            found.append(folder)
    return found


FileStamp = tuple[str, int, int]


def evaluation_stamp(run_dir: Path | str) -> tuple[FileStamp, ...]:
    """Name, mtime and size of every stored evaluation and prediction file of a run: it
    changes whenever the run is re-evaluated (a cache key for the app)."""
    stamps = []
    for path in sorted([*eval_files(run_dir), *pred_files(run_dir)]):
        try:
            stat = path.stat()
        except OSError:  # replaced while listing: the next call sees the new one
            continue
        stamps.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(stamps)
