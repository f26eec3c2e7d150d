"""Translations of an item's title, summary and learning outcomes: save and delete.

Operations check `can(user, "edit", item)` themselves, keep the item's list of available
languages up to date, leave an audit event with the change and commit (the rule of
`pan_platform/operations.py`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from flask import current_app

from pan_platform.access import can
from pan_platform.audit.models import record
from pan_platform.catalogue.models import Item, ItemTranslation
from pan_platform.i18n import _
from pan_platform.operations import OperationError, operation
from pan_platform.util import utcnow

TITLE_MAX = 300
TEXT_MAX = 20_000


class TranslationError(OperationError):
    """A translation that cannot be saved; the message is for the user, in their language."""


@dataclass
class TranslationText:
    title: str
    summary: str = ""
    learning_outcomes: str = ""

    def cleaned(self) -> TranslationText:
        """Trimmed text without control characters; outcomes one per line, no blank lines."""
        lines = [line.strip() for line in _printable(self.learning_outcomes).splitlines()]
        return TranslationText(
            title=" ".join(_printable(self.title).split()),
            summary=_printable(self.summary).strip(),
            learning_outcomes="\n".join(line for line in lines if line),
        )


def _printable(text: str | None) -> str:
    # NUL and other control characters (pasted from PDFs) are refused by PostgreSQL text
    # columns and mean nothing to a reader; line breaks and tabs stay.
    return "".join(c for c in (text or "") if c in "\n\t" or unicodedata.category(c) != "Cc")


def translation_languages(item: Item) -> list[str]:
    """Languages an item may be translated into: the interface languages but its own."""
    return [code for code in current_app.config["PAN_LANGUAGES"] if code != item.language]


def _check(user, item: Item, language: str) -> None:
    if not can(user, "edit", item):
        raise TranslationError(_("You do not have permission to do this."))
    if language not in translation_languages(item):
        raise TranslationError(_("Translations can be added in the interface languages other than the original."))


@operation
def save_translation(user, item: Item, language: str, text: TranslationText) -> ItemTranslation:
    """Create or replace the translation of `item` into `language`."""
    _check(user, item, language)
    text = text.cleaned()
    if not text.title:
        raise TranslationError(_("Please enter the translated title."))
    if len(text.title) > TITLE_MAX:
        raise TranslationError(_("The title is too long (at most %(max)d characters).", max=TITLE_MAX))
    if len(text.summary) > TEXT_MAX or len(text.learning_outcomes) > TEXT_MAX:
        raise TranslationError(_("The text is too long (at most %(max)d characters).", max=TEXT_MAX))
    translation = item.translation(language)
    created = translation is None
    if created:
        translation = ItemTranslation(language=language, title=text.title)
        item.translations.append(translation)
    translation.title = text.title
    translation.summary = text.summary or None
    translation.learning_outcomes = text.learning_outcomes or None
    item.refresh_languages()
    item.updated_at = utcnow()
    record("translate", user, item, language=language, change="added" if created else "updated")
    return translation


@operation
def delete_translation(user, item: Item, language: str) -> bool:
    """Remove the translation into `language`; False when there was none."""
    _check(user, item, language)
    translation = item.translation(language)
    if translation is None:
        return False
    item.translations.remove(translation)
    item.refresh_languages()
    item.updated_at = utcnow()
    record("translate", user, item, language=language, change="deleted")
    return True
