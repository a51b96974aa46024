"""Edge cases: no entities, only entities, one token, empty sentence, missing resources,
languages with no locale / word list / keyboard layout, bad parameters."""

from __future__ import annotations

import pytest

from xner.data.records import Sentence
from xner.data.tags import iob2_problems
from xner.perturb import PerturbError, PerturbResources, kinds, perturb
from xner.perturb.names import char_script, locale_table, names_plan

from .conftest import FakeEmbedder, build, resources_for, sent

ALL = [spec.name for spec in kinds()]

EDGE = {
    "no-entities": sent(0, "el puerto estaba vacío", "O O O O", "es"),
    "only-entities": sent(1, "Marta Ruiz Lugo", "B-PER I-PER B-LOC", "es"),
    "single-token": sent(2, "Lugo", "B-LOC", "es"),
    "empty": Sentence("toy/es/test/000003", (), (), "es", "toy", "test"),
}


@pytest.mark.parametrize("kind", ALL)
@pytest.mark.parametrize("case", sorted(EDGE))
def test_edge_sentences(kind, case):
    data = build("latin")
    batch = [EDGE[case]]
    out = perturb(batch, kind, seed=0, resources=resources_for(data, stopwords=[]))
    s = out[0].sentence
    assert len(s.tokens) == len(s.tags) and iob2_problems(s.tags) == []
    if case in ("no-entities", "empty") and kind not in ("p2", "p1+p2", "typos", "case", "concat"):
        assert not out[0].edits


def test_unlabelled_input_is_a_clear_error():
    s = Sentence("x/es/test/0", ("hola",), None, "es", "x", "test")
    with pytest.raises(PerturbError, match="no tags"):
        perturb([s], "mask")


def test_missing_reference_data_is_a_clear_error():
    with pytest.raises(PerturbError, match=r"reference=own .* give the setting"):
        perturb([EDGE["only-entities"]], "p1", resources=PerturbResources())
    with pytest.raises(PerturbError, match="no HRL training data"):
        perturb([EDGE["only-entities"]], "p1@hrl", resources=PerturbResources())
    with pytest.raises(PerturbError, match="reference=lrl needs the LRL training data"):
        perturb(
            [EDGE["only-entities"]], "p2", params={"reference": "lrl"}, resources=PerturbResources()
        )


def test_unknown_kind_and_params():
    with pytest.raises(PerturbError, match="unknown perturbation 'nope'"):
        perturb([EDGE["single-token"]], "nope")
    with pytest.raises(PerturbError, match="no step of mask has a parameter 'colour'"):
        perturb([EDGE["single-token"]], "mask", params={"colour": 1})
    with pytest.raises(PerturbError, match=r"must be <= 1\.0"):
        perturb([EDGE["single-token"]], "mask", params={"rate": 2})
    with pytest.raises(PerturbError, match="one of"):
        perturb([EDGE["single-token"]], "case", params={"mode": "sideways"})
    with pytest.raises(PerturbError, match="unknown ops"):
        perturb([EDGE["single-token"]], "typos", params={"ops": "explode"})


def test_qualified_params_reach_one_step():
    batch = [sent(0, "Marta vive en Lugo", "B-PER O O B-LOC", "es")]
    out = perturb(
        batch,
        "mask+case",
        params={"case.mode": "upper", "case.target": "context", "mask.placeholder": "<m>"},
        resources=PerturbResources(),
    )
    assert out[0].sentence.tokens == ("<m>", "VIVE", "EN", "<m>")


def test_names_in_a_language_without_any_locale():
    ml = sent(0, "അനു കൊച്ചിയിൽ താമസിക്കുന്നു", "B-PER B-LOC O", "ml")
    res = PerturbResources()
    out = perturb([ml], "names", resources=res)
    assert out[0].edits
    assert all(char_script(c) == "LATIN" for e in out[0].edits for c in e.new if c.isalpha())
    assert any("no locale in the MALAYALAM script" in n for n in res.notes)
    with pytest.raises(PerturbError, match=r"MALAYALAM.*strict=false"):
        perturb([ml], "names", params={"strict": True}, resources=PerturbResources())


def test_names_unknown_language_uses_the_script_of_its_text():
    xx = sent(0, "Пётр живёт здесь", "B-PER O O", "xx")
    plan = names_plan("xx", xx.tokens)
    assert plan.script == "CYRILLIC" and plan.tier == "same-script"


def test_names_chosen_locale_and_bad_locale():
    s = sent(0, "Marta vive en Lugo", "B-PER O O B-LOC", "es")
    out = perturb(
        [s], "names", params={"locale": "tr_TR", "types": "PER"}, resources=PerturbResources()
    )
    assert [e.detail for e in out[0].edits] == ["tr_TR"]
    with pytest.raises(PerturbError, match="unknown Faker locale"):
        perturb([s], "names", params={"locale": "xx_YY"}, resources=PerturbResources())


def test_locale_table_covers_panx():
    rows = {r["lang"]: r for r in locale_table()}
    assert rows["fa"]["locales"] == "ar_SA" and rows["fa"]["tier"] == "same-script"
    assert rows["el"]["tier"] == "own-locale"
    assert rows["te"]["tier"] == "latin"
    assert "es_ES" not in rows["es"]["locales"]


def test_p2_language_without_any_stopword_list_uses_data_frequencies():
    data = build("latin")
    batch = [sent(0, "Lugo puerto novo", "B-LOC O O", "zz")]
    res = PerturbResources(
        hrl_train=data["hrl"], lrl_train=data["lrl_train"], lang="zz", embedder=FakeEmbedder()
    )
    perturb(batch, "p2@hrl", resources=res)
    assert any("neither stopwords-iso nor wordfreq" in note for note in res.notes)


def test_p2_without_candidates_changes_nothing():
    data = build("latin")
    # every eligible test word is also an HRL word: nothing to replace them with
    hrl = [*data["hrl"], *(s.with_content(s.tokens, ("O",) * len(s)) for s in data["test"])]
    res = PerturbResources(hrl_train=hrl, embedder=FakeEmbedder(), stopwords=[])
    out = perturb(data["test"], "p2@hrl", resources=res)
    assert not any(p.edits for p in out)
    assert any("every eligible test word is a reference word" in n for n in res.notes)


def test_typos_language_without_layout():
    ka = sent(0, "ნინო თბილისში ცხოვრობს", "B-PER B-LOC O", "ka")
    res = PerturbResources()
    out = perturb([ka], "typos", params={"rate": 1.0}, resources=res)
    assert out[0].edits
    assert any("no keyboard layout" in n for n in res.notes)


def test_concat_single_sentence():
    res = PerturbResources()
    out = perturb([EDGE["single-token"]], "concat", resources=res)
    assert not out[0].edits and any("only one here" in n for n in res.notes)


def test_stopwords_without_a_list_do_not_depend_on_the_batch():
    # zz has no stopword list anywhere: the fallback counts the LRL data, never the batch.
    data = build("latin")
    lrl = [s.with_content(s.tokens, s.tags) for s in data["lrl_train"]]

    def stopwords_after(batch):
        res = PerturbResources(
            hrl_train=data["hrl"], lrl_train=lrl, lang="zz", embedder=FakeEmbedder()
        )
        perturb(batch, "p2@hrl", resources=res)
        return res.stopwords("zz", 100)

    one = stopwords_after([sent(0, "puerto puerto puerto novo", "O O O O", "zz")])
    other = stopwords_after([sent(1, "Lugo casa casa casa casa", "B-LOC O O O O", "zz")])
    assert one == other and "casa" not in one
