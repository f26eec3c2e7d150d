"""Events in a real browser: an academy's editor announces a course, another academy's
administrator nominates a colleague, the organiser accepts; each page shows the new state
and the participant and the administrator get the decision by e-mail."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from pan_platform import mail
from pan_platform.events.models import Event, EventApplication
from pan_platform.extensions import db
from pan_platform.util import utcnow
from tests.browser.conftest import sign_in
from tests.factories import make_org, make_user

pytestmark = pytest.mark.browser
TITLE = "Cybercrime investigation course"


def test_announce_nominate_accept(live_server, browser_page, browser):
    vienna = make_org("academy", slug="academy-austria", name="Federal Security Academy of Austria")
    berlin = make_org("academy", slug="academy-germany", name="German Police University", country="DE")
    editor = make_user(vienna, "editor", email="editor@academy-austria.example")
    admin = make_user(berlin, "org_admin", email="admin@academy-germany.example")
    colleague = make_user(berlin, "trainer", email="trainer@academy-germany.example")
    colleague.name = "Petra Schulz"
    db.session.commit()
    day = (utcnow() + timedelta(days=30)).date().isoformat()

    page = browser_page
    sign_in(page, live_server, editor.email)
    page.goto(f"{live_server}/events")
    page.get_by_role("link", name="Announce an event").click()
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Kind of event").select_option("course")
    page.get_by_label("Starts").fill(f"{day}T09:00")
    page.get_by_label("Ends").fill(f"{day}T17:00")
    page.get_by_label("Seats").fill("2")
    page.get_by_label("Cyber-crime").check()
    page.get_by_label("Who may see it").select_option("network")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/events/\d+$"))
    expect(page.locator(".flashes")).to_contain_text("The event is saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.locator("main")).to_contain_text("2 of 2 left")
    event_url = page.url
    event = db.session.scalar(select(Event).where(Event.title == TITLE))
    assert event is not None and event.owner_id == vienna.id and event.seats == 2

    admin_context = browser.new_context(locale="en-GB")
    admin_page = admin_context.new_page()
    admin_page.set_default_timeout(15_000)
    try:
        sign_in(admin_page, live_server, admin.email)
        admin_page.goto(f"{live_server}/events")
        admin_page.get_by_role("link", name=TITLE).click()
        admin_page.get_by_label("Participant").select_option(label="Petra Schulz")
        admin_page.get_by_role("button", name="Apply", exact=True).click()
        expect(admin_page.locator(".flashes")).to_contain_text("The application is sent to the organiser.")
        row = admin_page.get_by_role("row", name=re.compile("Petra Schulz"))
        expect(row).to_contain_text("Waiting for a decision")
        expect(row.get_by_role("button", name="Accept")).to_have_count(0)  # only the organiser decides

        page.goto(event_url)
        row = page.get_by_role("row", name=re.compile("Petra Schulz"))
        expect(row).to_contain_text("German Police University")
        expect(row).to_contain_text("Waiting for a decision")
        row.get_by_role("button", name="Accept").click()
        expect(page.get_by_role("row", name=re.compile("Petra Schulz"))).to_contain_text("Accepted")
        expect(page.locator("main")).to_contain_text("1 of 2 left")

        admin_page.reload()
        expect(admin_page.get_by_role("row", name=re.compile("Petra Schulz"))).to_contain_text("Accepted")
        expect(admin_page.locator("main")).to_contain_text("1 of 2 left")
    finally:
        admin_context.close()

    db.session.expire_all()
    application = db.session.scalar(select(EventApplication))
    assert application.user_id == colleague.id and application.nominated_by_id == admin.id
    assert application.status == "accepted"
    decisions = [(m.to, m.subject) for m in mail.outbox() if TITLE in m.subject]
    assert sorted(decisions) == sorted([(colleague.email, f"Accepted: {TITLE}"), (admin.email, f"Accepted: {TITLE}")])
