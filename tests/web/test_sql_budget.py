"""SQL statements per main page: a budget each, and no N+1.

Every statement sent to the database during one request is counted (SQLAlchemy's
`before_cursor_execute`). A page of 30 items must cost the same as a page of 5: a list
that loads its owners, areas, languages or translations one row at a time fails here.
The budgets below are for a request on a cold session (as a worker's next request has)
with the counts cache warm (catalogue/counts.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import event

from pan_platform.catalogue import overrides
from pan_platform.catalogue.models import ItemTranslation
from pan_platform.catalogue.vocabularies import PRIORITY_AREAS
from pan_platform.extensions import db
from pan_platform.overview import usage
from pan_platform.sharing.models import ItemPolicy, SharingAgreement
from pan_platform.storage.models import FileVersion, MaterialFile
from pan_platform.util import utcnow
from tests.conftest import make_app, running, sign_in
from tests.factories import make_item, make_org, make_user

AREAS = list(PRIORITY_AREAS)
LANGUAGES = ("en", "de", "fr", "ru")

# Statements per page (signed out, signed in; None: not a page for that viewer), as
# measured when set. Aim: at most 10. Signing in adds the user and their organisation
# (Flask-Login) and the unread-notifications count of the menu. Every page but the API
# reads the label overrides (1). Lists load with their page: the items, then areas,
# languages and translations (3; owner, country and marking are joined).
BUDGETS: dict[str, tuple[int | None, int | None]] = {
    # Every page that shows items also reads the materials' files, with their versions and
    # previews, in one query (the thumbnail of each card; the item page's file list), and
    # what can() reads to decide whether a card may show its thumbnail: the shares of the
    # items, of their modules and of their curricula (3), the approved requests for files
    # given on request (1) and the owners' agreements (1) -- "what can() reads" below (5).
    # counts' generation (figures cached) + recent items (4) + what can() reads (5)
    "home": (12, 15),
    # count + page (4) + what can() reads (5) + generation (filter values cached)
    "catalogue": (13, 16),
    "catalogue_area": (13, 16),
    # thesaurus revision + hits (4) + what can() reads (5) + language versions + the academy
    # facet's names + the "Upcoming events" block + the "Experts matching" block and the
    # thesaurus revision its topic labels check (3, fixed whatever the number of hits)
    "search": (17, 20),
    # the item with files, areas, languages, translations and what can() reads (5);
    # children (4 + what can() reads); ancestors; language versions; adaptations; the
    # material files (their versions come with them); signed in: also the academy's own
    # adaptation of the item, if any
    "item": (23, 27),
    # count + page + the counts by state + what waits (requests, unread: one statement)
    "workspace": (None, 7),
    # the visit (read, write, and the user reloaded after its commit) + count + page (4)
    # + what can() reads (5) + new items + generation (filter values cached) + which items
    # are shared by name (badges)
    "shared": (None, 22),
    # rate counter + count + page (4) + what can() reads (5)
    "api_list": (12, 14),
    # rate counter + hits (4) + what can() reads (5) + thesaurus
    "api_search": (12, 14),
    # counts' generation (figures cached) + label overrides; signed in: the items of the most
    # downloaded and most adapted lists with their owners, and their translations (2)
    "overview": (2, 7),
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
    """`n` published materials of three academies in several areas and languages, with a
    translation each, one in six in a module, some marked, some shared with a partner, one
    agreement, and a file for one in two (a card then asks who may see its thumbnail)."""
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
            item.policy = ItemPolicy(marking="training-use-only", files_access="request" if i % 8 == 0 else "same")
        if i % 2 == 0:
            item.files.append(MaterialFile(role="handout", language="en", versions=[FileVersion(
                item=item, number=1, sha256=f"{i:064x}", size=10, mime_type="application/pdf",
                original_name=f"m{i}.pdf", text_status="done")]))
        usage.add(item.id, views=i + 1, downloads=i + 1)
        if i % 3 == 1:
            item.adapted_from_id = curriculum.id  # adapted by another academy
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
        "overview": "/en/overview",
    }
    return World(urls, Viewer(trainer.email), Viewer(editor.email), Viewer(partner_user.email))


@contextmanager
def counted() -> Iterator[list[str]]:
    statements: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith("DELETE FROM rate_counters"):  # 1 request in 100 tidies old windows
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def _count(client, url: str) -> tuple[int, list[str]]:
    db.session.remove()  # a cold session, as a new request in a worker has
    # `g` outlives requests here (one app context around them all); a worker's request starts
    # without the label overrides read by an earlier one (their key, id(request), may recur).
    overrides.forget_cached()
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


CASES = [(page, signed_in) for page, budgets in BUDGETS.items() for signed_in in (False, True)
         if budgets[signed_in] is not None]


@pytest.mark.parametrize(("page", "signed_in"), CASES,
                         ids=[f"{page}-{'signed_in' if s else 'anonymous'}" for page, s in CASES])
def test_page_within_budget_and_flat(measured, page, signed_in):
    budget = BUDGETS[page][signed_in]
    few, few_sql = measured[5][page, signed_in]
    many, many_sql = measured[30][page, signed_in]
    assert many == few, (page, signed_in, few, many, many_sql)
    assert many <= budget, (page, signed_in, many, many_sql)
