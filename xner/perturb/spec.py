"""The perturbation contract: edits, results, declared parameters, the registry, names.

A perturbation is one declared `PerturbationSpec`: a name, a description for users,
its parameters (`ParamSpec`), the resources it needs (`Need`), what it promises about
entities (`Preserves`) and a `prepare` function (see `xner.perturb.base` for the driver
that runs it). Specs live in `REGISTRY`; a name may compose kinds (`"a+b"`) and name a
reading (`"p1@hrl"`), which `resolve_steps` and `reading_params` take apart.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from xner.data.records import Sentence
from xner.errors import XnerError
from xner.registry import Registry

if TYPE_CHECKING:
    from xner.perturb.resources import PerturbResources


class PerturbError(XnerError, ValueError):
    """A perturbation was asked for something it cannot do (unknown kind, bad parameter,
    a missing resource, unlabelled input); the message says what to change."""


@dataclass(frozen=True, slots=True)
class Edit:
    """One change to one sentence.

    `old_position` is the first token of the replaced text in the sentence the step
    was applied to; `position` is the first token of the new text in that step's
    output (they differ when an earlier edit in the sentence changed its length).
    `old`/`new` are the tokens joined by single spaces (`""` for a pure insertion);
    `n_old`/`n_new` count tokens. `detail` says how (e.g. `swap`, `PER->LOC`, a locale).
    """

    sentence_id: str
    kind: str
    position: int
    old: str
    new: str
    old_position: int = -1
    n_old: int = 1
    n_new: int = 1
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "sentence_id": self.sentence_id,
            "kind": self.kind,
            "position": self.position,
            "old_position": self.old_position,
            "old": self.old,
            "new": self.new,
            "n_old": self.n_old,
            "n_new": self.n_new,
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class Perturbed:
    """A perturbed sentence (same id, new hash) and the edits that made it, in order."""

    sentence: Sentence
    edits: tuple[Edit, ...] = ()
    source_hash: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.edits)


_TYPES: dict[str, type] = {"int": int, "float": float, "str": str, "bool": bool}


@dataclass(frozen=True, slots=True)
class ParamSpec:
    """A declared parameter: the CLI and the app build their controls from these."""

    name: str
    type: str  # "int" | "float" | "str" | "bool"
    default: Any
    help: str
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] | None = None

    def parse(self, value: Any, *, kind: str = "") -> Any:
        """`value` (a string from the command line, or a Python value) checked and typed."""
        where = f"{kind}: parameter {self.name!r}" if kind else f"parameter {self.name!r}"
        try:
            if self.type == "bool" and isinstance(value, str):
                lowered = value.strip().lower()
                if lowered not in ("1", "0", "true", "false", "yes", "no"):
                    raise ValueError(value)
                parsed: Any = lowered in ("1", "true", "yes")
            elif self.type == "int" and isinstance(value, float) and not value.is_integer():
                raise ValueError(value)
            else:
                parsed = _TYPES[self.type](value)
        except (TypeError, ValueError):
            raise PerturbError(f"{where} expects a {self.type}, got {value!r}") from None
        if self.min is not None and parsed < self.min:
            raise PerturbError(f"{where} must be >= {self.min}, got {parsed}")
        if self.max is not None and parsed > self.max:
            raise PerturbError(f"{where} must be <= {self.max}, got {parsed}")
        if self.choices is not None and parsed not in self.choices:
            raise PerturbError(f"{where} must be one of {', '.join(self.choices)}; got {parsed!r}")
        return parsed

    def describe(self) -> str:
        bounds = ""
        if self.choices:
            bounds = f" one of {{{', '.join(self.choices)}}}"
        elif self.min is not None or self.max is not None:
            low = "" if self.min is None else self.min
            high = "" if self.max is None else self.max
            bounds = f" in [{low}, {high}]"
        return f"{self.name} ({self.type}, default {self.default!r}{bounds}): {self.help}"


class Resource(enum.StrEnum):
    """What a perturbation may need beyond the sentences it perturbs."""

    HRL_TRAIN = "hrl-train"  # labelled HRL training data (the pair's HRL)
    LRL_TRAIN = "lrl-train"  # labelled LRL training data (entity pools, vocabulary)
    LRL_TEXT = "lrl-text"  # unlabelled LRL text (vocabulary)
    BACKBONE = "backbone"  # a backbone's word representation (p2)
    NAME_SOURCE = "name-source"  # Faker locales
    WORD_LIST = "word-list"  # stopwords (stopwords-iso, else wordfreq, else the LRL data)
    OWN_TRAIN = "own-train"  # the evaluated model's own labelled training data
    REFERENCE = "reference"  # the labelled data "shared" is measured against (p1, p2)


@dataclass(frozen=True, slots=True)
class Need:
    resource: Resource
    required: bool = True
    why: str = ""


class Preserves(enum.StrEnum):
    """What a perturbation promises about entities (the property tests check these)."""

    ENTITIES = "entities"  # same number of mentions, same types, same order
    COUNT = "count"  # same number of mentions in the same order; types may change
    CONCAT = "concat"  # the sentence's own spans unchanged, another sentence's appended


Prepared = Callable[[Sentence, random.Random], "tuple[list[str], list[str], list[Edit]] | None"]
Prepare = Callable[[Sequence[Sentence], "PerturbResources", Mapping[str, Any], int, str], Prepared]


@dataclass(frozen=True)
class PerturbationSpec:
    """One declared perturbation (or a declared composition, when `steps` is set)."""

    name: str
    description: str
    params: tuple[ParamSpec, ...] = ()
    needs: tuple[Need, ...] = ()
    preserves: Preserves = Preserves.ENTITIES
    prepare: Prepare | None = None
    steps: tuple[str, ...] = ()
    source: str = ""  # where the idea comes from (paper / tool)

    def param(self, name: str) -> ParamSpec:
        for spec in self.params:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def defaults(self) -> dict[str, Any]:
        return {spec.name: spec.default for spec in self.params}


# `KIND@READING` names a kind read against another reference (`p1@hrl`: p1 with
# reference=hrl), so both readings of one kind live side by side as test sets.
READING_SEPARATOR = "@"
READING_PARAM = "reference"


REGISTRY: Registry[PerturbationSpec] = Registry("perturbation", error=PerturbError)


def register(spec: PerturbationSpec) -> PerturbationSpec:
    """Declare a perturbation; a composite's steps must already be declared. Only a
    declared composite (`steps`) may carry the composition operator `+` in its name, and
    no name carries the reading operator `@`: every name must compose and read."""
    if READING_SEPARATOR in spec.name or ("+" in spec.name and not spec.steps):
        raise ValueError(
            f"perturbation {spec.name!r}: '+' composes kinds and '@' names a reading; "
            "a primitive kind's name holds neither"
        )
    if spec.steps:
        missing = [step for step in spec.steps if step not in REGISTRY]
        if missing:
            raise ValueError(f"{spec.name}: unknown steps {missing}")
        params: dict[str, ParamSpec] = {}
        needs: dict[Resource, Need] = {}
        preserves = Preserves.ENTITIES
        for step in spec.steps:
            step_spec = REGISTRY[step]
            for param in step_spec.params:
                params.setdefault(param.name, param)
            for need in step_spec.needs:
                if need.resource not in needs or need.required:
                    needs[need.resource] = need
            if step_spec.preserves != Preserves.ENTITIES:
                preserves = step_spec.preserves
        spec = PerturbationSpec(
            name=spec.name,
            description=spec.description,
            params=spec.params or tuple(params.values()),
            needs=spec.needs or tuple(needs.values()),
            preserves=preserves,
            steps=spec.steps,
            source=spec.source,
        )
    elif spec.prepare is None:
        raise ValueError(f"{spec.name}: a perturbation needs `prepare` or `steps`")
    return REGISTRY.register(spec.name, spec)


def _ensure_loaded() -> None:
    # The modules that declare the perturbations register on import.
    from xner.perturb import context, entities, names, noise, structure  # noqa: F401


def kinds() -> list[PerturbationSpec]:
    """Every declared perturbation, in declaration order."""
    _ensure_loaded()
    return list(REGISTRY.values())


def get(name: str) -> PerturbationSpec:
    """The declared kind `name`; an unknown name raises `PerturbError` listing the kinds."""
    _ensure_loaded()
    return REGISTRY.get(name)


def default_excluded() -> tuple[str, ...]:
    """The kinds left out of a default evaluation: those that do not keep the sentence's
    entities as they are (`preserves` other than ENTITIES: type-swap, concat), read off
    each kind's declaration rather than listed again."""
    return tuple(spec.name for spec in kinds() if spec.preserves != Preserves.ENTITIES)


def split_reading(name: str) -> tuple[str, str | None]:
    """`"p1+p2@hrl"` -> `("p1+p2", "hrl")`; a name without `@` -> `(name, None)`."""
    kind, sep, reading = name.strip().rpartition(READING_SEPARATOR)
    if not sep:
        return name.strip(), None
    if not kind.strip() or not reading.strip():
        raise PerturbError(f"perturbation {name!r}: expected KIND@READING, e.g. p1@hrl")
    if "+" in reading:
        raise PerturbError(
            f"perturbation {name!r}: the reading goes last and applies to every step that "
            f"takes one: write {kind.strip()}+{reading.split('+', 1)[1].strip()}@"
            f"{reading.split('+', 1)[0].strip()}"
        )
    return kind.strip(), reading.strip()


def takes_reading(kind: str) -> bool:
    """True when a step of `kind` is measured against reference data (has `reference`)."""
    return any(READING_PARAM in get(step).defaults() for step in resolve_steps(kind))


def reading_params(kind: str | Sequence[str]) -> dict[str, str]:
    """The parameters a `KIND@READING` name stands for (`{"reference": READING}`)."""
    names = [kind] if isinstance(kind, str) else list(kind)
    found: dict[str, str] = {}
    for name in names:
        base, reading = split_reading(name)
        if reading is None:
            continue
        steps = resolve_steps(base)
        if not any(READING_PARAM in get(step).defaults() for step in steps):
            raise PerturbError(
                f"{name!r}: no step of {base} takes a {READING_PARAM}; only the kinds "
                "measured against training data (p1, p2) have readings"
            )
        if found.get(READING_PARAM, reading) != reading:
            raise PerturbError(f"{names}: two different readings in one composition")
        found[READING_PARAM] = reading
    return found


def step_references(
    kind: str | Sequence[str], params: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """The reference each step of `kind` is measured against (steps that take one), from
    its `@READING`, then `params`, then the declared default."""
    steps = resolve_steps(kind)
    values = {**dict(params or {}), **reading_params(kind)}
    return {
        step: chosen[READING_PARAM]
        for step in steps
        if READING_PARAM in (chosen := step_params(step, values, steps))
    }


def resolve_steps(kind: str | Sequence[str]) -> list[str]:
    """The primitive steps of a kind: a declared name (composites expand), `"a+b"`, or a
    list of those, applied left to right. A `@READING` suffix is read by `reading_params`."""
    _ensure_loaded()
    parts = [kind] if isinstance(kind, str) else list(kind)
    steps: list[str] = []
    for part in parts:
        part = split_reading(part)[0]
        if part in REGISTRY:
            names = [part]
        else:
            names = [name.strip() for name in part.split("+") if name.strip()]
            if not names:
                raise PerturbError(f"empty perturbation kind {part!r}")
        for name in names:
            spec = get(name)
            steps.extend(spec.steps or (spec.name,))
    if not steps:
        raise PerturbError("no perturbation kind given")
    return steps


def step_params(step: str, params: Mapping[str, Any], steps: Sequence[str]) -> dict[str, Any]:
    """Typed parameters of one step: `name=value` applies to every step declaring `name`;
    `step.name=value` to that step only. Unknown names raise with the valid ones."""
    spec = get(step)
    values = spec.defaults()
    for key, value in params.items():
        target, _, name = key.rpartition(".")
        if target and target != step:
            continue
        if name in values:
            values[name] = spec.param(name).parse(value, kind=step)
    return values


def check_params(params: Mapping[str, Any], steps: Sequence[str]) -> None:
    declared = {step: {p.name for p in get(step).params} for step in steps}
    for key in params:
        target, _, name = key.rpartition(".")
        if target:
            if target not in declared:
                raise PerturbError(
                    f"parameter {key!r} names step {target!r}, which is not among {list(steps)}"
                )
            if name not in declared[target]:
                valid = ", ".join(sorted(declared[target])) or "none"
                raise PerturbError(f"{target} has no parameter {name!r}; its parameters: {valid}")
        elif not any(name in names for names in declared.values()):
            valid = ", ".join(sorted(set().union(*declared.values()))) or "none"
            raise PerturbError(
                f"no step of {'+'.join(steps)} has a parameter {name!r}; parameters: {valid}"
            )
