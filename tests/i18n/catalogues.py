"""Reading the message catalogues and the English source strings, for the i18n tests."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from config import BASE_DIR, DEFAULT_LANGUAGES

TRANSLATIONS = BASE_DIR / "translations"
LANGUAGES = DEFAULT_LANGUAGES.split(",")
SOURCE_LANGUAGE = "en"
TRANSLATED = [code for code in LANGUAGES if code != SOURCE_LANGUAGE]
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None}


def po_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def load_catalogue(language: str) -> Catalog:
    with po_path(language).open("rb") as fh:
        return read_po(fh, locale=language)


@functools.cache
def source_messages() -> dict[str, tuple[str, ...]]:
    """Every string marked for translation in the code and templates, as `make translations`
    extracts it (babel.cfg, keywords `_`, `_l`, gettext, ngettext ...): msgid -> all its forms."""
    with (BASE_DIR / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found: dict[str, tuple[str, ...]] = {}
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(BASE_DIR), method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True
    ):
        forms = tuple(message) if isinstance(message, (list, tuple)) else (message,)
        forms = tuple(form for form in forms if form)
        if forms:
            found[forms[0]] = forms
    return found


def compile_catalogues(target: Path) -> Path:
    """Compile every .po into `target` (fuzzy entries are not used), for rendering tests."""
    for language in LANGUAGES:
        catalogue = load_catalogue(language)
        out = target / language / "LC_MESSAGES"
        out.mkdir(parents=True, exist_ok=True)
        with (out / "messages.mo").open("wb") as fh:
            write_mo(fh, catalogue, use_fuzzy=False)
    return target


_PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdfr]|%[sdfr]|\{[a-z_]*\}")


@functools.cache
def message_pattern(text: str) -> re.Pattern | None:
    """A pattern finding `text` in a page, its placeholders standing for anything.

    None for strings without letters once the placeholders are gone (nothing English in them).
    """
    pieces = _PLACEHOLDER.split(text)
    if not any(re.search(r"[^\W\d_]", piece) for piece in pieces):
        return None
    # Texts are joined with NUL (see pages.py): a placeholder never spans two of them.
    body = "[^\\0]+?".join(r"\s+".join(re.escape(word) for word in re.split(r"\s+", piece)) for piece in pieces)
    start = r"(?<!\w)" if re.match(r"\w", text) else ""
    end = r"(?!\w)" if re.search(r"\w$", text) else ""
    return re.compile(start + body + end)
