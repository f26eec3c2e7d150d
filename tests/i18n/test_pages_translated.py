"""Home, catalogue, detail, sign-in and search pages in each of the seven languages:
right language and direction, and no English interface string left (content aside)."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD
from tests.i18n.catalogues import LANGUAGES, load_catalogue
from tests.i18n.pages import english_strings, html_attribute


def _pages(content) -> dict[str, dict]:
    """name -> request; every issue page, some with errors or a flash message."""
    return {
        "home": {"path": "/"},
        "catalogue": {"path": "/catalogue"},
        "catalogue, filtered to nothing": {"path": "/catalogue", "query": {"area": "terrorism", "page": "2"}},
        "detail of a module": {"path": f"/items/{content.module.id}"},
        "detail of a handbook": {"path": f"/items/{content.handbook.id}"},
        "sign-in": {"path": "/sign-in"},
        "sign-in with errors": {"path": "/sign-in", "method": "post", "data": {"email": "x", "password": ""}},
        "sign-in refused": {"path": "/sign-in", "method": "post",
                            "data": {"email": "nobody@siak.example", "password": "wrong password"}},
        "search": {"path": "/search"},
        "search with results": {"path": "/search", "query": {"q": "Sicherheitsakademie"}},
        "search without results": {"path": "/search", "query": {"q": "zzqqxx"}},
        "not found": {"path": "/items/999999", "status": 404},
        "events": {"path": "/events"},
        "events, month view": {"path": "/events/month"},
    }


def _get(client, language: str, spec: dict):
    url = f"/{language}{spec['path']}"
    if spec.get("method") == "post":
        return client.post(url, data=spec["data"])
    return client.get(url, query_string=spec.get("query"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_speak_the_language(client, content, language: str) -> None:
    catalogue = load_catalogue(language)
    english: dict[str, list[str]] = {}
    for name, spec in _pages(content).items():
        response = _get(client, language, spec)
        html = response.get_data(as_text=True)
        assert response.status_code == spec.get("status", 200), f"{language} {name}: {response.status_code}"
        assert html_attribute(html, "html", "lang") == language, name
        assert html_attribute(html, "html", "dir") == ("rtl" if language == "ar" else "ltr"), name
        if language != "en":
            english[name] = english_strings(html, catalogue)
    left = {name: strings for name, strings in english.items() if strings}
    assert not left, f"English interface strings on {language} pages: " + "; ".join(
        f"{name}: {strings}" for name, strings in left.items()
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_editor_pages_speak_the_language(client, content, language: str) -> None:
    """Signed in as an editor: the detail page's editing links and the translation editor."""
    # Signed in from a page in that language: the welcome message is in it too.
    client.post(f"/{language}/sign-in", data={"email": content.editor.email, "password": PASSWORD})
    catalogue = load_catalogue(language)
    target = "de" if language != "de" else "fr"
    pages = {
        "detail": f"/{language}/items/{content.handbook.id}",
        # The original text is content; the Russian edition's original holds no English words.
        "translation editor": f"/{language}/workspace/items/{content.russian_edition.id}/translations/{target}",
        "history": f"/{language}/workspace/items/{content.handbook.id}/history",
    }
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        html = response.get_data(as_text=True)
        assert html_attribute(html, "html", "lang") == language
        if language != "en":
            assert english_strings(html, catalogue) == [], f"{language} {name}"
