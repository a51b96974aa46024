"""The dataset registry and `load_split`: local files first, then the hub.

Splits are `train`, `dev`, `test` and `unlabelled`. Each dataset declares a split
policy mapping them onto its files ("parts"); `split_policy(name)` returns it, so the
README and the app can show it.

WikiANN policy (`panx` / `wikiann`, `wikiann-rahimi`, and WikiANN from the hub). The
XTREME PAN-X release withholds the labels of `test-LANG.tsv`, so:

- test       = the labelled `dev-LANG.tsv` file, all of it;
- dev        = a fixed held-out slice of `train-LANG.tsv`: 10% of its sentences, at most
               1,000, drawn with `random.Random(DEV_SEED)` (the same for every run);
- train      = the rest of `train-LANG.tsv`;
- unlabelled = the tokens of `test-LANG.tsv` (tags None): target-language raw text.

Sentence ids name the file the sentence comes from and its index there: a dev-slice
sentence and a train sentence both read `panx/fa/train/001234` (their `split` field
says which split they are in), and a test sentence reads `panx/fa/dev/000017`. Ids
therefore never change when the policy's parameters do.

Official policy (`wnut17`, `ontonotes5`): train/dev/test are the released files;
unlabelled = the test file's tokens without tags.

Quirks of the local files (checked by tests/data/test_shared_data.py):

- PAN-X zh and ja mark spaces inside entities as a `#` token tagged O, leaving 500-1000
  stray I- tags per file: read them with `repair=True` (the error says so).
- OntoNotes' "BIO" tags are valid IOB2; its train split is not local (hub only).
- WNUT-17's train file separates sentences with tab-only lines, and `#` is a token
  there (`#\tO`), never a comment. `emerging.test.conll` holds multi-annotator labels
  (`B-corporation,B-group`) and is refused; the gold test file is
  `emerging.test.annotated`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from xner import config
from xner.data.hub import HUB_SOURCES, HubSource, load_hub_part
from xner.data.readers import (
    Origin,
    ReadReport,
    count_jsonl,
    count_sentences,
    get_reader,
)
from xner.data.records import Sentence
from xner.errors import DataNotFoundError, XnerError

SPLITS = ("train", "dev", "test", "unlabelled")
DEV_FRACTION = 0.1
DEV_CAP = 1000
DEV_SEED = 20240607


# ---------------------------------------------------------------------------
# Split policies


@dataclass(frozen=True, slots=True)
class SplitRule:
    """Where one split comes from: a file part, and which of its sentences."""

    split: str
    part: str  # the file's own split name (train/dev/test), also used in sentence ids
    take: str  # "all", "held-out" (the dev slice) or "rest" (all but the dev slice)
    labelled: bool
    note: str


@dataclass(frozen=True, slots=True)
class Pool:
    """How a pooled policy draws its splits: every labelled part of a language pooled in
    file order, shuffled with `seed`, capped, cut into test and train, dev carved from
    train. `dedup` drops from test the sentences whose tokens equal a train or dev
    sentence's (WikiANN repeats short title-like sentences across its files)."""

    seed: int
    cap: int | None
    test_fraction: float
    dedup: bool = False


@dataclass(frozen=True, slots=True)
class SplitPolicy:
    name: str
    description: str
    rules: tuple[SplitRule, ...]
    pool: Pool | None = None  # None: each split is read from its own file part

    def rule(self, split: str) -> SplitRule:
        for rule in self.rules:
            if rule.split == split:
                return rule
        raise XnerError(f"unknown split {split!r}; use one of {', '.join(SPLITS)}")


WIKIANN_POLICY = SplitPolicy(
    "xtreme",
    "PAN-X test files carry no labels: evaluate on the labelled dev file, tune on a "
    "seeded slice of train, use the test file as unlabelled target text",
    (
        SplitRule("train", "train", "rest", True, "the train file minus the dev slice"),
        SplitRule(
            "dev",
            "train",
            "held-out",
            True,
            f"{DEV_FRACTION:.0%} of the train file, at most {DEV_CAP:,} sentences, seed {DEV_SEED}",
        ),
        SplitRule("test", "dev", "all", True, "the labelled dev file"),
        SplitRule("unlabelled", "test", "all", False, "the test file's tokens, no tags"),
    ),
)

OFFICIAL_POLICY = SplitPolicy(
    "official",
    "the released train/dev/test files; unlabelled text is the test file without tags",
    (
        SplitRule("train", "train", "all", True, "the train file"),
        SplitRule("dev", "dev", "all", True, "the dev file"),
        SplitRule("test", "test", "all", True, "the test file"),
        SplitRule("unlabelled", "test", "all", False, "the test file's tokens, no tags"),
    ),
)


PAPER_CAP = 17_003  # Manafi & Krishnaswamy (2024): WikiANN capped at 17,003 sentences
PAPER_TEST_FRACTION = 0.2  # ... split 80/20 (3,401 test sentences for large languages)
PAPER_SEED = 20240329


def _paper_policy(name: str, dedup: bool) -> SplitPolicy:
    dropped = "; test sentences that repeat a train/dev sentence dropped" if dedup else ""
    return SplitPolicy(
        name,
        f"the paper's split: every labelled sentence of the language pooled, shuffled "
        f"(seed {PAPER_SEED}), capped at {PAPER_CAP:,}, split "
        f"{1 - PAPER_TEST_FRACTION:.0%}/{PAPER_TEST_FRACTION:.0%} train/test{dropped}",
        (
            SplitRule("train", "pool", "rest", True, "the pooled train part minus dev"),
            SplitRule(
                "dev",
                "pool",
                "held-out",
                True,
                f"{DEV_FRACTION:.0%} of the pooled train part, at most {DEV_CAP:,} sentences",
            ),
            SplitRule(
                "test",
                "pool",
                "test",
                True,
                f"{PAPER_TEST_FRACTION:.0%} of the shuffled pool{dropped}",
            ),
            SplitRule(
                "unlabelled",
                "pool",
                "unlabelled",
                False,
                "the unlabelled file where the dataset has one (PAN-X test), else the "
                "train split's tokens without tags (never a test sentence)",
            ),
        ),
        pool=Pool(PAPER_SEED, PAPER_CAP, PAPER_TEST_FRACTION, dedup=dedup),
    )


PAPER_POLICY = _paper_policy("paper", dedup=False)
PAPER_DEDUP_POLICY = _paper_policy("paper-dedup", dedup=True)

POLICIES: dict[str, SplitPolicy] = {
    policy.name: policy
    for policy in (WIKIANN_POLICY, PAPER_POLICY, PAPER_DEDUP_POLICY, OFFICIAL_POLICY)
}
DEFAULT_WIKIANN_POLICY = WIKIANN_POLICY.name
POLICY_SEPARATOR = "@"  # "panx@paper": a dataset read under another split policy


def get_policy(name: str) -> SplitPolicy:
    try:
        return POLICIES[name]
    except KeyError:
        raise XnerError(f"unknown split policy {name!r}; known: {', '.join(POLICIES)}") from None


@lru_cache(maxsize=256)
def heldout_indices(n: int) -> tuple[int, ...]:
    """Indices (sorted) of the dev slice of a train file of `n` sentences."""
    k = min(DEV_CAP, round(n * DEV_FRACTION))
    if n >= 2:
        k = max(k, 1)  # tiny languages (jv, qu: 100 sentences) still get a dev set
    return tuple(sorted(random.Random(DEV_SEED).sample(range(n), k)))


def _select(sentences: list[Sentence], take: str) -> list[Sentence]:
    if take == "all":
        return sentences
    held = set(heldout_indices(len(sentences)))
    keep = take == "held-out"
    return [s for index, s in enumerate(sentences) if (index in held) == keep]


def _selected_count(n: int, take: str) -> int:
    if take == "all":
        return n
    k = len(heldout_indices(n)) if n else 0
    return k if take == "held-out" else n - k


# ---------------------------------------------------------------------------
# Dataset registry


@dataclass(frozen=True, slots=True)
class DatasetSpec:
    """A declared dataset: files under the data directory, schema, policy, hub source."""

    name: str
    description: str
    schema: str
    reader: str
    files: Mapping[str, str]  # part -> path under the data directory; may hold {lang}
    policy: SplitPolicy
    aliases: tuple[str, ...] = ()
    reader_options: Mapping[str, Any] = field(default_factory=dict)
    languages: tuple[str, ...] | None = None  # fixed; None: whatever files/hub offer
    hub: HubSource | None = None
    # Pooled policies: the parts whose sentences carry labels (pooled in this order), and
    # the part holding unlabelled text, if any.
    labelled_parts: tuple[str, ...] = ("train", "dev", "test")
    unlabelled_part: str | None = None
    other_policies: tuple[str, ...] = ()  # policies it may be read under besides `policy`

    def local_path(self, root: Path, lang: str, part: str) -> Path:
        return root / self.files[part].format(lang=lang)

    def local_languages(self, root: Path) -> list[str]:
        """Languages with at least one file under `root`."""
        found: set[str] = set()
        for template in self.files.values():
            if "{lang}" not in template:
                if (root / template).is_file():
                    found.update(self.languages or ())
                continue
            head, _, tail = template.partition("{lang}")
            pattern = re.compile(re.escape(head) + r"([^/]+)" + re.escape(tail) + r"\Z")
            for path in root.glob(template.replace("{lang}", "*")):
                match = pattern.match(path.relative_to(root).as_posix())
                if match and path.is_file():
                    found.add(match.group(1))
        return sorted(found)


_COLUMNS = {"delimiter": "\t"}

DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec(
            "panx",
            "WikiANN / PAN-X as released with XTREME: 47 languages, PER/ORG/LOC",
            "wikiann",
            "panx",
            {
                "train": "panx/train-{lang}.tsv",
                "dev": "panx/dev-{lang}.tsv",
                "test": "panx/test-{lang}.tsv",
            },
            WIKIANN_POLICY,
            aliases=("wikiann", "pan-x"),
            hub=HUB_SOURCES["wikiann"],
            labelled_parts=("train", "dev"),  # test-LANG.tsv withholds its labels
            unlabelled_part="test",
            other_policies=(PAPER_POLICY.name, PAPER_DEDUP_POLICY.name),
        ),
        DatasetSpec(
            "wikiann-rahimi",
            "WikiANN in Rahimi et al.'s raw form (lang:token prefixes; every file labelled, "
            "`extra` the sentences left over after the balanced split)",
            "wikiann",
            "rahimi",
            {
                "train": "wikiann-rahimi/{lang}/train.txt",
                "dev": "wikiann-rahimi/{lang}/dev.txt",
                "test": "wikiann-rahimi/{lang}/test.txt",
                "extra": "wikiann-rahimi/{lang}/extra.txt",
            },
            WIKIANN_POLICY,
            aliases=("rahimi",),
            hub=HUB_SOURCES["wikiann"],
            labelled_parts=("train", "dev", "test", "extra"),
            other_policies=(PAPER_POLICY.name, PAPER_DEDUP_POLICY.name),
        ),
        DatasetSpec(
            "wnut17",
            "WNUT-17 emerging and rare entities in English social media text",
            "wnut17",
            "conll",
            {
                "train": "wnut17/wnut17train.conll",
                "dev": "wnut17/emerging.dev.conll",
                "test": "wnut17/emerging.test.annotated",
            },
            OFFICIAL_POLICY,
            aliases=("wnut", "wnut_17"),
            reader_options=_COLUMNS,
            languages=("en",),
            hub=HUB_SOURCES["wnut17"],
        ),
        DatasetSpec(
            "ontonotes5",
            "OntoNotes 5.0 English NER, 18 types (LDC licence: evaluation only)",
            "ontonotes5",
            "conll",
            {
                "train": "ontonotes5/onto.train.ner",
                "dev": "ontonotes5/onto.development.ner",
                "test": "ontonotes5/onto.test.ner",
            },
            OFFICIAL_POLICY,
            aliases=("ontonotes", "onto"),
            reader_options={**_COLUMNS, "token_column": 0, "tag_column": 3},
            languages=("en",),
            hub=HUB_SOURCES["ontonotes5"],
        ),
    )
}


def get_dataset(name: str) -> DatasetSpec:
    """The dataset called `name` (or one of its aliases); `NAME@POLICY` is that dataset
    read under another of its split policies (`panx@paper`)."""
    key, _, policy = name.strip().lower().partition(POLICY_SEPARATOR)
    for spec in DATASETS.values():
        if key == spec.name or key in spec.aliases:
            if not policy or policy == spec.policy.name:
                return spec
            if policy not in spec.other_policies:
                allowed = ", ".join((spec.policy.name, *spec.other_policies))
                raise XnerError(
                    f"{spec.name} cannot be read under split policy {policy!r}; "
                    f"its policies: {allowed}"
                )
            return replace(spec, policy=get_policy(policy))
    known = ", ".join(
        f"{s.name} ({', '.join(s.aliases)})" if s.aliases else s.name for s in DATASETS.values()
    )
    raise DataNotFoundError(f"unknown dataset {name!r}; known datasets: {known}")


def list_datasets() -> list[DatasetSpec]:
    return list(DATASETS.values())


def split_policy(dataset: str = "panx") -> SplitPolicy:
    """The split policy of `dataset`, for display (README, `xner data`, the app)."""
    return get_dataset(dataset).policy


def with_policy(dataset: str, policy: str | None) -> str:
    """`dataset` read under `policy`: `("panx", "paper")` -> `"panx@paper"`; the dataset's
    own default policy (or None) leaves the name as it is, so older run ids stay valid."""
    base = dataset.partition(POLICY_SEPARATOR)[0]
    spec = get_dataset(base)
    if policy is None or policy == spec.policy.name:
        return base
    get_dataset(f"{base}{POLICY_SEPARATOR}{policy}")  # fails early on a policy it refuses
    return f"{base}{POLICY_SEPARATOR}{policy}"


def policy_of(dataset: str) -> str:
    """The split policy a dataset name is read under (`panx@paper` -> `paper`)."""
    return get_dataset(dataset).policy.name


# ---------------------------------------------------------------------------
# Loading


def _root(data_dir: str | Path | None) -> Path:
    return Path(data_dir) if data_dir is not None else config.data_dir()


@lru_cache(maxsize=16)
def _read_local(
    path: Path,
    stamp: tuple[int, int],  # (size, mtime_ns): a changed file is read again
    reader: str,
    options: tuple[tuple[str, Any], ...],
    origin: Origin,
    schema: str,
    repair: bool,
    labelled: bool | None,
) -> tuple[tuple[Sentence, ...], ReadReport]:
    sentences, report = get_reader(reader).read(
        path,
        origin=origin,
        schema=schema,
        repair=repair,
        labelled=labelled,
        **dict(options),
    )
    return tuple(sentences), report


def clear_cache() -> None:
    """Forget cached reads (the cache also notices changed files by size and mtime)."""
    _read_local.cache_clear()


def _check_lang(spec: DatasetSpec, lang: str) -> None:
    if not lang or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", lang):
        raise XnerError(f"language code {lang!r} is not valid; use an ISO code such as 'fr'")
    if spec.languages is not None and lang not in spec.languages:
        raise DataNotFoundError(
            f"{spec.name} has no language {lang!r}; it has {', '.join(spec.languages)}"
        )


def _read_part(
    spec: DatasetSpec,
    lang: str,
    part: str,
    origin: Origin,
    root: Path,
    *,
    repair: bool,
    labelled: bool,
    limit: int | None = None,
) -> tuple[list[Sentence], ReadReport]:
    """One file part of `spec` in `lang`: the local file, else the hub."""
    path = spec.local_path(root, lang, part)
    if path.is_file():
        stat = path.stat()
        stored, report = _read_local(
            path,
            (stat.st_size, stat.st_mtime_ns),
            spec.reader,
            tuple(sorted(spec.reader_options.items())),
            origin,
            spec.schema,
            repair,
            None if labelled else False,
        )
        sentences = list(stored)
    elif spec.hub is not None:
        sentences, report = load_hub_part(
            spec.hub,
            lang,
            part,
            origin=origin,
            local_hint=str(path),
            schema=spec.schema,
            repair=repair,
            limit=limit,
            labelled=labelled,
        )
    else:
        raise DataNotFoundError(
            f"{spec.name} {lang} {origin.split}: expected the file {path} (from the {part} "
            "part); set XNER_DATA_DIR to the directory holding it"
        )
    if not labelled:
        sentences = [s if s.tags is None else replace(s, tags=None, hash="") for s in sentences]
    return sentences, report


@dataclass(frozen=True, slots=True)
class PooledSplits:
    """A pooled policy's splits of one language, and what the pooling did."""

    train: tuple[Sentence, ...]
    dev: tuple[Sentence, ...]
    test: tuple[Sentence, ...]
    unlabelled: tuple[Sentence, ...]
    report: ReadReport
    pooled: int  # labelled sentences in all the parts
    kept: int  # after the cap
    test_duplicates: int  # test sentences whose tokens repeat a train or dev sentence
    dropped: int  # of those, dropped from test (the policy's `dedup`)

    def split(self, name: str) -> tuple[Sentence, ...]:
        return {"train": self.train, "dev": self.dev, "test": self.test}.get(name, self.unlabelled)


def _pool_parts(spec: DatasetSpec, root: Path, lang: str) -> list[str]:
    """The labelled parts to pool: every one with a local file; all of them (from the
    hub) when the language has no local file."""
    local = [part for part in spec.labelled_parts if spec.local_path(root, lang, part).is_file()]
    if local:
        return local
    if spec.hub is not None:
        return [part for part in spec.labelled_parts if part in spec.hub.splits]
    return list(spec.labelled_parts)


def _merged(reports: Sequence[ReadReport], reader: str) -> ReadReport:
    return ReadReport(
        path=" + ".join(r.path for r in reports),
        reader=reader,
        sentences=sum(r.sentences for r in reports),
        tokens=sum(r.tokens for r in reports),
        labelled=True,
        repaired=sum(r.repaired for r in reports),
        repairs=tuple(repair for r in reports for repair in r.repairs),
        skipped_lines=sum(r.skipped_lines for r in reports),
    )


def _with_split(sentences: Sequence[Sentence], split: str) -> tuple[Sentence, ...]:
    return tuple(replace(s, split=split) for s in sentences)


def pooled_splits(
    dataset: str, lang: str, *, data_dir: str | Path | None = None, repair: bool = False
) -> PooledSplits:
    """The train/dev/test/unlabelled splits of `lang` under `dataset`'s pooled policy
    (`panx@paper`). Sentence ids keep the file and index they come from."""
    spec = get_dataset(dataset)
    _check_lang(spec, lang)
    if spec.policy.pool is None:
        raise XnerError(f"{dataset}: split policy {spec.policy.name!r} does not pool")
    root = _root(data_dir)
    stamps = tuple(
        (part, *_stamp(spec.local_path(root, lang, part))) for part in spec.labelled_parts
    )
    return _pooled(f"{spec.name}{POLICY_SEPARATOR}{spec.policy.name}", lang, root, stamps, repair)


def _stamp(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1)
    return (stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=8)
def _pooled(
    dataset: str,
    lang: str,
    root: Path,
    stamps: tuple[tuple[str, int, int], ...],  # a changed file is read again
    repair: bool,
) -> PooledSplits:
    spec = get_dataset(dataset)
    pool = spec.policy.pool
    assert pool is not None
    sentences: list[Sentence] = []
    reports: list[ReadReport] = []
    for part in _pool_parts(spec, root, lang):
        origin = Origin(spec.name, lang, "pool", id_split=part)
        read, report = _read_part(spec, lang, part, origin, root, repair=repair, labelled=True)
        sentences.extend(read)
        reports.append(report)
    order = list(range(len(sentences)))
    random.Random(pool.seed).shuffle(order)
    kept = [sentences[i] for i in order[: pool.cap]]
    n_test = round(len(kept) * pool.test_fraction)
    test, rest = kept[:n_test], kept[n_test:]
    n_dev = min(DEV_CAP, round(len(rest) * DEV_FRACTION))
    if len(rest) >= 2:
        n_dev = max(n_dev, 1)
    dev, train = rest[:n_dev], rest[n_dev:]
    seen = {s.tokens for s in rest}
    repeats = [s for s in test if s.tokens in seen]
    if pool.dedup:
        test = [s for s in test if s.tokens not in seen]
    if spec.unlabelled_part is not None:
        origin = Origin(spec.name, lang, "unlabelled", id_split=spec.unlabelled_part)
        unlabelled, _ = _read_part(
            spec, lang, spec.unlabelled_part, origin, root, repair=repair, labelled=False
        )
    else:
        unlabelled = [replace(s, tags=None, hash="") for s in train]
    return PooledSplits(
        train=_with_split(train, "train"),
        dev=_with_split(dev, "dev"),
        test=_with_split(test, "test"),
        unlabelled=_with_split(unlabelled, "unlabelled"),
        report=_merged(reports, spec.reader),
        pooled=len(sentences),
        kept=len(kept),
        test_duplicates=len(repeats),
        dropped=len(repeats) if pool.dedup else 0,
    )


def load_split_with_report(
    dataset: str,
    lang: str,
    split: str,
    *,
    data_dir: str | Path | None = None,
    limit: int | None = None,
    repair: bool = False,
) -> tuple[list[Sentence], ReadReport]:
    """`load_split` plus the read report (repairs are counted over the whole file)."""
    spec = get_dataset(dataset)
    _check_lang(spec, lang)
    if split not in SPLITS:
        hint = " ('validation' is called 'dev' here)" if split == "validation" else ""
        raise XnerError(f"unknown split {split!r}{hint}; use one of {', '.join(SPLITS)}")
    if limit is not None and limit < 0:
        raise XnerError(f"limit must be a positive number of sentences, not {limit}")
    if spec.policy.pool is not None:
        pooled = pooled_splits(dataset, lang, data_dir=data_dir, repair=repair)
        sentences = list(pooled.split(split))
        return (sentences[:limit] if limit is not None else sentences), pooled.report
    rule = spec.policy.rule(split)
    origin = Origin(spec.name, lang, split, id_split=rule.part)
    sentences, report = _read_part(
        spec,
        lang,
        rule.part,
        origin,
        _root(data_dir),
        repair=repair,
        labelled=rule.labelled,
        # a held-out slice needs the whole file to draw from
        limit=limit if rule.take == "all" else None,
    )
    sentences = _select(sentences, rule.take)
    if limit is not None:
        sentences = sentences[:limit]
    return sentences, report


def load_split(
    dataset: str,
    lang: str,
    split: str,
    *,
    data_dir: Path | None = None,
    limit: int | None = None,
    repair: bool = False,
) -> list[Sentence]:
    """Sentences of `split` (train/dev/test/unlabelled) of `dataset` in `lang`.

    Reads the local data directory (`xner.config.data_dir()` unless `data_dir` is
    given), then the Hugging Face hub; offline, a missing file fails at once with an
    `OfflineError` naming where the file should be. `limit` keeps the first sentences;
    `repair` reads stray I- tags as B- (see `load_split_with_report` for the count).
    """
    return load_split_with_report(
        dataset, lang, split, data_dir=data_dir, limit=limit, repair=repair
    )[0]


# ---------------------------------------------------------------------------
# Listing


@dataclass(frozen=True, slots=True)
class LocalSplit:
    """One split of one dataset and language found in the data directory."""

    dataset: str
    lang: str
    split: str
    sentences: int
    labelled: bool
    path: str  # the file it is drawn from
    note: str  # how (the policy rule)


def _count(spec: DatasetSpec, path: Path) -> int:
    if spec.reader == "jsonl":
        return count_jsonl(path)
    return count_sentences(
        path,
        skip_docstart=spec.reader_options.get("skip_docstart", True),
        comment_prefix=spec.reader_options.get("comment_prefix", "# "),
    )


def list_local(data_dir: str | Path | None = None) -> list[LocalSplit]:
    """Every dataset, language and split found locally, with sentence counts.

    Counts separators rather than parsing (all 47 PAN-X languages in well under a
    second); the counts agree with `load_split`.
    """
    root = _root(data_dir)
    found: list[LocalSplit] = []
    for spec in DATASETS.values():
        for lang in spec.local_languages(root):
            counts: dict[str, int] = {}
            for rule in spec.policy.rules:
                path = spec.local_path(root, lang, rule.part)
                if not path.is_file():
                    continue
                if rule.part not in counts:
                    counts[rule.part] = _count(spec, path)
                found.append(
                    LocalSplit(
                        dataset=spec.name,
                        lang=lang,
                        split=rule.split,
                        sentences=_selected_count(counts[rule.part], rule.take),
                        labelled=rule.labelled,
                        path=str(path),
                        note=rule.note,
                    )
                )
    return found


def local_languages(dataset: str, data_dir: str | Path | None = None) -> list[str]:
    """Languages of `dataset` with files in the data directory."""
    return get_dataset(dataset).local_languages(_root(data_dir))


WIKIANN_LOCAL_DATASETS = ("panx", "wikiann-rahimi")


def wikiann_dataset(lang: str, data_dir: str | Path | None = None) -> str:
    """The local dataset holding WikiANN for `lang` (PAN-X first, then the Rahimi files);
    `panx` when neither has it, so that `load_split` falls back to the hub."""
    return local_wikiann_dataset(lang, data_dir) or "panx"


def local_wikiann_dataset(lang: str, data_dir: str | Path | None = None) -> str | None:
    """The local dataset holding WikiANN for `lang`, or None when it is only on the hub."""
    for dataset in WIKIANN_LOCAL_DATASETS:
        if lang in local_languages(dataset, data_dir):
            return dataset
    return None
