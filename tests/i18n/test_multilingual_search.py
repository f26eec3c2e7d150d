"""A material with a Russian and an English version is found by a Russian query and by an
English one, and each reader sees the version in their own language first."""

from __future__ import annotations

import re

import pytest

from pan_platform.catalogue.language_versions import ItemLanguageVersion
from pan_platform.catalogue.models import ItemTranslation
from pan_platform.extensions import db
from tests.conftest import sign_in
from tests.factories import make_item, make_org, make_user

EN_TITLE = "Handbook on trafficking in human beings"
EN_OF_RU = "Guide to investigating trafficking in human beings"
RU_TITLE = "Пособие по расследованию торговли людьми"
RU_OF_EN = "Справочник по противодействию торговле людьми"


@pytest.fixture
def versions(app):
    """The English handbook and its Russian edition: each carries a translation of its
    title into the other language, and they are linked as language versions."""
    academy = make_org("academy", name="Akademiya MVD")
    english = make_item(academy, title=EN_TITLE, summary="Victims, indicators and interviews.",
                        resource_type="handbook", areas=("human-trafficking",))
    english.translations.append(ItemTranslation(language="ru", title=RU_OF_EN, summary="Жертвы и признаки."))
    english.refresh_languages()
    russian = make_item(academy, title=RU_TITLE, summary="Жертвы, признаки и опрос потерпевших.", language="ru",
                        resource_type="handbook", areas=("human-trafficking",))
    russian.translations.append(ItemTranslation(language="en", title=EN_OF_RU, summary="Victims and indicators."))
    russian.refresh_languages()
    unrelated = make_item(academy, title="Cyber-crime exercise", areas=("cybercrime",))
    db.session.add_all([
        ItemLanguageVersion(item_id=english.id, group_id="thb-handbook"),
        ItemLanguageVersion(item_id=russian.id, group_id="thb-handbook"),
    ])
    db.session.commit()
    return english, russian, unrelated


def _result_ids(html: str) -> list[int]:
    """Item ids linked from the results, in page order (each once)."""
    results = html[html.find('id="main"'):]
    ids = [int(i) for i in re.findall(r'href="(?:/[a-z]{2})?/items/(\d+)"', results)]
    return list(dict.fromkeys(ids))


# (interface language, query): Russian queries in Russian and in English, English queries in English.
QUERIES = [
    ("ru", "торговля людьми"), ("ru", "торговли"), ("en", "торговля людьми"),
    ("en", "trafficking"), ("en", "trafficking human beings"),
]


@pytest.mark.parametrize(("language", "query"), QUERIES)
def test_both_versions_are_found(app, client, versions, language, query):
    english, russian, unrelated = versions
    page = client.get(f"/{language}/search", query_string={"q": query})
    assert page.status_code == 200
    found = _result_ids(page.get_data(as_text=True))
    assert {english.id, russian.id} <= set(found), found
    assert unrelated.id not in found


@pytest.mark.parametrize(("language", "query"), [("ru", "торговля людьми"), ("ru", "торговли"), ("en", "trafficking")])
def test_each_reader_sees_the_version_in_their_language_first(app, client, versions, language, query):
    english, russian, _ = versions
    reader = make_user(make_org("academy"), "trainer")
    reader.locale = language  # their profile's language; the URL has no prefix
    db.session.commit()
    sign_in(client, reader)
    html = client.get("/search", query_string={"q": query}).get_data(as_text=True)
    found = _result_ids(html)
    own, other = (russian, english) if language == "ru" else (english, russian)
    assert found.index(own.id) < found.index(other.id), found
    # Each result is shown in the reader's language: the other version by its translated title.
    titles = (RU_TITLE, RU_OF_EN) if language == "ru" else (EN_TITLE, EN_OF_RU)
    text = re.sub(r"<[^>]+>", "", html)  # titles may carry highlighting
    assert all(title in text for title in titles)
