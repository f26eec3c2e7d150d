"""Choosing the language: URL prefix, then the user's preference, then Accept-Language,
then English; junk never errors; the switcher keeps the page; hreflang alternates."""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape

import pytest

from config import load_config
from pan_platform.catalogue.models import ItemTranslation
from pan_platform.extensions import db
from tests.conftest import sign_in
from tests.factories import make_item, make_org, make_user
from tests.i18n.catalogues import LANGUAGES
from tests.i18n.pages import html_attribute


def _lang(response) -> str | None:
    return html_attribute(response.get_data(as_text=True), "html", "lang")


def _switcher_links(html: str) -> dict[str, str]:
    nav = re.search(r'<nav class="language-switcher.*?</nav>', html, re.S).group(0)
    return {code: unescape(href) for href, code in re.findall(r'<a href="([^"]+)" hreflang="([^"]+)"', nav)}


@pytest.fixture
def material(app):
    academy = make_org("academy")
    item = make_item(academy, title="Handbook on trafficking in human beings")
    item.translations.append(ItemTranslation(language="ru", title="Пособие по противодействию торговле людьми"))
    item.refresh_languages()
    db.session.commit()
    return item


def test_order_prefix_then_user_then_accept_language_then_english(app, client, material):
    assert _lang(client.get("/")) == "en"
    assert _lang(client.get("/", headers={"Accept-Language": "de-AT,de;q=0.9,en;q=0.5"})) == "de"
    assert _lang(client.get("/ar/", headers={"Accept-Language": "de"})) == "ar"
    user = make_user(make_org("academy"))
    user.locale = "fr"
    db.session.commit()
    sign_in(client, user)
    assert _lang(client.get("/", headers={"Accept-Language": "de"})) == "fr"  # preference over the browser
    assert _lang(client.get("/it/", headers={"Accept-Language": "de"})) == "it"  # the URL over both
    assert _lang(client.get("/ru")) == "ru"  # the bare prefix is that language's home page


JUNK_HEADERS = ["***", "*", "zz", "zz-ZZ, xx;q=0.9", "de;q=abc", ";;;,,,", "en-US;q=2", "ru;q=-1", "a" * 5000, "\u00e9", ""]


def test_junk_accept_language_falls_back_quietly(app, client):
    for header in JUNK_HEADERS:
        response = client.get("/catalogue", headers={"Accept-Language": header})
        assert response.status_code == 200, header
        assert _lang(response) in LANGUAGES, header


def test_stored_user_locale_junk_falls_back_quietly(app, client):
    user = make_user(make_org("academy"))
    db.session.commit()
    sign_in(client, user)
    expected = {"ru_RU": "ru", "RU": "ru", "de-CH": "de"}
    # (No NUL byte here: PostgreSQL cannot store one at all.)
    for stored in ["zz", "", "   ", "x" * 8, "ru_RU", "RU", "de-CH", "../en", "en\t"]:
        user.locale = stored
        db.session.commit()
        response = client.get("/")
        assert response.status_code == 200, stored
        assert _lang(response) == expected.get(stored, "en"), stored


def test_unknown_prefixes_are_ordinary_not_found_pages(app, client):
    for path in ["/xx/", "/xx/items/1", "/RU/catalogue", "/r/", "/ru-RU/", "/%00/", "/../en/"]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert _lang(response) in LANGUAGES, path


def test_switcher_keeps_the_page_and_query_string(app, client, material):
    page = client.get(f"/items/{material.id}?from=search&q=%D0%BF%D0%BE%D1%81")
    links = _switcher_links(page.get_data(as_text=True))
    assert set(links) == set(LANGUAGES)
    assert links["ru"] == f"/ru/items/{material.id}?from=search&q=%D0%BF%D0%BE%D1%81"
    russian = client.get(links["ru"])
    assert russian.status_code == 200 and _lang(russian) == "ru"
    assert "Пособие по противодействию торговле людьми" in russian.get_data(as_text=True)
    # From a prefixed page to another language: the prefix is replaced, not added.
    again = _switcher_links(russian.get_data(as_text=True))
    assert again["fr"] == f"/fr/items/{material.id}?from=search&q=%D0%BF%D0%BE%D1%81"
    assert again["en"] == f"/en/items/{material.id}?from=search&q=%D0%BF%D0%BE%D1%81"
    french = client.get(again["fr"])
    assert _lang(french) == "fr" and "Handbook on trafficking in human beings" in french.get_data(as_text=True)


def test_links_inside_a_language_keep_its_prefix(app, client, material):
    html = client.get(f"/de/items/{material.id}").get_data(as_text=True)
    assert 'href="/de/catalogue"' in html
    assert f'/de/sign-in?next=/de/items/{material.id}' in html  # after sign-in, back to the German page


def test_hreflang_alternates_and_x_default(app, client, material):
    html = client.get(f"/es/items/{material.id}?page=2").get_data(as_text=True)
    alternates = {code: unescape(href) for code, href in re.findall(
        r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html)}
    assert set(alternates) == set(LANGUAGES) | {"x-default"}
    assert alternates["ru"] == f"http://localhost/ru/items/{material.id}?page=2"
    assert alternates["x-default"] == f"http://localhost/items/{material.id}?page=2"


def test_prefixless_pages_vary_by_language(app, client):
    plain = client.get("/")
    assert {"Accept-Language", "Cookie"} <= set(plain.vary)
    assert plain.headers["Content-Language"] == "en"
    prefixed = client.get("/fr/")
    assert "Accept-Language" not in prefixed.vary and prefixed.headers["Content-Language"] == "fr"


def test_arabic_is_right_to_left(app, client):
    html = client.get("/ar/").get_data(as_text=True)
    assert html_attribute(html, "html", "dir") == "rtl" and html_attribute(html, "html", "lang") == "ar"
    assert html_attribute(client.get("/ru/").get_data(as_text=True), "html", "dir") == "ltr"


def test_dates_numbers_and_countries_follow_the_locale(app, client):
    academy = make_org("academy", country="DE")
    item = make_item(academy, duration_hours=1234.5)
    item.published_at = datetime(2026, 3, 5, 10, 0)
    db.session.commit()
    german = client.get(f"/de/items/{item.id}").get_data(as_text=True)
    assert "Deutschland" in german and "05.03.2026" in german and "1.234,5" in german
    french = client.get(f"/fr/items/{item.id}").get_data(as_text=True)
    assert "Allemagne" in french and "5 mars 2026" in french and "1\u202f234,5" in french
    russian = client.get(f"/ru/items/{item.id}").get_data(as_text=True)
    assert "Германия" in russian and "5 мар. 2026" in russian
    arabic = client.get(f"/ar/items/{item.id}").get_data(as_text=True)
    assert "ألمانيا" in arabic


def test_command_line_messages_follow_the_operators_locale(app, tmp_path):
    from flask_babel import get_locale, refresh

    cases = [
        ({"LANG": "de_DE.UTF-8"}, "de"), ({"LC_ALL": "ru_RU.utf8", "LANG": "fr_FR.UTF-8"}, "ru"),
        ({"LANGUAGE": "xx:ar", "LANG": "de_DE.UTF-8"}, "ar"), ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "zz_ZZ"}, "en"), ({"LC_MESSAGES": "es_ES@euro"}, "es"), ({}, "en"),
    ]
    for environment, expected in cases:
        settings = load_config(env={"PAN_INSTANCE_DIR": str(tmp_path), **environment})
        app.config["PAN_COMMAND_LOCALES"] = settings["PAN_COMMAND_LOCALES"]
        refresh()
        assert str(get_locale()) == expected, environment
