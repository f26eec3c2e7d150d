"""The experts directory in a real browser: a trainer creates an expert profile; a partner
user finds it by priority area and language and contacts the trainer through the platform."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pan_platform.experts.models import ContactMessage, ExpertProfile
from pan_platform.extensions import db
from pan_platform.mail import outbox
from tests.browser.conftest import sign_in
from tests.factories import make_org, make_user

pytestmark = pytest.mark.browser


def test_trainer_creates_a_profile_and_a_partner_finds_and_contacts_them(live_server, browser_page, browser):
    academy = make_org("academy", slug="academy-lithuania", name="Lithuanian Police School", country="LT")
    partner_org = make_org("partner", slug="unodc", name="UNODC", country=None)
    trainer = make_user(academy, "trainer", email="trainer@academy-lt.example")
    partner = make_user(partner_org, "trainer", email="analyst@unodc.example")
    db.session.commit()

    page = browser_page
    sign_in(page, live_server, trainer.email)
    page.goto(f"{live_server}/account/expert-profile")
    page.get_by_label("Name", exact=True).fill("Rūta Kazlauskienė")
    page.get_by_label("Position and expertise in one line").fill("Cryptocurrency tracing instructor")
    page.get_by_label("Cyber-crime", exact=True).check()
    page.get_by_label("Languages spoken").select_option(["lt", "fr", "en"])
    page.get_by_label("Languages taught in").select_option(["fr"])
    page.get_by_label("Exchanges", exact=True).check()
    page.get_by_label("Who may see the profile").select_option("partners-all")
    page.locator("#consent").check()
    page.get_by_role("button", name="Save").click()
    assert "Your expert profile is saved." in page.locator(".flashes").inner_text()
    profile = db.session.scalar(select(ExpertProfile))
    assert profile.user_id == trainer.id and profile.consent_at is not None

    partner_context = browser.new_context(locale="en-GB")
    partner_page = partner_context.new_page()
    partner_page.set_default_timeout(15_000)
    try:
        sign_in(partner_page, live_server, partner.email)
        partner_page.goto(f"{live_server}/experts")
        partner_page.locator(".facet-area").get_by_role("link", name="Cyber-crime").click()
        partner_page.locator(".facet-language").get_by_role("link", name="French").click()
        assert "area=cybercrime" in partner_page.url and "language=fr" in partner_page.url
        results = partner_page.locator(".results")
        assert "Rūta Kazlauskienė" in results.inner_text()
        results.get_by_role("link", name="Rūta Kazlauskienė").click()
        partner_page.get_by_role("link", name="Contact this expert").click()
        partner_page.get_by_label("Subject").fill("Training on crypto tracing")
        partner_page.get_by_label("Message").fill("Would you teach a week in Vienna in March?")
        partner_page.get_by_role("button", name="Send the message").click()
        assert "Your message is sent." in partner_page.locator(".flashes").inner_text()
    finally:
        partner_context.close()

    db.session.expire_all()
    message = db.session.scalar(select(ContactMessage))
    assert message.sender_id == partner.id and message.recipient_id == trainer.id
    (mail,) = outbox()
    assert mail.to == trainer.email and partner.email not in mail.body

    # The trainer reads it among their notifications, without the partner's address.
    page.goto(f"{live_server}/notifications")
    page.get_by_role("link", name="Training on crypto tracing").click()
    body = page.locator("main").inner_text()
    assert "Would you teach a week in Vienna in March?" in body and partner.email not in body
