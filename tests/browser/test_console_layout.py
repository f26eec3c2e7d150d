"""The console at 1280 px: its navigation on one line, the audit log without horizontal overflow,
the sharing panel's partner choices only for the partner option."""

from __future__ import annotations

import pytest

from pan_platform.accounts import totp
from pan_platform.audit.models import AuditEvent
from pan_platform.extensions import db
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_item, make_org, make_user

pytestmark = pytest.mark.browser


def _sign_in_with_code(page, base: str, email: str, secret: str) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/sign-in/code")
    page.get_by_label("Six-digit code").fill(totp.code_at(secret))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{base}/admin/")  # the secretariat's start page


def test_console_fits_1280_pixels(live_server, browser_page):
    secretariat = make_org("secretariat", slug="secretariat", country=None)
    admin = make_user(secretariat, "platform_admin", email="console@secretariat.example")
    admin.totp_secret = secret = totp.new_secret()
    long_value = "a-very-long-file-name-without-any-space-" * 12 + ".pdf"
    db.session.add_all([
        AuditEvent(action="upload", details={"version": 2, "name": long_value, "sha256": "f" * 64}),
        AuditEvent(action="account.2fa_enable"),
    ])
    db.session.commit()
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 900})
    _sign_in_with_code(page, live_server, admin.email, secret)

    tops = page.locator("nav.console-nav a").evaluate_all("links => links.map(a => a.getBoundingClientRect().top)")
    assert len(tops) == 8 and max(tops) - min(tops) < 2, tops
    assert page.locator("svg.trend-chart").count() == 3

    page.goto(f"{live_server}/admin/audit")
    assert page.get_by_role("cell", name="Two-factor enabled").is_visible()
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], widths
    table = page.locator("table.audit").bounding_box()
    assert table["x"] + table["width"] <= 1280


def test_partner_choices_follow_the_visibility(live_server, browser_page):
    academy = make_org("academy", slug="academy-austria")
    make_org("partner", slug="cepol", name="CEPOL", country=None)
    editor = make_user(academy, "editor", email="editor@academy-austria.example")
    item = make_item(academy, title="Handbook", visibility="network")
    db.session.commit()
    page = browser_page
    sign_in(page, live_server, editor.email)
    page.goto(f"{live_server}/workspace/items/{item.id}")
    options = page.locator("#partner-options")
    assert not options.is_visible()
    page.get_by_label("Academies and partner organisations").check()
    assert options.is_visible()
    page.get_by_label("All academies of the network").check()
    assert not options.is_visible()
