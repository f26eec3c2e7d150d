"""A trainer turns two-factor on by scanning the QR code, keeps the recovery codes, and
later signs in with one of them instead of a code from the app."""

from __future__ import annotations

import pytest

from pan_platform.accounts import totp
from pan_platform.extensions import db
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_org, make_user

pytestmark = pytest.mark.browser


def test_enable_two_factor_then_sign_in_with_a_recovery_code(live_server, browser_page):
    academy = make_org("academy", slug="academy-austria", name="Sicherheitsakademie Austria")
    trainer = make_user(academy, "trainer", email="trainer@academy-austria.example")
    db.session.commit()
    page = browser_page
    sign_in(page, live_server, trainer.email)

    page.goto(f"{live_server}/account/two-factor")
    qr = page.locator(".totp-qr svg")
    assert qr.is_visible()
    box = qr.bounding_box()
    assert box["width"] >= 100 and box["height"] >= 100  # big enough to scan from the screen
    secret = page.locator(".totp-secret").inner_text().strip()
    page.reload()
    assert page.locator(".totp-secret").inner_text().strip() == secret  # the same key after a reload
    page.get_by_label("Six-digit code from your authenticator app").fill(totp.code_at(secret))
    page.get_by_role("button", name="Turn two-factor authentication on").click()
    page.get_by_role("heading", name="Recovery codes").wait_for()
    codes = [code.strip() for code in page.locator(".recovery-codes code").all_inner_texts()]
    assert len(codes) == 10

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/sign-in")
    page.get_by_label("E-mail address").fill(trainer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/sign-in/code")
    page.get_by_role("link", name="Use a recovery code").click()
    page.wait_for_url(f"{live_server}/sign-in/recovery-code")
    page.get_by_label("Recovery code").fill(codes[3])
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server}/start")  # the personal start page
    assert "Welcome" in page.content()
    page.goto(f"{live_server}/account")
    assert "9 unused recovery codes left." in page.locator("main").inner_text()
