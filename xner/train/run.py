"""One run end to end: read the splits its setting names, fine-tune, save the checkpoint."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from xner.data.records import Sentence
from xner.errors import XnerError
from xner.train.encode import LabelSpace
from xner.train.finetune import ProgressCallback, finetune, set_seed
from xner.train.runconfig import RunConfig, data_hash, get_setting, require_implemented

if TYPE_CHECKING:  # xner.evaluate.predict imports xner.train.encode: no cycle at runtime
    from xner.evaluate.predict import Prediction


def _dataset(config: RunConfig, role: str) -> str:
    from xner.data.resolve import wikiann_dataset

    given = config.hrl_dataset if role == "hrl" else config.lrl_dataset
    return given or wikiann_dataset(config.hrl if role == "hrl" else config.lrl)


def load_role_splits(
    config: RunConfig, pairs: Sequence[tuple[str, str]], *, cap: int | None = None
) -> dict[str, list[Sentence]]:
    """`{"hrl/train": [...], ...}` for (role, split) pairs; `cap` limits each one."""
    from xner.data.resolve import load_split

    out: dict[str, list[Sentence]] = {}
    for role, split in pairs:
        lang = config.hrl if role == "hrl" else config.lrl
        out[f"{role}/{split}"] = load_split(_dataset(config, role), lang, split, limit=cap)
    return out


def train_run(
    config: RunConfig,
    out_dir: Path | str | None = None,
    progress: ProgressCallback | None = None,
    *,
    overwrite: bool = False,
) -> Path:
    """Train `config` and save it to `out_dir` (default `models_dir()/<name>`).

    `max_train_sentences` caps each training split separately (so `combined` keeps the
    same share of both languages); the dev sets are used when early stopping is on.
    """
    from xner.backbones import load_tokenizer
    from xner.store import build_model, save_checkpoint

    setting = get_setting(config.setting)
    require_implemented(setting)
    args = config.args
    train_parts = load_role_splits(config, setting.train, cap=args.max_train_sentences)
    dev_parts = (
        load_role_splits(config, setting.dev) if args.early_stopping_patience is not None else {}
    )
    train = [s for part in train_parts.values() for s in part]
    dev = [s for part in dev_parts.values() for s in part]
    if not train:
        raise XnerError(f"{config.setting}: the training splits {list(train_parts)} are empty")
    hashes = {name: data_hash(part) for name, part in {**train_parts, **dev_parts}.items()}
    config = config.with_data(hashes)
    labels = LabelSpace.from_sentences(train, config.schema)
    set_seed(args.seed)  # the new head's initialisation depends on it
    model = build_model(config.backbone, labels)
    tokenizer = load_tokenizer(config.backbone)
    result = finetune(model, tokenizer, train, labels, args, dev=dev or None, progress=progress)
    log = [{"run_id": config.run_id, "train_sentences": len(train)}, *result.log]
    return save_checkpoint(result.model, config, labels, out_dir, log=log, overwrite=overwrite)


def predict_split(
    checkpoint: Path | str, sentences: Sequence[Sentence], *, batch_size: int = 64
) -> list[Prediction]:
    """Load a checkpoint and predict `sentences` (every word, long ones windowed)."""
    from xner.evaluate.predict import predict
    from xner.store import load_checkpoint

    model, tokenizer, _ = load_checkpoint(checkpoint)
    return predict(model, tokenizer, sentences, batch_size=batch_size)
