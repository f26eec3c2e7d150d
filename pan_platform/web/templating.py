"""What every template may use: language, direction, switcher links, labels, can()."""

from __future__ import annotations

from flask import Flask, current_app
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_login import current_user

from pan_platform.access import can
from pan_platform.catalogue import vocabularies as vocab
from pan_platform.i18n import RTL_LANGUAGES
from pan_platform.organisations.models import COUNTRY_KINDS, ORGANISATION_KINDS
from pan_platform.web import language
from pan_platform.web.language import page_url

# Native names: a language switcher lists each language in its own script.
LANGUAGE_NAMES = {
    "en": "English", "ru": "Русский", "fr": "Français", "de": "Deutsch",
    "es": "Español", "it": "Italiano", "ar": "العربية",
}


def language_name(code: str) -> str:
    """A language's name in the current locale (CLDR), else the code."""
    try:
        return get_locale().languages.get(code, code)
    except (AttributeError, RuntimeError):
        return code


def country_name(code: str) -> str:
    try:
        return get_locale().territories.get(code, code)
    except (AttributeError, RuntimeError):
        return code


def content_dir(code: str | None) -> str:
    """Writing direction of content in language `code` (for dir="" on lists and blocks)."""
    return "rtl" if code in RTL_LANGUAGES else "ltr"


def switch_language_url(code: str) -> str:
    """This page in another language: same path and query string, other prefix."""
    return page_url(code)


def alternate_links() -> list[tuple[str, str]]:
    """(hreflang, absolute URL) for <link rel="alternate">: every language, then x-default.

    x-default is the prefixless URL, which answers in the visitor's negotiated language.
    """
    links = [(code, page_url(code, external=True)) for code in current_app.config["PAN_LANGUAGES"]]
    links.append(("x-default", page_url(None, external=True)))
    return links


def register(app: Flask) -> None:
    language.register(app)

    @app.context_processor
    def _globals() -> dict:
        lang = str(get_locale() or "en")
        return {
            "lang": lang,
            "text_dir": "rtl" if lang in RTL_LANGUAGES else "ltr",
            "content_dir": content_dir,
            "languages": app.config["PAN_LANGUAGES"],
            "language_names": LANGUAGE_NAMES,
            "language_name": language_name,
            "country_name": country_name,
            "switch_language_url": switch_language_url,
            "alternate_links": alternate_links,
            "can": lambda action, obj=None: can(current_user, action, obj),
            "vocab": vocab,
            "label": vocab.label,
            "COUNTRY_KINDS": COUNTRY_KINDS,
            "ORGANISATION_KINDS": ORGANISATION_KINDS,
        }

    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""
    app.jinja_env.filters["datetime"] = (
        lambda value, fmt="medium": format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["language_name"] = language_name
    app.jinja_env.filters["country_name"] = country_name
    app.jinja_env.filters["number"] = lambda value: format_decimal(value) if value is not None else ""
