"""Published reference numbers: Manafi & Krishnaswamy (2024), NER F1 on WikiANN."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

SOURCE = (
    "Manafi & Krishnaswamy (2024), 'Cross-Lingual Transfer Robustness to Lower-Resource "
    "Languages on Adversarial Datasets', LREC-COLING 2024, arXiv 2403.20056; numbers read from "
    "the executed notebooks of csu-signal/xlingual-robustness (finetuning_NER/"
    "train_test_before_bias.ipynb, train_test_after_bias.ipynb). Their split: each language "
    "capped at 17,003 sentences, 80/20 train/test, 1 epoch, batch size 8."
)


@dataclass(frozen=True, slots=True)
class ReferenceResult:
    hrl: str
    lrl: str
    entity_overlap: float  # share of LRL test entity tokens seen in HRL training data
    model: str
    setting: str  # transfer | native
    perturbation: str  # clean | p1 | p2 | p1+p2
    f1: float  # entity-level F1 x 100

    @property
    def pair_id(self) -> str:
        return f"{self.hrl}-{self.lrl}"


@cache
def reference_results() -> tuple[ReferenceResult, ...]:
    path = resources.files("xner").joinpath("resources/manafi2024_wikiann_ner_f1.csv")
    with path.open(encoding="utf-8") as handle:
        return tuple(
            ReferenceResult(
                hrl=row["hrl"],
                lrl=row["lrl"],
                entity_overlap=float(row["entity_overlap"]),
                model=row["model"],
                setting=row["setting"],
                perturbation=row["perturbation"],
                f1=float(row["f1"]),
            )
            for row in csv.DictReader(handle)
        )
