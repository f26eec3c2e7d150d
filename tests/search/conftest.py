"""Helpers for search tests: items with texts in several languages, a fresh index."""

from __future__ import annotations

import pytest

from pan_platform.catalogue.models import ItemTranslation
from pan_platform.extensions import db
from tests.factories import make_item, make_org, make_user


def add_translation(item, language: str, title: str, summary: str = "", outcomes: str = "") -> None:
    item.translations.append(
        ItemTranslation(language=language, title=title, summary=summary, learning_outcomes=outcomes)
    )
    item.refresh_languages()


@pytest.fixture
def world(app):
    """Two academies, a partner, a named partner, users of every role, a few items."""
    academy = make_org("academy", slug="academy-a", country="AT")
    other = make_org("academy", slug="academy-b", country="DE")
    partner = make_org("partner", slug="partner-p", country=None)
    named = make_org("partner", slug="partner-n", country=None)
    secretariat = make_org("secretariat", slug="secretariat", country="AT")
    users = {
        "anonymous": None,
        "owner_trainer": make_user(academy, "trainer"),
        "owner_editor": make_user(academy, "editor"),
        "other_editor": make_user(other, "editor"),
        "other_admin": make_user(other, "org_admin"),
        "partner": make_user(partner, "trainer"),
        "named_partner": make_user(named, "trainer"),
        "secretariat": make_user(secretariat, "trainer"),
        "platform_admin": make_user(secretariat, "platform_admin"),
    }
    db.session.commit()
    return {"academy": academy, "other": other, "partner": partner, "named": named, "users": users}


def make_text_item(owner, title: str, summary: str = "", language: str = "en", **kw):
    return make_item(owner, title=title, summary=summary, language=language, **kw)
