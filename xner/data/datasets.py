"""The dataset registry: each dataset's files, reader, schema, split policy and hub source.

`get_dataset("panx@paper")` is a declared dataset read under another of its split
policies; `xner.data.resolve` loads its splits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from xner.data.hub import HUB_SOURCES, HubSource
from xner.data.policies import (
    OFFICIAL_POLICY,
    PAPER_DEDUP_POLICY,
    PAPER_POLICY,
    POLICY_SEPARATOR,
    WIKIANN_POLICY,
    SplitPolicy,
    get_policy,
)
from xner.errors import DataNotFoundError, XnerError
from xner.registry import Registry

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

DATASETS: Registry[DatasetSpec] = Registry("dataset", error=DataNotFoundError)
DATASETS.register_all(
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
