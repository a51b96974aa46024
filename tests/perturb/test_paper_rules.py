"""p1 and p2 as the authors' notebooks define them, rule by rule, on handmade sentences;
the `reference` they are measured against; `KIND@READING` names; coverage."""

from __future__ import annotations

import numpy as np
import pytest

from xner.perturb import PerturbError, PerturbResources, perturb
from xner.perturb.context import ClsVectors, InputEmbeddingMean, restore_case
from xner.perturb.coverage import coverage
from xner.perturb.resources import has_punctuation
from xner.perturb.spec import reading_params, resolve_steps
from xner.train.settings import SETTINGS

from .conftest import FakeEmbedder, sent

# A made-up "Spanish" training set (the reference) and test set.
TRAIN = [
    sent(0, "Marta Ruiz vive en Lugo .", "B-PER I-PER O O B-LOC O", "es", "train"),
    sent(1, "casa grande de Tecnova", "O O O B-ORG", "es", "train"),
]
TEST = [
    sent(0, "Marta Ruiz compró una Casa", "B-PER I-PER O O O", "es"),
    sent(1, "marta vive en lugo", "B-PER O O B-LOC", "es"),
    sent(2, "Ana Gil visitó Lugo ayer", "B-PER I-PER O B-LOC O", "es"),
    sent(3, "Tecnova abrió en Soria", "B-ORG O O B-LOC", "es"),
]


def _resources(**kwargs) -> PerturbResources:
    kwargs.setdefault("embedder", FakeEmbedder())
    return PerturbResources(own_train=TRAIN, lang="es", **kwargs)


# ---------------------------------------------------------------------------- p1


def test_p1_replaces_exact_case_sensitive_mentions_from_the_test_pool():
    out = perturb(TEST, "p1", seed=3, resources=_resources())
    # "Marta Ruiz", "Lugo" and "Tecnova" are reference mentions; "marta", "lugo" (case),
    # "Ana Gil" and "Soria" are not.
    assert [e.old for e in out[0].edits] == ["Marta Ruiz"]
    assert not out[1].edits
    assert [e.old for e in out[2].edits] == ["Lugo"]
    assert [e.old for e in out[3].edits] == []  # no unseen ORG in the test set: unchanged
    # Replacements are same-type test mentions absent from the reference.
    assert out[0].edits[0].new in {"marta", "Ana Gil"}
    assert out[2].edits[0].new in {"lugo", "Soria"}
    assert out[2].sentence.tags == ("B-PER", "I-PER", "O", "B-LOC", "O")


def test_p1_pool_excludes_reference_mentions_and_is_seeded():
    pools = set()
    for seed in range(20):
        out = perturb(TEST, "p1", seed=seed, resources=_resources())
        pools.add(out[0].edits[0].new)
        again = perturb(TEST, "p1", seed=seed, resources=_resources())
        assert [p.sentence for p in out] == [p.sentence for p in again]
    assert pools == {"marta", "Ana Gil"}  # both unseen PER mentions, never "Marta Ruiz"


def test_p1_earlier_variants_stay_available():
    res = _resources(lrl_train=[sent(9, "Irene fue a Teruel", "B-PER O O B-LOC", "es", "train")])
    drawn = {
        perturb(TEST, "p1", params={"pool": "lrl-train"}, seed=seed, resources=res)[2].edits[0].new
        for seed in range(30)
    }
    assert "Teruel" in drawn and "Lugo" not in drawn  # LRL train joins the pool
    by_token = perturb(TEST, "p1", params={"match": "token"}, seed=0, resources=_resources())
    assert [e.old for e in by_token[2].edits] == ["Lugo"]


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_own_resolves_per_setting(name):
    res = PerturbResources.for_pair("ar-fa", setting=name)
    expected = " + ".join(
        f"{'ar' if role == 'hrl' else 'fa'}/{split}" for role, split in SETTINGS[name].train
    )
    assert res.own_describes == expected
    assert (
        res.own_describes
        == {
            "native": "fa/train",
            "transfer": "ar/train",
            "adapted-transfer": "ar/train",
            "self-training": "ar/train",
            "combined": "ar/train + fa/train",
        }[name]
    )


def test_own_needs_a_setting_and_readings_choose_other_data():
    res = PerturbResources(hrl_train=TRAIN, lrl_train=TRAIN[:1])
    with pytest.raises(PerturbError, match="give the setting"):
        perturb(TEST, "p1", resources=res)
    assert res.reference("hrl").sentences == 2 and res.reference("lrl").sentences == 1


# ---------------------------------------------------------------------------- readings


def test_readings_name_a_reference():
    assert resolve_steps("p1+p2@hrl") == ["p1", "p2"]
    assert reading_params("p1@lrl") == {"reference": "lrl"}
    assert reading_params("mask") == {}
    with pytest.raises(PerturbError, match="only the kinds measured against training data"):
        reading_params("mask@hrl")
    with pytest.raises(PerturbError, match="expected KIND@READING"):
        reading_params("p1@")
    res = PerturbResources(hrl_train=TRAIN, own_train=TRAIN[:1], embedder=FakeEmbedder(), lang="es")
    by_name = perturb(TEST, "p1@hrl", seed=0, resources=res)
    by_param = perturb(TEST, "p1", seed=0, params={"reference": "hrl"}, resources=res)
    assert [p.sentence for p in by_name] == [p.sentence for p in by_param]
    with pytest.raises(PerturbError, match="reads reference=hrl"):
        perturb(TEST, "p1@hrl", params={"reference": "own"}, resources=res)


def test_all_evaluates_both_readings():
    from xner.evaluate.runner import expand_perturbations

    names = expand_perturbations(["all"])
    for kind in ("p1", "p2", "p1+p2"):
        assert kind in names and f"{kind}@hrl" in names
    assert "mask@hrl" not in names


# ---------------------------------------------------------------------------- p2

P2_TRAIN = [
    sent(0, "la Ciudad tiene un río y Puerto", "O O O O O O O", "es", "train"),
    sent(1, "Lugo es bonito", "B-LOC O O", "es", "train"),
]


def _p2(test, **kwargs):
    res = PerturbResources(own_train=P2_TRAIN, lang="es", embedder=FakeEmbedder(), **kwargs)
    return perturb(test, "p2", seed=0, resources=res), res


def test_p2_compares_lowercased_test_words_and_restores_case():
    test = [
        sent(0, "CIUDAD y río de Ciudadela", "O O O O O", "es"),
        sent(1, "Río ciudades rito", "O O O", "es"),
    ]
    out, _ = _p2(test)
    # "ciudad" (test, lowered) is not "Ciudad" (reference words keep their case, as in
    # the notebooks), so CIUDAD stays; "río" is a reference word and is replaced by the
    # most similar test word that is not, in the original's case.
    assert out[0].sentence.tokens[0] == "CIUDAD"
    new = out[0].sentence.tokens[2]
    assert new != "río" and new == new.lower()
    assert out[1].sentence.tokens[0] == new[:1].upper() + new[1:]
    assert all(e.old.lower() == "río" for p in out for e in p.edits)


def test_restore_case():
    assert restore_case("casa", "perro") == "perro"
    assert restore_case("Casa", "perro") == "Perro"
    assert restore_case("CASA", "perro") == "PERRO"
    assert restore_case("كتاب", "دفتر") == "دفتر"


def test_p2_skips_stopwords_punctuation_and_one_character_words():
    train = [sent(0, "y de el-río 5 río", "O O O O O", "es", "train")]
    test = [sent(0, "y de el-río 5 río ríos", "O O O O O O", "es")]
    res = PerturbResources(own_train=train, lang="es", embedder=FakeEmbedder())
    out = perturb(test, "p2", seed=0, resources=res)
    # "y"/"de": stopwords-iso (es); "el-río": punctuation; "5": one character.
    assert [(e.old, e.new) for e in out[0].edits] == [("río", "ríos")]
    assert has_punctuation("el-río") and has_punctuation("«casa»") and has_punctuation("،")
    assert not has_punctuation("ciudad")


def test_p2_entity_tokens_are_neither_shared_nor_candidates():
    test = [sent(0, "Lugo y río", "B-LOC O O", "es"), sent(1, "Lugo", "O", "es")]
    out, _ = _p2(test)
    # "río" is shared; its only possible candidate is "lugo" (tagged O in sentence 1, and
    # "Lugo" is no O word of the reference); the entity Lugo is never touched.
    assert out[0].sentence.tokens[0] == "Lugo"
    assert [(e.old, e.new) for e in out[0].edits] == [("río", "lugo")]
    assert not out[1].edits  # "lugo" is no reference word


def test_p2_without_a_candidate_leaves_the_word():
    out, res = _p2([sent(0, "río tiene", "O O", "es")])
    assert not out[0].edits
    assert any("every eligible test word is a reference word" in n for n in res.notes)


def test_cls_and_input_mean_vectors_differ_and_cls_ignores_the_batch():
    tiny_backbone = "tiny"
    words = ["casa", "perro", "ciudad", "río"]
    cls = ClsVectors(tiny_backbone).embed(words)
    mean = InputEmbeddingMean(tiny_backbone).embed(words)
    assert cls.shape[0] == mean.shape[0] == 4
    assert not np.allclose(cls[:, : mean.shape[1]], mean)
    alone = np.vstack([ClsVectors(tiny_backbone).embed([w]) for w in words])
    mixed = ClsVectors(tiny_backbone).embed([*reversed(words), "gato", "mesa"])[:4][::-1]
    assert np.array_equal(cls, alone) and np.array_equal(cls, mixed)


# ---------------------------------------------------------------------------- coverage


def test_coverage_counts_mentions_words_and_sentences():
    res = _resources()
    out = perturb(TEST, "p1", seed=3, resources=res)
    found = coverage(TEST, out, reference="own", reference_data="toy")
    assert found.mentions_total == 7 and found.mentions_replaced == 2
    assert found.mentions_distinct == 7 and found.mentions_distinct_replaced == 2
    assert found.o_tokens_total == 9 and found.o_tokens_replaced == 0
    assert found.sentences_total == 4 and found.sentences_changed == 2
    assert found.to_dict()["reference"] == "own"
    masked = coverage(TEST, perturb(TEST, "mask", resources=PerturbResources()))
    assert masked.mentions_replaced == 7 and masked.reference is None


def test_a_reading_goes_last():
    with pytest.raises(PerturbError, match="write p1\\+typos@hrl"):
        resolve_steps("p1@hrl+typos")
