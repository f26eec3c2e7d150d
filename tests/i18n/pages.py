"""Finding English interface strings in a rendered page.

A page's text is every text node and every attribute a person reads (aria-label, title,
placeholder, alt, button values), minus content: elements carrying a `lang` attribute
(titles, summaries, the language switcher's native names) are left out with their
subtree, as are scripts and styles.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from babel.messages.catalog import Catalog

from tests.i18n.catalogues import message_pattern, source_messages

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
READ_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "aria-description"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.texts: list[str] = []

    def _skipping(self) -> bool:
        return any(skipped for _tag, skipped in self.stack)

    def handle_starttag(self, tag: str, attrs) -> None:
        attrs = dict(attrs)
        skip = tag in ("script", "style") or ("lang" in attrs and tag != "html")
        if not (skip or self._skipping()):
            for name, value in attrs.items():
                if value and (name in READ_ATTRIBUTES or (
                    name == "value" and tag == "input" and attrs.get("type") in ("submit", "button", "reset")
                ) or (name == "content" and tag == "meta" and attrs.get("name") == "description")):
                    self.texts.append(value)
        if tag not in VOID:
            self.stack.append((tag, skip))

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        if data.strip() and not self._skipping():
            self.texts.append(" ".join(data.split()))


def readable_texts(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser.texts


def _translations(catalogue: Catalog) -> list[str]:
    out: list[str] = []
    for message in catalogue:
        if message.id:
            out += [s for s in (message.string if message.pluralizable else (message.string,)) if s]
    return out


def english_strings(html: str, catalogue: Catalog) -> list[str]:
    """The English source strings (msgids) that appear in the page's interface text.

    A msgid that also occurs inside one of this language's translations is not counted:
    it is the same in both languages ("PAN", "CC BY 4.0", Italian "Video", German "Module").
    """
    # NUL between texts: a string is only found within one text, never across two.
    page = "\0".join(readable_texts(html))
    translations = "\0".join(_translations(catalogue))
    found: list[str] = []
    for forms in source_messages().values():
        for form in forms:
            pattern = message_pattern(form)
            if pattern is not None and pattern.search(page) and not pattern.search(translations):
                found.append(form)
                break
    return found


def html_attribute(html: str, tag: str, name: str) -> str | None:
    match = re.search(rf"<{tag}\b[^>]*\b{name}=\"([^\"]*)\"", html)
    return match.group(1) if match else None
