"""Asking the owner academy for permission to adapt: request, approve or refuse, adapt,
and the lineage and audit trail it leaves; pages that show nothing to whoever may not
read the item."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from pan_platform.audit.models import AuditEvent
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.sharing.models import AdaptationRequest, Notification
from tests.conftest import sign_in
from tests.factories import make_item, make_org, make_user


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _actions() -> list[str]:
    return list(db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("sharing.adaptation_%")).order_by(AuditEvent.id)))


@pytest.fixture
def world(app):
    austria = make_org("academy", slug="academy-austria", name="Federal Security Academy of Austria")
    germany = make_org("academy", slug="academy-germany", name="German Police University", country="DE")
    cepol = make_org("partner", slug="cepol", name="CEPOL", acronym="CEPOL", country=None)
    users = {
        "editor": make_user(austria, "editor"),
        "trainer": make_user(austria, "trainer"),
        "de_editor": make_user(germany, "editor"),
        "de_trainer": make_user(germany, "trainer"),
        "cepol": make_user(cepol, "org_admin"),
    }
    db.session.commit()
    return {"austria": austria, "germany": germany, **users}


@pytest.fixture
def reserved(world):
    """A network curriculum of Austria, all rights reserved, with one module."""
    curriculum = make_item(world["austria"], kind="curriculum", visibility="network",
                           licence="all-rights-reserved", title="Border checks")
    make_item(world["austria"], kind="module", parent=curriculum, licence="all-rights-reserved",
              title="Document fraud")
    db.session.commit()
    return curriculum


def _switch(client, user) -> None:
    client.post("/sign-out")
    sign_in(client, user)


def _ask(client, item_id: int, reason: str = "A course for our border police"):
    return client.post(f"/items/{item_id}/request-adaptation", data={"reason": reason})


def test_request_approve_then_adapt(app, client, world, reserved):
    sign_in(client, world["de_editor"])
    assert client.get(f"/items/{reserved.id}/request-adaptation").status_code == 200

    response = _ask(client, reserved.id, "  ")
    assert response.status_code == 422 and "Please say how your academy" in response.get_data(as_text=True)
    assert _count(AdaptationRequest) == 0

    response = _ask(client, reserved.id)
    assert response.status_code == 302
    request = db.session.scalars(select(AdaptationRequest)).one()
    assert (request.status, request.organisation_id, request.item_id) == ("pending", world["germany"].id, reserved.id)
    page = client.get(f"/items/{reserved.id}").get_data(as_text=True)
    assert "the request is pending" in page and "Adapt for my academy" not in page
    assert _ask(client, reserved.id).status_code == 422  # one open request per academy
    assert _count(AdaptationRequest) == 1
    assert client.post(f"/workspace/items/{reserved.id}/adapt").status_code == 403  # not yet
    # The owner academy's editors are told.
    editor_notes = db.session.scalars(select(Notification).where(Notification.user_id == world["editor"].id)).all()
    assert [n.kind for n in editor_notes] == ["adaptation_new"]

    # The requester cannot decide its own request, the owner's trainer neither.
    assert client.post(f"/workspace/requests/{request.id}", data={"decision": "approve"}).status_code == 404
    _switch(client, world["trainer"])
    assert client.get("/workspace/requests").status_code == 404
    assert client.post(f"/workspace/requests/{request.id}", data={"decision": "approve"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(AdaptationRequest, request.id).status == "pending"

    _switch(client, world["editor"])
    page = client.get("/workspace/requests").get_data(as_text=True)
    assert "A course for our border police" in page and "Border checks" in page
    notes = client.get("/notifications").get_data(as_text=True)
    assert "asks for permission to adapt" in notes
    assert client.post(f"/workspace/requests/{request.id}", data={"decision": "approve"}).status_code == 302
    db.session.expire_all()
    request = db.session.get(AdaptationRequest, request.id)
    assert (request.status, request.decided_by_id) == ("approved", world["editor"].id)

    _switch(client, world["de_editor"])
    assert "may now adapt" in client.get("/notifications").get_data(as_text=True)
    assert "Adapt for my academy" in client.get(f"/items/{reserved.id}").get_data(as_text=True)
    response = client.post(f"/workspace/items/{reserved.id}/adapt")
    assert response.status_code == 302
    copy_id = int(re.search(r"/workspace/items/(\d+)", response.headers["Location"]).group(1))
    db.session.expire_all()
    copy = db.session.get(Item, copy_id)
    assert copy.licence == "all-rights-reserved" and len(copy.children) == 1  # the permission covers its parts
    # The lineage records the permission; the copy's page says so.
    assert db.session.get(AdaptationRequest, request.id).copy_id == copy_id
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "adapt")).one()
    assert event.details["permission"] == request.id
    page = client.get(f"/items/{copy_id}").get_data(as_text=True)
    assert f"Adapted with the permission of <bdi>{world['austria'].name}</bdi>" in page
    assert _actions() == ["sharing.adaptation_requested", "sharing.adaptation_approved"]
    # Deciding again changes nothing.
    _switch(client, world["editor"])
    response = client.post(f"/workspace/requests/{request.id}", data={"decision": "refuse"}, follow_redirects=True)
    assert "already been decided" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AdaptationRequest, request.id).status == "approved"


def test_a_refused_request_leaves_adapting_closed(app, client, world, reserved):
    sign_in(client, world["de_editor"])
    _ask(client, reserved.id)
    request = db.session.scalars(select(AdaptationRequest)).one()
    admin = make_user(world["austria"], "org_admin")
    db.session.commit()
    _switch(client, admin)
    assert client.post(f"/workspace/requests/{request.id}", data={"decision": "refuse"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(AdaptationRequest, request.id).status == "refused"
    assert _actions() == ["sharing.adaptation_requested", "sharing.adaptation_refused"]

    _switch(client, world["de_editor"])
    assert "was refused" in client.get("/notifications").get_data(as_text=True)
    before = _count(Item)
    assert client.post(f"/workspace/items/{reserved.id}/adapt").status_code == 403
    assert _count(Item) == before
    # The academy may ask again.
    assert _ask(client, reserved.id, "A shorter course").status_code == 302
    assert _count(AdaptationRequest) == 2


def test_who_may_not_ask(app, client, world, reserved):
    open_item = make_item(world["austria"], kind="curriculum", visibility="network", licence="cc-by-4.0")
    hidden = make_item(world["austria"], kind="curriculum", visibility="private", licence="all-rights-reserved",
                       title="Hidden drills")
    db.session.commit()
    # Not signed in: to the sign-in page.
    assert client.get(f"/items/{reserved.id}/request-adaptation").status_code in (302, 401)
    sign_in(client, world["de_editor"])
    for url in (f"/items/{hidden.id}/request-adaptation", "/items/987654/request-adaptation"):
        response = client.get(url)
        assert response.status_code == 404 and "Hidden drills" not in response.get_data(as_text=True)
        assert client.post(url, data={"reason": "x"}).status_code == 404
    # A licence that allows adapting needs no permission.
    assert _ask(client, open_item.id).status_code == 422
    # A trainer does not adapt, so does not ask; the owner academy holds the rights.
    for user in (world["de_trainer"], world["editor"]):
        _switch(client, user)
        assert _ask(client, reserved.id).status_code == 422
    # A partner organisation reading a partners item does not adapt either.
    _switch(client, world["cepol"])
    partners = make_item(world["austria"], kind="curriculum", visibility="partners", partner_scope="all",
                         licence="all-rights-reserved")
    db.session.commit()
    assert _ask(client, partners.id).status_code == 422
    assert _count(AdaptationRequest) == 0 and _actions() == []


def test_the_requests_page_lists_only_the_academys_own_items(app, client, world, reserved):
    germany_item = make_item(world["germany"], kind="curriculum", visibility="network",
                             licence="all-rights-reserved", title="German riot control")
    db.session.commit()
    sign_in(client, world["de_editor"])
    _ask(client, reserved.id)
    _switch(client, world["editor"])
    _ask(client, germany_item.id, "Austrian curriculum")
    austria_request = db.session.scalars(
        select(AdaptationRequest).where(AdaptationRequest.item_id == germany_item.id)).one()
    page = client.get("/workspace/requests").get_data(as_text=True)
    assert "Border checks" in page and "German riot control" not in page
    # Austria cannot decide the request made to Germany.
    assert client.post(f"/workspace/requests/{austria_request.id}", data={"decision": "approve"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(AdaptationRequest, austria_request.id).status == "pending"
