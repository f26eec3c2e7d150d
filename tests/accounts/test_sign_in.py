"""Sign-in: throttling, a new session, sign-out everywhere, two-factor, platform admins."""

from __future__ import annotations

from sqlalchemy import select

from pan_platform.accounts import totp
from pan_platform.accounts.models import ApiToken, LoginAttempt
from pan_platform.extensions import db
from tests.accounts.helpers import as_client, enrol_totp, sign_in_with_code
from tests.conftest import sign_in
from tests.factories import PASSWORD, make_org, make_user


def test_sign_in_and_wrong_password(app, client):
    user = make_user(make_org(), "trainer")
    db.session.commit()
    wrong = sign_in(client, user, password="not the password at all")
    assert wrong.status_code == 200
    assert "The e-mail address or password is not correct." in wrong.get_data(as_text=True)
    assert sign_in(client, user).status_code == 302
    assert client.get("/account").status_code == 200


def test_account_throttled_after_five_failures_even_with_the_right_password(app, client):
    user = make_user(make_org(), "trainer")
    db.session.commit()
    for _ in range(5):
        assert sign_in(client, user, password="wrong password 123").status_code == 200
    blocked = sign_in(client, user)
    assert blocked.status_code == 429
    assert "Too many failed sign-in attempts" in blocked.get_data(as_text=True)
    assert client.get("/account").status_code == 302  # not signed in


def test_success_clears_the_account_counter(app, client):
    user = make_user(make_org(), "trainer")
    db.session.commit()
    for _ in range(4):
        sign_in(client, user, password="wrong password 123")
    assert sign_in(client, user).status_code == 302
    assert db.session.query(LoginAttempt).filter(LoginAttempt.key == f"account:{user.email}").count() == 0


def test_address_throttled_across_accounts(app, client):
    org = make_org()
    users = [make_user(org, "trainer") for _ in range(6)]
    db.session.commit()
    for user in users[:5]:
        for _ in range(4):  # under the per-account limit each
            sign_in(client, user, password="wrong password 123")
    blocked = sign_in(client, users[5])
    assert blocked.status_code == 429
    other_address = app.test_client()
    other_address.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert sign_in(as_client(other_address), users[5]).status_code == 302


def test_throttle_counts_are_shared_through_the_database(app, client):
    """Another worker process sees the same rows: simulate by writing them directly."""
    user = make_user(make_org(), "trainer")
    for _ in range(5):
        db.session.add(LoginAttempt(key=f"account:{user.email}"))
    db.session.commit()
    assert sign_in(client, user).status_code == 429


def test_sign_in_starts_a_new_session(app, client):
    user = make_user(make_org(), "trainer")
    db.session.commit()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in(client, user)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{user.id}:0"


def test_sign_out_everywhere_ends_other_sessions(app):
    user = make_user(make_org(), "trainer")
    db.session.commit()
    laptop, phone = app.test_client(), app.test_client()
    sign_in(as_client(laptop), user)
    sign_in(as_client(phone), user)
    assert as_client(phone).get("/account").status_code == 200
    assert as_client(laptop).post("/sign-out-everywhere").status_code == 302
    assert as_client(phone).get("/account").status_code == 302
    assert as_client(laptop).get("/account").status_code == 302
    assert sign_in(as_client(phone), user).status_code == 302  # signing in again works


def test_remember_cookie_dies_with_sign_out_everywhere(app):
    user = make_user(make_org(), "trainer")
    db.session.commit()
    remembered = app.test_client()
    remembered.post("/sign-in", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    with remembered.session_transaction() as session:
        session.clear()  # browser closed: only the remember cookie is left
    assert remembered.get("/account").status_code == 200
    user.end_all_sessions()
    db.session.commit()
    with remembered.session_transaction() as session:
        session.clear()
    assert as_client(remembered).get("/account").status_code == 302


def test_deactivated_user_loses_the_session(app, client):
    user = make_user(make_org(), "trainer")
    db.session.commit()
    sign_in(client, user)
    user.active = False
    db.session.commit()
    assert as_client(client).get("/account").status_code == 302
    assert sign_in(client, user).status_code == 200


def test_two_factor_sign_in(app, client):
    user = make_user(make_org(), "editor")
    secret = enrol_totp(user)
    first = sign_in(client, user)
    assert first.headers["Location"].endswith("/sign-in/code")
    assert client.get("/account").status_code == 302  # the password alone signs nobody in
    wrong = client.post("/sign-in/code", data={"code": "000000" if totp.code_at(secret) != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "That code is not right. Check that you typed the 6 digits of the current code." in wrong.get_data(as_text=True)
    right = client.post("/sign-in/code", data={"code": totp.code_at(secret)})
    assert right.status_code == 302
    assert client.get("/account").status_code == 200


def test_a_code_works_once(app):
    user = make_user(make_org(), "editor")
    secret = enrol_totp(user)
    first = app.test_client()
    sign_in(first, user)
    code = totp.code_at(secret)
    assert first.post("/sign-in/code", data={"code": code}).status_code == 302
    second = app.test_client()
    sign_in(as_client(second), user)
    replay = second.post("/sign-in/code", data={"code": code})
    assert replay.status_code == 400 and "That code is not right" in replay.get_data(as_text=True)


def test_enrol_and_disable_two_factor(app, client):
    user = make_user(make_org(), "trainer")
    db.session.commit()
    sign_in(client, user)
    page = client.get("/account/two-factor").get_data(as_text=True)
    db.session.refresh(user)
    secret = user.totp_pending_secret
    assert secret and secret in page
    assert client.post("/account/two-factor", data={"code": "12345"}).status_code == 400
    assert not user.has_totp
    client.post("/account/two-factor", data={"code": totp.code_at(secret)})
    db.session.refresh(user)
    assert user.totp_secret == secret
    client.post("/account/two-factor/disable", data={"password": "wrong password 123"})
    db.session.refresh(user)
    assert user.has_totp
    client.post("/account/two-factor/disable", data={"password": PASSWORD})
    db.session.refresh(user)
    assert not user.has_totp


def test_platform_admin_must_enrol_before_the_console(app, client):
    admin = make_user(make_org("secretariat", slug="secretariat"), "platform_admin")
    db.session.commit()
    response = sign_in(client, admin)
    assert response.headers["Location"].endswith("/account/two-factor")
    console = client.get("/admin/")
    assert console.status_code == 302 and console.headers["Location"].endswith("/account/two-factor")
    enrol_totp(admin)
    client.post("/sign-out")
    assert sign_in_with_code(client, admin).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_platform_admin_cannot_turn_two_factor_off(app, client):
    admin = make_user(make_org("secretariat", slug="secretariat"), "platform_admin")
    enrol_totp(admin)
    assert sign_in_with_code(client, admin).status_code == 302
    response = client.post("/account/two-factor/disable", data={"password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/two-factor")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Platform administrators must keep two-factor authentication." in page
    db.session.refresh(admin)
    assert admin.has_totp


def test_the_console_does_not_exist_for_others(app, client):
    user = make_user(make_org(), "org_admin")
    db.session.commit()
    assert client.get("/admin/").status_code == 302  # anonymous: sign in first
    sign_in(client, user)
    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/users").status_code == 404


def test_unknown_addresses_cost_a_password_check_too(app, client, monkeypatch):
    from pan_platform.accounts import operations

    spent = []
    real = operations.spend_a_password_check
    monkeypatch.setattr(operations, "spend_a_password_check", lambda pw: spent.append(pw) or real(pw))
    response = client.post("/sign-in", data={"email": "nobody@example.org", "password": "some guess 1234"})
    assert "The e-mail address or password is not correct." in response.get_data(as_text=True)
    assert spent == ["some guess 1234"]


def _copy_cookies(source, target) -> None:
    for name in ("session", "remember_token"):
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def test_a_cookie_copied_before_sign_out_is_refused_afterwards(app):
    user = make_user(make_org(), "trainer")
    db.session.commit()
    browser, thief = app.test_client(), app.test_client()
    browser.post("/sign-in", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    _copy_cookies(browser, thief)
    assert as_client(thief).get("/account").status_code == 200  # the copy works while signed in
    assert as_client(browser).post("/sign-out").status_code == 302
    page = as_client(thief).get("/account")
    assert page.status_code == 302 and "/sign-in" in page.headers["Location"]
    created = as_client(thief).post("/account/tokens", data={"name": "stolen"})
    assert created.status_code == 302 and "/sign-in" in created.headers["Location"]
    assert db.session.scalars(select(ApiToken)).all() == []
    assert sign_in(as_client(browser), user).status_code == 302  # signing in again works
