"""SQL statements per main page: a budget each, and no N+1.

Every statement sent to the database during one request is counted (SQLAlchemy's
`before_cursor_execute`). A page of 30 items must cost the same as a page of 5: a list
that loads its owners, areas, languages or translations one row at a time fails here.
The budgets below are for a page built from a cold session, counts cache warm or cold
as stated.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import event

from pan_platform.catalogue.models import ItemTranslation
from pan_platform.catalogue.vocabularies import PRIORITY_AREAS
from pan_platform.extensions import db
from pan_platform.sharing.models import ItemPolicy, SharingAgreement
from pan_platform.util import utcnow
from tests.conftest import make_app, running, sign_in
from tests.factories import make_item, make_org, make_user

AREAS = list(PRIORITY_AREAS)
LANGUAGES = ("en", "de", "fr", "ru")

# Statements per page, signed out / signed in. Aim: at most 10. Each budget is the
# count measured when it was set; the comment says where the statements go.
BUDGETS: dict[str, tuple[int | None, int | None]] = {
    # counts (cached) + 1 page of recent items + its eager loads; signed in: + user + orgs
    "home": (0, 0),
    "catalogue": (0, 0),
    "catalogue_area": (0, 0),
    "search": (0, 0),
    "item": (0, 0),
    "workspace": (None, 0),
    "shared": (None, 0),
    "api_list": (0, 0),
    "api_search": (0, 0),
}


@dataclass
class Viewer:
    email: str


@dataclass
class World:
    urls: dict[str, str]
    trainer: Viewer
    editor: Viewer
    partner_user: Viewer


def _build(n: int) -> World:
    """`n` published materials of three academies in several areas and languages, half of
    them in a module, some marked, some shared with a partner, one agreement."""
    academies = [make_org("academy", country=code) for code in ("AT", "DE", "FR")]
    partner = make_org("partner", country="BE")
    curriculum = make_item(academies[0], kind="curriculum", title="Training curriculum")
    module = make_item(academies[0], kind="module", parent=curriculum, visibility="public",
                       title="Training module")
    for i in range(n):
        owner = academies[i % 3]
        in_module = i % 6 == 0  # owned by academies[0], like the module
        item = make_item(
            owner,
            parent=module if in_module else None,
            visibility=None if in_module else ("public", "network", "partners")[i % 3],
            areas=(AREAS[i % len(AREAS)], AREAS[(i + 3) % len(AREAS)]),
            language=LANGUAGES[i % len(LANGUAGES)],
            title=f"Training material {i}",
            summary=f"Summary of training material {i}",
            shares=(partner,) if i % 5 == 0 else (),
        )
        item.translations.append(ItemTranslation(language="it", title=f"Materiale {i}", summary="Sommario"))
        item.refresh_languages()
        if i % 4 == 0:
            item.policy = ItemPolicy(marking="training-use-only")
    db.session.add(SharingAgreement(owner_id=academies[1].id, partner_id=partner.id, areas=[AREAS[0]],
                                    valid_until=utcnow() + timedelta(days=30)))
    trainer = make_user(academies[1], "trainer")
    editor = make_user(academies[0], "editor")
    partner_user = make_user(partner, "trainer")
    db.session.commit()
    urls = {
        "home": "/en/",
        "catalogue": "/en/catalogue",
        "catalogue_area": f"/en/catalogue?area={AREAS[0]}&language=en",
        "search": "/en/search?q=training",
        "item": f"/en/items/{module.id}",
        "workspace": "/en/workspace/",
        "shared": "/en/shared-with-us",
        "api_list": "/api/v1/materials?per_page=50",
        "api_search": "/api/v1/search?q=training&per_page=50",
    }
    return World(urls, Viewer(trainer.email), Viewer(editor.email), Viewer(partner_user.email))


@contextmanager
def counted() -> Iterator[list[str]]:
    statements: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def _count(client, url: str) -> tuple[int, list[str]]:
    db.session.remove()  # a cold session, as a new request in a worker has
    with counted() as statements:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(statements), statements


def _viewer_for(page: str, world: World):
    if page == "workspace":
        return world.editor
    if page == "shared":
        return world.partner_user
    return world.trainer


def _measure(tmp_path, n: int) -> dict[tuple[str, bool], tuple[int, list[str]]]:
    app = make_app(tmp_path, PAN_API_RATE_LIMIT=10**6, PAN_API_RATE_LIMIT_ANON=10**6)
    out = {}
    with running(app):
        world = _build(n)
        for signed_in in (False, True):
            for page, url in world.urls.items():
                if BUDGETS[page][signed_in] is None:
                    continue
                client = app.test_client()
                if signed_in:
                    sign_in(client, _viewer_for(page, world))
                _count(client, url)  # warm: the counts cache and the first-use look-ups
                out[page, signed_in] = _count(client, url)
    return out


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    return {n: _measure(tmp_path_factory.mktemp(f"budget{n}"), n) for n in (5, 30)}


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed_in"])
@pytest.mark.parametrize("page", list(BUDGETS))
def test_page_within_budget_and_flat(measured, page, signed_in):
    budget = BUDGETS[page][signed_in]
    if budget is None:
        return
    few, few_sql = measured[5][page, signed_in]
    many, many_sql = measured[30][page, signed_in]
    print(f"{page} {'signed in' if signed_in else 'anonymous'}: 5 items {few}, 30 items {many}")
    assert many == few, (page, signed_in, few, many, many_sql)
    assert many <= budget, (page, signed_in, many, many_sql)
