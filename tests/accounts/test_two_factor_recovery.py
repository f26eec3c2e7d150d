"""Two-factor set-up and recovery: the QR code, a steady pending secret, one-time recovery
codes (shown once, stored hashed, spent once, replaced on demand), the wrong-code message."""

from __future__ import annotations

import logging
import re
import time
import xml.etree.ElementTree as ET
from urllib.parse import quote

import segno
from sqlalchemy import select

from pan_platform.accounts import totp
from pan_platform.accounts.models import RecoveryCode, User
from pan_platform.audit.models import AuditEvent
from pan_platform.extensions import db
from tests.accounts.helpers import as_client
from tests.conftest import sign_in
from tests.factories import PASSWORD, make_org, make_user

CODE_ITEM = re.compile(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>")
WRONG = "That code is not right. Check that you typed the 6 digits of the current code."
CLOCK = "check that the time on your device is set automatically"


def _user(email: str = "anna.huber@siak.example") -> User:
    user = make_user(make_org(), "editor", email=email)
    db.session.commit()
    return user


def _enable(client, user) -> list[str]:
    """Turn two-factor on through the pages; the recovery codes the page shows."""
    client.get("/account/two-factor")
    db.session.refresh(user)
    page = client.post("/account/two-factor", data={"code": totp.code_at(user.totp_pending_secret)})
    assert page.status_code == 200
    codes = CODE_ITEM.findall(page.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    return codes


def _actions(user) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.user_id == user.id)))


def _password_step(client, user):
    client.post("/sign-out")
    response = sign_in(as_client(client), user)
    assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in/code")


def _signed_in(client) -> bool:
    return as_client(client).get("/account").status_code == 200


def _svg(page: str) -> str:
    match = re.search(r"<svg\b.*?</svg>", page, re.S)
    assert match, "no inline SVG on the page"
    return match.group(0)


def test_the_set_up_page_shows_a_qr_code_of_the_otpauth_uri(app, client):
    user = _user()
    sign_in(client, user)
    page = client.get("/account/two-factor").get_data(as_text=True)
    db.session.refresh(user)
    secret = user.totp_pending_secret
    uri = f"otpauth://totp/PAN%20Platform%3A{quote(user.email)}?secret={secret}&issuer=PAN+Platform"
    svg = _svg(page)
    ET.fromstring(svg)  # well-formed XML
    expected = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff", border=4)
    assert svg == expected
    assert "<script" not in page.split('class="totp-qr"')[1].split("</div>")[0]
    assert "http" not in svg  # drawn here, no outside service


def test_the_pending_secret_stays_the_same_until_confirmed(app, client, caplog):
    user = _user()
    sign_in(client, user)
    with caplog.at_level(logging.DEBUG):
        first = _svg(client.get("/account/two-factor").get_data(as_text=True))
        second = _svg(client.get("/account/two-factor").get_data(as_text=True))
    db.session.refresh(user)
    secret = user.totp_pending_secret
    assert first == second and secret
    assert secret not in caplog.text  # not in the logs
    with client.session_transaction() as session:
        assert secret not in repr(dict(session))  # nor in the (readable) session cookie
    other = as_client(app.test_client())
    sign_in(other, user)
    assert _svg(other.get("/account/two-factor").get_data(as_text=True)) == first  # another browser too
    _enable(other, user)
    db.session.refresh(user)
    assert user.totp_secret == secret and user.totp_pending_secret is None


def test_recovery_codes_are_shown_once_and_stored_hashed(app, client):
    user = _user()
    sign_in(client, user)
    codes = _enable(client, user)
    rows = db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all()
    assert len(rows) == 10
    stored = " ".join(f"{row.salt} {row.code_hash}" for row in rows)
    for code in codes:
        assert code not in stored and code.replace("-", "") not in stored
    assert len({row.salt for row in rows}) == 10  # a salt per code
    again = as_client(client).get("/account/two-factor").get_data(as_text=True)
    assert not CODE_ITEM.search(again) and not any(code in again for code in codes)
    assert "10 unused recovery codes left." in again
    assert "10 unused recovery codes left." in as_client(client).get("/account").get_data(as_text=True)
    assert "account.2fa_enable" in _actions(user)


def test_a_recovery_code_signs_in_once(app, client):
    user = _user()
    sign_in(client, user)
    codes = _enable(client, user)
    _password_step(client, user)
    code_page = as_client(client).get("/sign-in/code").get_data(as_text=True)
    assert "Use a recovery code" in code_page and "/sign-in/recovery-code" in code_page
    typed = codes[0].upper().replace("-", " ")  # as someone might type it from paper
    assert as_client(client).post("/sign-in/recovery-code", data={"code": typed}).status_code == 302
    assert _signed_in(client)
    assert "account.2fa_recovery_code_used" in _actions(user)
    assert "9 unused recovery codes left." in as_client(client).get("/account").get_data(as_text=True)

    _password_step(client, user)
    replay = as_client(client).post("/sign-in/recovery-code", data={"code": codes[0]})
    assert replay.status_code == 400
    assert "That recovery code is not right, or it was already used." in replay.get_data(as_text=True)
    assert not _signed_in(client)
    assert as_client(client).post("/sign-in/recovery-code", data={"code": codes[1]}).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(app, client):
    user = _user()
    sign_in(client, user)
    old = _enable(client, user)
    before = set(db.session.scalars(select(RecoveryCode.code_hash)))
    refused = as_client(client).post("/account/two-factor/recovery-codes",
                                     data={"password_or_code": "not my password at all"})
    assert refused.status_code == 302
    assert set(db.session.scalars(select(RecoveryCode.code_hash))) == before  # nothing changed
    page = as_client(client).post("/account/two-factor/recovery-codes", data={"password_or_code": PASSWORD})
    new = CODE_ITEM.findall(page.get_data(as_text=True))
    assert page.status_code == 200 and len(new) == 10 and not set(new) & set(old)
    assert "account.2fa_recovery_regenerate" in _actions(user)
    # A current code from the app confirms it too (the next step: the current one was spent).
    db.session.refresh(user)
    by_code = as_client(client).post("/account/two-factor/recovery-codes",
                                     data={"password_or_code": totp.code_at(user.totp_secret, time.time() + 30)})
    newest = CODE_ITEM.findall(by_code.get_data(as_text=True))
    assert len(newest) == 10 and not set(newest) & set(new)

    _password_step(client, user)
    stale = as_client(client).post("/sign-in/recovery-code", data={"code": new[0]})
    assert stale.status_code == 400 and not _signed_in(client)
    assert as_client(client).post("/sign-in/recovery-code", data={"code": newest[0]}).status_code == 302


def test_a_wrong_code_names_the_clock_only_after_repeated_failures(app, client):
    user = _user()
    sign_in(client, user)
    _enable(client, user)
    db.session.refresh(user)
    wrong_code = "000000" if totp.code_at(user.totp_secret) != "000000" else "111111"
    _password_step(client, user)
    first = as_client(client).post("/sign-in/code", data={"code": wrong_code}).get_data(as_text=True)
    assert WRONG in first and CLOCK not in first
    second = as_client(client).post("/sign-in/code", data={"code": wrong_code}).get_data(as_text=True)
    assert WRONG in second and CLOCK in second
    assert not _signed_in(client)


def test_the_set_up_page_says_what_is_wrong_with_a_code(app, client):
    user = _user()
    sign_in(client, user)
    client.get("/account/two-factor")
    first = client.post("/account/two-factor", data={"code": "12345"})
    assert first.status_code == 400 and WRONG in first.get_data(as_text=True)
    assert CLOCK not in first.get_data(as_text=True)
    second = client.post("/account/two-factor", data={"code": "12345"}).get_data(as_text=True)
    assert CLOCK in second
    db.session.refresh(user)
    assert not user.has_totp and db.session.query(RecoveryCode).count() == 0


def test_recovery_codes_are_throttled_with_the_codes(app, client):
    user = _user()
    sign_in(client, user)
    codes = _enable(client, user)
    _password_step(client, user)
    for _ in range(5):
        assert as_client(client).post("/sign-in/recovery-code", data={"code": "aaaaa-aaaaa"}).status_code == 400
    blocked = as_client(client).post("/sign-in/recovery-code", data={"code": codes[0]})
    assert blocked.status_code == 429 and "Too many failed attempts" in blocked.get_data(as_text=True)
    assert not _signed_in(client)
    assert db.session.query(RecoveryCode).filter(RecoveryCode.used_at.isnot(None)).count() == 0  # not spent
    db.session.refresh(user)
    app_code = as_client(client).post("/sign-in/code", data={"code": totp.code_at(user.totp_secret, time.time() + 30)})
    assert app_code.status_code == 429 and not _signed_in(client)  # one counter for both kinds of code



def test_the_right_password_again_buys_no_more_guesses_at_the_code(app, client):
    user = _user()
    sign_in(client, user)
    codes = _enable(client, user)
    _password_step(client, user)
    for _ in range(4):
        assert as_client(client).post("/sign-in/recovery-code", data={"code": "aaaaa-aaaaa"}).status_code == 400
    _password_step(client, user)  # a right password clears the password failures, not these
    assert as_client(client).post("/sign-in/recovery-code", data={"code": "aaaaa-aaaaa"}).status_code == 400
    blocked = as_client(client).post("/sign-in/recovery-code", data={"code": codes[0]})
    assert blocked.status_code == 429 and not _signed_in(client)


def test_turning_two_factor_off_removes_the_recovery_codes(app, client):
    user = _user()
    sign_in(client, user)
    _enable(client, user)
    as_client(client).post("/account/two-factor/disable", data={"password": PASSWORD})
    db.session.refresh(user)
    assert not user.has_totp and db.session.query(RecoveryCode).count() == 0
    assert "account.2fa_disable" in _actions(user)
