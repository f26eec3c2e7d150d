"""Every catalogue is complete: no untranslated, fuzzy, missing or malformed entry.

English is the source language (the msgids); the other six must translate everything.
"""

from __future__ import annotations

import pytest

from tests.i18n.catalogues import TRANSLATED, load_catalogue, po_path, source_messages


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogue_is_complete(language: str) -> None:
    assert po_path(language).exists(), f"{po_path(language)} is missing"
    catalogue = load_catalogue(language)
    problems: list[str] = []
    if catalogue.fuzzy:
        problems.append("the catalogue header is marked fuzzy")
    for message in catalogue:
        if not message.id:
            continue
        msgid = message.id[0] if message.pluralizable else message.id
        strings = message.string if message.pluralizable else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {msgid!r}")
        if not all(s and s.strip() for s in strings):
            problems.append(f"untranslated: {msgid!r}")
        if message.pluralizable and len(strings) != catalogue.num_plurals:
            problems.append(f"{len(strings)} plural forms instead of {catalogue.num_plurals}: {msgid!r}")
    for message, errors in catalogue.check():  # placeholders that would break at run time
        for error in errors:
            problems.append(f"invalid: {message.id!r}: {error}")
    missing = sorted(set(source_messages()) - {m.id[0] if m.pluralizable else m.id for m in catalogue if m.id})
    problems += [f"not in the catalogue (run `make translations`): {msgid!r}" for msgid in missing]
    assert not problems, f"{language}: {len(problems)} problems:\n" + "\n".join(problems[:60])


def test_source_strings_are_found() -> None:
    """The extraction the tests rely on sees templates and code alike."""
    messages = source_messages()
    assert "Sign in" in messages  # a template
    assert "Organized crime" in messages  # a lazy label in code
    assert messages["%(num)d resource"] == ("%(num)d resource", "%(num)d resources")
