"""An academy admin writes the country's profile with a translation and submits it; the
secretariat publishes it; the public reads it in the two languages. The country pages pass
the accessibility check (axe-core, as in test_accessibility) in English and Arabic."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pan_platform.extensions import db
from tests.browser.conftest import sign_in
from tests.browser.test_accessibility import _violations
from tests.countries.helpers import make_version
from tests.factories import make_item, make_org, make_user

pytestmark = pytest.mark.browser


def sign_out(page, base: str) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/")


def test_academy_admin_submits_and_secretariat_publishes(live_app, live_server, browser_page):
    academy = make_org("academy", slug="academy-austria", name="Federal Security Academy of Austria", country="AT")
    secretariat = make_org("secretariat", slug="osce-secretariat", name="OSCE Secretariat", country="AT")
    admin = make_user(academy, "org_admin", email="admin@academy-austria.example")
    reviewer = make_user(secretariat, "editor", email="reviewer@pan.example")
    db.session.commit()
    page, base = browser_page, live_server

    sign_in(page, base, admin.email)
    page.goto(f"{base}/countries")
    page.get_by_role("link", name="Austria", exact=True).click()
    page.get_by_role("link", name="Edit the profile").click()
    page.get_by_label("Original language of the description").select_option("en")
    page.get_by_label("Description in English").fill("The academy trains border police and shares its cyber-crime modules.")
    page.get_by_label("Description in German").fill("Die Akademie bildet die Grenzpolizei aus.")
    page.get_by_label("German", exact=True).check()
    page.get_by_label("Contact points (one per line)").fill("pan@academy-austria.example")
    page.get_by_role("button", name="Save and submit for review").click()
    page.wait_for_url(f"{base}/countries/AT")
    expect(page.locator(".profile-state")).to_contain_text("Submitted for review")
    sign_out(page, base)

    page.goto(f"{base}/countries/AT")
    expect(page.locator("main")).not_to_contain_text("border police")

    sign_in(page, base, reviewer.email)
    page.goto(f"{base}/countries")
    page.get_by_role("link", name="Austria", exact=True).first.click()
    page.get_by_role("link", name="Read the version to review").click()
    expect(page.locator("main")).to_contain_text("The academy trains border police")
    page.go_back()
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(f"{base}/countries/AT")
    expect(page.locator(".flashes")).to_contain_text("The profile is published.")
    sign_out(page, base)

    page.goto(f"{base}/countries/AT")
    expect(page.locator(".description")).to_contain_text("The academy trains border police")
    expect(page.locator("main")).to_contain_text("pan@academy-austria.example")
    page.goto(f"{base}/de/countries/AT")
    expect(page.locator(".description")).to_contain_text("Die Akademie bildet die Grenzpolizei aus.")


@pytest.fixture
def axe_page(browser):
    """Its Content-Security-Policy lets the test add axe-core's script (as in test_accessibility)."""
    context = browser.new_context(locale="en-GB", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_country_pages_have_no_serious_violation(live_app, live_server, axe_page, lang):
    academy = make_org("academy", slug="academy-austria", name="Federal Security Academy of Austria", country="AT")
    admin = make_user(academy, "org_admin", email="admin@academy-austria.example")
    make_item(academy, title="Border checks", areas=("human-trafficking",))
    make_version("AT", "published", number=1, en="The academy trains border police.", ar="تدرب الأكاديمية شرطة الحدود.")
    make_version("AT", "returned", number=2, en="A newer text.")
    db.session.commit()
    base = live_server
    found = []
    for path in ("/countries", "/countries/AT"):
        found += _violations(axe_page, f"{base}/{lang}{path}")
    sign_in(axe_page, base, admin.email)
    for path in ("/countries/AT", "/countries/AT/edit", "/countries/AT/history", "/countries/AT/history/2"):
        found += _violations(axe_page, f"{base}/{lang}{path}")
    assert not found, "\n".join(found)
