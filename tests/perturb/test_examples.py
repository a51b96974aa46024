"""Example tests: every kind on made-up sentences in Latin, Arabic, Devanagari, Cyrillic."""

from __future__ import annotations

import pytest

from xner.data.tags import iob2_problems, spans
from xner.perturb import kinds, perturb
from xner.perturb.names import char_script

from .conftest import resources_for

ALL_KINDS = [spec.name for spec in kinds()]


def _types(sentence):
    return [s.type for s in spans(sentence.tags)]


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_kind_every_script(kind, script_data):
    out = perturb(script_data["test"], kind, seed=1, resources=resources_for(script_data))
    assert len(out) == len(script_data["test"])
    for before, after in zip(script_data["test"], out, strict=True):
        s = after.sentence
        assert len(s.tokens) == len(s.tags)
        assert iob2_problems(s.tags) == []
        assert s.id == before.id
        assert (s.hash != before.hash) == bool(after.edits) or s.tokens == before.tokens
        for edit in after.edits:
            assert edit.sentence_id == before.id


def test_p1_replaces_only_mentions_seen_in_hrl(script_data):
    # The toy test sets hold no unseen mention of some types, so draw from LRL train.
    res = resources_for(script_data)
    out = perturb(script_data["test"], "p1", params={"pool": "lrl-train"}, resources=res)
    hrl_mentions = res.reference("hrl").mentions
    for before, after in zip(script_data["test"], out, strict=True):
        old = [before.tokens[s.start : s.end] for s in spans(before.tags)]
        new = [after.sentence.tokens[s.start : s.end] for s in spans(after.sentence.tags)]
        assert _types(before) == _types(after.sentence)
        for o, n in zip(old, new, strict=True):
            if o in hrl_mentions:
                assert n not in hrl_mentions  # replaced by an unseen entity
            else:
                assert n == o  # untouched
    assert any(p.edits for p in out)


def test_p1_examples_latin():
    from .conftest import build

    data = build("latin")
    params = {"pool": "lrl-train"}
    out = perturb(data["test"], "p1", seed=0, params=params, resources=resources_for(data))
    first = out[0].sentence
    # "Marta Ruiz" (PER) and "Lugo" (LOC) are HRL mentions; "Évora" is not.
    assert first.tokens[:2] == ("Bruno", "Vaz")
    assert first.tags[:2] == ("B-PER", "I-PER")
    assert "Lugo" not in first.tokens
    assert out[1].sentence.tokens[-1] == "Évora"
    assert [e.kind for e in out[0].edits] == ["p1", "p1"]


def test_p2_replaces_context_words_seen_in_hrl(script_data):
    res = resources_for(script_data, stopwords=[])
    out = perturb(script_data["test"], "p2", resources=res)
    vocab = {t.lower() for s in script_data["hrl"] for t in s.tokens}
    edits = [e for p in out for e in p.edits]
    assert edits, "each toy pair has shared context words"
    for edit in edits:
        assert edit.old.lower() in vocab and edit.new.lower() not in vocab
        assert edit.detail.startswith("cos=")
    for before, after in zip(script_data["test"], out, strict=True):
        assert after.sentence.tags == before.tags
        for i, (tag, old, new) in enumerate(
            zip(before.tags, before.tokens, after.sentence.tokens, strict=True)
        ):
            if tag != "O":
                assert old == new, i


def test_p2_substitutes_depend_on_the_embedder():
    from .conftest import FakeEmbedder, build

    class Suffix(FakeEmbedder):  # another "backbone": the last four letters, then the first
        def embed(self, words):
            return super().embed([w[-4:] + w[:1] for w in words])

    data = build("latin")
    data["test"] += [
        data["test"][0].with_content(("puertos", "muerto", "novas", "ovno"), ("O",) * 4)
    ]
    a = perturb(data["test"], "p2", resources=resources_for(data, stopwords=[]))
    b = perturb(data["test"], "p2", resources=resources_for(data, stopwords=[], embedder=Suffix()))
    assert a[1].sentence.tokens[3] == "puertos"
    assert b[1].sentence.tokens[3] == "muerto"


def test_mask_keeps_lengths(script_data):
    out = perturb(
        script_data["test"],
        "mask",
        params={"placeholder": "<mask>"},
        resources=resources_for(script_data),
    )
    for before, after in zip(script_data["test"], out, strict=True):
        assert after.sentence.tags == before.tags
        for tag, token in zip(after.sentence.tags, after.sentence.tokens, strict=True):
            assert (token == "<mask>") == (tag != "O")


def test_random_entity_draws_same_type_from_data(script_data):
    res = resources_for(script_data)
    pool = res.lrl_mention_pool(script_data["test"])
    out = perturb(script_data["test"], "random-entity", seed=3, resources=res)
    for before, after in zip(script_data["test"], out, strict=True):
        assert _types(before) == _types(after.sentence)
        for span in spans(after.sentence.tags):
            assert after.sentence.tokens[span.start : span.end] in pool[span.type]


def test_mask_random_mixes(script_data):
    res = resources_for(script_data)
    masked = perturb(
        script_data["test"], "mask-or-random", params={"mask_share": 1.0}, resources=res
    )
    assert all(
        t == "[MASK]"
        for p in masked
        for t, g in zip(p.sentence.tokens, p.sentence.tags, strict=True)
        if g != "O"
    )
    replaced = perturb(
        script_data["test"], "mask-or-random", params={"mask_share": 0.0}, resources=res
    )
    assert "[MASK]" not in {t for p in replaced for t in p.sentence.tokens}


def test_type_swap_changes_types_only(script_data):
    out = perturb(script_data["test"], "type-swap", resources=resources_for(script_data))
    for before, after in zip(script_data["test"], out, strict=True):
        old, new = _types(before), _types(after.sentence)
        assert len(old) == len(new)
        assert all(o != n for o, n in zip(old, new, strict=True))
        expected = [f"{o}->{n}" for o, n in zip(old, new, strict=True)]
        assert [e.detail for e in after.edits] == expected


def test_names_stay_in_script(script_data):
    res = resources_for(script_data)
    out = perturb(script_data["test"], "names", seed=2, resources=res)
    script = {"es": "LATIN", "fa": "ARABIC", "hi": "DEVANAGARI", "uk": "CYRILLIC"}[
        script_data["lang"]
    ]
    for before, after in zip(script_data["test"], out, strict=True):
        assert _types(before) == _types(after.sentence)
        assert len(after.edits) == len(spans(before.tags))
        for edit in after.edits:
            assert all(char_script(c) == script for c in edit.new if c.isalpha()), edit
            if edit.detail.startswith(script_data["lang"] + "_"):  # own locale: a noted fallback
                assert any(edit.detail in note for note in res.notes)


def test_typos_change_words_only(script_data):
    out = perturb(
        script_data["test"],
        "typos",
        params={"rate": 1.0},
        seed=4,
        resources=resources_for(script_data),
    )
    from xner.perturb.noise import well_formed

    assert any(p.edits for p in out)
    for before, after in zip(script_data["test"], out, strict=True):
        assert after.sentence.tags == before.tags
        for edit in after.edits:
            assert edit.new != edit.old and well_formed(edit.new)


def test_case_where_script_has_case(script_data):
    res = resources_for(script_data)
    out = perturb(script_data["test"], "case", params={"mode": "upper"}, resources=res)
    cased = script_data["lang"] in ("es", "uk")
    assert any(p.edits for p in out) == cased
    if not cased:
        assert any("no letter case" in note for note in res.notes)
    for before, after in zip(script_data["test"], out, strict=True):
        assert after.sentence.tags == before.tags


def test_case_turkish_dotted_i():
    from xner.perturb.noise import change_case

    assert change_case("İstanbul", "lower", "tr") == "istanbul"
    assert change_case("ırmak", "upper", "tr") == "IRMAK"
    assert change_case("izmir", "title", "tr") == "İzmir"
    assert change_case("izmir", "title", "en") == "Izmir"


def test_concat_appends_another_sentence(script_data):
    test = script_data["test"]
    out = perturb(test, "concat", params={"with": "next"}, resources=resources_for(script_data))
    for i, (before, after) in enumerate(zip(test, out, strict=True)):
        other = test[(i + 1) % len(test)]
        assert after.sentence.tokens == before.tokens + other.tokens
        assert after.sentence.tags == before.tags + other.tags
        assert after.edits[0].detail == other.id


def test_p1_token_match_replaces_partly_seen_mentions():
    from .conftest import build

    data = build("cyrillic")
    data["test"].append(data["test"][0].with_content(("Иван", "Сидоренко"), ("B-PER", "I-PER")))
    res = resources_for(data)
    earlier = {"pool": "lrl-train"}
    by_mention = perturb(data["test"], "p1", params=earlier, resources=res)
    by_token = perturb(data["test"], "p1", params={**earlier, "match": "token"}, resources=res)
    assert not by_mention[-1].edits  # "Иван Сидоренко" is no HRL mention
    assert by_token[-1].edits  # but "Иван" is an HRL entity token
    new = by_token[-1].edits[0].new.split()
    assert not set(new) & res.reference("hrl").entity_tokens
