"""Sharing in a real browser: a standing agreement reaches a partner's search and is
revoked; a partner asks for files, the academy approves, the partner downloads."""

from __future__ import annotations

import io
import re

import pytest

from pan_platform.extensions import db
from pan_platform.sharing import operations
from pan_platform.storage.files import add_version
from tests.browser.conftest import sign_in
from tests.factories import make_item, make_org, make_user

pytestmark = pytest.mark.browser

THB = "human-trafficking"


def _results(page, base: str, query: str) -> str:
    page.goto(f"{base}/search?q={query}")
    return page.locator("main").inner_text()


def test_agreement_with_cepol_for_thb_then_revoked(live_server, browser_page, browser):
    academy = make_org("academy", slug="academy-moldova", name="Police Academy of Moldova", country="MD")
    cepol = make_org("partner", slug="cepol", name="European Union Agency for Law Enforcement Training",
                     acronym="CEPOL", country=None)
    admin = make_user(academy, "org_admin", email="admin@academy-md.example")
    partner = make_user(cepol, "trainer", email="trainer@cepol.example")
    shared = [
        make_item(academy, visibility="private", areas=(THB,), title="Victim interviewing handbook"),
        make_item(academy, visibility="private", areas=(THB, "organized-crime"), title="Trafficking routes handbook"),
    ]
    kept = [
        make_item(academy, visibility="private", areas=("organized-crime",), title="Money laundering handbook"),
        make_item(academy, visibility="private", areas=(THB,), state="draft", title="Draft shelter handbook"),
        make_item(academy, visibility="network", areas=("cybercrime",), title="Darknet markets handbook"),
    ]
    db.session.commit()

    page = browser_page
    sign_in(page, live_server, admin.email)
    page.get_by_role("link", name="Sharing").click()
    page.get_by_label("Share with").select_option(label="European Union Agency for Law Enforcement Training (CEPOL)")
    page.get_by_label("Trafficking in human beings").check()
    page.get_by_role("button", name="Make the agreement").click()
    assert "The agreement is in force" in page.locator(".flashes").inner_text()
    assert "CEPOL" in page.locator("#agreements").inner_text()

    partner_context = browser.new_context(locale="en-GB")
    partner_page = partner_context.new_page()
    try:
        sign_in(partner_page, live_server, partner.email)
        before = _results(partner_page, live_server, "handbook")
        for item in shared:
            assert item.title in before
        for item in kept:
            assert item.title not in before
        shared_page = partner_page.goto(f"{live_server}/shared-with-us")
        assert shared_page.status == 200 and shared[0].title in partner_page.locator("main").inner_text()

        page.get_by_role("button", name=re.compile(r"^Revoke agreement #\d+$")).click()  # the only one
        assert "The agreement is revoked" in page.locator(".flashes").inner_text()

        after = _results(partner_page, live_server, "handbook")
        for item in shared + kept:
            assert item.title not in after
        assert partner_page.goto(f"{live_server}/items/{shared[0].id}").status == 404
    finally:
        partner_context.close()


def test_access_request_from_partner_to_download(live_server, browser_page, browser):
    academy = make_org("academy", slug="academy-georgia", name="Police Academy of Georgia", country="GE")
    interpol = make_org("partner", slug="interpol", name="INTERPOL", country=None)
    admin = make_user(academy, "org_admin", email="admin@academy-ge.example")
    editor = make_user(academy, "editor", email="editor@academy-ge.example")
    partner = make_user(interpol, "trainer", email="trainer@interpol.example")
    item = make_item(academy, visibility="partners", partner_scope="all", title="Border interview exercise")
    add_version(item, io.BytesIO(b"exercise sheet\n"), "exercise.txt", "text/plain")
    db.session.commit()
    operations.set_item_policy(editor, item, "law-enforcement-only", "request")

    partner_context = browser.new_context(locale="en-GB", accept_downloads=True)
    partner_page = partner_context.new_page()
    try:
        sign_in(partner_page, live_server, partner.email)
        partner_page.goto(f"{live_server}/items/{item.id}")
        assert "law enforcement only" in partner_page.locator("main").inner_text().lower()
        assert partner_page.get_by_role("link", name="Download").count() == 0
        partner_page.get_by_role("link", name="Request access to the files").click()
        partner_page.get_by_role("button", name="Send the request").click()  # empty: refused, nothing lost
        partner_page.get_by_label("Why does your organisation need these files?").fill(
            "We run a border interviewing course for INTERPOL member countries in March.")
        partner_page.get_by_role("button", name="Send the request").click()
        assert "Your request has been sent" in partner_page.locator(".flashes").inner_text()

        page = browser_page
        sign_in(page, live_server, admin.email)
        assert "1" in page.get_by_role("link", name="Notifications").inner_text()
        page.get_by_role("link", name="Sharing").click()
        pending = page.locator("#pending-requests")
        assert "INTERPOL" in pending.inner_text() and "border interviewing course" in pending.inner_text()
        pending.get_by_role("button", name="Approve").click()
        assert "Request approved" in page.locator(".flashes").inner_text()

        partner_page.goto(f"{live_server}/notifications")
        assert "was approved" in partner_page.locator("main").inner_text()
        partner_page.goto(f"{live_server}/items/{item.id}")
        with partner_page.expect_download() as info:
            partner_page.get_by_role("link", name="Download").click()
        download = info.value
        assert download.suggested_filename == "exercise.txt"
        assert download.path().read_bytes() == b"exercise sheet\n"

        page.goto(f"{live_server}/organisations/{academy.slug}/downloads")
        assert "INTERPOL" in page.locator("#by-organisation").inner_text()
    finally:
        partner_context.close()
