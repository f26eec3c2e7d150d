"""How a query's words combine (stop words, most of the words), near spellings of unknown
words, and related thesaurus terms: on the search service, the page and the API."""

from __future__ import annotations

import pytest

from pan_platform import search
from pan_platform.extensions import db
from pan_platform.search import query as search_query
from pan_platform.search.schema import build_schema
from pan_platform.thesaurus import lookup
from tests.search.conftest import make_text_item

# -- which words are needed ------------------------------------------------------------------


@pytest.mark.parametrize(("count", "needed"), [(1, 1), (2, 2), (3, 2), (4, 3), (5, 4), (8, 6), (12, 9)])
def test_minimum_should_match(count, needed):
    assert search_query.minimum_should_match(count) == needed


def test_a_query_of_stop_words_alone_searches_them():
    q = search_query.parse_user_query("the of", ["en", "other"], build_schema())
    assert q is not None
    assert {t for _f, t in q.iter_all_terms()} >= {"the", "of"}


@pytest.fixture
def texts(app, world):
    owner = world["academy"]
    items = {
        "all": make_text_item(owner, "Police training on border control", "Checks at the crossing."),
        "two": make_text_item(owner, "Police training manual", "For recruits."),
        "one": make_text_item(owner, "Border fences", "Construction."),
        "ru": make_text_item(owner, "Пособие по противодействию торговле людьми", "Жертвы и признаки.", language="ru"),
        "it": make_text_item(owner, "Assistenza alla vittima della tratta", "Guida pratica.", language="it"),
    }
    db.session.commit()
    return items


def test_most_words_are_enough_and_all_words_rank_first(texts):
    result = search.search(None, "police training border")
    assert result.ids[0] == texts["all"].id
    assert texts["two"].id in result.ids  # two of three words
    assert texts["one"].id not in result.ids  # one of three is not enough
    assert result.total == 2


def test_two_words_are_both_needed(texts):
    result = search.search(None, "police border")
    assert result.ids == [texts["all"].id]


def test_a_phrase_stays_required(texts):
    result = search.search(None, '"border control" police training')
    assert result.ids == [texts["all"].id]


@pytest.mark.parametrize(("lang", "text"), [("ru", "борьба с торговлей людьми"), ("en", "борьба с торговлей людьми"),
                                            ("ru", "торговля людьми")])
def test_russian_stop_words_are_not_required(texts, lang, text):
    assert texts["ru"].id in search.search(None, text, lang=lang).ids


@pytest.mark.parametrize("lang", ["en", "it"])
def test_another_languages_stop_word_is_not_required(texts, lang):
    """"della" is an Italian stop word: under an English interface it is not dropped, but
    it is not needed either (English analysis keeps it; the Italian title does not)."""
    assert search.search(None, "vittima della tratta", lang=lang).ids == [texts["it"].id]


# -- near spellings ------------------------------------------------------------------------


@pytest.fixture
def spelled(app, world):
    owner = world["academy"]
    items = {
        "trafficking": [make_text_item(owner, f"Trafficking in human beings {n}", "Victims.") for n in range(3)],
        "traffic": make_text_item(owner, "Traffic police reform", "Road safety."),
    }
    db.session.commit()
    return items


def test_an_unknown_word_is_searched_by_its_near_spelling(spelled):
    result = search.search(None, "trafficing")
    assert result.corrected == "trafficking" and result.corrected_applied
    trafficking = {item.id for item in spelled["trafficking"]}
    assert set(result.ids[:3]) == trafficking  # the near spelling outweighs the accidental stem match
    assert spelled["traffic"].id in result.ids  # the literal word is still searched, lower


def test_literal_searches_the_words_as_typed(spelled):
    result = search.search(None, "trafficing", literal=True)
    assert result.ids == [spelled["traffic"].id] and result.corrected is None
    nothing = search.search(None, "traffiking zzqq", literal=True)
    assert nothing.total == 0 and nothing.corrected == "trafficking zzqq" and not nothing.corrected_applied


def test_a_known_word_is_not_corrected(spelled):
    result = search.search(None, "traffic")
    assert result.corrected is None and result.ids == [spelled["traffic"].id]


def test_every_distance_is_looked_at(app, world):
    """One edit away with one document loses to two edits away with many."""
    owner = world["academy"]
    make_text_item(owner, "Investigation basics", "One.")
    many = [make_text_item(owner, f"Investigations {n}", "Many.") for n in range(6)]
    db.session.commit()
    result = search.search(None, "investigatio", literal=True)
    assert result.total == 0 and result.corrected == "investigations"
    assert {i.id for i in many} <= set(search.search(None, "investigatio").ids)


def test_a_word_written_apart_is_found(app, world):
    """"cybercrime" finds titles that write it "Cyber crime" when it finds little itself.
    (Hyphenated "Cyber-crime" is joined in the index already: see test_reach.py.)"""
    owner = world["academy"]
    apart = make_text_item(owner, "Investigating Cyber crime", "Evidence.")
    make_text_item(owner, "Crime statistics", "Cyber security notes.", visibility="private")
    db.session.commit()
    assert search.search(None, "cybercrime", literal=True).total == 0
    result = search.search(None, "cybercrime")
    assert result.ids == [apart.id] and result.corrected is None


def test_the_page_says_which_words_it_searched(client, spelled):
    html = client.get("/search", query_string={"q": "trafficing"}).get_data(as_text=True)
    assert "Showing results for" in html and "<strong>trafficking</strong>" in html
    assert "/search?q=trafficing&amp;literal=1" in html
    literal = client.get("/search", query_string={"q": "trafficing", "literal": "1"}).get_data(as_text=True)
    assert "Showing results for" not in literal
    assert f'/items/{spelled["traffic"].id}"' in literal
    assert all(f'/items/{item.id}"' not in literal for item in spelled["trafficking"])


def test_the_page_explains_in_the_readers_language(client, spelled):
    html = client.get("/de/search", query_string={"q": "trafficing"}).get_data(as_text=True)
    assert "Ergebnisse für" in html and "<strong>trafficking</strong>" in html


def test_the_api_gives_the_corrected_and_the_original_query(client, spelled):
    data = client.get("/api/v1/search", query_string={"q": "trafficing"}).get_json()
    assert data["meta"]["spelling"] == {"original": "trafficing", "corrected": "trafficking", "applied": True}
    assert data["meta"]["total"] == 4
    literal = client.get("/api/v1/search", query_string={"q": "trafficing", "literal": "true"}).get_json()
    assert literal["meta"]["spelling"] is None and literal["meta"]["total"] == 1
    assert "literal=true" in literal["links"]["self"]
    plain = client.get("/api/v1/search", query_string={"q": "traffic"}).get_json()
    assert plain["meta"]["spelling"] is None and plain["meta"]["also_searched"] == []


# -- thesaurus ------------------------------------------------------------------------------


@pytest.fixture
def related(monkeypatch):
    """A stand-in thesaurus: "cybercrime" is related to "computer crime" and "киберпреступность"."""
    terms = {
        "cybercrime": [lookup.RelatedTerm("computer crime", "en", "cybercrime"),
                       lookup.RelatedTerm("киберпреступность", "ru", "cybercrime")],
    }

    def related_terms(text: str, limit: int = 20):
        found = [t for word in search_query.plain_words(text) for t in terms.get(word, [])]
        return found[:limit]

    monkeypatch.setattr(lookup, "related_terms", related_terms)
    return terms


@pytest.fixture
def cyber(app, world):
    owner = world["academy"]
    items = {
        "literal": make_text_item(owner, "Cybercrime handbook", "Basics."),
        "related_en": make_text_item(owner, "Investigating computer crime", "Evidence."),
        "ru": make_text_item(owner, "Киберпреступность: расследование", "Доказательства.", language="ru"),
        "other": make_text_item(owner, "Crime scene basics", "Not related."),
    }
    db.session.commit()
    return items


def test_related_terms_are_searched_below_the_literal_words(related, cyber):
    result = search.search(None, "cybercrime")
    assert result.ids[0] == cyber["literal"].id
    assert set(result.ids) == {cyber["literal"].id, cyber["related_en"].id, cyber["ru"].id}
    assert result.also_searched == [("computer crime", "en"), ("киберпреступность", "ru")]


def test_a_related_term_is_analysed_in_its_own_language(related, cyber):
    """"киберпреступность" is stemmed by the Russian analyser: it finds the inflected title
    even under an English interface, whose query does not search Russian bodies."""
    query = search_query.related_query("киберпреступности", "ru", ["en", "other"])
    assert ("title_ru", "киберпреступн") in set(query.iter_all_terms())
    assert cyber["ru"].id in search.search(None, "cybercrime", lang="en").ids


def test_literal_leaves_out_related_terms(related, cyber):
    result = search.search(None, "cybercrime", literal=True)
    assert result.ids == [cyber["literal"].id] and result.also_searched == []


def test_the_page_and_the_api_list_the_related_terms(client, related, cyber):
    html = client.get("/search", query_string={"q": "cybercrime"}).get_data(as_text=True)
    assert "Also searched:" in html and '<span lang="ru">киберпреступность</span>' in html
    data = client.get("/api/v1/search", query_string={"q": "cybercrime"}).get_json()
    assert data["meta"]["also_searched"] == [{"term": "computer crime", "lang": "en"},
                                             {"term": "киберпреступность", "lang": "ru"}]
    assert data["meta"]["total"] == 3


def test_a_failing_thesaurus_does_not_fail_the_search(monkeypatch, cyber):
    def broken(text: str, limit: int = 20):
        raise RuntimeError("thesaurus down")

    monkeypatch.setattr(lookup, "related_terms", broken)
    result = search.search(None, "cybercrime")
    assert result.ids[0] == cyber["literal"].id and result.also_searched == []
    assert "failed" not in result.notices and cyber["ru"].id not in result.ids
