"""The Playground's back end: check typed text, perturb it, tag it with a checkpoint.

A typed sentence has no gold tags, so it is perturbed around the model's own prediction;
and it is a test set of one, so a few parameters come from the checkpoint rather than
the reader (`FIXED`). Plain functions, tested without Streamlit.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from xner.data.records import Sentence
from xner.data.tags import repair_iob2
from xner.perturb.base import perturb
from xner.perturb.names import script_counts
from xner.perturb.resources import PerturbResources
from xner.perturb.spec import Perturbed, PerturbError, Resource, get, resolve_steps

MAX_CHARS = 2000


def scripts(text: str) -> list[str]:
    """The writing systems of the letters in `text` (as the `names` perturbation reads
    them: CJK holds Han and kana), most frequent first."""
    counts = {
        ("CJK" if script == "CJK" else script.title()): n
        for script, n in script_counts([text]).items()
        if script
    }
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


# Parameters the Playground sets from the checkpoint rather than by hand: a typed
# sentence is a test set of one, so p1 draws replacements from the LRL training data
# (not from the sentence's own unseen mentions), and p2 reads words with the
# checkpoint's own backbone.
FIXED = ("pool", "backbone")


def fixed_params(kind: str, backbone: str | None) -> dict[str, Any]:
    """The `FIXED` parameters `kind` (or a step of it) declares, as the checkpoint sets them."""
    declared = {p.name for step in resolve_steps(kind) for p in get(step).params}
    fixed: dict[str, Any] = {}
    if "pool" in declared:
        fixed["pool"] = "lrl-train"
    if "backbone" in declared and backbone:
        fixed["backbone"] = backbone
    return fixed


def perturb_text(
    tokens: Sequence[str],
    tags: Sequence[str],
    kind: str,
    *,
    seed: int = 0,
    resources: PerturbResources | None = None,
    lang: str = "",
    backbone: str | None = None,
    params: Mapping[str, Any] | None = None,
) -> Perturbed:
    """Perturb one typed sentence around the given tags with `params` (the reader's;
    `FIXED` ones are set from the checkpoint, the rest default to their declaration).
    Raises `PerturbError` with the reason when the kind needs what `resources` lack."""
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
    chosen = {k: v for k, v in (params or {}).items() if k not in FIXED}
    everything = {**chosen, **fixed_params(kind, backbone or resources.backbone)}
    return perturb([sentence], kind, seed=seed, resources=resources, params=everything)[0]


def predict_tokens(model: Any, tokenizer: Any, tokens: Sequence[str], *, lang: str = "") -> Any:
    """Tag an already tokenised sentence (a perturbed one): one `Prediction`."""
    from xner.evaluate.predict import predict

    return predict(model, tokenizer, [text_sentence(tokens, lang=lang)], batch_size=1)[0]
