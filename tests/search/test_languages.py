"""Stemming and stop words per language: inflected forms find their stems."""

from __future__ import annotations

import pytest

from pan_platform import search
from pan_platform.extensions import db
from pan_platform.search.analysis import analyzer_for, field_language
from tests.search.conftest import add_translation, make_text_item


def stems(lang: str, text: str) -> list[str]:
    return [t.text for t in analyzer_for(lang)(text)]


@pytest.mark.parametrize(
    ("lang", "inflected", "base"),
    [
        ("ru", "полицейских", "полиция"),
        ("ru", "расследования", "расследование"),
        ("de", "Ermittlungen", "Ermittlung"),
        ("de", "Beamten", "Beamte"),
        ("fr", "enquêtes", "enquête"),
        ("fr", "formations", "formation"),
        ("en", "investigations", "investigating"),
        ("es", "investigaciones", "investigación"),
        ("it", "indagini", "indagine"),
    ],
)
def test_inflected_forms_share_a_stem(lang, inflected, base):
    assert stems(lang, inflected) == stems(lang, base)


def test_stop_words_are_dropped_and_other_languages_are_kept_whole():
    assert stems("en", "the training of the police") == stems("en", "training police")
    assert stems("de", "die Ausbildung der Polizei") == stems("de", "Ausbildung Polizei")
    assert stems("other", "Polis eğitimi") == ["polis", "eğitimi"]
    assert stems("other", "تدريب الشرطة") == ["تدريب", "الشرطة"]
    assert field_language("uk") == "other" and field_language("ru-RU") == "ru" and field_language("tr") == "tr"


@pytest.fixture
def corpus(app, world):
    academy = world["academy"]
    items = {
        "ru": make_text_item(academy, "Полиция и общество", "Работа с населением", language="ru"),
        "de": make_text_item(academy, "Digitale Ermittlung", "Die Ermittlung im Netz", language="de"),
        "fr": make_text_item(academy, "L'enquête criminelle", "Méthodes d'enquête", language="fr"),
        "en": make_text_item(academy, "Community policing", "Working with communities", language="en"),
        "ar": make_text_item(academy, "تدريب الشرطة", "دليل المدرب", language="ar"),
    }
    add_translation(items["en"], "ru", "Работа полиции с общинами", "Полицейская работа")
    db.session.commit()
    return items


@pytest.mark.parametrize(
    ("ui_lang", "query", "key"),
    [
        ("ru", "полицейских", "ru"),
        ("de", "Ermittlungen", "de"),
        ("fr", "enquêtes", "fr"),
        ("en", "communities", "en"),
        ("ar", "الشرطة", "ar"),
    ],
)
def test_search_finds_inflected_forms_in_the_interface_language(corpus, ui_lang, query, key):
    result = search.search(None, query, lang=ui_lang)
    assert corpus[key].id in result.ids


def test_cyrillic_query_finds_russian_text_from_any_interface_language(corpus):
    result = search.search(None, "полицейских", lang="en")
    assert corpus["ru"].id in result.ids
    # The English item is found through its Russian translation.
    assert corpus["en"].id in result.ids


@pytest.mark.parametrize("ui_lang", ["ru", "ar"])
def test_latin_query_under_a_non_latin_interface_finds_english_summaries(corpus, ui_lang):
    # "works" is only in the English summary ("Working with communities"), stemmed.
    result = search.search(None, "works", lang=ui_lang)
    assert result.ids == [corpus["en"].id]


def test_language_filter_analyses_the_query_in_that_language(corpus):
    result = search.search(None, "Ermittlungen", filters={"language": "de"}, lang="en")
    assert result.ids == [corpus["de"].id]


def test_unrelated_word_finds_nothing(corpus):
    assert search.search(None, "zebra", lang="en").total == 0
