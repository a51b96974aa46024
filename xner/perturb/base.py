"""The perturbation contract: edits, results, declared parameters, the registry, composition.

A perturbation is one declared `PerturbationSpec`: a name, a description for users,
its parameters (`ParamSpec`), the resources it needs (`Need`), and a `prepare`
function. `prepare(sentences, resources, params, seed)` sees the whole batch once
(to build pools and indexes) and returns a per-sentence function
`(sentence, rng) -> (tokens, tags, edits) | None` (None: unchanged). The driver
`perturb()` runs it, seeds one RNG per sentence from `(seed, step, sentence id)` so a
sentence's result does not depend on which other sentences are in the batch, checks
that the output tags are valid IOB2 and as long as the tokens, and chains steps for
compositions (`"a+b"`: apply a, then b to a's output).
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xner.data.records import Sentence
from xner.errors import XnerError

if TYPE_CHECKING:
    from xner.perturb.resources import Resources

OUTSIDE = "O"


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
Prepare = Callable[[Sequence[Sentence], "Resources", Mapping[str, Any], int, str], Prepared]


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
    extra: Mapping[str, Any] = field(default_factory=dict)

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


REGISTRY: dict[str, PerturbationSpec] = {}


def register(spec: PerturbationSpec) -> PerturbationSpec:
    """Declare a perturbation; a composite's steps must already be declared. Only a
    declared composite (`steps`) may carry the composition operator `+` in its name, and
    no name carries the reading operator `@`: every name must compose and read."""
    if spec.name in REGISTRY:
        raise ValueError(f"perturbation {spec.name!r} declared twice")
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
    REGISTRY[spec.name] = spec
    return spec


def _ensure_loaded() -> None:
    # The modules that declare the perturbations register on import.
    from xner.perturb import context, entities, names, noise, structure  # noqa: F401


def kinds() -> list[PerturbationSpec]:
    """Every declared perturbation, in declaration order."""
    _ensure_loaded()
    return list(REGISTRY.values())


def get(name: str) -> PerturbationSpec:
    _ensure_loaded()
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(REGISTRY)
        raise PerturbError(f"unknown perturbation {name!r}; known kinds: {known}") from None


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


def rng_for(seed: int, tag: str, sentence_id: str) -> random.Random:
    """The RNG of one sentence for one step: independent of the batch it sits in."""
    return random.Random(f"{seed}|{tag}|{sentence_id}")


def fast_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """`(start, end, type)` of each mention of valid IOB2 tags (hot-loop version of
    `xner.data.tags.spans`)."""
    found: list[tuple[int, int, str]] = []
    start = -1
    current = ""
    for index, tag in enumerate(tags):
        if tag == OUTSIDE:
            if current:
                found.append((start, index, current))
                current = ""
            continue
        entity_type = tag[2:]
        if tag[0] == "I" and entity_type == current:
            continue
        if current:
            found.append((start, index, current))
        start, current = index, entity_type
    if current:
        found.append((start, len(tags), current))
    return found


def iob2_valid(tags: Sequence[str]) -> bool:
    """True when every tag is O, B-X or I-X and each I-X continues an X."""
    previous = OUTSIDE
    for tag in tags:
        if tag != OUTSIDE:
            if len(tag) < 3 or tag[1] != "-" or tag[0] not in "BI":
                return False
            if tag[0] == "I" and (previous == OUTSIDE or previous[2:] != tag[2:]):
                return False
        previous = tag
    return True


def replace_spans(
    sentence_id: str,
    kind: str,
    tokens: Sequence[str],
    tags: Sequence[str],
    replacements: Iterable[tuple[int, int, Sequence[str], str, str]],
) -> tuple[list[str], list[str], list[Edit]]:
    """Replace token ranges `[start, end)` by `new_tokens` tagged as one mention of
    `new_type` (`""`: all `O`), recording an `Edit` (with `detail`) for each.

    Replacements must be sorted and must not overlap; a replaced entity must be a whole
    mention, so the surrounding tags stay valid.
    """
    out_tokens: list[str] = []
    out_tags: list[str] = []
    edits: list[Edit] = []
    cursor = 0
    for start, end, new_tokens, new_type, detail in replacements:
        out_tokens.extend(tokens[cursor:start])
        out_tags.extend(tags[cursor:start])
        position = len(out_tokens)
        out_tokens.extend(new_tokens)
        if new_type:
            out_tags.append("B-" + new_type)
            out_tags.extend(["I-" + new_type] * (len(new_tokens) - 1))
        else:
            out_tags.extend([OUTSIDE] * len(new_tokens))
        edits.append(
            Edit(
                sentence_id,
                kind,
                position,
                " ".join(tokens[start:end]),
                " ".join(new_tokens),
                start,
                end - start,
                len(new_tokens),
                detail,
            )
        )
        cursor = end
    out_tokens.extend(tokens[cursor:])
    out_tags.extend(tags[cursor:])
    return out_tokens, out_tags, edits


Replacement = tuple[int, int, Sequence[str], str, str]  # start, end, tokens, type, detail
MentionChoice = Callable[[Sentence, int, int, str, random.Random], "Replacement | None"]


def mention_replacer(kind: str, choose: MentionChoice) -> Callable[[Sentence, random.Random], Any]:
    """The per-sentence step of an entity perturbation: `choose` sees each mention in
    order (sentence, start, end, type, rng) and returns its replacement or None."""

    def apply(sentence: Sentence, rng: random.Random) -> Any:
        replacements = [
            replacement
            for start, end, entity_type in fast_spans(sentence.tags)
            if (replacement := choose(sentence, start, end, entity_type, rng)) is not None
        ]
        if not replacements:
            return None
        return replace_spans(sentence.id, kind, sentence.tokens, sentence.tags, replacements)

    return apply


def perturb(
    sentences: Sequence[Sentence],
    kind: str | Sequence[str],
    *,
    seed: int = 0,
    resources: Resources | None = None,
    params: Mapping[str, Any] | None = None,
) -> list[Perturbed]:
    """Apply `kind` (a name, `"a+b"`, or a list applied in order) to labelled sentences.

    Returns one `Perturbed` per input, in order, with the edits of every step. The same
    sentences, kind, parameters, resources and seed give the same output.
    """
    from xner.perturb.resources import Resources

    steps = resolve_steps(kind)
    params = dict(params or {})
    for name, value in reading_params(kind).items():
        if name in params and str(params[name]) != value:
            raise PerturbError(
                f"{kind!r} reads {name}={value}, but the parameters say {params[name]!r}"
            )
        params[name] = value
    check_params(params, steps)
    resources = resources if resources is not None else Resources()
    for sentence in sentences:
        if sentence.tags is None:
            raise PerturbError(
                f"sentence {sentence.id} has no tags: perturbations need labelled sentences "
                "(tokens + IOB2 tags); use a labelled split such as 'test' or 'dev'"
            )
    current = list(sentences)
    edits: list[list[Edit]] = [[] for _ in current]
    for index, step in enumerate(steps):
        spec = get(step)
        values = step_params(step, params, steps)
        resources.check(spec)
        tag = step if index == 0 else f"{step}#{index}"
        assert spec.prepare is not None
        apply = spec.prepare(current, resources, values, seed, step)
        for position, sentence in enumerate(current):
            result = apply(sentence, rng_for(seed, tag, sentence.id))
            if result is None:
                continue
            new_tokens, new_tags, step_edits = result
            if len(new_tokens) != len(new_tags) or not iob2_valid(new_tags):
                raise AssertionError(  # a bug in a perturbation, never the user's fault
                    f"{step} broke the tags of {sentence.id}: {new_tokens} / {new_tags}"
                )
            if not step_edits:
                continue
            current[position] = sentence.with_content(new_tokens, new_tags)
            edits[position].extend(step_edits)
    return [
        Perturbed(new, tuple(found), old.hash)
        for old, new, found in zip(sentences, current, edits, strict=True)
    ]
