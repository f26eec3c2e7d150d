"""Helpers shared by the account and console tests."""

from __future__ import annotations

from pan_platform import mail
from pan_platform.accounts import totp
from pan_platform.extensions import db
from tests.factories import PASSWORD


def enrol_totp(user) -> str:
    user.totp_secret = totp.new_secret()
    db.session.commit()
    return user.totp_secret


def sign_in_with_code(client, user, password: str = PASSWORD):
    """Password, then the current TOTP code (the user must have a secret)."""
    response = client.post("/sign-in", data={"email": user.email, "password": password})
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in/code")
    user.totp_last_step = None  # each test signs in once per step; allow the current code
    db.session.commit()
    return client.post("/sign-in/code", data={"code": totp.code_at(user.totp_secret)})


def admin_client(app, client, user):
    enrol_totp(user)
    response = sign_in_with_code(client, user)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def last_mail_to(address: str):
    sent = [m for m in mail.outbox() if m.to == address]
    assert sent, f"no mail to {address}"
    return sent[-1]


def link_in(body: str) -> str:
    for line in body.splitlines():
        if line.strip().startswith("http"):
            return line.strip()
    raise AssertionError("no link in the mail")


def as_client(client):
    """Before a request from another test client: forget the user Flask-Login cached in `g`
    (the test app context outlives requests, so `g` would carry the last client's user)."""
    from flask import g

    g.pop("_login_user", None)
    return client
