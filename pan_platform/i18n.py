"""Locale selection and the translation helpers used everywhere.

`_` translates now (inside a request); `_l` is lazy, for labels defined at import time.
"""

from __future__ import annotations

from zoneinfo import available_timezones

from babel.dates import get_timezone_location
from flask import current_app, has_request_context, request
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

__all__ = [
    "_", "_l", "ngettext", "select_locale", "supported_languages", "supported_locale", "RTL_LANGUAGES",
    "time_zone_choices",
]

RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur"})


def supported_languages() -> list[str]:
    return list(current_app.config["PAN_LANGUAGES"])


def supported_locale(value: object, languages: list[str] | None = None) -> str | None:
    """`value` as one of the configured languages, or None.

    Accepts "ru", "RU", "ru-RU" and "ru_RU"; anything else (junk, "zz", a very long
    string, a non-string) is None, so callers fall back quietly instead of letting
    Babel raise on an unknown locale.
    """
    if not isinstance(value, str) or not value or len(value) > 35:
        return None
    languages = languages if languages is not None else supported_languages()
    code = value.strip().replace("_", "-").lower()
    if code in languages:
        return code
    primary = code.split("-", 1)[0]
    return primary if primary in languages else None


def _user_preference(languages: list[str]) -> str | None:
    if current_user is None or not getattr(current_user, "is_authenticated", False):
        return None
    return supported_locale(getattr(current_user, "locale", None), languages)


def _environment_locale(languages: list[str]) -> str | None:
    """The operator's language for command-line messages: the first supported one of the
    POSIX locale values config.py read ("ru_RU.UTF-8", "es_ES@euro")."""
    for value in current_app.config["PAN_COMMAND_LOCALES"]:
        found = supported_locale(value.split(".", 1)[0].split("@", 1)[0], languages)
        if found:
            return found
    return None


def select_locale() -> str:
    """URL prefix, then the signed-in user's preference, then Accept-Language, then English.

    Outside a request (the `pan` commands) the operator's environment decides, then English.
    E-mails choose the recipient's language themselves (mail.render uses force_locale).
    """
    languages = supported_languages()
    if not has_request_context():
        return _environment_locale(languages) or languages[0]
    # Read from the WSGI environ, not g: the locale may be needed before any before_request
    # hook has run (and is then cached for the whole request).
    from_url = request.environ.get("pan.url_lang")
    chosen = supported_locale(from_url, languages) or _user_preference(languages)
    if chosen:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


# The regions of the time-zone database, in the order the picker shows them; zones outside
# them (aliases such as "US/Eastern", "Etc/GMT+3") are left out of the list.
TIME_ZONE_REGIONS = {
    "Europe": _l("Europe"), "Asia": _l("Asia"), "Africa": _l("Africa"), "America": _l("Americas"),
    "Australia": _l("Australia"), "Pacific": _l("Pacific"), "Atlantic": _l("Atlantic Ocean"),
    "Indian": _l("Indian Ocean"), "Antarctica": _l("Antarctica"), "Arctic": _l("Arctic"),
}


def time_zone_choices(current: str | None = None) -> dict[str, list[tuple[str, str]]]:
    """Time zones grouped by region for a <select> with <optgroup>s, each named
    "Europe — Vienna" with the city in the interface language. `current` (the stored
    value) is kept even when it is an alias outside the regions."""
    locale = get_locale() or "en"
    groups: dict[str, list[tuple[str, str]]] = {}
    zones = available_timezones()
    for region, region_name in TIME_ZONE_REGIONS.items():
        entries = []
        for zone in zones:
            if zone.startswith(region + "/"):
                city = get_timezone_location(zone, locale, return_city=True)
                entries.append((zone, f"{region_name} — {city}"))
        groups[str(region_name)] = sorted(entries, key=lambda entry: entry[1])
    if current and current in zones and not any(current == z for e in groups.values() for z, _n in e):
        groups[_("Other")] = [(current, current)]
    return groups
