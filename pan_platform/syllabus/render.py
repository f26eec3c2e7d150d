"""The syllabus as HTML (for the screen and the printer) and as PDF (WeasyPrint).

The PDF is made from the same HTML. WeasyPrint fetches nothing from the network: its URL
fetcher serves the application's own static files and refuses every other address, so a
syllabus can never make the server call out (or read a file outside `static/`).
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale, get_locale
from markupsafe import Markup
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse
from werkzeug.security import safe_join

from pan_platform.accounts.operations import link_for
from pan_platform.catalogue.models import Item
from pan_platform.syllabus.outline import Node, syllabus_languages

STATIC_SCHEME = "pan-static:"
TYPES = {".css": "text/css", ".woff2": "font/woff2", ".png": "image/png", ".svg": "image/svg+xml"}


class StaticOnlyFetcher(URLFetcher):
    """Serves `pan-static:<path>` from the application's static folder; refuses the rest."""

    def __init__(self, static_folder: str) -> None:
        super().__init__(allowed_protocols=())
        self.static_folder = static_folder

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        if not url.startswith(STATIC_SCHEME):
            raise ValueError(f"not fetched: {url[:80]}")
        path = safe_join(self.static_folder, url.removeprefix(STATIC_SCHEME).lstrip("/"))
        if path is None or not Path(path).is_file() or Path(path).suffix not in TYPES:
            raise ValueError(f"no such static file: {url[:80]}")
        return URLFetcherResponse(url, Path(path).read_bytes(), {"Content-Type": TYPES[Path(path).suffix]})


def choose_language(item: Item, requested: str | None) -> str:
    """The syllabus language: the one asked for when the item has it, else the reader's
    own when the item has it, else the item's original language."""
    available = syllabus_languages(item)
    if requested in available:
        return requested
    current = str(get_locale() or "")
    return current if current in available else item.language


def interface_locale(language: str) -> str:
    # Headings and labels in the syllabus language when the interface has it.
    return language if language in current_app.config["PAN_LANGUAGES"] else str(get_locale() or "en")


def page_address(item: Item, language: str) -> str:
    """The item's public address (from PAN_BASE_URL), printed on the syllabus."""
    return link_for("catalogue.detail", interface_locale(language), item_id=item.id)


def render_body(outline: Node, language: str) -> Markup:
    """The syllabus itself, with its headings in `language`."""
    with force_locale(interface_locale(language)):
        return Markup(render_template(
            "syllabus/_body.html", outline=outline, language=language,
            page_address=page_address(outline.item, language),
        ))


def render_pdf(outline: Node, language: str) -> bytes:
    html = render_template(
        "syllabus/pdf.html", body=render_body(outline, language), outline=outline, language=language,
        stylesheet=f"{STATIC_SCHEME}css/syllabus.css",
    )
    fetcher = StaticOnlyFetcher(current_app.static_folder)
    return HTML(string=html, url_fetcher=fetcher, base_url=None).write_pdf()
