"""API tokens: expiry, read or read+write scope, and revocation when the password changes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from pan_platform.accounts import operations as ops
from pan_platform.accounts.models import ApiToken
from pan_platform.api.models import FeedToken
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.util import utcnow
from tests.accounts.helpers import as_client, last_mail_to, link_in
from tests.conftest import sign_in
from tests.factories import PASSWORD, make_item, make_org, make_user

NEW_PASSWORD = "saffron glacier kettle 58"


def _bearer(clear: str) -> dict:
    return {"Authorization": f"Bearer {clear}"}


def _issue(user, scope: str = "write", days: int | None = None) -> tuple[ApiToken, str]:
    token, clear = ApiToken.issue(user, "script", scope=scope, days=days)
    db.session.add(token)
    db.session.commit()
    return token, clear


def test_an_expired_token_is_refused(app, client):
    user = make_user(make_org(), "trainer")
    token, clear = _issue(user, days=30)
    assert token.expires_at is not None and token.expires_at - utcnow() > timedelta(days=29)
    assert client.get("/api/v1/me", headers=_bearer(clear)).json["authenticated"] is True
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    refused = client.get("/api/v1/me", headers=_bearer(clear))
    assert refused.status_code == 401 and set(refused.json["error"]) == {"status", "title", "message"}
    assert "expired" in refused.json["error"]["message"]


def test_a_token_without_expiry_keeps_working(app, client):
    token, clear = _issue(make_user(make_org(), "trainer"))
    assert token.expires_at is None and token.scope == "write"
    assert client.get("/api/v1/me", headers=_bearer(clear)).json["authenticated"] is True


def test_a_read_token_reads_but_cannot_write(app, client):
    org = make_org()
    editor = make_user(org, "editor")
    item = make_item(org, title="Original title", visibility="public")
    _, clear = _issue(editor, scope="read")
    headers = _bearer(clear)
    assert client.get(f"/api/v1/materials/{item.id}", headers=headers).status_code == 200

    patched = client.patch(f"/api/v1/items/{item.id}", json={"title": "Changed"}, headers=headers)
    assert patched.status_code == 403
    assert patched.json["error"]["status"] == 403 and "only read" in patched.json["error"]["message"]
    created = client.post("/api/v1/items", json={"kind": "material", "title": "New by read token",
                                                 "priority_areas": ["terrorism"]}, headers=headers)
    assert created.status_code == 403
    state = client.post(f"/api/v1/items/{item.id}/state", json={"action": "archive"}, headers=headers)
    assert state.status_code == 403
    db.session.expire_all()
    assert db.session.get(Item, item.id).title == "Original title"
    assert db.session.get(Item, item.id).state == "published"
    assert db.session.scalar(select(Item).where(Item.title == "New by read token")) is None

    _, write_clear = _issue(editor, scope="write")
    allowed = client.patch(f"/api/v1/items/{item.id}", json={"title": "Changed"}, headers=_bearer(write_clear))
    assert allowed.status_code == 200 and allowed.json["title"] == "Changed"


def test_a_password_change_revokes_every_token(app, client):
    user = make_user(make_org(), "trainer")
    first, first_clear = _issue(user)
    second, second_clear = _issue(user, scope="read", days=365)
    feed, _ = FeedToken.issue(user)
    db.session.add(feed)
    db.session.commit()
    sign_in(client, user)
    changed = as_client(client).post("/account/password", data={
        "current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert changed.status_code == 302
    db.session.refresh(first)
    db.session.refresh(second)
    db.session.refresh(feed)
    assert first.revoked_at is not None and second.revoked_at is not None and feed.revoked_at is not None
    for clear in (first_clear, second_clear):
        assert as_client(app.test_client()).get("/api/v1/me", headers=_bearer(clear)).status_code == 401


def test_a_refused_password_change_keeps_the_tokens(app, client):
    user = make_user(make_org(), "trainer")
    token, clear = _issue(user)
    sign_in(client, user)
    as_client(client).post("/account/password", data={"current": "not my password!", "password": NEW_PASSWORD,
                                                       "confirm": NEW_PASSWORD})
    db.session.refresh(token)
    assert token.revoked_at is None
    assert as_client(app.test_client()).get("/api/v1/me", headers=_bearer(clear)).status_code == 200


def test_a_password_reset_revokes_every_token(app, client):
    user = make_user(make_org(), "trainer")
    token, clear = _issue(user)
    client.post("/password/forgot", data={"email": user.email})
    path = "/" + link_in(last_mail_to(user.email).body).split("/", 3)[3]
    assert client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    db.session.refresh(token)
    assert token.revoked_at is not None
    assert as_client(app.test_client()).get("/api/v1/me", headers=_bearer(clear)).status_code == 401


def test_deactivation_revokes_the_tokens_for_good(app, client):
    org = make_org()
    admin = make_user(org, "org_admin")
    user = make_user(org, "trainer")
    token, clear = _issue(user)
    ops.set_active(admin, user, False)
    ops.set_active(admin, user, True)
    db.session.refresh(token)
    assert token.revoked_at is not None
    assert client.get("/api/v1/me", headers=_bearer(clear)).status_code == 401


def test_a_token_does_not_sign_in_to_the_web_pages(tmp_path):
    """A bearer token opens file downloads only: with a read token and a CSRF token from any
    page, a web form (here: a new token, which could be read+write) must not act for the user."""
    import re

    from tests.conftest import make_app, running

    with running(make_app(tmp_path, WTF_CSRF_ENABLED=True)) as app:
        user = make_user(make_org(), "editor")
        _, clear = _issue(user, scope="read")
        client = app.test_client()
        page = client.get("/sign-in").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        assert client.get("/account", headers=_bearer(clear)).status_code == 302
        minted = client.post("/account/tokens", headers=_bearer(clear),
                             data={"csrf_token": csrf, "name": "escalated", "scope": "write", "days": ""})
        assert minted.status_code == 302 and "/sign-in" in minted.headers["Location"]
        assert db.session.scalar(select(ApiToken).where(ApiToken.name == "escalated")) is None
