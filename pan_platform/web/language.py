"""Language URL prefixes: /ru/catalogue is /catalogue in Russian.

The prefix is moved from PATH_INFO to SCRIPT_NAME, so every url_for() in that request
keeps the prefix by itself and the views never see it.

Prefixless URLs stay valid and canonical for "the user's language": /items/5 renders in
the language chosen from the user's preference or Accept-Language (see i18n.select_locale),
is marked `Vary: Accept-Language, Cookie`, and is listed as the `x-default` alternate.
Only exact, configured codes count as a prefix: /xx/items/5 and /RU/items/5 are ordinary
(unknown) paths and give the ordinary 404.
"""

from __future__ import annotations

from flask import Flask, Response, g, request
from flask_babel import get_locale, refresh

ENVIRON_KEY = "pan.url_lang"


class LanguagePrefixMiddleware:
    def __init__(self, app, languages: list[str]) -> None:
        self.app = app
        self.languages = set(languages)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        parts = path.split("/", 2)  # "", "ru", "rest"
        if len(parts) >= 2 and parts[1] in self.languages:
            environ[ENVIRON_KEY] = parts[1]
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + "/" + parts[1]
            environ["PATH_INFO"] = "/" + (parts[2] if len(parts) == 3 else "")
        return self.app(environ, start_response)


def url_language() -> str | None:
    """The language named by this request's URL prefix, if any."""
    return request.environ.get(ENVIRON_KEY)


def _unprefixed_root() -> str:
    """The application root without this request's language prefix."""
    root = request.script_root
    current = url_language()
    if current and root.endswith("/" + current):
        root = root[: -len(current) - 1]
    return root


def page_url(code: str | None, external: bool = False) -> str:
    """This page (same path and query string) in language `code`; None: without a prefix."""
    url = _unprefixed_root() + (f"/{code}" if code else "") + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    if external:
        url = request.host_url.rstrip("/") + url
    return url


def register(app: Flask) -> None:
    def _remember_url_language() -> None:
        g.url_lang = request.environ.get(ENVIRON_KEY)
        # Flask-Babel caches the locale on `g`, which outlives a request when an app
        # context was pushed around it (tests, CLI-driven requests): choose afresh.
        refresh()

    # First of all hooks: others may already build URLs or translate.
    app.before_request_funcs.setdefault(None, []).insert(0, _remember_url_language)

    @app.after_request
    def _language_headers(response: Response) -> Response:
        if url_language() is None:
            # The same URL answers in different languages: caches must keep them apart.
            response.vary.add("Accept-Language")
            response.vary.add("Cookie")
        try:
            response.headers.setdefault("Content-Language", str(get_locale() or "en"))
        except RuntimeError:
            pass
        return response
