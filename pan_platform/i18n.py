"""Locale selection and the translation helpers used everywhere.

`_` translates now (inside a request); `_l` is lazy, for labels defined at import time.
"""

from __future__ import annotations

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

__all__ = ["_", "_l", "ngettext", "select_locale", "supported_languages", "RTL_LANGUAGES"]

RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur"})


def supported_languages() -> list[str]:
    return list(current_app.config["PAN_LANGUAGES"])


def select_locale() -> str:
    """URL prefix, then the user's preference, then Accept-Language, then English.

    Every candidate is checked against the configured list: an unvalidated locale
    string would make Babel raise.
    """
    languages = supported_languages()
    chosen = getattr(g, "url_lang", None)
    if chosen in languages:
        return chosen
    from flask_login import current_user

    preferred = getattr(current_user, "locale", None) if current_user else None
    if preferred in languages:
        return preferred
    best = request.accept_languages.best_match(languages) if request else None
    return best or languages[0]
