"""Confirm before harm: the first POST of a harmful action changes nothing and shows a page
that names what will happen; the same POST with confirm=1 does it. Suspensions and refusals
take a reason, which is recorded and sent on. A draft cannot be archived."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pan_platform import mail
from pan_platform.audit.models import AuditEvent
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.sharing import operations as sharing
from pan_platform.sharing.models import AccessRequest
from tests.accounts.helpers import admin_client, as_client
from tests.conftest import sign_in
from tests.factories import make_item, make_org, make_user


@pytest.fixture
def academy(app):
    org = make_org(slug="harbour-academy", name="Harbour Police Academy")
    people = {
        "org": org,
        "admin": make_user(org, "org_admin", email="chief@harbour.example"),
        "editor": make_user(org, "editor"),
        "trainer": make_user(org, "trainer"),
    }
    db.session.commit()
    return people


def _audit_count(action: str) -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def _asks(response, *words: str) -> None:
    """The answer is the confirmation page: it names what will happen and re-posts with confirm=1."""
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body
    assert 'name="confirm" value="1"' in body
    for word in words:
        assert word in body, word


# --- the secretariat suspends an organisation, with a reason ------------------------------------

def test_suspending_an_organisation_asks_for_a_reason_that_is_recorded_and_mailed(app, client, academy):
    secretariat = make_org("secretariat", slug="secretariat", country=None)
    console = admin_client(app, client, make_user(secretariat, "platform_admin"))
    org = academy["org"]
    url = f"/admin/organisations/{org.id}/suspend"

    _asks(console.post(url), "Harbour Police Academy", "no longer be able to sign in", 'name="reason"')
    db.session.refresh(org)
    assert org.active and _audit_count("organisation.suspend") == 0

    refused = as_client(console).post(url, data={"confirm": "1", "reason": "  "})
    assert refused.status_code == 422 and "Please give a reason." in refused.get_data(as_text=True)
    db.session.refresh(org)
    assert org.active and _audit_count("organisation.suspend") == 0

    as_client(console).post(url, data={"confirm": "1", "reason": "Fees unpaid since March"})
    db.session.refresh(org)
    assert not org.active
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.suspend"))
    assert event.details["reason"] == "Fees unpaid since March"
    sent = [m for m in mail.outbox() if m.to == "chief@harbour.example"]
    assert len(sent) == 1 and "Fees unpaid since March" in sent[0].body


# --- deactivating a user --------------------------------------------------------------------

def test_deactivating_a_colleague_asks_first(app, client, academy):
    trainer = academy["trainer"]
    sign_in(client, academy["admin"])
    url = f"/organisations/harbour-academy/people/{trainer.id}/deactivate"

    _asks(client.post(url), trainer.name, trainer.email, "can no longer sign in")
    db.session.refresh(trainer)
    assert trainer.active and _audit_count("user.deactivate") == 0

    response = client.post(url, data={"confirm": "1"})
    assert response.status_code == 302
    db.session.refresh(trainer)
    assert not trainer.active and _audit_count("user.deactivate") == 1


def test_the_people_page_offers_the_browsers_dialog_for_deactivation(app, client, academy):
    sign_in(client, academy["admin"])
    page = client.get("/organisations/harbour-academy/people").get_data(as_text=True)
    assert f'data-confirm="Deactivate {academy["trainer"].name}? They can no longer sign in."' in page


# --- archiving --------------------------------------------------------------------------------

def test_archiving_a_published_item_asks_first(app, client, academy):
    curriculum = make_item(academy["org"], kind="curriculum", title="Port security")
    make_item(academy["org"], kind="module", parent=curriculum, title="Container checks")
    db.session.commit()
    sign_in(client, academy["editor"])
    url = f"/workspace/items/{curriculum.id}/state"

    _asks(client.post(url, data={"action": "archive"}), "Port security", "leaves the catalogue",
          "1 published part inside it disappears with it")
    db.session.refresh(curriculum)
    assert curriculum.state == "published" and _audit_count("archive") == 0

    client.post(url, data={"action": "archive", "confirm": "1"})
    db.session.refresh(curriculum)
    assert curriculum.state == "archived" and _audit_count("archive") == 1


def test_a_draft_cannot_be_archived(app, client, academy):
    draft = make_item(academy["org"], state="draft", visibility="private", title="Unfinished notes")
    db.session.commit()
    sign_in(client, academy["editor"])
    assert 'value="archive"' not in client.get(f"/workspace/items/{draft.id}").get_data(as_text=True)

    for data in ({"action": "archive"}, {"action": "archive", "confirm": "1"}):
        response = client.post(f"/workspace/items/{draft.id}/state", data=data)
        assert response.status_code == 400
        assert "A draft cannot be archived: only a published item can." in response.get_data(as_text=True)
    db.session.refresh(draft)
    assert draft.state == "draft" and _audit_count("archive") == 0


# --- access requests: refusing (with a reason) and withdrawing ----------------------------------

@pytest.fixture
def request_for_files(academy):
    partner = make_org("partner", slug="cepol", country=None, name="CEPOL", acronym="CEPOL")
    asker = make_user(partner, "trainer", email="asker@cepol.example")
    item = make_item(academy["org"], visibility="partners", partner_scope="all", title="Boarding drills")
    db.session.commit()
    sharing.set_item_policy(academy["editor"], item, None, "request")
    access_request = sharing.request_access(asker, item, "Course for coast guards")
    return access_request, asker


def test_refusing_a_request_asks_for_a_reason_kept_on_the_request_and_sent(app, client, academy,
                                                                            request_for_files):
    access_request, asker = request_for_files
    sign_in(client, academy["admin"])
    url = f"/organisations/harbour-academy/sharing/requests/{access_request.id}"

    _asks(client.post(url, data={"decision": "refuse"}), "CEPOL", "Boarding drills", 'name="reason"')
    db.session.refresh(access_request)
    assert access_request.status == "pending"
    assert client.post(url, data={"decision": "refuse", "confirm": "1"}).status_code == 422
    db.session.refresh(access_request)
    assert access_request.status == "pending" and access_request.decision_reason is None

    client.post(url, data={"decision": "refuse", "confirm": "1", "reason": "Only for police academies"})
    db.session.refresh(access_request)
    assert access_request.status == "refused"
    assert access_request.decision_reason == "Only for police academies"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sharing.access_refused"))
    assert event.details["reason"] == "Only for police academies"
    sent = [m for m in mail.outbox() if m.to == "asker@cepol.example"]
    assert sent and "Only for police academies" in sent[-1].body
    other = app.test_client()
    sign_in(as_client(other), asker)
    assert "Only for police academies" in as_client(other).get("/notifications").get_data(as_text=True)


def test_approving_a_request_does_not_ask(app, client, academy, request_for_files):
    access_request, _ = request_for_files
    sign_in(client, academy["admin"])
    client.post(f"/organisations/harbour-academy/sharing/requests/{access_request.id}", data={"decision": "approve"})
    db.session.refresh(access_request)
    assert access_request.status == "approved"


def test_withdrawing_access_asks_first(app, client, academy, request_for_files):
    access_request, _ = request_for_files
    sharing.decide_request(academy["admin"], access_request, True)
    sign_in(client, academy["admin"])
    url = f"/organisations/harbour-academy/sharing/requests/{access_request.id}/withdraw"

    _asks(client.post(url), "CEPOL", "can no longer download")
    db.session.refresh(access_request)
    assert access_request.status == "approved"

    client.post(url, data={"confirm": "1"})
    db.session.refresh(access_request)
    assert access_request.status == "withdrawn"


# --- attaching a module that sits in another curriculum ------------------------------------------

def test_moving_a_module_out_of_another_curriculum_asks_first(app, client, academy):
    old = make_item(academy["org"], kind="curriculum", title="Old curriculum", state="draft", visibility="private")
    new = make_item(academy["org"], kind="curriculum", title="New curriculum", state="draft", visibility="private")
    module = make_item(academy["org"], kind="module", parent=old, title="Radio procedure", state="draft")
    db.session.commit()
    sign_in(client, academy["editor"])
    url = f"/workspace/items/{new.id}/attach"

    _asks(client.post(url, data={"module_id": str(module.id)}), "Radio procedure", "Old curriculum",
          "is then left without modules")
    db.session.expire_all()
    assert db.session.get(Item, module.id).parent_id == old.id and _audit_count("attach") == 0

    client.post(url, data={"module_id": str(module.id), "confirm": "1"})
    db.session.expire_all()
    assert db.session.get(Item, module.id).parent_id == new.id and _audit_count("attach") == 1


def test_the_confirmation_page_keeps_other_fields_and_posts_back_to_the_same_address(app, client, academy,
                                                                                     request_for_files):
    access_request, _ = request_for_files
    sign_in(client, academy["admin"])
    url = f"/organisations/harbour-academy/sharing/requests/{access_request.id}"
    body = client.post(f"/fr{url}", data={"decision": "refuse", "until": "2030-01-01"}).get_data(as_text=True)
    assert f'action="/fr{url}"' in body
    assert '<input type="hidden" name="decision" value="refuse">' in body
    assert '<input type="hidden" name="until" value="2030-01-01">' in body
    assert '<html lang="fr"' in body
    db.session.refresh(access_request)
    assert access_request.status == "pending"
    assert db.session.scalar(select(func.count(AccessRequest.id))) == 1
