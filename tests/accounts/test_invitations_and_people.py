"""Invitations (expire, single use, hashed) and organisation admins managing their own people."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from pan_platform import mail
from pan_platform.accounts.models import Invitation, User
from pan_platform.audit.models import AuditEvent
from pan_platform.extensions import db
from tests.accounts.helpers import as_client, last_mail_to, link_in
from tests.conftest import sign_in
from tests.factories import make_org, make_user

NEW_PASSWORD = "lantern orchard velvet 42"


def _invite(client, org, email="new.editor@academy.example", role="editor", locale="en"):
    return client.post(f"/organisations/{org.slug}/people/invite",
                       data={"email": email, "role": role, "locale": locale, "name": ""})


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def test_org_admin_invites_and_the_invitee_joins_once(app, client):
    org = make_org(slug="academy-at")
    admin = make_user(org, "org_admin")
    db.session.commit()
    sign_in(client, admin)
    assert _invite(client, org, email="New.Editor@Academy.example").status_code == 302
    message = last_mail_to("new.editor@academy.example")
    link = link_in(message.body)
    token = link.rsplit("/", 1)[1]
    stored = db.session.scalars(select(Invitation)).one()
    assert stored.token_hash != token and token not in stored.token_hash  # only the hash is kept
    assert stored.role == "editor" and stored.is_open

    newcomer = as_client(app.test_client())
    page = newcomer.get(_path(link))
    assert page.status_code == 200 and org.name in page.get_data(as_text=True)
    weak = newcomer.post(_path(link), data={"name": "Eva", "password": "password1234", "confirm": "password1234"})
    assert weak.status_code == 200 and "too common" in weak.get_data(as_text=True)
    joined = newcomer.post(_path(link), data={"name": "Eva Editor", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert joined.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.editor@academy.example"))
    assert user.role == "editor" and user.organisation_id == org.id and user.check_password(NEW_PASSWORD)
    as_client(newcomer).post("/sign-out")
    assert as_client(newcomer).get(_path(link)).status_code == 404  # single use


def test_expired_and_withdrawn_invitations_do_not_work(app, client):
    org = make_org()
    admin = make_user(org, "org_admin")
    db.session.commit()
    sign_in(client, admin)
    _invite(client, org, email="late@example.org")
    late = link_in(last_mail_to("late@example.org").body)
    invitation = db.session.scalars(select(Invitation)).one()
    invitation.expires_at -= timedelta(days=30)
    db.session.commit()
    assert as_client(app.test_client()).get(_path(late)).status_code == 404

    _invite(as_client(client), org, email="withdrawn@example.org")
    withdrawn = link_in(last_mail_to("withdrawn@example.org").body)
    pending = db.session.scalars(select(Invitation).where(Invitation.email == "withdrawn@example.org")).one()
    as_client(client).post(f"/organisations/{org.slug}/invitations/{pending.id}/revoke")
    assert as_client(app.test_client()).get(_path(withdrawn)).status_code == 404
    assert as_client(app.test_client()).get("/invitation/not-a-token").status_code == 404


def test_invitation_mail_is_in_the_invitees_language(app, client):
    org = make_org()
    admin = make_user(org, "org_admin")
    db.session.commit()
    sign_in(client, admin)
    _invite(client, org, email="ivan@example.org", locale="ru")
    link = link_in(last_mail_to("ivan@example.org").body)
    assert "/ru/invitation/" in link


def test_invitation_rules(app, client):
    org = make_org()
    admin = make_user(org, "org_admin")
    existing = make_user(org, "trainer", email="taken@example.org")
    db.session.commit()
    sign_in(client, admin)
    assert _invite(client, org, email=existing.email).status_code == 400
    assert _invite(client, org, email="boss@example.org", role="platform_admin").status_code == 400
    assert not [m for m in mail.outbox() if m.to in (existing.email, "boss@example.org")]


def test_trainers_and_editors_cannot_manage_people(app, client):
    org = make_org()
    editor = make_user(org, "editor")
    db.session.commit()
    sign_in(client, editor)
    assert client.get(f"/organisations/{org.slug}/people").status_code == 404
    assert _invite(client, org).status_code == 404
    assert not mail.outbox()


def test_org_admin_changes_roles_and_deactivates_own_people(app, client):
    org = make_org()
    admin = make_user(org, "org_admin")
    trainer = make_user(org, "trainer")
    db.session.commit()
    sign_in(client, admin)
    page = client.get(f"/organisations/{org.slug}/people").get_data(as_text=True)
    assert trainer.email in page
    client.post(f"/organisations/{org.slug}/people/{trainer.id}/role", data={"role": "editor"})
    db.session.refresh(trainer)
    assert trainer.role == "editor"
    client.post(f"/organisations/{org.slug}/people/{trainer.id}/role", data={"role": "platform_admin"})
    db.session.refresh(trainer)
    assert trainer.role == "editor"
    client.post(f"/organisations/{org.slug}/people/{trainer.id}/deactivate", data={"confirm": "1"})
    db.session.refresh(trainer)
    assert not trainer.active
    assert sign_in(as_client(app.test_client()), trainer).status_code == 200  # refused
    as_client(client).post(f"/organisations/{org.slug}/people/{trainer.id}/reactivate")
    db.session.refresh(trainer)
    assert trainer.active
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"user.role", "user.deactivate", "user.reactivate"} <= actions


def test_org_admin_cannot_deactivate_or_demote_themselves(app, client):
    org = make_org()
    admin = make_user(org, "org_admin")
    db.session.commit()
    sign_in(client, admin)
    refusals = {
        "deactivate": ({"confirm": "1"}, "You cannot deactivate your own account; ask another administrator."),
        "role": ({"role": "trainer"}, "You cannot change your own role; ask another administrator."),
    }
    for action, (data, message) in refusals.items():
        response = client.post(f"/organisations/{org.slug}/people/{admin.id}/{action}", data=data)
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/organisations/{org.slug}/people")
        assert message in client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.active and admin.role == "org_admin"
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action.in_(["user.role", "user.deactivate"]))) is None


def test_org_admin_cannot_touch_another_organisations_people(app, client):
    mine, theirs = make_org(slug="mine"), make_org(slug="theirs")
    admin = make_user(mine, "org_admin")
    stranger = make_user(theirs, "editor")
    db.session.commit()
    sign_in(client, admin)
    assert client.get("/organisations/theirs/people").status_code == 404
    # Through their organisation's URL, and smuggled through mine:
    for slug in ("theirs", "mine"):
        assert client.post(f"/organisations/{slug}/people/{stranger.id}/role", data={"role": "trainer"}).status_code == 404
        assert client.post(f"/organisations/{slug}/people/{stranger.id}/deactivate").status_code == 404
    assert _invite(client, theirs, email="spy@example.org").status_code == 404
    db.session.refresh(stranger)
    assert stranger.role == "editor" and stranger.active
