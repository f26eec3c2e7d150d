"""The secretariat's console: applications, organisations, users, labels, index, audit."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from pan_platform import mail
from pan_platform.accounts.models import Invitation, User
from pan_platform.admin import index_health
from pan_platform.catalogue import vocabularies as vocab
from pan_platform.catalogue.overrides import LabelOverride
from pan_platform.extensions import db
from pan_platform.organisations.models import Organisation, OrganisationApplication
from tests.accounts.helpers import admin_client, as_client, last_mail_to
from tests.conftest import sign_in
from tests.factories import ensure_country, make_item, make_org, make_user


@pytest.fixture
def secretariat(app):
    org = make_org("secretariat", slug="secretariat", country=None)
    admin = make_user(org, "platform_admin", email="admin@secretariat.example")
    db.session.commit()
    return admin


@pytest.fixture
def console(app, client, secretariat):
    return admin_client(app, client, secretariat)


def _apply(client, **overrides):
    data = {"name": "Akademie der Polizei Hamburg", "kind": "academy", "country": "DE",
            "contact_name": "Jana Richter", "contact_email": "j.richter@polizei.example", "website": "",
            "message": "We train 900 recruits a year."}
    data.update(overrides)
    return client.post("/organisations/apply", data=data)


def test_apply_then_approve_creates_the_organisation_and_invites_its_admin(app, client, secretariat):
    ensure_country("DE")
    db.session.commit()
    assert client.get("/organisations/apply").status_code == 200
    assert _apply(client).status_code == 302
    application = db.session.scalars(select(OrganisationApplication)).one()
    assert application.state == "pending"
    assert "application" in last_mail_to("j.richter@polizei.example").subject.lower()

    admin_client(app, as_client(client), secretariat)
    listing = client.get("/admin/applications").get_data(as_text=True)
    assert "Akademie der Polizei Hamburg" in listing
    assert client.post(f"/admin/applications/{application.id}/approve").status_code == 302
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == "Akademie der Polizei Hamburg"))
    assert organisation.kind == "academy" and organisation.country_code == "DE" and organisation.active
    invitation = db.session.scalars(select(Invitation)).one()
    assert (invitation.email, invitation.role, invitation.organisation_id) == (
        "j.richter@polizei.example", "org_admin", organisation.id)
    assert "/invitation/" in last_mail_to("j.richter@polizei.example").body
    db.session.refresh(application)
    assert application.state == "approved" and application.organisation_id == organisation.id
    # Deciding twice is refused.
    client.post(f"/admin/applications/{application.id}/approve")
    assert db.session.scalar(select(db.func.count(Organisation.id)).where(Organisation.name == organisation.name)) == 1


def test_refusal_needs_a_reason_that_is_sent(app, client, secretariat):
    _apply(client, kind="partner", country="", name="Example Police Network")
    application = db.session.scalars(select(OrganisationApplication)).one()
    admin_client(app, as_client(client), secretariat)
    refused = client.post(f"/admin/applications/{application.id}/refuse", data={"reason": ""}, follow_redirects=True)
    assert refused.status_code == 200
    assert "Please give a reason: it is sent to the contact." in refused.get_data(as_text=True)
    db.session.refresh(application)
    assert application.state == "pending"
    client.post(f"/admin/applications/{application.id}/refuse", data={"reason": "Not a police training body."})
    db.session.refresh(application)
    assert application.state == "refused"
    assert "Not a police training body." in last_mail_to(application.contact_email).body
    assert db.session.scalar(select(Organisation).where(Organisation.name == "Example Police Network")) is None


def test_application_validation(app, client):
    assert _apply(client, kind="secretariat").status_code == 200
    assert _apply(client, country="ZZ").status_code == 200
    assert _apply(client, country="").status_code == 200  # an academy names its country
    assert _apply(client, contact_email="not-an-address").status_code == 200
    assert db.session.scalars(select(OrganisationApplication)).all() == []
    assert not mail.outbox()


def test_non_admins_cannot_decide(app, client):
    org = make_org()
    admin = make_user(org, "org_admin")
    ensure_country("DE")
    db.session.commit()
    _apply(client)
    application = db.session.scalars(select(OrganisationApplication)).one()
    sign_in(as_client(client), admin)
    assert client.post(f"/admin/applications/{application.id}/approve").status_code == 404
    db.session.refresh(application)
    assert application.state == "pending"


def test_suspending_an_organisation_stops_its_members(app, client, console):
    org = make_org(slug="suspended-academy")
    member = make_user(org, "trainer")
    db.session.commit()
    assert org.name in as_client(client).get("/admin/organisations?q=suspended&sort=created").get_data(as_text=True)
    client.post(f"/admin/organisations/{org.id}/suspend", data={"confirm": "1", "reason": "Unpaid fees"})
    db.session.refresh(org)
    assert not org.active
    assert sign_in(as_client(app.test_client()), member).status_code == 200  # refused
    as_client(client).post(f"/admin/organisations/{org.id}/reactivate")
    db.session.refresh(org)
    assert org.active
    assert sign_in(as_client(app.test_client()), member).status_code == 302


def test_lists_filter_and_ignore_unknown_sort_keys(app, client, console):
    academy = make_org(name="Moldova Police Academy", slug="md")
    make_user(academy, "editor", email="ion@md.example")
    make_user(make_org(name="Other Academy", slug="other"), "trainer", email="x@other.example")
    db.session.commit()
    users = as_client(client).get("/admin/users?q=ion@&sort=password_hash").get_data(as_text=True)
    assert "ion@md.example" in users and "x@other.example" not in users
    by_org = client.get(f"/admin/users?organisation={academy.id}&role=editor&status=active").get_data(as_text=True)
    assert "ion@md.example" in by_org and "x@other.example" not in by_org
    orgs = client.get("/admin/organisations?q=Moldova&sort=1;drop table users").get_data(as_text=True)
    assert "Moldova Police Academy" in orgs and "Other Academy" not in orgs
    assert client.get("/admin/users?page=abc&organisation=1e9").status_code == 200


def test_platform_admin_deactivates_a_user_anywhere(app, client, console):
    user = make_user(make_org(), "editor")
    db.session.commit()
    as_client(client).post(f"/admin/users/{user.id}/deactivate", data={"confirm": "1"})
    db.session.refresh(user)
    assert not user.active


def test_label_override_is_used_everywhere_in_that_language_only(app, client, console):
    item = make_item(make_org(), areas=("cybercrime",), title="Digital evidence basics")
    db.session.commit()
    page = as_client(client).get("/admin/labels")
    assert page.status_code == 200 and "Cyber-crime" in page.get_data(as_text=True)
    form = {f"label-{code}-{lang}": "" for code in vocab.PRIORITY_AREAS for lang in app.config["PAN_LANGUAGES"]}
    form["label-cybercrime-en"] = "Cybercrime and digital evidence"
    client.post("/admin/labels", data=form)
    row = db.session.scalars(select(LabelOverride)).one()
    assert (row.code, row.language, row.label) == ("cybercrime", "en", "Cybercrime and digital evidence")
    assert "Cybercrime and digital evidence" in as_client(client).get(f"/items/{item.id}").get_data(as_text=True)
    assert "Cybercrime and digital evidence" not in as_client(client).get(f"/de/items/{item.id}").get_data(as_text=True)
    # Putting the catalogue's label back removes the override.
    form["label-cybercrime-en"] = "Cyber-crime"
    as_client(client).post("/admin/labels", data=form)
    assert db.session.scalars(select(LabelOverride)).all() == []
    assert vocab.label(vocab.PRIORITY_AREAS, "cybercrime") == "Cyber-crime"


def test_every_console_page_opens(app, client, console):
    for path in ("/admin/", "/admin/applications?state=refused", "/admin/organisations", "/admin/users",
                 "/admin/labels", "/admin/index", "/admin/audit"):
        assert as_client(client).get(path).status_code == 200, path
    assert db.session.scalar(select(User).where(User.role == "platform_admin")).has_totp


def test_index_page_with_the_real_search_package(app, client, console):
    make_item(make_org(), title="Indexed handbook")
    db.session.commit()
    rebuilt = as_client(client).post("/admin/index", data={"action": "rebuild"})
    assert rebuilt.status_code == 200 and "The search index has been rebuilt." in rebuilt.get_data(as_text=True)
    checked = as_client(client).post("/admin/index", data={"action": "check"}).get_data(as_text=True)
    assert "Missing from the index" in checked and "Items in the database" in checked
    repaired = as_client(client).post("/admin/index", data={"action": "repair"}).get_data(as_text=True)
    assert "The search index has been checked and repaired." in repaired


def test_a_large_catalogue_is_rebuilt_in_the_background(app, client, console, monkeypatch):
    import threading

    from pan_platform import search

    monkeypatch.setattr(index_health, "INLINE_REBUILD_ITEMS", 1)
    make_item(make_org(), title="First handbook")
    make_item(make_org(), title="Second handbook")
    db.session.commit()
    started = as_client(client).post("/admin/index", data={"action": "rebuild"}, follow_redirects=True)
    assert "The rebuild has started." in started.get_data(as_text=True)
    for thread in threading.enumerate():
        if thread.name == "search-rebuild":
            thread.join(timeout=120)
    with app.app_context():
        assert not search.rebuild_running() and search.check().clean and search.check().in_index == 2
    marker = search.index_path().with_name(search.index_path().name + ".rebuilding")
    marker.write_text(str(os.getpid()))  # a rebuild in progress (this process is alive)
    busy = as_client(client).post("/admin/index", data={"action": "rebuild"}).get_data(as_text=True)
    assert "A rebuild is already running." in busy and 'id="rebuild-running"' in busy
    marker.unlink()


def test_overrides_reach_every_use_of_the_area_labels(app, client, console):
    """Forms, the API and anything else that reads PRIORITY_AREAS see the override, per language."""
    from flask_babel import force_locale

    db.session.add(LabelOverride(vocabulary="priority_area", code="terrorism", language="fr",
                                 label="Lutte contre le terrorisme (PAN)"))
    db.session.commit()
    with app.test_request_context("/"):
        with force_locale("fr"):
            assert str(vocab.PRIORITY_AREAS["terrorism"]) == "Lutte contre le terrorisme (PAN)"
        with force_locale("en"):
            assert str(vocab.PRIORITY_AREAS["terrorism"]) == "Terrorism"
    api = as_client(client).get("/api/v1/priority-areas")
    assert api.status_code == 200
    labels = {row["code"]: row["labels"] for row in api.get_json()["data"]}
    assert labels["terrorism"]["fr"] == "Lutte contre le terrorisme (PAN)"
    assert labels["terrorism"]["en"] == "Terrorism"
