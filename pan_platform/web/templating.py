"""What every template may use: language, direction, switcher links, labels, can()."""

from __future__ import annotations

from functools import lru_cache

from babel.numbers import format_decimal as babel_format_decimal
from babel.units import format_unit
from flask import Flask, current_app
from flask_babel import format_date, format_datetime, format_time, get_locale
from flask_login import current_user
from markupsafe import Markup

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


# Facets whose values are codes of a vocabulary (catalogue/vocabularies.py).
_FACET_VOCABULARIES = {
    "area": "PRIORITY_AREAS", "type": "RESOURCE_TYPES", "audience": "AUDIENCES",
    "level": "LEVELS", "kind": "ITEM_KIND_PLURALS",
}


def facet_label(name: str, value: str, academy_names: dict) -> str:
    """One value of a list filter as the reader sees it: an area's label, a language's or
    country's name, an academy's name (`academy_names`: id -> name, from the view)."""
    if name == "language":
        return language_name(value)
    if name == "country":
        return country_name(value)
    if name == "academy":
        return academy_names.get(value, value)
    vocabulary = _FACET_VOCABULARIES.get(name)
    return str(vocab.label(getattr(vocab, vocabulary), value)) if vocabulary else value


def when(value, fmt: str = "medium") -> str:
    """A moment in the user's time zone; by default the medium date with the short time
    ("2 Dec 2026, 05:38"), joined as the locale joins them: a month name is never
    ambiguous and seconds are noise."""
    if not value:
        return ""
    if fmt != "medium":
        return format_datetime(value, fmt)
    locale = get_locale()
    pattern = locale.datetime_formats.get("medium", "{1} {0}") if locale else "{1}, {0}"
    return str(pattern).replace("{1}", format_date(value, "medium")).replace("{0}", format_time(value, "short"))


# Sizes in the units people read, with the locale's digits and unit names ("1,2 МБ").
_SIZE_UNITS = ("byte", "kilobyte", "megabyte", "gigabyte", "terabyte")


def file_size(value: int | None) -> str:
    if value is None:
        return ""
    size, step = float(value), 0
    while size >= 1000 and step < len(_SIZE_UNITS) - 1:
        size, step = size / 1000, step + 1
    locale = get_locale() or "en"
    return format_unit(round(size, 1), f"digital-{_SIZE_UNITS[step]}", length="short", locale=locale,
                       format="#,##0.#")


def list_separator() -> str:
    """The comma between listed values: Arabic writes "،" (CLDR's list patterns add "and"
    or drop the comma in some languages, so plain separators are kept here)."""
    return "، " if str(get_locale() or "en") == "ar" else ", "


def join_list(values) -> str:
    """A list joined as the language does: "a, b, c" in English, "a، b، c" in Arabic."""
    return Markup(list_separator()).join(values)


def bdi(value) -> Markup:
    """`value` isolated from the sentence around it: a Latin code, file name or organisation
    name inside an Arabic sentence (or the other way round) keeps its own direction."""
    if value is None or value == "":
        return Markup("")
    return Markup("<bdi>%s</bdi>") % value


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


TEMPLATE_SUFFIXES = (".html", ".xml", ".txt")


def compile_templates(app: Flask) -> int:
    """Compile every template now (gunicorn's master, before it forks the workers): a worker
    that replaces another then starts with them compiled instead of spending its first
    requests on it (an item page's first request: 304 -> 136 ms). Opens no connection, no
    index and no thread. Returns how many were compiled."""
    env = app.jinja_env
    names = [name for name in env.list_templates() if name.endswith(TEMPLATE_SUFFIXES)]
    with app.app_context():
        for name in names:
            env.get_template(name)
    return len(names)


def register(app: Flask) -> None:
    language.register(app)

    @app.context_processor
    def _globals() -> dict:
        lang = str(get_locale() or "en")
        return {
            "lang": lang,
            "text_dir": "rtl" if lang in RTL_LANGUAGES else "ltr",
            "content_dir": content_dir,
            "list_separator": list_separator,
            "languages": app.config["PAN_LANGUAGES"],
            "language_names": LANGUAGE_NAMES,
            "language_name": language_name,
            "country_name": country_name,
            "switch_language_url": switch_language_url,
            "alternate_links": alternate_links,
            "can": lambda action, obj=None: can(current_user, action, obj),
            "vocab": vocab,
            "label": vocab.label,
            "facet_label": facet_label,
            "COUNTRY_KINDS": COUNTRY_KINDS,
            "ORGANISATION_KINDS": ORGANISATION_KINDS,
        }

    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""
    app.jinja_env.filters["datetime"] = when
    # Jinja's own filesizeformat speaks English only; every template gets the localised one.
    app.jinja_env.filters["filesizeformat"] = file_size
    app.jinja_env.filters["join_list"] = join_list
    app.jinja_env.filters["bdi"] = bdi
    app.jinja_env.filters["language_name"] = language_name
    app.jinja_env.filters["country_name"] = country_name
    app.jinja_env.filters["number"] = number


def number(value) -> str:
    """A count in the page's language ("1,234", "1.234", "1 234")."""
    if value is None:
        return ""
    return _formatted(str(get_locale() or "en"), value)


@lru_cache(maxsize=4096)
def _formatted(locale: str, value) -> str:
    # A search page shows ~170 facet counts; Babel's formatting of each was a tenth of the
    # page's time, and the same small numbers recur on every page.
    return babel_format_decimal(value, locale=locale)
