"""One run end to end: read the splits its setting names, build the model as the setting
declares (`xner.train.settings`: fine-tune, adapt then fine-tune, self-train), save the
checkpoint."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from transformers import PreTrainedModel, PreTrainedTokenizerBase

from xner.config import models_dir
from xner.data.records import Sentence
from xner.errors import XnerError
from xner.train.encode import LabelSpace
from xner.train.loop import ProgressCallback, TrainResult, set_seed, set_threads
from xner.train.runconfig import RunConfig, data_hash
from xner.train.runtime import Runtime

if TYPE_CHECKING:  # xner.evaluate.predict imports xner.train.encode: no cycle at runtime
    from xner.evaluate.predict import Prediction
    from xner.train.adapt import AdaptResult


def run_dataset(config: RunConfig, role: str) -> str:
    """The dataset the run reads for `role` (hrl / lrl), under the run's split policy
    (`panx@paper`)."""
    from xner.data.datasets import with_policy
    from xner.data.resolve import wikiann_dataset

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
    from xner.runs.checkpoint import save_checkpoint

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
    config: RunConfig, setting: str, progress: ProgressCallback | None, runtime: Runtime
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase, str, list[dict[str, Any]]]:
    """The teacher model, its tokenizer, its run id and a log of where it came from: the
    checkpoint `self_training.teacher`, else a run of `setting` trained here."""
    path = config.self_training.teacher
    if path is not None:
        from xner.runs.checkpoint import load_checkpoint

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
    # The same args as a run of that setting: its run id equals that run's, had it been
    # trained.
    teacher = train_model(replace(config, setting=setting, data_hashes={}), progress, runtime)
    from xner.backbones.api import load_tokenizer

    info = {"phase": "teacher", "source": "trained in this run", "run_id": teacher.config.run_id}
    steps = [
        {"phase": "teacher", "step": r["step"], "teacher_loss": r["loss"]}
        for r in teacher.log
        if "loss" in r and "step" in r
    ]
    return teacher.model, load_tokenizer(config.backbone), teacher.config.run_id, [info, *steps]


@dataclass
class Job:
    """A run being trained, as its setting's strategy (`SettingSpec.build`) sees it: the
    labelled data its setting declares, already read, and the steps every strategy
    shares. Whatever else a strategy reads (`adaptation_text`, `unlabelled`, `teacher`)
    enters the config's data hashes; `start` then seals the config and builds the model."""

    config: RunConfig
    runtime: Runtime
    progress: ProgressCallback | None
    train: list[Sentence]
    dev: list[Sentence]
    labels: LabelSpace
    hashes: dict[str, str]
    first: dict[str, Any] = field(default_factory=dict)  # the log's first record
    extra_log: list[dict[str, Any]] = field(default_factory=list)  # after it

    def adaptation_text(self) -> list[Sentence]:
        """The MLM text (`adapt.text`, else LRL unlabelled), hashed into the config."""
        key, text = adaptation_text(self.config)
        self.hashes[key] = data_hash(text)
        return text

    def unlabelled(self, cap: int | None) -> list[Sentence]:
        """The LRL unlabelled sentences (at most `cap`), hashed into the config."""
        key, text = _unlabelled(self.config, cap)
        self.hashes[key] = data_hash(text)
        return text

    def teacher(self, setting: str) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
        """The self-training teacher (see `_teacher`); its run id enters the config and
        where it came from the log."""
        model, tokenizer, run_id, log = _teacher(self.config, setting, self.progress, self.runtime)
        self.hashes["teacher"] = run_id
        self.extra_log = log
        return model, tokenizer

    def start(self) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
        """Seal the config with the data hashes, seed, and build the model to train."""
        from xner.backbones.api import load_tokenizer
        from xner.runs.checkpoint import build_model

        args = self.config.args
        self.config = self.config.with_data(self.hashes)
        set_threads(args.num_threads)  # adaptation and soft labelling run before finetune
        set_seed(args.seed)  # the new head's initialisation depends on it
        model = build_model(self.config.backbone, self.labels)
        tokenizer = load_tokenizer(self.config.backbone)
        self.first = {
            "run_id": self.config.run_id,
            "train_sentences": len(self.train),
            **self.runtime.to_dict(),
        }
        return model, tokenizer

    def finish(self, result: TrainResult, adaptation: AdaptResult | None = None) -> TrainedRun:
        log = [self.first, *self.extra_log, *result.log]
        return TrainedRun(result.model, self.config, self.labels, log, adaptation)


def train_model(
    config: RunConfig, progress: ProgressCallback | None = None, runtime: Runtime | None = None
) -> TrainedRun:
    """Train `config` in memory (`train_run` saves it): read the labelled splits its
    setting declares, then build the model as the setting's strategy says (on `runtime`,
    default auto)."""
    runtime = (runtime or Runtime()).resolved()
    setting = config.setting_spec
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
    job = Job(config, runtime, progress, train, dev, labels, hashes)
    return setting.build(job)


def predict_split(
    checkpoint: Path | str, sentences: Sequence[Sentence], *, batch_size: int = 64
) -> list[Prediction]:
    """Load a checkpoint and predict `sentences` (every word, long ones windowed)."""
    from xner.evaluate.predict import predict
    from xner.runs.checkpoint import load_checkpoint

    model, tokenizer, _ = load_checkpoint(checkpoint)
    return predict(model, tokenizer, sentences, batch_size=batch_size)
