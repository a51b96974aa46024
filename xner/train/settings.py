"""Training settings, declared: which labelled splits a run trains, tunes and is tested on,
and the strategy that builds its model from them.

A setting is one `SettingSpec` in `SETTINGS`. `xner.train.run.train_model` reads the
declared splits into a `Job` and hands it to the setting's `build`; it never asks which
setting it is running. A new setting is a new entry (its splits, its strategy, the
`RunConfig` blocks it carries), not a new branch.

The strategies:

- `fine_tune` (native, transfer, combined): fine-tune on the labelled splits.
- `adapt_then_fine_tune` (adapted-transfer): MLM-adapt the encoder on LRL unlabelled text
  (or `RunConfig.adapt.text`), then fine-tune.
- `self_train` (self-training): a teacher (a given checkpoint, or a transfer run trained
  here) labels LRL text softly; a student learns those labels, plus the gold by default.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from transformers import PreTrainedModel, PreTrainedTokenizerBase

from xner.errors import XnerError
from xner.registry import Registry
from xner.train.adapt import adapt
from xner.train.finetune import finetune
from xner.train.loop import TrainResult
from xner.train.selftrain import soft_labels, train_student

if TYPE_CHECKING:  # run imports runconfig, which imports this module
    from xner.train.run import Job, TrainedRun

Split = tuple[str, str]  # (role, split), role being `hrl` or `lrl`
Build = Callable[["Job"], "TrainedRun"]

TEACHER_SETTING = "transfer"  # what a self-training run trains as its teacher, if not given


@dataclass(frozen=True, slots=True)
class SettingSpec:
    """A declared training setting: its labelled (role, split) pairs, how its model is
    built (`build`), and the `RunConfig` blocks it uses (`carries`: `adapt`,
    `self_training`); other settings reset those blocks and leave them out of the run id.
    `needs` says in words what else it uses (unlabelled text, a teacher)."""

    name: str
    description: str
    train: tuple[Split, ...]
    dev: tuple[Split, ...]
    test: Split
    build: Build = field(repr=False, compare=False)
    carries: tuple[str, ...] = ()
    needs: str = ""


# -- strategies -------------------------------------------------------------------


def _fine_tune_model(
    job: Job, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase
) -> TrainResult:
    return finetune(
        model,
        tokenizer,
        job.train,
        job.labels,
        job.config.args,
        dev=job.dev or None,
        progress=job.progress,
        runtime=job.runtime,
    )


def fine_tune(job: Job) -> TrainedRun:
    """Fine-tune a fresh model on the setting's labelled splits."""
    model, tokenizer = job.start()
    return job.finish(_fine_tune_model(job, model, tokenizer))


def adapt_then_fine_tune(job: Job) -> TrainedRun:
    """MLM-adapt the encoder on unlabelled text, then fine-tune (the NER head, drawn
    before adaptation, is untouched by it)."""
    config = job.config
    text = job.adaptation_text()
    model, tokenizer = job.start()
    job.first["adapt_sentences"] = len(text)
    adaptation = adapt(
        model,
        tokenizer,
        text,
        config.adapt,
        backbone=config.backbone,
        seed=config.args.seed,
        runtime=job.runtime,
    )
    job.extra_log = adaptation.log
    return job.finish(_fine_tune_model(job, model, tokenizer), adaptation)


def self_train(job: Job) -> TrainedRun:
    """Distil a teacher's soft labels on LRL text into a fresh student."""
    config = job.config
    options = config.self_training
    text = job.unlabelled(options.max_unlabelled_sentences)
    teacher_model, teacher_tokenizer = job.teacher(TEACHER_SETTING)
    model, tokenizer = job.start()
    job.first["unlabelled_sentences"] = len(text)
    soft = soft_labels(
        teacher_model,
        teacher_tokenizer,
        text,
        job.labels,
        temperature=options.temperature,
        batch_size=config.args.per_device_eval_batch_size,
        runtime=job.runtime,
    )
    del teacher_model, teacher_tokenizer  # frees its (GPU) memory for the student
    result = train_student(
        model,
        tokenizer,
        job.train if options.hrl_gold else [],
        text,
        soft,
        job.labels,
        config.args,
        options,
        dev=job.dev or None,
        progress=job.progress,
        runtime=job.runtime,
    )
    return job.finish(result)


# -- the registry -----------------------------------------------------------------

SETTINGS: Registry[SettingSpec] = Registry("setting", error=XnerError)
SETTINGS.register_all(
    SettingSpec(
        "native",
        "Train and tune on the low-resource language itself (the upper reference)",
        train=(("lrl", "train"),),
        dev=(("lrl", "dev"),),
        test=("lrl", "test"),
        build=fine_tune,
    ),
    SettingSpec(
        "transfer",
        "Zero-shot transfer: train and tune on the high-resource language only",
        train=(("hrl", "train"),),
        dev=(("hrl", "dev"),),
        test=("lrl", "test"),
        build=fine_tune,
    ),
    SettingSpec(
        "combined",
        "Train on both languages' training data, tune on both dev sets",
        train=(("hrl", "train"), ("lrl", "train")),
        dev=(("hrl", "dev"), ("lrl", "dev")),
        test=("lrl", "test"),
        build=fine_tune,
    ),
    SettingSpec(
        "adapted-transfer",
        "MLM-adapt the encoder on LRL unlabelled text (or a given text file), then "
        "transfer from the HRL",
        train=(("hrl", "train"),),
        dev=(("hrl", "dev"),),
        test=("lrl", "test"),
        build=adapt_then_fine_tune,
        carries=("adapt",),
        needs="lrl unlabelled text (RunConfig.adapt)",
    ),
    SettingSpec(
        "self-training",
        "A transfer teacher labels LRL text softly; a student learns those labels "
        "(plus HRL gold by default)",
        train=(("hrl", "train"),),
        dev=(("hrl", "dev"),),
        test=("lrl", "test"),
        build=self_train,
        carries=("self_training",),
        needs="lrl unlabelled text, a teacher (RunConfig.self_training)",
    ),
)


def get_setting(name: str) -> SettingSpec:
    """The declared setting `name`; the error lists the known ones."""
    return SETTINGS.get(name)
