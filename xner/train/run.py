"""One run end to end: read the splits its setting names, adapt or distil when the setting
says so, fine-tune, save the checkpoint."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from transformers import PreTrainedModel, PreTrainedTokenizerBase

from xner.config import models_dir
from xner.data.records import Sentence
from xner.errors import XnerError
from xner.train.encode import LabelSpace
from xner.train.finetune import ProgressCallback, finetune, set_seed, set_threads
from xner.train.runconfig import RunConfig, data_hash, get_setting, require_implemented
from xner.train.runtime import Runtime

if TYPE_CHECKING:  # xner.evaluate.predict imports xner.train.encode: no cycle at runtime
    from xner.evaluate.predict import Prediction
    from xner.train.adapt import AdaptResult


def run_dataset(config: RunConfig, role: str) -> str:
    """The dataset the run reads for `role` (hrl / lrl), under the run's split policy
    (`panx@paper`)."""
    from xner.data.resolve import wikiann_dataset, with_policy

    given = config.hrl_dataset if role == "hrl" else config.lrl_dataset
    dataset = given or wikiann_dataset(config.hrl if role == "hrl" else config.lrl)
    return with_policy(dataset, config.split_policy)


def load_role_splits(
    config: RunConfig, pairs: Sequence[tuple[str, str]], *, cap: int | None = None
) -> dict[str, list[Sentence]]:
    """`{"hrl/train": [...], ...}` for (role, split) pairs; `cap` limits each one."""
    from xner.data.resolve import load_split

    out: dict[str, list[Sentence]] = {}
    for role, split in pairs:
        lang = config.hrl if role == "hrl" else config.lrl
        out[f"{role}/{split}"] = load_split(run_dataset(config, role), lang, split, limit=cap)
    return out


def own_training_data(config: RunConfig, *, load: bool = True) -> tuple[list[Sentence], str]:
    """The labelled sentences the run trained on (its setting's training splits, capped as
    it was trained; none read when `load` is False) and a description such as
    `fa/train[:5000]`: what p1 and p2 call the `own` reference."""
    cap = config.args.max_train_sentences
    sentences: list[Sentence] = []
    if load:
        parts = load_role_splits(config, config.setting_spec.train, cap=cap)
        # fine_tune caps the joined splits once more: a combined run trains on that prefix.
        sentences = [sentence for part in parts.values() for sentence in part][:cap]
    shown = " + ".join(
        f"{config.hrl if role == 'hrl' else config.lrl}/{split}" + (f"[:{cap}]" if cap else "")
        for role, split in config.setting_spec.train
    )
    return sentences, shown


@dataclass
class TrainedRun:
    """A trained model before it is saved: the config with its data hashes, the labels,
    the log, and what an adapted-transfer run's adaptation changed."""

    model: PreTrainedModel
    config: RunConfig
    labels: LabelSpace
    log: list[dict[str, Any]]
    adaptation: AdaptResult | None = None


def train_run(
    config: RunConfig,
    out_dir: Path | str | None = None,
    progress: ProgressCallback | None = None,
    *,
    overwrite: bool = False,
    runtime: Runtime | None = None,
) -> Path:
    """Train `config` and save it to `out_dir` (default `models_dir()/<name>`).

    `max_train_sentences` caps each training split separately (so `combined` keeps the
    same share of both languages); the dev sets are used when early stopping is on.
    `runtime` (default: auto) is where and in what precision it trains; it is recorded in
    the train log, not in the config (the run id does not depend on it).
    """
    from xner.store import save_checkpoint

    trained = train_model(config, progress, runtime)
    trained.model.cpu()  # saved from the CPU as always, wherever it trained
    return save_checkpoint(
        trained.model,
        trained.config,
        trained.labels,
        out_dir,
        log=trained.log,
        overwrite=overwrite,
        adaptation=trained.adaptation,
    )


def adaptation_text(config: RunConfig) -> tuple[str, list[Sentence]]:
    """(data-hash key, sentences) of the MLM text: `adapt.text`, else LRL unlabelled."""
    from xner.train.adapt import read_text_file

    cap = config.adapt.max_sentences
    if config.adapt.text is not None:
        return "adapt-text", read_text_file(config.adapt.text, lang=config.lrl, limit=cap)
    key, sentences = _unlabelled(config, cap)
    return key, sentences


def _unlabelled(config: RunConfig, cap: int | None) -> tuple[str, list[Sentence]]:
    sentences = load_role_splits(config, (("lrl", "unlabelled"),), cap=cap)["lrl/unlabelled"]
    sentences = [s for s in sentences if s.tokens]
    if not sentences:
        raise XnerError(
            f"{config.setting}: the {config.lrl} unlabelled split is empty; add the LRL test "
            "file to the data directory or give a text file"
        )
    return "lrl/unlabelled", sentences


def _shown_path(path: Path | str) -> str:
    """`path` relative to the models folder when inside it (logs that ship with a run
    should not carry one machine's absolute paths), else as given."""
    try:
        return Path(path).resolve().relative_to(models_dir().resolve()).as_posix()
    except ValueError:
        return str(path)


def _teacher(
    config: RunConfig, progress: ProgressCallback | None, runtime: Runtime
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase, str, list[dict[str, Any]]]:
    """The teacher model, its tokenizer, its run id and a log of where it came from."""
    path = config.self_training.teacher
    if path is not None:
        from xner.store import load_checkpoint

        try:
            model, tokenizer, run = load_checkpoint(path)
        except XnerError as error:
            raise XnerError(
                f"self_training.teacher {path!r}: {error}. Give a trained run's folder "
                "(e.g. a transfer run under models/), or leave it unset to train one"
            ) from None
        info = {"phase": "teacher", "source": "checkpoint", "path": _shown_path(path)}
        info |= {"run_id": run.run_id, "setting": run.setting, "backbone": run.backbone}
        info |= {"hrl": run.hrl, "lrl": run.lrl}
        return model, tokenizer, run.run_id, [info]
    # The same args as a transfer run: its run id equals that run's, had it been trained.
    teacher = train_model(replace(config, setting="transfer", data_hashes={}), progress, runtime)
    from xner.backbones import load_tokenizer

    info = {"phase": "teacher", "source": "trained in this run", "run_id": teacher.config.run_id}
    steps = [
        {"phase": "teacher", "step": r["step"], "teacher_loss": r["loss"]}
        for r in teacher.log
        if "loss" in r and "step" in r
    ]
    return teacher.model, load_tokenizer(config.backbone), teacher.config.run_id, [info, *steps]


def train_model(
    config: RunConfig, progress: ProgressCallback | None = None, runtime: Runtime | None = None
) -> TrainedRun:
    """Train `config` in memory (`train_run` saves it): read the splits, adapt or
    distil as the setting says, fine-tune (on `runtime`, default auto)."""
    from xner.backbones import load_tokenizer
    from xner.store import build_model

    runtime = (runtime or Runtime()).resolved()

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
    labels = LabelSpace.from_sentences(train, config.schema)
    extra_log: list[dict[str, Any]] = []
    text: list[Sentence] = []
    if setting.name == "adapted-transfer":
        key, text = adaptation_text(config)
        hashes[key] = data_hash(text)
    teacher = None
    if setting.name == "self-training":
        key, text = _unlabelled(config, config.self_training.max_unlabelled_sentences)
        hashes[key] = data_hash(text)
        teacher_model, teacher_tokenizer, teacher_id, extra_log = _teacher(
            config, progress, runtime
        )
        hashes["teacher"] = teacher_id
        teacher = (teacher_model, teacher_tokenizer)
    config = config.with_data(hashes)
    set_threads(args.num_threads)  # adaptation and soft labelling run before finetune sets it
    set_seed(args.seed)  # the new head's initialisation depends on it
    model = build_model(config.backbone, labels)
    tokenizer = load_tokenizer(config.backbone)
    first = {"run_id": config.run_id, "train_sentences": len(train), **runtime.to_dict()}
    adaptation = None
    if setting.name == "adapted-transfer":
        from xner.train.adapt import adapt

        first["adapt_sentences"] = len(text)
        adaptation = adapt(
            model,
            tokenizer,
            text,
            config.adapt,
            backbone=config.backbone,
            seed=args.seed,
            runtime=runtime,
        )
        extra_log = adaptation.log  # the NER head, drawn above, is untouched by it
    if teacher is not None:
        from xner.train.selftrain import soft_labels, train_student

        first["unlabelled_sentences"] = len(text)
        soft = soft_labels(
            teacher[0],
            teacher[1],
            text,
            labels,
            temperature=config.self_training.temperature,
            batch_size=args.per_device_eval_batch_size,
            runtime=runtime,
        )
        del teacher, teacher_model  # frees its (GPU) memory for the student
        gold = train if config.self_training.hrl_gold else []
        result = train_student(
            model,
            tokenizer,
            gold,
            text,
            soft,
            labels,
            args,
            config.self_training,
            dev=dev or None,
            progress=progress,
            runtime=runtime,
        )
    else:
        result = finetune(
            model,
            tokenizer,
            train,
            labels,
            args,
            dev=dev or None,
            progress=progress,
            runtime=runtime,
        )
    log = [first, *extra_log, *result.log]
    return TrainedRun(result.model, config, labels, log, adaptation)


def predict_split(
    checkpoint: Path | str, sentences: Sequence[Sentence], *, batch_size: int = 64
) -> list[Prediction]:
    """Load a checkpoint and predict `sentences` (every word, long ones windowed)."""
    from xner.evaluate.predict import predict
    from xner.store import load_checkpoint

    model, tokenizer, _ = load_checkpoint(checkpoint)
    return predict(model, tokenizer, sentences, batch_size=batch_size)
