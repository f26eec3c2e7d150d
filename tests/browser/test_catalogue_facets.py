"""The catalogue's facets in a browser: tick two values of one facet and one of another,
apply, and see what any of the first and the second match; on a phone, in the drawer."""

from __future__ import annotations

import pytest

from pan_platform.extensions import db
from tests.factories import make_item, make_org

pytestmark = pytest.mark.browser


@pytest.fixture
def site(live_server):
    owner = make_org(slug="north-academy", name="North Police Academy")
    make_item(owner, title="Crime in English", areas=("organized-crime",))
    make_item(owner, title="Terror in English", areas=("terrorism",))
    make_item(owner, title="Cyber in English", areas=("cybercrime",))
    make_item(owner, title="Terror auf Deutsch", areas=("terrorism",), language="de")
    db.session.commit()
    return live_server


def _tick_and_apply(page) -> None:
    page.locator('input[name=area][value="organized-crime"]').check()
    page.locator('input[name=area][value="terrorism"]').check()
    page.locator('input[name=language][value="en"]').check()
    with page.expect_navigation():
        page.get_by_role("button", name="Apply filters").click()


def _shows(page) -> set[str]:
    return set(page.locator(".item-card h3").all_inner_texts())


def test_two_areas_and_a_language_on_the_catalogue(site, browser_page):
    page = browser_page
    page.goto(f"{site}/en/catalogue")
    assert page.locator('input[name=area][value="terrorism"] >> xpath=../following-sibling::span').inner_text() == "2"
    _tick_and_apply(page)
    assert _shows(page) == {"Crime in English", "Terror in English"}
    assert "area=organized-crime" in page.url and "area=terrorism" in page.url and "language=en" in page.url
    assert page.locator('input[name=area][value="terrorism"]').is_checked()
    assert page.locator('input[name=language][value="en"]').is_checked()
    page.get_by_role("link", name="Clear all filters").first.click()
    page.wait_for_url(f"{site}/en/catalogue")
    assert len(_shows(page)) == 4


def test_the_facets_wait_in_the_phone_drawer(site, browser):
    context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{site}/en/catalogue")
        assert not page.locator('input[name=area][value="terrorism"]').is_visible()
        page.locator("button[data-toggle=filters]").first.click()
        _tick_and_apply(page)
        assert _shows(page) == {"Crime in English", "Terror in English"}
    finally:
        context.close()
