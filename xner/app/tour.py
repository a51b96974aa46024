"""The teaching tour: a step-by-step walk through transfer, perturbations and overlap.

Its example sentences were written for this project (none comes from WikiANN or any
other data set), in several languages and scripts, with gold IOB2 tags. They are data:
the page only walks through `STEPS` and draws what `run_example` returns. Perturbations
run live on them; kinds that need an HRL corpus (p1) get a tiny `PerturbResources` built from
the tour's own sentences of the same pair.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from xner.data.records import Sentence
from xner.perturb.base import perturb
from xner.perturb.overlap import OverlapStats, overlap_stats
from xner.perturb.resources import PerturbResources
from xner.perturb.spec import Perturbed, get, resolve_steps


@dataclass(frozen=True)
class TourSentence:
    """One invented example: `role` says which side of its pair it stands on."""

    key: str
    lang: str
    language: str
    pair: str  # HRL-LRL
    role: str  # "hrl" | "lrl"
    tokens: tuple[str, ...]
    tags: tuple[str, ...]
    gloss: str  # an English rendering, for readers who do not read the script

    def sentence(self) -> Sentence:
        return Sentence(
            id=f"tour/{self.lang}/{self.key}",
            tokens=self.tokens,
            tags=self.tags,
            lang=self.lang,
            dataset="tour",
            split=self.role,
        )


def _s(key: str, lang: str, language: str, pair: str, role: str, text: str, gloss: str):
    """Build a sentence from `token/TAG` words (untagged words are O) - easier to proofread
    than two parallel lists."""
    tokens, tags = [], []
    for word in text.split():
        token, _, tag = word.rpartition("/") if "/" in word[1:] else (word, "", "O")
        tokens.append(token)
        tags.append(tag)
    return TourSentence(key, lang, language, pair, role, tuple(tokens), tuple(tags), gloss)


SENTENCES: tuple[TourSentence, ...] = (
    _s(
        "fr-bank",
        "fr",
        "French",
        "fr-br",
        "hrl",
        "Marie/B-PER Kervella/I-PER travaille pour la Banque/B-ORG Armor/I-ORG à Rennes/B-LOC .",
        "Marie Kervella works for the Armor Bank in Rennes.",
    ),
    _s(
        "fr-port",
        "fr",
        "French",
        "fr-br",
        "hrl",
        "Le maire Yann/B-PER Morvan/I-PER visite le port de Brest/B-LOC .",
        "Mayor Yann Morvan visits the port of Brest.",
    ),
    _s(
        "br-bank",
        "br",
        "Breton",
        "fr-br",
        "lrl",
        "Marie/B-PER Kervella/I-PER a labour evit Bank/B-ORG Armor/I-ORG e Roazhon/B-LOC .",
        "Marie Kervella works for Armor Bank in Rennes (Roazhon in Breton).",
    ),
    _s(
        "br-home",
        "br",
        "Breton",
        "fr-br",
        "lrl",
        "Yann/B-PER Morvan/I-PER a zo o chom e Brest/B-LOC gant Anna/B-PER .",
        "Yann Morvan lives in Brest with Anna.",
    ),
    _s(
        "ar-visit",
        "ar",
        "Arabic",
        "ar-fa",
        "hrl",
        "زار أحمد/B-PER الصالح/I-PER مدينة دمشق/B-LOC مع فريق شركة/B-ORG نور/I-ORG",
        "Ahmad al-Salih visited the city of Damascus with a team from the Nour company.",
    ),
    _s(
        "fa-home",
        "fa",
        "Persian",
        "ar-fa",
        "lrl",
        "احمد/B-PER الصالح/I-PER در دمشق/B-LOC زندگی می‌کند",
        "Ahmad al-Salih lives in Damascus.",
    ),
    _s(
        "fa-latin",
        "fa",
        "Persian",
        "ar-fa",
        "lrl",
        "او در شرکت Nour/B-ORG Tech/I-ORG در شیراز/B-LOC کار می‌کند",
        "She works at Nour Tech in Shiraz (a Latin name inside right-to-left text).",
    ),
    _s(
        "hi-branch",
        "hi",
        "Hindi",
        "ar-hi",
        "lrl",
        "सीमा/B-PER वर्मा/I-PER ने जयपुर/B-LOC में नीलम/B-ORG बैंक/I-ORG की नई शाखा खोली ।",
        "Seema Verma opened a new branch of Neelam Bank in Jaipur.",
    ),
    _s(
        "ru-meeting",
        "ru",
        "Russian",
        "ru-uk",
        "hrl",
        "Ольга/B-PER Петренко/I-PER приехала в Харьков/B-LOC на встречу с компанией "
        "Светлояр/B-ORG .",
        "Olha Petrenko came to Kharkiv for a meeting with the Svitloiar company.",
    ),
    _s(
        "uk-meeting",
        "uk",
        "Ukrainian",
        "ru-uk",
        "lrl",
        "Ольга/B-PER Петренко/I-PER приїхала до Полтави/B-LOC на зустріч з компанією "
        "Світлояр/B-ORG .",
        "Olha Petrenko came to Poltava for a meeting with the Svitloiar company.",
    ),
    _s(
        "uk-cafe",
        "uk",
        "Ukrainian",
        "ru-uk",
        "lrl",
        "Тарас/B-PER Коваль/I-PER відкрив кав'ярню в Ужгороді/B-LOC .",
        "Taras Koval opened a cafe in Uzhhorod.",
    ),
)

BY_KEY: Mapping[str, TourSentence] = {s.key: s for s in SENTENCES}


@dataclass(frozen=True)
class TourExample:
    """A sentence to show in a step, optionally perturbed live by `perturbation`."""

    sentence: str  # a key of BY_KEY
    perturbation: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TourStep:
    key: str
    title: str
    body: str  # markdown
    examples: tuple[TourExample, ...] = ()
    overlap_pair: str | None = None  # show the tour's own overlap numbers for this pair
    try_kinds: tuple[str, ...] = ()  # perturbations the reader may switch between
    chart: bool = False  # show a drop heatmap from the evaluated runs (`example_drops`)


STEPS: tuple[TourStep, ...] = (
    TourStep(
        "ner",
        "1. Named entities",
        "A **named-entity recogniser** marks the words that name a **person (PER)**, an "
        "**organisation (ORG)** or a **location (LOC)**. Each word gets a tag: `B-` opens an "
        "entity, `I-` continues it, `O` is outside any entity (the IOB2 scheme).\n\n"
        "Below, the coloured underline is the **gold** answer a person wrote down. Hover a "
        "word to see its tag.",
        (TourExample("fr-bank"), TourExample("ar-visit"), TourExample("hi-branch")),
    ),
    TourStep(
        "transfer",
        "2. What cross-lingual transfer is",
        "Labelled data exists for a few **high-resource languages (HRL)** such as French, "
        "and barely for **lower-resource languages (LRL)** such as Breton. **Transfer**: "
        "fine-tune a multilingual encoder on the HRL only, then tag the LRL with it. It "
        "works best when the languages are related - they share words, spelling and, "
        "above all, *names*.\n\n"
        "The French sentence is training data; the Breton one is what the model must tag "
        "without ever having seen Breton labels. Notice how many names they share.",
        (
            TourExample("fr-bank"),
            TourExample("br-bank"),
            TourExample("fr-port"),
            TourExample("br-home"),
        ),
    ),
    TourStep(
        "perturbation",
        "3. What a perturbation does",
        "A **perturbation** changes a test sentence while keeping its gold tags true, to "
        "ask: *does the model still find the entities?* Masking hides entity words, typos "
        "add character noise, case changes capitalisation - a cue many models lean on.\n\n"
        "The first line is the clean sentence, the second the perturbed one; edited words "
        "have an orange bar above them (hover for what changed). Pick another kind or "
        "re-draw the random choices.",
        (TourExample("uk-meeting", "mask"), TourExample("fa-home", "typos", {"rate": 0.5})),
        try_kinds=("mask", "typos", "case", "names"),
    ),
    TourStep(
        "overlap",
        "4. Why overlap matters",
        "Part of what transfers is plain memory: an LRL entity that already occurs in the "
        "HRL training data (*Damascus* in both Arabic and Persian) is easy. The paper's "
        "**p1** perturbation replaces exactly those *shared* entity mentions with LRL "
        "mentions the HRL data never had - so the drop under p1 measures how much a model "
        "relied on overlap.\n\n"
        "Here the HRL training data is the tour's one Arabic sentence. The Hindi sentence "
        "belongs to the **control pair** ar→hi: a different script, so nothing overlaps "
        "and p1 has nothing to replace.",
        (
            TourExample("fa-home", "p1"),
            TourExample("uk-meeting", "p1"),
            TourExample("hi-branch", "p1"),
        ),
        overlap_pair="ar-fa",
    ),
    TourStep(
        "scripts",
        "5. Scripts and direction",
        "Persian, Arabic, Urdu and Hebrew run right to left; names inside them may be in "
        "Latin letters. Each word here is isolated for the bidirectional algorithm, so "
        "the sentence keeps its order. The **names** perturbation swaps entities for "
        "names from another language in the same script (CheckList's idea): a model that "
        "learnt *words* rather than *contexts* stumbles.",
        (TourExample("fa-latin", "names"), TourExample("hi-branch", "names")),
        try_kinds=("names", "case", "typos", "mask"),
    ),
    TourStep(
        "charts",
        "6. How to read the charts",
        "- **F1** combines precision (found entities that are right) and recall (right "
        "entities that are found); *strict* F1 needs the exact span and type.\n"
        "- The **degradation** chart shows, per pair, clean F1 against perturbed F1; the "
        "drop comes with a bootstrap interval (paired resampling of sentences). An "
        "interval that crosses zero is no evidence of a drop.\n"
        "- **Errors** split what went wrong: *missed* (no prediction), *spurious* (a "
        "prediction where there is no entity), *wrong type* (right span, wrong type), "
        "*boundary* (right type, wrong span).\n\n"
        "In the sentence views, background colour is the **prediction**, the underline "
        "is **gold**, a dashed red box is an **error**. The sentence explorer lists a "
        "run's sentences by these error kinds; the playground tags what you type.\n\n"
        "Below, one pair's drops from this project's runs, as the degradation page draws "
        "them: a row per setting, a column per perturbation, the drop in F1 points "
        "(red: worse when perturbed), `*` where the paired bootstrap calls it "
        "significant, and under it the share of test sentences the perturbation changed.",
        (),
        chart=True,
    ),
)


def tour_resources(pair: str) -> PerturbResources:
    """Perturbation inputs from the tour's own sentences of `pair` (tiny, but enough for
    p1 to know which entities the 'HRL training data' has seen)."""
    _, lrl = pair.split("-", 1)
    own = [s for s in SENTENCES if s.pair == pair]
    hrl = [s.sentence() for s in own if s.role == "hrl"]
    return PerturbResources(
        hrl_train=hrl,
        # The tour tells the transfer story: the model's own training data is the HRL's.
        own_train=hrl,
        own_describes="the tour's HRL sentences",
        lrl_train=[s.sentence() for s in own if s.role == "lrl"],
        lrl_text=[],
        lang=lrl,
        pair=pair,
    )


def run_example(example: TourExample, kind: str | None = None, seed: int = 0) -> Perturbed | None:
    """The example's sentence perturbed by `kind` (default: the example's own), or None
    when the example is shown clean."""
    chosen = kind or example.perturbation
    if chosen is None:
        return None
    entry = BY_KEY[example.sentence]
    params = dict(example.params) if chosen == example.perturbation else {}
    if "pool" in {p.name for step in resolve_steps(chosen) for p in get(step).params}:
        # One sentence is a test set of one: draw p1's replacements from the LRL sentences.
        params.setdefault("pool", "lrl-train")
    return perturb(
        [entry.sentence()],
        chosen,
        seed=seed,
        resources=tour_resources(entry.pair),
        params=params or None,
    )[0]


def tour_overlap(pair: str) -> OverlapStats:
    """How much of the tour's LRL sentences of `pair` its HRL sentences have seen."""
    own = [s for s in SENTENCES if s.pair == pair]
    return overlap_stats(
        [s.sentence() for s in own if s.role == "hrl"],
        [s.sentence() for s in own if s.role == "lrl"],
    )


def clamp_step(step: int) -> int:
    """A step index kept inside the tour (session state may hold a stale one)."""
    return max(0, min(int(step), len(STEPS) - 1))


# ---------------------------------------------------------------------------
# A real chart and a real model


TOUR_PAIR = "ar-fa"  # the pair the tour's examples dwell on


def example_drops(table: Any) -> tuple[str, Any, Any, Any]:
    """Step 6's heatmap from the results table (`xner.analysis.table.load_results`): one pair
    (`TOUR_PAIR` where evaluated, else the first), the main pretrained backbone, the
    kinds read against each model's own data. Returns (title, drops, coverage,
    significance) matrices; empty matrices when nothing is evaluated."""
    import pandas as pd

    from xner.analysis.table import filter_results, options
    from xner.analysis.views import coverage_matrix, drop_matrix, in_reading, main_backbone

    if table.empty:
        return "", pd.DataFrame(), pd.DataFrame(), pd.DataFrame()
    pairs = options(table, "pair")
    pair = TOUR_PAIR if TOUR_PAIR in pairs else pairs[0]
    backbone = main_backbone(table) or options(table, "backbone")[0]
    kinds = in_reading([p for p in options(table, "perturbation") if p != "clean"], "own")
    chosen = filter_results(table, backbones=[backbone], pairs=[pair])
    chosen = chosen[chosen["perturbation"].isin(["clean", *kinds])]
    title = f"F1 drop, {pair.replace('-', '→')}, {backbone} (strict, micro)"
    return (
        title,
        drop_matrix(chosen),
        coverage_matrix(chosen),
        coverage_matrix(chosen, share="significant"),
    )


def default_checkpoint(runs: Sequence[tuple[str, str, str]], pair: str = TOUR_PAIR) -> int:
    """Which of `runs` ((path, pair, setting)) the tour predicts with first: a transfer
    run of `pair` (the tour's story), else any run of `pair`, else the first."""
    for wanted in ((pair, "transfer"), (pair, None)):
        for index, (_, run_pair, setting) in enumerate(runs):
            if run_pair == wanted[0] and wanted[1] in (None, setting):
                return index
    return 0
