"""Licence-aware adaptation: what each licence allows, the copy's licence, title and
attribution, and one adaptation per academy."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from pan_platform.audit.models import AuditEvent
from pan_platform.catalogue import vocabularies as vocab
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from tests.conftest import sign_in
from tests.factories import make_item

ADAPTABLE = ("cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0", "cc-by-nc-sa-4.0", "cc0-1.0", "network-use", None)
NOT_ADAPTABLE = ("cc-by-nd-4.0", "cc-by-nc-nd-4.0", "all-rights-reserved")
KEPT = ("cc-by-sa-4.0", "cc-by-nc-4.0", "cc-by-nc-sa-4.0", "network-use")


def _count(model=Item) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _adapt_events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "adapt"))


def _curriculum(world, licence, **kw):
    item = make_item(world["austria"], kind="curriculum", visibility="network", licence=licence,
                     title=kw.pop("title", "Community policing"), **kw)
    db.session.commit()
    return item


def _copy_id(response) -> int:
    return int(re.search(r"/workspace/items/(\d+)", response.headers["Location"]).group(1))


def test_the_licence_table_names_every_licence_once():
    assert set(vocab.LICENCES) == set(vocab.LICENCE_TERMS) == set(ADAPTABLE[:-1]) | set(NOT_ADAPTABLE)
    for code, terms in vocab.LICENCE_TERMS.items():
        assert terms.allows_adaptation == (code not in NOT_ADAPTABLE), code
        assert terms.copy_keeps_licence == (code in KEPT or code in NOT_ADAPTABLE), code
        assert (terms.url or "").startswith("https://creativecommons.org/") == code.startswith("cc"), code
    assert vocab.licence_terms(None) is vocab.NO_LICENCE and vocab.NO_LICENCE.allows_adaptation


@pytest.mark.parametrize("licence", ADAPTABLE)
def test_adapt_is_allowed_where_the_licence_allows_it(app, client, world, licence):
    original = _curriculum(world, licence)
    sign_in(client, world["de_editor"])
    assert "Adapt for my academy" in client.get(f"/items/{original.id}").get_data(as_text=True)
    response = client.post(f"/workspace/items/{original.id}/adapt")
    assert response.status_code == 302
    copy = db.session.get(Item, _copy_id(response))
    assert (copy.owner_id, copy.adapted_from_id, copy.licence) == (world["germany"].id, original.id, licence)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "adapt")).one()
    assert event.details["licence"] == licence


@pytest.mark.parametrize("licence", NOT_ADAPTABLE)
def test_adapt_is_refused_where_the_licence_forbids_it(app, client, world, licence):
    original = _curriculum(world, licence)
    sign_in(client, world["de_editor"])
    page = client.get(f"/items/{original.id}").get_data(as_text=True)
    assert "Adapt for my academy" not in page
    assert "Ask the owner academy for permission" in page
    assert f"/items/{original.id}/request-adaptation" in page
    before = _count()
    response = client.post(f"/workspace/items/{original.id}/adapt")
    assert response.status_code == 403
    assert "does not allow adapting it" in response.get_data(as_text=True)
    assert _count() == before and _adapt_events() == 0


def test_the_owner_academy_is_not_stopped_by_its_own_licence(app, client, world):
    original = _curriculum(world, "all-rights-reserved")
    sign_in(client, world["editor"])
    response = client.post(f"/workspace/items/{original.id}/adapt")
    assert response.status_code == 302
    assert db.session.get(Item, _copy_id(response)).licence == "all-rights-reserved"


@pytest.mark.parametrize("licence", KEPT)
def test_the_copy_keeps_a_licence_that_must_travel_with_it(app, client, world, licence):
    original = _curriculum(world, licence)
    sign_in(client, world["de_editor"])
    copy_id = _copy_id(client.post(f"/workspace/items/{original.id}/adapt"))
    response = client.post(f"/workspace/items/{copy_id}/edit", data={
        "title": "Our community policing", "language": "en", "area_codes": ["organized-crime"],
        "licence": "cc-by-4.0"})
    assert response.status_code == 200
    assert "keeps the licence of the original" in response.get_data(as_text=True)
    db.session.expire_all()
    copy = db.session.get(Item, copy_id)
    assert copy.licence == licence and copy.title == "Community policing (adaptation)"


def test_a_cc_by_copy_may_take_another_licence(app, client, world):
    original = _curriculum(world, "cc-by-4.0")
    sign_in(client, world["de_editor"])
    copy_id = _copy_id(client.post(f"/workspace/items/{original.id}/adapt"))
    response = client.post(f"/workspace/items/{copy_id}/edit", data={
        "title": "Our community policing", "language": "en", "area_codes": ["organized-crime"],
        "licence": "cc-by-sa-4.0"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Item, copy_id).licence == "cc-by-sa-4.0"


def test_the_copy_has_a_working_title_and_an_attribution_block(app, client, world):
    original = _curriculum(world, "cc-by-sa-4.0", title="Hate crime investigation")
    sign_in(client, world["de_editor"])
    copy_id = _copy_id(client.post(f"/workspace/items/{original.id}/adapt"))
    copy = db.session.get(Item, copy_id)
    assert copy.title == "Hate crime investigation (adaptation)"
    page = client.get(f"/items/{copy_id}").get_data(as_text=True)
    block = page[page.index('class="attribution"'):]
    block = block[:block.index("</aside>")]
    assert "Hate crime investigation" in block and f'href="/items/{original.id}"' in block
    assert world["austria"].name in block
    assert 'href="https://creativecommons.org/licenses/by-sa/4.0/"' in block and "CC BY-SA 4.0" in block
    # In German, the working title and the block are in German too.
    de_page = client.get(f"/de/items/{original.id}").get_data(as_text=True)
    assert "Anpassung Ihrer Akademie" in de_page


def test_an_unreadable_original_is_credited_without_its_title_or_link(app, client, world):
    original = _curriculum(world, "cc-by-4.0", title="Secret drills")
    sign_in(client, world["de_editor"])
    copy_id = _copy_id(client.post(f"/workspace/items/{original.id}/adapt"))
    original.visibility = "private"
    db.session.commit()
    page = client.get(f"/items/{copy_id}").get_data(as_text=True)
    block = page[page.index('class="attribution"'):page.index("</aside>")]
    assert world["austria"].name in block and "CC BY 4.0" in block
    assert "Secret drills" not in block and f"/items/{original.id}" not in block


def test_a_second_adaptation_is_refused_and_the_first_is_shown(app, client, world):
    original = _curriculum(world, "cc-by-4.0")
    module = make_item(world["austria"], kind="module", parent=original, licence="cc-by-4.0")
    db.session.commit()
    sign_in(client, world["de_editor"])
    copy_id = _copy_id(client.post(f"/workspace/items/{original.id}/adapt"))
    before = _count()
    for item in (original, module):  # the module was copied with its curriculum
        response = client.post(f"/workspace/items/{item.id}/adapt")
        assert response.status_code == 409
        assert "Your academy has already adapted this item" in response.get_data(as_text=True)
    assert _count() == before and _adapt_events() == 1
    page = client.get(f"/items/{original.id}").get_data(as_text=True)
    assert "Adapt for my academy" not in page
    assert "Your academy's adaptation:" in page and f'href="/items/{copy_id}"' in page
    # Another academy member sees the same link; the owner academy does not.
    client.post("/sign-out")
    sign_in(client, world["de_trainer"])
    assert f'href="/items/{copy_id}"' in client.get(f"/items/{original.id}").get_data(as_text=True)


def test_parts_whose_licence_forbids_adapting_stay_behind(app, client, world):
    original = _curriculum(world, "cc-by-4.0")
    kept = make_item(world["austria"], kind="module", parent=original, licence="cc-by-4.0", title="Open module")
    closed = make_item(world["austria"], kind="module", parent=original, licence="cc-by-nd-4.0", title="ND module")
    db.session.commit()
    sign_in(client, world["de_editor"])
    response = client.post(f"/workspace/items/{original.id}/adapt", follow_redirects=True)
    assert "1 part was not copied: its licence does not allow adapting it." in response.get_data(as_text=True)
    copy = db.session.scalars(select(Item).where(Item.adapted_from_id == original.id)).one()
    assert [child.adapted_from_id for child in copy.children] == [kept.id]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "adapt")).one()
    assert event.details["parts_left_out"] == [closed.id]


def test_the_licence_links_to_its_text(app, client, world):
    cc = _curriculum(world, "cc-by-nc-4.0")
    reserved = _curriculum(world, "all-rights-reserved")
    sign_in(client, world["de_trainer"])
    page = client.get(f"/items/{cc.id}").get_data(as_text=True)
    assert '<a href="https://creativecommons.org/licenses/by-nc/4.0/" rel="license">CC BY-NC 4.0</a>' in page
    page = client.get(f"/items/{reserved.id}").get_data(as_text=True)
    assert 'href="/licences#licence-all-rights-reserved"' in page
    licences = client.get("/licences")
    assert licences.status_code == 200
    body = licences.get_data(as_text=True)
    for code in vocab.LICENCE_TERMS:
        assert f'id="licence-{code}"' in body
    assert "Netzwerk" in client.get("/de/licences").get_data(as_text=True)
