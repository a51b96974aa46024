"""The Explorer's back end: a run's stored predictions joined back to their text.

Checkpoints store predictions as tag ids keyed by sentence id and content hash, never the
text (`xner.runs.records`). The explorer reads the gold text again from the data directory,
re-runs the stored perturbation with the stored seed (perturbations are deterministic),
checks both against the stored hashes, and joins everything into `SentenceView`s that
the page filters and draws. Beyond the tokens it says which predicted entities a
perturbation kept, lost, added or relabelled (`xner.app.views.entity_diff`), and
whether a sentence's gold mentions were seen in the model's training data (the slices'
test, `xner.evaluate.slices`).

Everything here is a plain function over plain records, tested without Streamlit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xner.app.views import SentenceView, SideView, entities, entity_diff, token_ranges
from xner.data.records import Sentence
from xner.data.tags import spans
from xner.evaluate.errors import EntityError, sentence_errors
from xner.evaluate.runner import perturb_for_eval, run_resources
from xner.evaluate.slices import SLICES, SliceSpec, get_slice, is_seen
from xner.perturb.resources import PerturbResources
from xner.perturb.spec import Edit, Perturbed
from xner.runs.layout import CLEAN, eval_files
from xner.runs.records import EvalRecord

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
    from xner.runs.checkpoint import read_config, read_labels
    from xner.runs.records import read_predictions

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
# Filtering


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


# ---------------------------------------------------------------------------
# What a perturbation did to the predicted entities

DIFF_KINDS = ("kept", "lost", "new", "relabelled")
ANY = "any"


@dataclass(frozen=True)
class EntityChanges:
    """Predicted entities of one sentence, clean against perturbed."""

    kept: tuple[str, ...] = ()
    lost: tuple[str, ...] = ()
    new: tuple[str, ...] = ()
    relabelled: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        return {kind: len(getattr(self, kind)) for kind in DIFF_KINDS}

    def line(self) -> str:
        """One line for the page: counts, and the mentions that changed."""
        parts = []
        for kind in DIFF_KINDS:
            found = getattr(self, kind)
            text = f"{kind} {len(found)}"
            if found and kind != "kept":
                text += f" ({', '.join(found)})"
            parts.append(text)
        return " · ".join(parts)


def entity_changes(view: SentenceView) -> EntityChanges | None:
    """How the prediction's entities changed from the clean sentence to its perturbed
    copy; None when the sentence was not changed or a side has no prediction."""
    clean, perturbed = view.clean, view.perturbed
    if not view.changed or perturbed is None or clean.pred is None or perturbed.pred is None:
        return None
    found = entity_diff(
        entities(clean.tokens, clean.pred),
        entities(perturbed.tokens, perturbed.pred),
        token_ranges(len(clean.tokens), view.edits),
    )
    return EntityChanges(**{kind: tuple(found[kind]) for kind in DIFF_KINDS})


def change_counts(views: Iterable[SentenceView]) -> tuple[dict[str, int], int]:
    """Kept / lost / new / relabelled entities summed over the changed sentences, and
    how many changed sentences with predictions there were."""
    total = dict.fromkeys(DIFF_KINDS, 0)
    sentences = 0
    for view in views:
        changes = entity_changes(view)
        if changes is None:
            continue
        sentences += 1
        for kind, n in changes.counts().items():
            total[kind] += n
    return total, sentences


# ---------------------------------------------------------------------------
# Seen / unseen gold mentions


def slice_choices(references: Iterable[str]) -> list[str]:
    """`any`, then the declared slices whose reference is available."""
    available = set(references)
    return [ANY, *(spec.name for spec in SLICES if spec.reference in available)]


def has_mention_in(
    view: SentenceView, spec: SliceSpec, mentions: frozenset[tuple[str, ...]], side: str
) -> bool:
    """Whether a gold mention of the sentence (on `side`: clean, perturbed or either)
    falls in the slice: seen (or unseen) in the slice's reference data."""
    sides = [view.clean, view.perturbed] if side == "either" else [view.side(side)]
    for part in sides:
        if part is None or part.gold is None:
            continue
        for span in spans(part.gold):
            if is_seen(part.tokens, span.start, span.end, mentions) == spec.seen:
                return True
    return False


def filter_slice(
    views: Iterable[SentenceView],
    name: str,
    mentions_by_reference: Mapping[str, frozenset[tuple[str, ...]]],
    side: str = "either",
) -> list[SentenceView]:
    """The sentences with a gold mention in slice `name` (`any`: all of them)."""
    if name == ANY:
        return list(views)
    spec = get_slice(name)
    mentions = mentions_by_reference[spec.reference]
    return [view for view in views if has_mention_in(view, spec, mentions, side)]
