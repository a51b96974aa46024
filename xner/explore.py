"""Sentence-level views for the dashboard: join stored predictions back to their text.

Checkpoints store predictions as tag ids keyed by sentence id and content hash, never the
text (`xner.store`). The explorer reads the gold text again from the data directory,
re-runs the stored perturbation with the stored seed (perturbations are deterministic),
checks both against the stored hashes, and joins everything into `SentenceView`s that
the page filters and draws. The playground helpers check typed text and perturb it.

Everything here is a plain function over plain records, tested without Streamlit.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xner.data.records import Sentence
from xner.data.tags import repair_iob2, spans
from xner.evaluate.errors import EntityError, sentence_errors
from xner.evaluate.runner import perturb_for_eval, run_resources
from xner.perturb import (
    Edit,
    Perturbed,
    PerturbError,
    PerturbResources,
    get,
    perturb,
    resolve_steps,
)
from xner.perturb.base import Resource
from xner.runs.layout import CLEAN, eval_files
from xner.runs.records import EvalRecord
from xner.viz.tokens import TokenMarks

SIDES = ("perturbed", "clean", "either")


# ---------------------------------------------------------------------------
# What a run has evaluated


@dataclass(frozen=True, slots=True)
class EvaluatedSet:
    """One `eval/<test>__<perturbation>.json` of a run: what it was and with which seed."""

    test_set: str  # e.g. panx/fa/test
    perturbation: str
    seed: int
    n_sentences: int

    @property
    def label(self) -> str:
        return f"{self.test_set} · {self.perturbation} ({self.n_sentences} sentences)"


def evaluated_sets(run_dir: Path | str) -> list[EvaluatedSet]:
    """Every evaluation stored in `run_dir`, clean first, then perturbations by name.

    The names come from inside the JSON (the file stem is a lossy, filesystem-safe
    form); an unreadable file is skipped, the run index reports broken runs."""
    found: list[EvaluatedSet] = []
    for path in eval_files(run_dir):
        try:
            record = EvalRecord.read(path)
            found.append(
                EvaluatedSet(
                    record.test_set,
                    record.perturbation,
                    record.seed or 0,
                    record.n_sentences or 0,
                )
            )
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return sorted(found, key=lambda e: (e.test_set, e.perturbation != CLEAN, e.perturbation))


def parse_test_set(test_set: str) -> tuple[str, str, str]:
    """`panx/fa/test` -> (`panx`, `fa`, `test`)."""
    parts = test_set.rsplit("/", 2)
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"test set {test_set!r} is not DATASET/LANG/SPLIT")
    return parts[0], parts[1], parts[2]


# ---------------------------------------------------------------------------
# Joining predictions to text


@dataclass(frozen=True)
class SideView:
    """One side (clean or perturbed) of a sentence: text, gold, prediction, errors."""

    tokens: tuple[str, ...]
    gold: tuple[str, ...] | None
    pred: tuple[str, ...] | None  # None: no stored prediction fits this text
    errors: tuple[EntityError, ...] = ()
    stale: bool = False  # the stored hash is not this text's hash

    @property
    def error_kinds(self) -> set[str]:
        return {error.kind for error in self.errors}

    @property
    def entity_types(self) -> set[str]:
        found = {span.type for span in spans(self.gold or ())}
        return found | {span.type for span in spans(self.pred or ())}


@dataclass(frozen=True)
class SentenceView:
    id: str
    clean: SideView
    perturbed: SideView | None = None
    edits: tuple[Edit, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.edits)

    def side(self, name: str) -> SideView | None:
        return self.clean if name == CLEAN else self.perturbed


@dataclass(frozen=True)
class DataCheck:
    """Whether the text read now is the text that was evaluated."""

    n_sentences: int
    clean_mismatch: int = 0
    perturbed_mismatch: int = 0
    missing: int = 0  # stored predictions whose sentence id is no longer in the data
    unpredicted: int = 0  # sentences read now with no stored prediction

    @property
    def ok(self) -> bool:
        return not (
            self.clean_mismatch or self.perturbed_mismatch or self.missing or self.unpredicted
        )

    def messages(self) -> list[str]:
        out = []
        if self.clean_mismatch:
            out.append(
                f"{self.clean_mismatch} of {self.n_sentences} test sentences differ from the "
                "ones this run was evaluated on (their content hash changed): the data "
                "directory changed since the evaluation. Their predictions are shown only "
                "where the token count still matches; re-evaluate the run to refresh them."
            )
        if self.perturbed_mismatch:
            out.append(
                f"{self.perturbed_mismatch} of {self.n_sentences} perturbed sentences could "
                "not be reproduced exactly (the perturbation's resources or code changed "
                "since the evaluation); re-evaluate the run to refresh them."
            )
        if self.missing:
            out.append(
                f"{self.missing} stored predictions name sentences that are no longer in "
                "the data directory."
            )
        if self.unpredicted:
            out.append(f"{self.unpredicted} sentences have no stored prediction.")
        return out


@dataclass(frozen=True)
class Exploration:
    perturbation: str
    views: tuple[SentenceView, ...]
    check: DataCheck

    @property
    def entity_types(self) -> list[str]:
        found: set[str] = set()
        for view in self.views:
            for side in (view.clean, view.perturbed):
                if side is not None:
                    found |= side.entity_types
        return sorted(found)


def tag_names(records: Iterable[Mapping[str, Any]], labels: Sequence[str]) -> dict[str, Any]:
    """Stored prediction records -> {sentence id: (hash, IOB2 tag names)}."""
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for record in records:
        ids = record["tags"]
        if any(not 0 <= i < len(labels) for i in ids):
            raise ValueError(
                f"prediction for {record['id']} has tag ids outside labels.json "
                f"({len(labels)} labels); the checkpoint is inconsistent - re-evaluate it"
            )
        out[str(record["id"])] = (str(record["hash"]), tuple(labels[i] for i in ids))
    return out


def _side(sentence: Sentence, stored: tuple[str, tuple[str, ...]] | None) -> SideView:
    if stored is None:
        return SideView(sentence.tokens, sentence.tags, None)
    stored_hash, pred = stored
    stale = stored_hash != sentence.hash
    if len(pred) != len(sentence.tokens):
        return SideView(sentence.tokens, sentence.tags, None, stale=True)
    errors: tuple[EntityError, ...] = ()
    if sentence.tags is not None:
        errors = tuple(sentence_errors(sentence.id, sentence.tags, pred))
    return SideView(sentence.tokens, sentence.tags, pred, errors, stale)


def join_views(
    gold: Sequence[Sentence],
    clean_preds: Mapping[str, tuple[str, tuple[str, ...]]],
    perturbed: Sequence[Perturbed] | None = None,
    perturbed_preds: Mapping[str, tuple[str, tuple[str, ...]]] | None = None,
    *,
    perturbation: str = CLEAN,
) -> Exploration:
    """Join gold sentences, their (optional) perturbed copies and the stored predictions
    (`tag_names` output) by sentence id; count every hash that does not match."""
    if perturbed is not None and len(perturbed) != len(gold):
        raise ValueError("perturbed must hold one entry per gold sentence")
    views = []
    clean_mismatch = perturbed_mismatch = unpredicted = 0
    for index, sentence in enumerate(gold):
        clean = _side(sentence, clean_preds.get(sentence.id))
        if sentence.id not in clean_preds:
            unpredicted += 1
        clean_mismatch += clean.stale
        other: SideView | None = None
        edits: tuple[Edit, ...] = ()
        if perturbed is not None:
            copy = perturbed[index]
            other = _side(copy.sentence, (perturbed_preds or {}).get(sentence.id))
            perturbed_mismatch += other.stale and not clean.stale
            edits = copy.edits
        views.append(SentenceView(sentence.id, clean, other, edits))
    known = {sentence.id for sentence in gold}
    check = DataCheck(
        n_sentences=len(gold),
        clean_mismatch=clean_mismatch,
        perturbed_mismatch=perturbed_mismatch,
        missing=sum(1 for key in clean_preds if key not in known),
        unpredicted=unpredicted,
    )
    return Exploration(perturbation, tuple(views), check)


def explore_run(
    run_dir: Path | str,
    evaluated: EvaluatedSet,
    *,
    data_dir: Path | None = None,
    resources: PerturbResources | None = None,
) -> Exploration:
    """Read the gold text, re-perturb it, and join the stored predictions of one run.

    Raises `XnerError` (from the loaders / the store) with a message saying what to
    provide when the data or the predictions are missing."""
    from xner.data.resolve import load_split
    from xner.store import read_config, read_labels, read_predictions

    config = read_config(run_dir)
    labels = read_labels(run_dir).labels
    dataset, lang, split = parse_test_set(evaluated.test_set)
    clean_records = read_predictions(run_dir, evaluated.test_set, CLEAN)
    # The evaluation read the first N sentences (EvalSettings.limit); read as many.
    gold = load_split(dataset, lang, split, data_dir=data_dir, limit=len(clean_records))
    clean_preds = tag_names(clean_records, labels)
    if evaluated.perturbation == CLEAN:
        return join_views(gold, clean_preds)
    perturbed_preds = tag_names(
        read_predictions(run_dir, evaluated.test_set, evaluated.perturbation), labels
    )
    if resources is None:
        resources = run_resources(config, data_dir)
    perturbed, _ = perturb_for_eval(gold, evaluated.perturbation, evaluated.seed, resources)
    return join_views(
        gold, clean_preds, perturbed, perturbed_preds, perturbation=evaluated.perturbation
    )


# ---------------------------------------------------------------------------
# Filtering and drawing


def filter_views(
    views: Iterable[SentenceView],
    *,
    kinds: Iterable[str] = (),
    types: Iterable[str] = (),
    changed_only: bool = False,
    side: str = "either",
) -> list[SentenceView]:
    """Sentences with an error of one of `kinds` (on `side`), an entity of one of `types`
    (gold or predicted, either side), changed by the perturbation when `changed_only`.
    Empty `kinds` / `types` mean no filter on them."""
    if side not in SIDES:
        raise ValueError(f"side must be one of {SIDES}, not {side!r}")
    wanted_kinds, wanted_types = set(kinds), set(types)
    out = []
    for view in views:
        if changed_only and not view.changed:
            continue
        sides = [view.clean, view.perturbed] if side == "either" else [view.side(side)]
        present = [s for s in sides if s is not None]
        if wanted_kinds and not any(s.error_kinds & wanted_kinds for s in present):
            continue
        everywhere = [s for s in (view.clean, view.perturbed) if s is not None]
        if wanted_types and not any(s.entity_types & wanted_types for s in everywhere):
            continue
        out.append(view)
    return out


def kind_counts(views: Iterable[SentenceView], side: str = "either") -> dict[str, int]:
    """How many sentences have each error kind (for the filter's labels)."""
    counts: dict[str, int] = {}
    for view in views:
        sides = [view.clean, view.perturbed] if side == "either" else [view.side(side)]
        kinds: set[str] = set()
        for s in sides:
            if s is not None:
                kinds |= s.error_kinds
        for kind in kinds:
            counts[kind] = counts.get(kind, 0) + 1
    return dict(sorted(counts.items()))


def _error_positions(errors: Iterable[EntityError]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for error in errors:
        for start, end in ((error.gold_start, error.gold_end), (error.pred_start, error.pred_end)):
            if start is None or end is None:
                continue
            for position in range(start, end):
                kinds = found.setdefault(position, [])
                if error.kind not in kinds:
                    kinds.append(error.kind)
    return found


def _edit_positions(edits: Iterable[Edit], side: str, n_tokens: int) -> dict[int, str]:
    """Token positions an edit touched on `side`. Positions are those of the step that
    made the edit; for compositions a later step that changes lengths can shift them
    slightly, so they are clipped to the sentence."""
    found: dict[int, str] = {}
    for edit in edits:
        note = f"{edit.kind}: {edit.old or '∅'} → {edit.new or '∅'}"
        if edit.detail:
            note += f" ({edit.detail})"
        if side == CLEAN:
            start = edit.old_position if edit.old_position >= 0 else edit.position
            length = edit.n_old
        else:
            start, length = edit.position, edit.n_new
        for position in range(start, min(start + length, n_tokens)):
            found[position] = note
    return found


def view_marks(view: SentenceView, side: str) -> TokenMarks:
    """What the token renderer should draw for one side of a sentence."""
    part = view.side(side)
    if part is None:
        raise ValueError(f"sentence {view.id} has no {side} side")
    return TokenMarks(
        gold=part.gold,
        pred=part.pred,
        errors=_error_positions(part.errors),
        edits=_edit_positions(view.edits, side, len(part.tokens)),
    )


# ---------------------------------------------------------------------------
# The playground: typed text

MAX_CHARS = 2000

# Scripts named by the first word of a letter's Unicode name ("ARABIC LETTER ALEF").
_SCRIPT_ALIASES = {"CJK": "Han", "HANGUL": "Hangul", "HIRAGANA": "Kana", "KATAKANA": "Kana"}


def scripts(text: str) -> list[str]:
    """The writing systems of the letters in `text`, most frequent first."""
    counts: dict[str, int] = {}
    for char in text:
        if not unicodedata.category(char).startswith("L"):
            continue
        name = unicodedata.name(char, "")
        if not name:
            continue
        first = name.split()[0]
        script = _SCRIPT_ALIASES.get(first, first.title())
        counts[script] = counts.get(script, 0) + 1
    return sorted(counts, key=lambda s: (-counts[s], s))


def has_emoji(text: str) -> bool:
    """Pictographic symbols (So) outside the Basic Multilingual Plane, or emoji joiners."""
    return any(
        (unicodedata.category(c) == "So" and ord(c) > 0x2000) or c in "\u200d\ufe0f" for c in text
    )


@dataclass(frozen=True)
class TextCheck:
    """Typed text after checking: what will be tagged, an error, or notes to show."""

    text: str
    error: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.error is None


def check_text(text: str | None, max_chars: int = MAX_CHARS) -> TextCheck:
    """Validate a typed sentence: empty -> error; too long -> cut with a note; emoji,
    control characters and mixed scripts -> notes (they are still tagged)."""
    raw = text or ""
    # Control characters (NUL, bells, stray escapes) would become tokens of their own.
    cleaned = "".join(
        c if unicodedata.category(c) not in ("Cc", "Cf") or c in "\n\t\u200d\u200c" else " "
        for c in raw
    )
    if not cleaned.strip():
        return TextCheck("", "Type a sentence first: the box is empty.")
    notes: list[str] = []
    if cleaned != raw:
        notes.append("Invisible control characters were replaced by spaces.")
    if len(cleaned) > max_chars:
        notes.append(
            f"The text has {len(cleaned):,} characters; only the first {max_chars:,} are "
            "tagged (the playground is for sentences - use the CLI for documents)."
        )
        cleaned = cleaned[:max_chars]
    if has_emoji(cleaned):
        notes.append(
            "Emoji are kept as tokens of their own; NER models trained on WikiANN have "
            "rarely seen them, so expect them to be tagged O."
        )
    found = scripts(cleaned)
    if len(found) > 1:
        notes.append(
            f"Mixed scripts ({', '.join(found)}): the model reads them all, but transfer is "
            "weakest where the script differs from the training language's."
        )
    if not found:
        notes.append("No letters found: numbers and symbols are rarely entities.")
    return TextCheck(cleaned.strip(), None, tuple(notes))


def text_sentence(
    tokens: Sequence[str], tags: Sequence[str] | None = None, *, lang: str = "", index: int = 0
) -> Sentence:
    """A typed sentence as a `Sentence` (tags: the ones to perturb around, often the
    model's own prediction)."""
    return Sentence(
        id=f"text/{index}",
        tokens=tuple(tokens),
        tags=None if tags is None else tuple(tags),
        lang=lang,
        dataset="text",
        split="text",
    )


@dataclass(frozen=True, slots=True)
class Entity:
    text: str
    type: str
    start: int
    end: int


def entities(tokens: Sequence[str], tags: Sequence[str]) -> list[Entity]:
    """The entity mentions a tag sequence marks, with their text."""
    return [Entity(" ".join(tokens[s.start : s.end]), s.type, s.start, s.end) for s in spans(tags)]


def token_ranges(n_tokens: int, edits: Sequence[Edit] = ()) -> list[tuple[int, int]]:
    """Where each of `n_tokens` original tokens is after the perturbation `edits` (in the
    order applied): `(start, end)` in the new sentence; a replaced token maps to the
    whole text that replaced it. Edits of one step are in sentence order; each step's
    positions count in that step's input."""
    ranges = [(i, i + 1) for i in range(n_tokens)]
    steps: list[list[Edit]] = []
    for found in edits:
        if (
            steps
            and steps[-1][-1].kind == found.kind
            and found.old_position > steps[-1][-1].old_position
        ):
            steps[-1].append(found)
        else:
            steps.append([found])
    for step in steps:
        shift: list[tuple[int, int, int, int]] = [
            (e.old_position, e.old_position + e.n_old, e.position, e.position + e.n_new)
            for e in step
        ]

        def moved(index: int, end: bool, shift=shift) -> int:
            offset = 0
            for old_start, old_end, new_start, new_end in shift:
                if index < old_start or (end and index == old_start):
                    break
                if index < old_end or (end and index == old_end):
                    return new_end if end else new_start
                offset = new_end - old_end
            return index + offset

        ranges = [(moved(start, False), moved(end, True)) for start, end in ranges]
    return ranges


def entity_diff(
    before: Sequence[Entity],
    after: Sequence[Entity],
    ranges: Sequence[tuple[int, int]] | None = None,
) -> dict[str, list[str]]:
    """Mentions matched by span, not by string: `before` mapped through `ranges` (from
    `token_ranges`; None: the same tokens) onto `after`. `kept`: same span and type
    (its text may have been replaced); `relabelled`: same span, another type; `lost`:
    no mention on that span any more; `new`: a mention on a span none had before."""

    def shown(entity: Entity) -> str:
        return f"{entity.text} ({entity.type})"

    def span(entity: Entity) -> tuple[int, int]:
        if ranges is None:
            return entity.start, entity.end
        return ranges[entity.start][0], ranges[entity.end - 1][1]

    later = {(e.start, e.end): e for e in after}
    matched: set[tuple[int, int]] = set()
    out: dict[str, list[str]] = {"lost": [], "new": [], "kept": [], "relabelled": []}
    for entity in before:
        where = span(entity)
        found = later.get(where)
        if found is None:
            out["lost"].append(shown(entity))
            continue
        matched.add(where)
        if found.type == entity.type:
            text = shown(entity) if found.text == entity.text else f"{shown(entity)} → {found.text}"
            out["kept"].append(text)
        else:
            out["relabelled"].append(f"{shown(entity)} → {found.type}")
    out["new"] = [shown(e) for key, e in later.items() if key not in matched]
    return out


def unchanged_message(kind: str, notes: Sequence[str]) -> str:
    """Why `kind` changed nothing on a typed sentence: the notes the perturbation left
    (e.g. concat needs two sentences), else the usual reasons."""
    if notes:
        return f"{kind} changed nothing here: " + "; ".join(dict.fromkeys(notes))
    return (
        f"{kind} changed nothing here (no eligible entity or word); try another seed, kind, "
        "or a sentence with more entities."
    )


# A made-up sentence per language for the Playground (names and places invented), so a
# checkpoint is first shown on its own language; others get the Breton one.
EXAMPLES: dict[str, str] = {
    "br": "Marie Kervella a labour evit Bank Armor e Roazhon .",
    "fa": "مریم رضوانی در شرکت پارس‌نو در شیراز کار می‌کند .",
    "ur": "عمران قادری لاہور میں نور بینک کے دفتر گئے ۔",
    "hi": "सुनीता वर्मा ने नवपुर में गंगा बैंक की शाखा खोली ।",
    "mr": "सीमा पाटील यांनी नागपूर येथे कृष्णा सहकारी बँकेत काम केले .",
    "ms": "Siti Rahmat bekerja di Bank Seri Maju di Kuala Tenang .",
    "af": "Anna Botha werk by Kaapse Bank in Stellenbosch .",
    "uk": "Олена Коваль працює в банку Світанок у Полтаві .",
    "az": "Leyla Məmmədova Gəncədə Xəzər Bankında işləyir .",
    "sk": "Jana Kováčová pracuje v Tatra Invest v Žiline .",
    "eu": "Miren Etxeberria Bilboko Itsaso Bankuan lan egiten du .",
    "cy": "Mae Siân Morgan yn gweithio i Fanc y Ddraig yng Nghaerdydd .",
    "sco": "Morag Baird wirks for the Clyde Bank in Glesga .",
    "ca": "Marta Puig treballa a Banc Llevant a Girona .",
    "oc": "Joana Vidal trabalha per la Banca d'Òc a Tolosa .",
    "scn": "Rusulia Greco travagghia pâ Banca Etna a Catania .",
    "an": "Chusé Pérez treballa en a Caixa d'Uesca en Uesca .",
    "ast": "Xuana Fernández trabaya en Bancu Cantábricu n'Uviéu .",
}
DEFAULT_EXAMPLE = "br"


def example_for(lang: str) -> str:
    """The Playground's first sentence for a checkpoint of `lang`."""
    return EXAMPLES.get(lang, EXAMPLES[DEFAULT_EXAMPLE])


def needs_reference(kind: str) -> bool:
    """Whether a perturbation (or a step of a composition) is measured against labelled
    training data (p1, p2: `reference`)."""
    return any(
        need.resource in (Resource.REFERENCE, Resource.HRL_TRAIN) and need.required
        for step in resolve_steps(kind)
        for need in get(step).needs
    )


def perturb_text(
    tokens: Sequence[str],
    tags: Sequence[str],
    kind: str,
    *,
    seed: int = 0,
    resources: PerturbResources | None = None,
    lang: str = "",
    backbone: str | None = None,
) -> Perturbed:
    """Perturb one typed sentence around the given tags (raises `PerturbError` with the
    reason when the kind needs what `resources` lack)."""
    # A model's own tags may open an entity with a stray I-; perturbations need valid
    # IOB2, so read them as conlleval does (I- after O opens an entity).
    sentence = text_sentence(tokens, repair_iob2(tags)[0], lang=lang)
    resources = (
        resources if resources is not None else PerturbResources(lang=lang, backbone=backbone)
    )
    if needs_reference(kind) and not resources.has(Resource.HRL_TRAIN):
        raise PerturbError(
            f"{kind} replaces what the model's training data has seen, so it needs the "
            "checkpoint pair's training data in the local data directory"
        )
    params: dict[str, Any] = {}
    declared = {p.name for step in resolve_steps(kind) for p in get(step).params}
    if "backbone" in declared and (backbone or resources.backbone):
        params["backbone"] = backbone or resources.backbone
    if "pool" in declared:
        # A typed sentence is a test set of one: p1 draws its replacements from the LRL
        # training data rather than from the sentence's own unseen mentions.
        params["pool"] = "lrl-train"
    return perturb([sentence], kind, seed=seed, resources=resources, params=params)[0]


def predict_tokens(model: Any, tokenizer: Any, tokens: Sequence[str], *, lang: str = "") -> Any:
    """Tag an already tokenised sentence (a perturbed one): one `Prediction`."""
    from xner.evaluate.predict import predict

    return predict(model, tokenizer, [text_sentence(tokens, lang=lang)], batch_size=1)[0]
