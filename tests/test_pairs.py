import pytest

from xner.errors import XnerError
from xner.pairs import RELATIONS, all_pairs, get_pair, hub_languages


def test_catalog_holds_the_papers_13_pairs_and_extras():
    pairs = all_pairs()
    paper = [pair.id for pair in pairs if pair.paper]
    assert paper == [
        "fr-br", "ar-fa", "ar-hi", "en-sco", "en-cy", "es-ca", "cs-sk",
        "id-ms", "fr-oc", "nl-af", "it-scn", "es-an", "es-ast",
    ]  # fmt: skip
    extras = {pair.id for pair in pairs if not pair.paper}
    assert {"hi-mr", "hi-ur", "ru-uk", "tr-az", "pl-sk", "es-eu", "fa-ur"} <= extras
    assert all(pair.relation in RELATIONS for pair in pairs)


def test_the_control_pair_is_ar_hi():
    assert [pair.id for pair in all_pairs() if pair.control] == ["ar-hi"]


@pytest.mark.parametrize("spelling", ["ar-fa", "ar->fa", "ar→fa", "ar_fa", " ar-fa "])
def test_get_pair_accepts_common_spellings(spelling):
    assert get_pair(spelling).id == "ar-fa"


def test_unknown_pair_lists_the_known_ones():
    with pytest.raises(XnerError, match=r"unknown pair 'xx-yy'; known: fr-br, ar-fa"):
        get_pair("xx-yy")


def test_every_catalogued_language_is_on_the_hub():
    languages = {lang for pair in all_pairs() for lang in (pair.hrl, pair.lrl)}
    assert languages <= hub_languages()
