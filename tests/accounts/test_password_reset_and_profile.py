"""Password reset by e-mailed single-use token; profile, API tokens, password change."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from pan_platform import mail
from pan_platform.accounts.models import ApiToken, PasswordReset
from pan_platform.extensions import db
from tests.accounts.helpers import as_client, last_mail_to, link_in
from tests.conftest import sign_in
from tests.factories import PASSWORD, make_org, make_user

NEW_PASSWORD = "copper meadow tundra 77"


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def test_reset_end_to_end(app, client):
    user = make_user(make_org(), "trainer")
    db.session.commit()
    other_device = app.test_client()
    sign_in(as_client(other_device), user)
    response = as_client(client).post("/password/forgot", data={"email": user.email.upper()})
    assert response.status_code == 302
    link = link_in(last_mail_to(user.email).body)
    token = link.rsplit("/", 1)[1]
    assert db.session.scalars(select(PasswordReset)).one().token_hash != token
    assert client.get(_path(link)).status_code == 200
    mismatch = client.post(_path(link), data={"password": NEW_PASSWORD, "confirm": "something else entirely"})
    assert "do not match" in mismatch.get_data(as_text=True)
    assert client.post(_path(link), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD) and not user.check_password(PASSWORD)
    assert client.get(_path(link)).status_code == 404  # single use
    assert as_client(other_device).get("/account").status_code == 302  # other sessions ended
    assert sign_in(as_client(client), user, password=NEW_PASSWORD).status_code == 302
    assert any("password was changed" in m.subject for m in mail.outbox())


def test_unknown_address_gets_the_same_answer_and_no_mail(app, client):
    user = make_user(make_org(), "trainer")
    db.session.commit()
    known = client.post("/password/forgot", data={"email": user.email}, follow_redirects=True)
    unknown = client.post("/password/forgot", data={"email": "nobody@example.org"}, follow_redirects=True)
    text = "If an account exists for this address"
    assert text in known.get_data(as_text=True) and text in unknown.get_data(as_text=True)
    assert [m.to for m in mail.outbox()] == [user.email]


def test_expired_reset_link(app, client):
    user = make_user(make_org(), "trainer")
    db.session.commit()
    client.post("/password/forgot", data={"email": user.email})
    link = link_in(last_mail_to(user.email).body)
    reset = db.session.scalars(select(PasswordReset)).one()
    reset.expires_at -= timedelta(hours=2)
    db.session.commit()
    assert client.get(_path(link)).status_code == 404
    assert client.post(_path(link), data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 404
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_reset_requests_are_throttled_per_address(app, client):
    user = make_user(make_org(), "trainer")
    db.session.commit()
    for _ in range(8):
        client.post("/password/forgot", data={"email": user.email})
    assert len([m for m in mail.outbox() if m.to == user.email]) == 5


def test_profile_language_time_zone_and_notifications(app, client):
    user = make_user(make_org(), "trainer")
    db.session.commit()
    sign_in(client, user)
    assert client.get("/account").status_code == 200
    saved = client.post("/account", data={"name": "Anna B.", "locale": "fr", "time_zone": "Europe/Vienna",
                                          "notify_area_updates": "on"})
    assert saved.status_code == 302
    db.session.refresh(user)
    assert (user.name, user.locale, user.time_zone) == ("Anna B.", "fr", "Europe/Vienna")
    assert user.wants("area_updates") and not user.wants("shared_with_us")
    bad = client.post("/account", data={"name": "Anna", "locale": "xx", "time_zone": "Mars/Olympus"})
    assert bad.status_code == 200
    db.session.refresh(user)
    assert user.locale == "fr" and user.time_zone == "Europe/Vienna"
    assert '<html lang="fr"' in client.get("/").get_data(as_text=True)


def test_api_tokens_are_shown_once_and_revocable(app, client):
    user = make_user(make_org(), "trainer")
    other = make_user(make_org(), "trainer")
    foreign, _ = ApiToken.issue(other, "theirs")
    db.session.add(foreign)
    db.session.commit()
    sign_in(client, user)
    page = client.post("/account/tokens", data={"name": "harvester"}).get_data(as_text=True)
    token = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    clear = page.split('<code class="token">', 1)[1].split("</code>", 1)[0]
    assert clear.startswith("pan_") and ApiToken.hash_token(clear) == token.token_hash
    assert clear not in client.get("/account").get_data(as_text=True)
    assert client.post(f"/account/tokens/{foreign.id}/revoke").status_code == 404
    client.post(f"/account/tokens/{token.id}/revoke")
    db.session.refresh(token)
    db.session.refresh(foreign)
    assert token.revoked_at is not None and foreign.revoked_at is None


def test_tokens_are_created_with_a_scope_and_an_expiry_and_listed_with_them(app, client):
    user = make_user(make_org(), "editor")
    db.session.commit()
    sign_in(client, user)
    form = client.get("/account").get_data(as_text=True)
    assert 'name="scope"' in form and 'name="days"' in form
    client.post("/account/tokens", data={"name": "reader", "scope": "read", "days": "30"})
    client.post("/account/tokens", data={"name": "writer", "scope": "write", "days": ""})
    tokens = {t.name: t for t in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id))}
    assert tokens["reader"].scope == "read" and tokens["reader"].expires_at is not None
    assert tokens["writer"].scope == "write" and tokens["writer"].expires_at is None
    page = client.get("/account").get_data(as_text=True)
    assert "Read only" in page and "Read and write" in page and "No expiry" in page
    refused = client.post("/account/tokens", data={"name": "odd", "scope": "admin", "days": "30"},
                          follow_redirects=True)
    assert refused.status_code == 200 and "Please choose" in refused.get_data(as_text=True)
    odd_days = client.post("/account/tokens", data={"name": "odd", "scope": "read", "days": "7"})
    assert odd_days.status_code in (200, 302)
    assert db.session.scalar(select(ApiToken).where(ApiToken.name == "odd")) is None


def test_an_expired_token_is_listed_as_expired(app, client):
    user = make_user(make_org(), "trainer")
    token, _ = ApiToken.issue(user, "old", scope="read", days=30)
    token.expires_at -= timedelta(days=31)
    db.session.add(token)
    db.session.commit()
    sign_in(client, user)
    assert "Expired" in client.get("/account").get_data(as_text=True)


def test_change_password_keeps_this_session_and_ends_others(app):
    user = make_user(make_org(), "trainer")
    db.session.commit()
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(as_client(here), user)
    sign_in(as_client(elsewhere), user)
    wrong = as_client(here).post("/account/password", data={"current": "not my password!", "password": NEW_PASSWORD,
                                                            "confirm": NEW_PASSWORD}, follow_redirects=True)
    assert "current password is not correct" in wrong.get_data(as_text=True)
    as_client(here).post("/account/password", data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD)
    assert as_client(here).get("/account").status_code == 200
    assert as_client(elsewhere).get("/account").status_code == 302


def test_times_are_shown_in_the_users_time_zone(app, client):
    from datetime import datetime

    user = make_user(make_org(), "trainer")
    user.time_zone = "Asia/Tokyo"
    token, _ = ApiToken.issue(user, "clock")
    token.created_at = datetime(2026, 1, 1, 0, 0, 0)  # stored as naive UTC
    db.session.add(token)
    db.session.commit()
    sign_in(client, user)
    page = client.get("/account").get_data(as_text=True)
    assert "Jan 1, 2026, 9:00" in page and "12:00" not in page  # medium date, short time, Tokyo
