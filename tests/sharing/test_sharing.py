"""Sharing agreements, expiry, files on request, markings and the sharing pages."""

from __future__ import annotations

import io
import re
import time
from datetime import date, timedelta

import pytest
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from pan_platform.access import can, download_grants, expire_due, read_grants, read_principals
from pan_platform.audit.models import AuditEvent
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.sharing import operations
from pan_platform.sharing.models import AccessRequest, ItemShare, Notification, SharingAgreement
from pan_platform.storage.files import add_version
from pan_platform.util import utcnow
from tests.conftest import sign_in
from tests.factories import make_item, make_org, make_user

THB = "human-trafficking"


@pytest.fixture
def world(app):
    own = make_org("academy", slug="own-academy", name="Own Academy")
    cepol = make_org("partner", slug="cepol", country=None, name="CEPOL", acronym="CEPOL")
    interpol = make_org("partner", slug="interpol", country=None, name="INTERPOL")
    w = {
        "own": own, "cepol": cepol, "interpol": interpol,
        "admin": make_user(own, "org_admin"), "editor": make_user(own, "editor"),
        "cepol_user": make_user(cepol, "trainer"), "interpol_user": make_user(interpol, "trainer"),
        "thb": make_item(own, visibility="private", areas=(THB,), title="THB private handbook"),
        "oc": make_item(own, visibility="private", areas=("organized-crime",), title="OC private handbook"),
        "thb_draft": make_item(own, visibility="private", areas=(THB,), state="draft"),
    }
    db.session.commit()
    return w


def _labels(item) -> set[str]:
    db.session.refresh(item)
    return {r.principal for r in item.reader_rows}


def test_agreement_shares_existing_and_future_items_in_its_areas(world):
    w = world
    operations.create_agreement(w["admin"], w["own"], w["cepol"], [THB], None)
    cepol_label = f"org:{w['cepol'].id}"
    assert cepol_label in read_principals(w["thb"]) and cepol_label in _labels(w["thb"])
    assert cepol_label not in _labels(w["oc"])
    assert cepol_label not in _labels(w["thb_draft"])
    assert can(w["cepol_user"], "read", w["thb"]) and not can(w["interpol_user"], "read", w["thb"])
    later = make_item(w["own"], visibility="private", areas=(THB,))
    db.session.commit()
    assert cepol_label in _labels(later)
    reasons = {(g.label, g.reason) for g in read_grants(w["thb"])}
    assert (cepol_label, "agreement") in reasons


def test_revocation_and_all_partners(world):
    w = world
    agreement = operations.create_agreement(w["admin"], w["own"], None, [], None)
    assert "partners" in _labels(w["oc"]) and can(w["interpol_user"], "read", w["oc"])
    operations.revoke_agreement(w["admin"], agreement)
    assert "partners" not in _labels(w["oc"]) and not can(w["interpol_user"], "read", w["oc"])
    with pytest.raises(operations.SharingError):
        operations.revoke_agreement(w["admin"], agreement)


def test_only_the_academy_admin_makes_agreements(world):
    w = world
    for user in (w["editor"], w["cepol_user"]):
        with pytest.raises(operations.SharingError):
            operations.create_agreement(user, w["own"], w["cepol"], [THB], None)
    with pytest.raises(operations.SharingError):  # a partner must be a partner organisation
        operations.create_agreement(w["admin"], w["own"], w["own"], [THB], None)
    with pytest.raises(operations.SharingError):
        operations.create_agreement(w["admin"], w["own"], w["cepol"], ["no-such-area"], None)
    with pytest.raises(operations.SharingError):
        operations.create_agreement(w["admin"], w["own"], w["cepol"], [THB], date.today() - timedelta(days=1))
    assert db.session.scalar(select(SharingAgreement.id)) is None


def test_expiry_is_exact_before_and_after_the_sweep(world, client, app):
    w = world
    agreement = operations.create_agreement(w["admin"], w["own"], w["cepol"], [THB], date.today() + timedelta(days=3))
    assert can(w["cepol_user"], "read", w["thb"])
    # Time passes (written behind the ORM's back, as the clock would): no sweep runs yet.
    past = utcnow() - timedelta(seconds=1)
    db.session.execute(db.text("UPDATE sharing_agreements SET valid_until = :t"), {"t": past})
    db.session.execute(db.text("UPDATE item_readers SET expires_at = :t WHERE expires_at IS NOT NULL"), {"t": past})
    db.session.commit()
    db.session.expire_all()
    assert agreement.valid_until == past
    assert f"org:{w['cepol'].id}" in _labels(w["thb"])  # the stored label is still there...
    assert not can(w["cepol_user"], "read", w["thb"])  # ...but no channel honours it
    sign_in(client, w["cepol_user"])
    assert client.get(f"/items/{w['thb'].id}").status_code == 404
    assert w["thb"].title not in client.get("/catalogue").get_data(as_text=True)
    assert w["thb"].title not in client.get("/shared-with-us").get_data(as_text=True)
    assert expire_due() == [w["thb"].id]
    assert f"org:{w['cepol'].id}" not in _labels(w["thb"])
    assert expire_due() == []


def _pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_files_on_request_approval_download_and_marking(world, client, app):
    w = world
    item = make_item(w["own"], visibility="partners", partner_scope="all", title="Marked PDF")
    version = add_version(item, io.BytesIO(_pdf_bytes()), "guide.pdf", "application/pdf")
    db.session.commit()
    operations.set_item_policy(w["editor"], item, "law-enforcement-only", "request")
    assert can(w["cepol_user"], "read", item) and not can(w["cepol_user"], "download", item)
    assert can(w["cepol_user"], "request_access", item) and not can(w["admin"], "request_access", item)

    sign_in(client, w["cepol_user"])
    page = client.get(f"/items/{item.id}").get_data(as_text=True)
    assert "Law enforcement only" in page and "Request access to the files" in page
    assert client.get(f"/files/{version.id}/download").status_code == 404
    assert client.post(f"/items/{item.id}/request-access", data={"reason": " "}).status_code == 200
    assert db.session.scalar(select(AccessRequest.id)) is None
    client.post(f"/items/{item.id}/request-access", data={"reason": "Course for border police"})
    request = db.session.scalar(select(AccessRequest))
    assert request.status == "pending"
    assert db.session.scalar(select(Notification.user_id).where(Notification.kind == "request_new")) == w["admin"].id
    with pytest.raises(operations.SharingError):  # only one pending request per organisation
        operations.request_access(w["cepol_user"], item, "again")
    with pytest.raises(operations.SharingError):
        operations.decide_request(w["cepol_user"], request, True)

    operations.decide_request(w["admin"], request, True, date.today() + timedelta(days=30))
    assert can(w["cepol_user"], "download", item) and not can(w["interpol_user"], "download", item)
    assert {g.reason for g in download_grants(item)} == {"owner", "request"}
    response = client.get(f"/files/{version.id}/download")
    assert response.status_code == 200
    assert response.headers["X-Handling-Marking"] == "LAW ENFORCEMENT ONLY"
    assert PdfReader(io.BytesIO(response.data)).metadata["/Marking"] == "LAW ENFORCEMENT ONLY"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "download"))
    assert event.organisation_id == w["cepol"].id and event.item_id == item.id
    assert "approved" in client.get("/notifications").get_data(as_text=True)

    request.valid_until = utcnow() - timedelta(seconds=1)  # the grant ends
    db.session.commit()
    assert not can(w["cepol_user"], "download", item)
    request.valid_until = None
    db.session.commit()
    assert can(w["cepol_user"], "download", item)
    with pytest.raises(operations.SharingError):
        operations.withdraw_access(w["editor"], request)
    operations.withdraw_access(w["admin"], request)
    assert not can(w["cepol_user"], "download", item)
    assert client.get(f"/files/{version.id}/download").status_code == 404


def test_sharing_pages_for_the_academy_admin(world, client):
    w = world
    sign_in(client, w["cepol_user"])
    assert client.get(f"/organisations/{w['own'].slug}/sharing").status_code == 404
    client.post("/sign-out")
    sign_in(client, w["admin"])
    response = client.post(
        f"/organisations/{w['own'].slug}/sharing/agreements",
        data={"partner": str(w["cepol"].id), "areas": [THB], "until": "not-a-date"}, follow_redirects=True,
    )
    assert "YYYY-MM-DD" in response.get_data(as_text=True)
    assert db.session.scalar(select(SharingAgreement.id)) is None
    client.post(f"/organisations/{w['own'].slug}/sharing/agreements", data={"partner": str(w["cepol"].id), "areas": [THB]})
    agreement = db.session.scalar(select(SharingAgreement))
    page = client.get(f"/organisations/{w['own'].slug}/sharing").get_data(as_text=True)
    assert "CEPOL" in page and "Agreement made" in page
    who = client.get(f"/items/{w['thb'].id}/access").get_data(as_text=True)
    assert f"Sharing agreement #{agreement.id}" in who and "CEPOL" in who
    client.post(f"/organisations/{w['own'].slug}/sharing/agreements/{agreement.id}/revoke")
    assert db.session.get(SharingAgreement, agreement.id).revoked_at is not None
    assert client.get(f"/organisations/{w['own'].slug}/downloads").status_code == 200


def test_shared_with_us_lists_only_what_the_partner_may_read(world, client):
    w = world
    operations.create_agreement(w["admin"], w["own"], w["cepol"], [THB], None)
    sign_in(client, w["cepol_user"])
    page = client.get("/shared-with-us").get_data(as_text=True)
    assert w["thb"].title in page and w["oc"].title not in page
    filtered = client.get("/shared-with-us?area=organized-crime").get_data(as_text=True)
    assert w["thb"].title not in filtered
    assert '<option value="organized-crime" selected>' in filtered
    for name in ("area", "academy", "country", "language"):
        assert f'<select id="f-{name}" name="{name}">' in filtered
    assert f'<option value="{w["own"].slug}" >' in filtered  # the academy that shares with CEPOL


def test_an_item_shared_twice_stays_listed_until_the_later_agreement_ends(world, client, app):
    """Two agreements give CEPOL the same item; when the first ends, the second still counts."""
    w = world
    app.config["PAN_EXPIRY_SWEEP_SECONDS"] = 3600  # no sweep may repair the stored labels below
    sign_in(client, w["cepol_user"])  # a request: a sweep that is due runs now, before the end
    first = operations.create_agreement(w["admin"], w["own"], w["cepol"], [THB], date.today() + timedelta(days=3))
    operations.create_agreement(w["admin"], w["own"], w["cepol"], [THB], date.today() + timedelta(days=30))
    first.valid_until = utcnow() + timedelta(seconds=1)
    db.session.commit()
    assert w["thb"].title in client.get("/catalogue").get_data(as_text=True)
    time.sleep(max(0.0, (first.valid_until - utcnow()).total_seconds()) + 0.1)  # the first agreement ends
    assert not first.is_active(utcnow())
    assert w["thb"].title in client.get("/catalogue").get_data(as_text=True)
    assert w["thb"].title in client.get("/shared-with-us").get_data(as_text=True)
    assert can(w["cepol_user"], "read", w["thb"])


def test_an_item_shared_twice_leaves_the_listing_when_the_longer_agreement_ends(world, client, app):
    """Two agreements give CEPOL the same item, the longer one first: the listing keeps the
    item until the longer one ends, and no longer."""
    w = world
    app.config["PAN_EXPIRY_SWEEP_SECONDS"] = 3600  # no sweep may repair the stored labels below
    sign_in(client, w["cepol_user"])  # a request: a sweep that is due runs now, before the ends
    longer = operations.create_agreement(w["admin"], w["own"], w["cepol"], [THB], date.today() + timedelta(days=30))
    shorter = operations.create_agreement(w["admin"], w["own"], w["cepol"], [THB], date.today() + timedelta(days=3))
    longer.valid_until = utcnow() + timedelta(seconds=2)
    shorter.valid_until = utcnow() + timedelta(seconds=1)
    db.session.commit()
    assert w["thb"].title in client.get("/catalogue").get_data(as_text=True)
    time.sleep(max(0.0, (shorter.valid_until - utcnow()).total_seconds()) + 0.1)  # the shorter one ends
    assert w["thb"].title in client.get("/catalogue").get_data(as_text=True)
    time.sleep(max(0.0, (longer.valid_until - utcnow()).total_seconds()) + 0.1)  # the longer one ends
    assert not can(w["cepol_user"], "read", w["thb"])
    assert w["thb"].title not in client.get("/catalogue").get_data(as_text=True)
    assert w["thb"].title not in client.get("/shared-with-us").get_data(as_text=True)


def test_a_new_agreement_ending_soon_leaves_the_listing_when_it_ends(world, client, app):
    """The labels written for a new agreement carry its end: the listing drops the item
    when the agreement ends, before any sweep."""
    w = world
    app.config["PAN_EXPIRY_SWEEP_SECONDS"] = 3600  # no sweep may repair the stored labels below
    sign_in(client, w["cepol_user"])  # a request: a sweep that is due runs now, before the end
    agreement = SharingAgreement(
        owner_id=w["own"].id, partner_id=w["cepol"].id, areas=[THB], valid_until=utcnow() + timedelta(seconds=1)
    )
    db.session.add(agreement)
    db.session.commit()
    assert w["thb"].title in client.get("/catalogue").get_data(as_text=True)
    time.sleep(max(0.0, (agreement.valid_until - utcnow()).total_seconds()) + 0.1)  # the agreement ends
    assert not can(w["cepol_user"], "read", w["thb"])
    assert w["thb"].title not in client.get("/catalogue").get_data(as_text=True)
    assert w["thb"].title not in client.get("/shared-with-us").get_data(as_text=True)


def test_a_share_row_written_on_its_own_lets_the_partner_read(world, client):
    """A share stored by its ids alone (not through the item's list of shares) still
    updates who may read the item."""
    w = world
    db.session.add(ItemShare(item_id=w["thb"].id, organisation_id=w["cepol"].id))
    db.session.commit()
    assert f"org:{w['cepol'].id}" in _labels(w["thb"])
    sign_in(client, w["cepol_user"])
    assert w["thb"].title in client.get("/catalogue").get_data(as_text=True)


def test_an_item_shared_and_under_agreement_with_one_partner_is_listed_for_the_next(world, client):
    """A share and an agreement giving CEPOL the same item do not hide it from INTERPOL,
    whose own agreement comes after."""
    w = world
    item = make_item(w["own"], visibility="private", shares=(w["cepol"],), areas=(THB,), title="Shared THB guide")
    db.session.commit()
    operations.create_agreement(w["admin"], w["own"], w["cepol"], [THB], None)
    operations.create_agreement(w["admin"], w["own"], w["interpol"], [THB], None)
    assert can(w["interpol_user"], "read", item)
    sign_in(client, w["interpol_user"])
    assert item.title in client.get("/catalogue").get_data(as_text=True)
    assert item.title in client.get("/shared-with-us").get_data(as_text=True)


def test_an_agreement_rolled_back_gives_nothing(world):
    """An agreement flushed and then rolled back (a failed operation) lets no one read:
    the agreements read during the failed transaction are not reused."""
    w = world
    thb_id = w["thb"].id
    db.session.add(SharingAgreement(owner_id=w["own"].id, partner_id=w["cepol"].id, areas=[THB]))
    db.session.flush()
    assert can(w["cepol_user"], "read", db.session.get(Item, thb_id))  # seen inside the transaction
    db.session.rollback()
    assert db.session.scalar(select(SharingAgreement)) is None
    assert not can(w["cepol_user"], "read", db.session.get(Item, thb_id))


def test_an_approved_request_gives_no_files_once_the_description_is_hidden(world, client):
    """Approved access to the files never outlives the right to read the item itself."""
    w = world
    item = make_item(w["own"], visibility="partners", partner_scope="all", title="Guide on request")
    version = add_version(item, io.BytesIO(_pdf_bytes()), "guide.pdf", "application/pdf")
    db.session.commit()
    operations.set_item_policy(w["editor"], item, "law-enforcement-only", "request")
    request = operations.request_access(w["cepol_user"], item, "Course for border police")
    operations.decide_request(w["admin"], request, True, None)
    sign_in(client, w["cepol_user"])
    assert client.get(f"/files/{version.id}/download").status_code == 200
    item.visibility = "private"  # the owner stops sharing the item; the approval is still on file
    db.session.commit()
    assert db.session.get(AccessRequest, request.id).status == "approved"
    assert not can(w["cepol_user"], "read", item) and not can(w["cepol_user"], "download", item)
    assert client.get(f"/files/{version.id}/download").status_code == 404
    assert client.get(f"/items/{item.id}").status_code == 404


def test_who_can_see_this_shows_an_approved_request_and_its_end(world, client):
    w = world
    item = make_item(w["own"], visibility="partners", partner_scope="all", title="Guide on request")
    db.session.commit()
    operations.set_item_policy(w["editor"], item, None, "request")
    request = operations.request_access(w["cepol_user"], item, "Course for border police")
    operations.decide_request(w["admin"], request, True, date.today() + timedelta(days=30))
    sign_in(client, w["editor"])
    page = client.get(f"/items/{item.id}/access").get_data(as_text=True)
    downloaders = page.split('id="downloaders"', 1)[1].split("</table>", 1)[0]
    row = next(r for r in downloaders.split("<tr>") if "CEPOL" in r)
    assert re.search(r"Access request approved on \w[^<]* · until \w", row), row


def test_search_follows_agreements_at_once(world, client):
    """An agreement made or revoked reaches the search index with the commit."""
    w = world
    sign_in(client, w["cepol_user"])

    def found() -> bool:
        return f"/items/{w['thb'].id}" in client.get("/search?q=handbook").get_data(as_text=True)

    assert not found()
    agreement = operations.create_agreement(w["admin"], w["own"], w["cepol"], [THB], None)
    assert found()
    operations.revoke_agreement(w["admin"], agreement)
    assert not found()


def _expire_agreements_behind_the_orm() -> None:
    """An end date passes, as the clock would: the data changes, the stored labels do not."""
    past = utcnow() - timedelta(seconds=1)
    db.session.execute(db.text("UPDATE sharing_agreements SET valid_until = :t"), {"t": past})
    db.session.execute(db.text("UPDATE item_readers SET expires_at = :t WHERE expires_at IS NOT NULL"), {"t": past})
    db.session.commit()
    db.session.expire_all()


def test_who_can_see_this_explains_own_and_inherited_visibility(world, client):
    w = world
    parent = make_item(w["own"], kind="curriculum", visibility="network", title="Border curriculum",
                       shares=(w["cepol"],))
    child = make_item(w["own"], kind="module", parent=parent, title="Border module")
    db.session.commit()
    sign_in(client, w["editor"])

    def row(item, who: str) -> str:
        page = client.get(f"/items/{item.id}/access").get_data(as_text=True)
        readers = page.split('id="readers"', 1)[1].split("</table>", 1)[0]
        return next(r for r in readers.split("<tr>") if who in r)

    assert "The item's own visibility" in row(parent, "Every academy of the network")
    assert "Visibility inherited from Border curriculum" in row(child, "Every academy of the network")
    assert "<td>Explicit share</td>" in row(parent, "CEPOL")
    assert "Explicit share, inherited from Border curriculum" in row(child, "CEPOL")
