"""`pan create-user` and `pan create-token` apply the same rules as the web."""

from __future__ import annotations

from sqlalchemy import select

from pan_platform.accounts.models import User
from pan_platform.audit.models import AuditEvent
from pan_platform.extensions import db
from tests.factories import make_org

GOOD_PASSWORD = "granite harbour willow 19"


def _create_user(app, org, email: str, password: str, name: str | None = None):
    args = ["pan", "create-user", "--email", email, "--org", org.slug, "--password", password]
    if name:
        args += ["--name", name]
    return app.test_cli_runner().invoke(args=args)


def _users() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(User.email)))


def test_create_user_refuses_a_common_password(app):
    org = make_org(slug="academy-cli")
    db.session.commit()
    # Long enough for a length-only check, but on the list of breached passwords.
    result = _create_user(app, org, "weak@example.org", "password1234")
    assert result.exit_code != 0
    assert "too common" in result.output
    assert _users() == []


def test_create_user_refuses_the_users_own_address_and_short_passwords(app):
    org = make_org(slug="academy-cli")
    db.session.commit()
    own = _create_user(app, org, "constance.keller@example.org", "Constance Keller", name="Constance Keller")
    assert own.exit_code != 0 and "must not be your e-mail address or your name" in own.output
    short = _create_user(app, org, "short@example.org", "tiny")
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    assert _users() == []


def test_create_user_with_a_good_password(app):
    org = make_org(slug="academy-cli")
    db.session.commit()
    result = _create_user(app, org, "Good@Example.org", GOOD_PASSWORD)
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "good@example.org"))
    assert user is not None and user.check_password(GOOD_PASSWORD) and user.organisation_id == org.id
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create")) is not None
    again = _create_user(app, org, "good@example.org", GOOD_PASSWORD)
    assert again.exit_code != 0 and "already exists" in again.output


def _create_token(app, *options: str):
    return app.test_cli_runner().invoke(args=["pan", "create-token", "--email", "token@example.org", *options])


def test_create_token_with_scope_and_expiry(app):
    from datetime import timedelta

    from pan_platform.accounts.models import ApiToken
    from pan_platform.util import utcnow
    from tests.factories import make_user

    user = make_user(make_org(), "editor", email="token@example.org")
    db.session.commit()
    read = _create_token(app, "--name", "harvest")
    assert read.exit_code == 0, read.output
    write = _create_token(app, "--name", "sync", "--scope", "write", "--days", "never")
    assert write.exit_code == 0, write.output
    tokens = {t.name: t for t in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id))}
    assert tokens["harvest"].scope == "read"
    assert timedelta(days=89) < tokens["harvest"].expires_at - utcnow() <= timedelta(days=90)
    assert tokens["sync"].scope == "write" and tokens["sync"].expires_at is None
    assert ApiToken.hash_token(read.output.strip()) == tokens["harvest"].token_hash

    refused = _create_token(app, "--scope", "admin")
    assert refused.exit_code != 0
    assert len(list(db.session.scalars(select(ApiToken)))) == 2
