"""Property tests: every kind keeps tags aligned and valid, keeps what it promises,
leaves untouched spans alone, is deterministic, and composes."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xner.data.records import Sentence
from xner.data.tags import iob2_problems, spans
from xner.perturb import Preserves, get, kinds, perturb

from .conftest import FakeEmbedder, resources_for

WORDS = [
    "Lugo",
    "Marta",
    "casa",
    "puerto",
    "Иван",
    "Казань",
    "город",
    "راحل",
    "تبریز",
    "کتاب",
    "राधा",
    "पुणे",
    "किताब",
    "नया",
    "a",
    ",",
    "1999",
    "Évora",
    "ırmak",
    "Straße",
]
TYPES = ["PER", "LOC", "ORG"]
SETTINGS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@st.composite
def sentences(draw, index: int = 0):
    segments = draw(
        st.lists(
            st.one_of(
                st.tuples(st.just(""), st.lists(st.sampled_from(WORDS), min_size=1, max_size=1)),
                st.tuples(
                    st.sampled_from(TYPES), st.lists(st.sampled_from(WORDS), min_size=1, max_size=3)
                ),
            ),
            max_size=6,
        )
    )
    tokens, tags = [], []
    for entity_type, words in segments:
        tokens.extend(words)
        if entity_type:
            tags.extend([f"B-{entity_type}"] + [f"I-{entity_type}"] * (len(words) - 1))
        else:
            tags.extend(["O"] * len(words))
    lang = draw(st.sampled_from(["es", "fa", "hi", "uk", "tr", "ka"]))
    return Sentence(f"h/{lang}/test/{index:06d}", tuple(tokens), tuple(tags), lang, "h", "test")


@st.composite
def batches(draw):
    n = draw(st.integers(1, 5))
    return [draw(sentences(index=i)) for i in range(n)]


def _data(batch):
    hrl = [
        Sentence(
            "h/xx/train/0",
            ("Lugo", "casa", "Иван", "नया", "کتاب", "puerto"),
            ("B-LOC", "O", "B-PER", "O", "O", "O"),
            "xx",
            "h",
            "train",
        )
    ]
    train = [
        Sentence(
            "h/es/train/0",
            ("Faro", "Solmar", "Bruno", "Vaz", "casas", "puertas"),
            ("B-LOC", "B-ORG", "B-PER", "I-PER", "O", "O"),
            "es",
            "h",
            "train",
        )
    ]
    return {"hrl": hrl, "lrl_train": train, "test": batch, "lang": None}


def _resources(batch):
    return resources_for(_data(batch), stopwords=[], embedder=FakeEmbedder())


ALL = [spec.name for spec in kinds()]


def _check(kind, before_list, out):
    spec = get(kind)
    steps = spec.steps or (kind,)
    preserves = {get(s).preserves for s in steps}
    for before, after in zip(before_list, out, strict=True):
        s = after.sentence
        assert len(s.tokens) == len(s.tags)
        assert iob2_problems(s.tags) == []
        old, new = spans(before.tags), spans(s.tags)
        if preserves == {Preserves.ENTITIES}:
            assert [x.type for x in old] == [x.type for x in new]
        elif Preserves.CONCAT in preserves:
            assert s.tokens[: len(before)] == before.tokens
            assert s.tags[: len(before)] == before.tags
        else:
            assert len(old) == len(new)
        if Preserves.CONCAT not in preserves and len(steps) == 1:
            # untouched mentions and tokens stay as they were
            def touched(span, after=after):
                return any(
                    e.old_position < span.end and span.start < e.old_position + e.n_old
                    for e in after.edits
                )

            if len(s.tokens) == len(before.tokens) and all(e.n_old == e.n_new for e in after.edits):
                for i, (a, b) in enumerate(zip(before.tokens, s.tokens, strict=True)):
                    if not any(e.old_position <= i < e.old_position + e.n_old for e in after.edits):
                        assert a == b
            for o, n in zip(old, new, strict=True):
                if not touched(o):
                    assert before.tokens[o.start : o.end] == s.tokens[n.start : n.end]


def _make_test(kind):
    @SETTINGS
    @given(batch=batches(), seed=st.integers(0, 3))
    def test(batch, seed):
        out = perturb(batch, kind, seed=seed, resources=_resources(batch))
        _check(kind, batch, out)
        again = perturb(batch, kind, seed=seed, resources=_resources(batch))
        assert [p.sentence for p in out] == [p.sentence for p in again]
        assert [p.edits for p in out] == [p.edits for p in again]

    test.__name__ = f"test_properties_{kind.replace('+', '_plus_').replace('-', '_')}"
    return test


for _kind in ALL:
    globals()[f"test_properties_{_kind.replace('+', '_plus_').replace('-', '_')}"] = _make_test(
        _kind
    )


@SETTINGS
@given(batch=batches(), seed=st.integers(0, 3))
def test_composition_is_sequential(batch, seed):
    res = _resources(batch)
    composed = perturb(batch, "mask+case", seed=seed, resources=res)
    masked = perturb(batch, "mask", seed=seed, resources=res)
    then = perturb([p.sentence for p in masked], "case", seed=seed, resources=res)
    assert [p.sentence for p in composed] == [p.sentence for p in then]
    expected = [a.edits + b.edits for a, b in zip(masked, then, strict=True)]
    assert [p.edits for p in composed] == expected
    listed = perturb(batch, ["mask", "case"], seed=seed, resources=res)
    assert [p.sentence for p in listed] == [p.sentence for p in composed]


@SETTINGS
@given(batch=batches(), seed=st.integers(0, 3))
def test_declared_p1_plus_p2_is_p1_then_p2(batch, seed):
    declared = perturb(batch, "p1+p2", seed=seed, resources=_resources(batch))
    listed = perturb(batch, ["p1", "p2"], seed=seed, resources=_resources(batch))
    assert [p.sentence for p in declared] == [p.sentence for p in listed]


@SETTINGS
@given(batch=batches())
def test_result_of_a_sentence_does_not_depend_on_the_batch(batch):
    alone = perturb(batch[:1], "typos", seed=5, params={"rate": 0.7}, resources=_resources(batch))
    together = perturb(batch, "typos", seed=5, params={"rate": 0.7}, resources=_resources(batch))
    assert alone[0].sentence == together[0].sentence


def test_every_kind_composes_and_takes_readings_by_name():
    from xner.perturb import kinds
    from xner.perturb.spec import resolve_steps, takes_reading

    for spec in kinds():
        steps = resolve_steps(f"{spec.name}+typos")
        assert steps[-1] == "typos" and steps[:-1] == list(spec.steps or (spec.name,))
        assert "@" not in spec.name and ("+" not in spec.name or spec.steps)
        if takes_reading(spec.name):
            assert resolve_steps(f"{spec.name}+typos@hrl")[-1] == "typos"
