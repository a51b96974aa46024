"""`names`: entities replaced by names from another language's Faker locale (CheckList's
change-names, Srinivasan & Vajjala 2023), in the sentence's own script where possible.

Which locales serve a language (`names_plan`), in order:

1. `same-script`: locales of *other* languages written in the language's script
   (fa -> ar_SA; ar -> fa_IR; ru -> uk_UA, bg_BG, mk_MK; hi -> mr_IN, ne_NP; Latin-script
   languages -> a diverse set of Latin locales minus their own).
2. `own-locale`: no other language's locale shares the script (el, he, bn, gu, ta, ka,
   ko): names from the language's own locale, still new names in the right script.
3. `latin`: no locale at all in the script (ml, te, pa, my, ...): Latin-script names
   from other languages' locales, as foreign names often appear untransliterated.

Tiers 2 and 3 are documented fallbacks, recorded in `PerturbResources.notes` (the command line
prints them); `strict=true` turns them into a clear error instead. `locale=xx_YY,...`
picks locales by hand. Generated names whose letters are not all in the locale's
script are dropped (some Faker locales mix in English words). Names are tokenised by
whitespace and punctuation; zh/ja, whose PAN-X tokens are characters, per character.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import regex

from xner.data.records import Sentence
from xner.perturb.base import mention_replacer
from xner.perturb.entities import RATE, parse_types
from xner.perturb.resources import PerturbResources
from xner.perturb.spec import Need, ParamSpec, PerturbationSpec, PerturbError, Resource, register

# The script of each language xner knows (PAN-X's 47 and the pairs' hub-only ones).
LANG_SCRIPT: dict[str, str] = {
    **dict.fromkeys(
        [
            "af",
            "az",
            "de",
            "en",
            "es",
            "et",
            "eu",
            "fi",
            "fr",
            "hu",
            "id",
            "it",
            "jv",
            "lt",
            "ms",
            "nl",
            "pl",
            "pt",
            "qu",
            "ro",
            "sw",
            "tl",
            "tr",
            "vi",
            "yo",
            "br",
            "sco",
            "cy",
            "ca",
            "cs",
            "oc",
            "scn",
            "an",
            "ast",
            "sk",
        ],
        "LATIN",
    ),
    **dict.fromkeys(["ar", "fa", "ur"], "ARABIC"),
    **dict.fromkeys(["bg", "kk", "ru", "uk"], "CYRILLIC"),
    **dict.fromkeys(["hi", "mr"], "DEVANAGARI"),
    "bn": "BENGALI",
    "el": "GREEK",
    "gu": "GUJARATI",
    "he": "HEBREW",
    "ja": "CJK",
    "zh": "CJK",
    "ka": "GEORGIAN",
    "ko": "HANGUL",
    "ml": "MALAYALAM",
    "my": "MYANMAR",
    "pa": "GURMUKHI",
    "ta": "TAMIL",
    "te": "TELUGU",
}

# Faker locales that produce names in their own language and script, by script
# (checked with faker 40.54; e.g. ar_AE or el_CY only alias English and are left out).
SCRIPT_LOCALES: dict[str, tuple[str, ...]] = {
    "LATIN": (
        "en_US",
        "de_DE",
        "es_ES",
        "fr_FR",
        "it_IT",
        "nl_NL",
        "pl_PL",
        "pt_BR",
        "tr_TR",
        "fi_FI",
        "hu_HU",
        "cs_CZ",
        "sk_SK",
        "id_ID",
        "vi_VN",
        "sv_SE",
        "ro_RO",
        "lt_LT",
        "az_AZ",
        "et_EE",
        "sw",
        "yo_NG",
    ),
    "ARABIC": ("ar_SA", "fa_IR"),
    "CYRILLIC": ("ru_RU", "uk_UA", "bg_BG", "mk_MK"),
    "DEVANAGARI": ("hi_IN", "mr_IN", "ne_NP"),
    "CJK": ("zh_CN", "zh_TW", "ja_JP"),
    "BENGALI": ("bn_BD",),
    "GREEK": ("el_GR",),
    "GUJARATI": ("gu_IN",),
    "HEBREW": ("he_IL",),
    "GEORGIAN": ("ka_GE",),
    "HANGUL": ("ko_KR",),
    "TAMIL": ("ta_IN",),
}
LATIN_FALLBACK = ("en_US", "de_DE", "es_ES", "fr_FR", "tr_TR", "vi_VN", "sw", "yo_NG")
CHAR_TOKENISED = frozenset({"zh", "ja"})
_SCRIPT_GROUP = {"HIRAGANA": "CJK", "KATAKANA": "CJK"}


def locale_lang(locale: str) -> str:
    return locale.split("_")[0]


def char_script(ch: str) -> str:
    """The script of a letter, from its Unicode name (`"LATIN"`, `"ARABIC"`, `"CJK"`...)."""
    name = unicodedata.name(ch, "")
    first = name.split(" ", 1)[0] if name else ""
    return _SCRIPT_GROUP.get(first, first)


def script_counts(texts: Iterable[str]) -> dict[str, int]:
    """How many letters of `texts` each script (`char_script`) has."""
    counts: dict[str, int] = {}
    for text in texts:
        for ch in text:
            if ch.isalpha():
                script = char_script(ch)
                counts[script] = counts.get(script, 0) + 1
    return counts


def text_script(texts: Iterable[str]) -> str | None:
    """The most common script of the letters in `texts` (None when there are none)."""
    counts = script_counts(texts)
    return max(counts, key=lambda s: counts[s]) if counts else None


@dataclass(frozen=True)
class NamesPlan:
    """Where `names` takes its names for one language, and why."""

    lang: str
    script: str | None
    locales: tuple[str, ...]
    tier: str  # "same-script" | "own-locale" | "latin" | "chosen"
    message: str


def names_plan(lang: str, sample: Iterable[str] = (), locale: str = "auto") -> NamesPlan:
    """The locales that serve `lang` (see the module docstring). `sample` tokens give
    the script of a language missing from `LANG_SCRIPT`."""
    script = LANG_SCRIPT.get(lang) or text_script(sample)
    if locale != "auto":
        chosen = tuple(x.strip() for x in locale.split(",") if x.strip())
        _check_locales(chosen)
        return NamesPlan(lang, script, chosen, "chosen", f"names for {lang}: locales {chosen}")
    in_script = SCRIPT_LOCALES.get(script or "", ())
    others = tuple(x for x in in_script if locale_lang(x) != lang)
    if others:
        return NamesPlan(
            lang,
            script,
            others,
            "same-script",
            f"names for {lang}: other languages' {script} locales {', '.join(others)}",
        )
    if in_script:
        return NamesPlan(
            lang,
            script,
            in_script,
            "own-locale",
            f"names for {lang}: no other language's Faker locale writes {script}; "
            f"fallback to its own locale {', '.join(in_script)}",
        )
    latin = tuple(x for x in LATIN_FALLBACK if locale_lang(x) != lang)
    return NamesPlan(
        lang,
        script,
        latin,
        "latin",
        f"names for {lang}: Faker has no locale in the {script or 'unknown'} script; "
        f"fallback to Latin-script names from {', '.join(latin)}",
    )


def _check_locales(locales: Sequence[str]) -> None:
    from faker.config import AVAILABLE_LOCALES

    unknown = [x for x in locales if x not in AVAILABLE_LOCALES]
    if unknown or not locales:
        raise PerturbError(
            f"names: unknown Faker locale(s) {unknown or locales}; available: "
            f"{', '.join(AVAILABLE_LOCALES)}"
        )


def locale_table(langs: Iterable[str] | None = None) -> list[dict[str, str]]:
    """One row per language: script, serving locales, tier (for docs and `--list`)."""
    rows = []
    for lang in sorted(langs or LANG_SCRIPT):
        plan = names_plan(lang)
        rows.append(
            {
                "lang": lang,
                "script": plan.script or "?",
                "tier": plan.tier,
                "locales": ", ".join(plan.locales),
            }
        )
    return rows


_TOKEN = regex.compile(
    r"[\p{L}\p{M}\p{N}\u200c\u200d]+(?:[-'’.][\p{L}\p{M}\p{N}\u200c\u200d]+)*\.?|\S"
)


def tokenise_name(text: str, lang: str) -> tuple[str, ...]:
    if lang in CHAR_TOKENISED:
        return tuple(ch for ch in text if not ch.isspace())
    return tuple(_TOKEN.findall(text))


def _in_script(text: str, script: str) -> bool:
    return all(char_script(ch) == script for ch in text if ch.isalpha())


_GENERATORS: dict[str, tuple[str, ...]] = {
    "PER": ("person",),
    "LOC": ("city_name", "city", "administrative_unit", "country"),
    "ORG": ("company",),
}


def _generate(fake: Any, method: str, script: str) -> str:
    if method == "person":
        if script in ("CJK", "HANGUL"):
            return fake.last_name() + fake.first_name()
        return f"{fake.first_name()} {fake.last_name()}"
    return getattr(fake, method)()


def _hash_free(fake: Any) -> Any:
    """`fake` with its providers' word lists in a fixed order. Some build a list from a set
    (it_IT's `cities`), whose order follows PYTHONHASHSEED; sorted, a seed draws the same
    names in every process."""
    for provider in fake.get_providers():
        for name, value in vars(type(provider)).items():
            if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                setattr(provider, name, sorted(value))
    return fake


def name_pools(
    locales: Sequence[str], types: Iterable[str], lang: str, seed: int, size: int
) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """Per type, up to `size` distinct generated names `(tokens, locale)` whose letters
    are all in the locale's script (PER: first + last name; LOC: city, else region, else
    country; ORG: company; other types: person names)."""
    try:
        from faker import Faker
    except ImportError:
        raise PerturbError("names needs Faker: pip install faker==40.54.0") from None
    pools: dict[str, dict[tuple[str, ...], str]] = {t: {} for t in types}
    per_locale = max(1, size // max(1, len(locales)))
    for number, locale in enumerate(locales):
        fake = _hash_free(Faker(locale))
        fake.seed_instance(seed * 1000 + number)
        script = text_script(fake.first_name() for _ in range(5)) or "LATIN"
        for entity_type, found in pools.items():
            kept = 0
            for method in _GENERATORS.get(entity_type, _GENERATORS["PER"]):
                for _ in range(per_locale * 2):
                    try:
                        text = _generate(fake, method, script)
                    except AttributeError:  # this locale lacks the provider
                        break
                    if not _in_script(text, script):
                        continue
                    tokens = tokenise_name(text, lang)
                    if tokens and tokens not in found:
                        found[tokens] = locale
                        kept += 1
                        if kept >= per_locale:
                            break
                if kept >= per_locale:
                    break
    return {t: list(found.items()) for t, found in pools.items()}


def _prepare_names(
    sentences: Sequence[Sentence],
    resources: PerturbResources,
    params: Mapping[str, Any],
    seed: int,
    kind: str,
):
    types = parse_types(params["types"]) or frozenset({"PER", "LOC", "ORG"})
    rate = params["rate"]
    by_lang: dict[str, dict[str, list]] = {}
    langs = sorted({s.lang for s in sentences})
    for lang in langs:
        sample = [t for s in sentences[:200] if s.lang == lang for t in s.tokens]
        plan = names_plan(lang, sample, params["locale"])
        if plan.tier in ("own-locale", "latin"):
            if params["strict"]:
                raise PerturbError(
                    plan.message + ". Pass strict=false to accept the fallback, or "
                    "locale=xx_YY to choose locales."
                )
            if plan.message not in resources.notes:
                resources.notes.append(plan.message)
        key = ("names-pool", plan.locales, tuple(sorted(types)), lang, seed, params["pool_size"])
        if key not in resources.memo:
            resources.memo[key] = name_pools(
                plan.locales, sorted(types), lang, seed, params["pool_size"]
            )
        pools = resources.memo[key]
        empty = sorted(t for t in types if not pools.get(t))
        own = tuple(x for x in SCRIPT_LOCALES.get(plan.script or "", ()) if x not in plan.locales)
        if empty and own and plan.tier != "chosen":
            extra = name_pools(own, empty, lang, seed, params["pool_size"])
            pools = {**pools, **{t: extra[t] for t in empty if extra.get(t)}}
            resources.notes.append(
                f"names for {lang}: {', '.join(plan.locales)} give no {'/'.join(empty)} in "
                f"{plan.script}; those come from {', '.join(own)}"
            )
        by_lang[lang] = pools

    def choose(sentence: Sentence, start: int, end: int, entity_type: str, rng: random.Random):
        if entity_type not in types:
            return None
        pool = by_lang[sentence.lang].get(entity_type)
        if not pool or (rate < 1.0 and rng.random() >= rate):
            return None
        new, locale = pool[rng.randrange(len(pool))]
        if new == sentence.tokens[start:end]:
            return None
        return start, end, new, entity_type, locale

    return mention_replacer(kind, choose)


register(
    PerturbationSpec(
        name="names",
        description=(
            "Foreign names (CheckList change-names): person names, places and organisations "
            "are replaced by Faker-generated ones from other languages' locales in the same "
            "script (documented fallbacks where none exists)."
        ),
        params=(
            RATE,
            ParamSpec(
                "types",
                "str",
                "PER,LOC,ORG",
                "entity types to replace (PER: names, LOC: cities, ORG: companies)",
            ),
            ParamSpec("locale", "str", "auto", "auto, or comma-separated Faker locales"),
            ParamSpec("strict", "bool", False, "fail instead of using a fallback locale"),
            ParamSpec("pool_size", "int", 400, "names generated per type", min=1, max=100000),
        ),
        needs=(Need(Resource.NAME_SOURCE, why="Faker locales"),),
        prepare=_prepare_names,
        source="CheckList; Srinivasan & Vajjala 2023",
    )
)
