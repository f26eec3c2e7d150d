"""Query widening rules added for recall: thesaurus terms naming part of a longer query,
synonyms in the query's language above translations, area concepts finding the items
tagged with the area, hyphenated related terms by their parts, the Cyrillic "й" in
lookups, and joined words and area labels in the spelling vocabulary."""

from __future__ import annotations

import pytest

from pan_platform import search
from pan_platform.extensions import db
from pan_platform.search import query as search_query
from pan_platform.search.documents import _spell_terms
from pan_platform.thesaurus import lookup
from tests.search.conftest import make_text_item
from tests.thesaurus.helpers import load_sample


def _terms(text: str) -> list[str]:
    return [r.term for r in lookup.related_terms(text)]


def test_a_term_naming_part_of_a_longer_query_is_searched(app):
    load_sample()
    # The whole query is the term: its own words search it.
    assert "Menschenhandel" not in _terms("Menschenhandel")
    # Part of a longer query: most of the words are needed, so the term is searched alone too.
    assert "Menschenhandel" in _terms("Bekämpfung des Menschenhandel")
    assert "Menschenhandel" not in _terms("Menschenhandels")  # an inflected whole query


def test_the_cyrillic_short_i_is_kept_when_folding():
    assert lookup.fold("Программой") == "программой"
    assert lookup.fold("Ёлка café الْإِرْهَاب") == "елка cafe الارهاب"


def test_a_hyphenated_related_term_needs_its_parts_not_its_joined_form():
    query = search_query.related_query("программа-вымогатель", "ru", ["en", "other"])
    terms = set(query.iter_all_terms())
    assert {("title_ru", "программ"), ("title_ru", "вымогател")} <= terms
    assert not any("программвымогател" in text or "программавымогател" in text for _f, text in terms)


@pytest.fixture
def stand_in(monkeypatch):
    """"cybercrime" and "hacking" are related to an English synonym, a Russian translation
    and the cybercrime area."""
    def related_terms(text: str, limit: int = 20):
        if "cybercrime" not in text.lower() and "hacking" not in text.lower():
            return []
        return [lookup.RelatedTerm("киберпреступность", "ru", "cybercrime"),
                lookup.RelatedTerm("computer crime", "en", "cybercrime")]

    monkeypatch.setattr(lookup, "related_terms", related_terms)


def test_a_synonym_in_the_querys_language_ranks_above_a_translation(app, world, stand_in):
    owner = world["academy"]
    ru = make_text_item(owner, "Киберпреступность", "Киберпреступность.", language="ru")
    # A weaker match than the Russian item's: in a long summary only.
    filler = " ".join(f"word{n}" for n in range(30))
    en = make_text_item(owner, "Handbook", f"Computer crime and {filler}.")
    db.session.commit()
    result = search.search(None, "cybercrime", lang="en")
    assert result.ids[:2] == [en.id, ru.id]


def test_an_area_concept_finds_the_items_tagged_with_the_area(app, world, stand_in):
    owner = world["academy"]
    tagged = make_text_item(owner, "Digital evidence", "Seizing devices.", areas=("cybercrime",))
    literal = make_text_item(owner, "Hacking handbook", "Basics.")
    make_text_item(owner, "Drug routes", "Seizures.", areas=("illicit-drugs",))
    db.session.commit()
    result = search.search(None, "hacking")
    assert result.ids == [literal.id, tagged.id]
    assert search.search(None, "hacking", literal=True).ids == [literal.id]


def test_an_area_held_only_by_hidden_items_adds_nothing(app, world, stand_in):
    owner = world["academy"]
    make_text_item(owner, "Digital evidence", "Seizing devices.", areas=("cybercrime",), visibility="private")
    db.session.commit()
    result = search.search(None, "hacking")
    assert result.total == 0 and result.also_searched == []


def test_the_spelling_vocabulary_holds_joined_words_and_area_labels():
    record = {"area_labels": "en\tCyber-crime\nru\tКиберпреступность", "areas": [],
              "texts": [{"title": "I-24/7 in practice", "summary": "", "outcomes": ""}], "keywords": []}
    words = _spell_terms(record).split(",")
    assert {"cyber", "crime", "cybercrime", "киберпреступность", "i247", "practice"} <= set(words)


def test_a_misspelt_joined_word_is_corrected(app, world):
    owner = world["academy"]
    hits = [make_text_item(owner, f"Cyber-crime for first responders {n}", "Evidence.") for n in range(2)]
    db.session.commit()
    result = search.search(None, "cybercrme")
    assert result.corrected == "cybercrime" and result.corrected_applied
    assert set(result.ids) == {item.id for item in hits}
