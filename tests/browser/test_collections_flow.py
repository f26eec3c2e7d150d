"""A trainer builds a collection from an item page and the search results, orders it without
JavaScript's help, writes a note, shares it with the network and hands over its link; a
trainer of another academy opens the link and sees only what they may read; a partner,
who may not see the collection, gets "not found"."""

from __future__ import annotations

import pytest

from pan_platform.extensions import db
from tests.browser.conftest import sign_in
from tests.factories import make_item, make_org, make_user

pytestmark = pytest.mark.browser


def test_build_share_and_open_a_collection(live_server, browser, browser_page):
    home = make_org("academy", slug="academy-austria", name="Sicherheitsakademie Austria")
    other = make_org("academy", slug="academy-germany", name="Hochschule der Polizei")
    partner = make_org("partner", slug="cepol", name="CEPOL")
    collector = make_user(home, "trainer", email="trainer@academy-austria.example")
    reader = make_user(other, "trainer", email="trainer@academy-germany.example")
    outsider = make_user(partner, "trainer", email="user@cepol.example")
    checklist = make_item(home, visibility="network", title="Checklist for victim identification")
    internal = make_item(home, visibility="private", title="Internal debriefing of the pilot course")
    make_item(other, visibility="public", title="Victim interview video")
    db.session.commit()
    page = browser_page

    sign_in(page, live_server, collector.email)
    page.goto(f"{live_server}/items/{checklist.id}")
    page.get_by_role("link", name="Add to collection").click()
    page.get_by_label("New collection named").fill("THB course reading")
    page.get_by_label("Note").fill("Hand out on day one")
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_url(f"{live_server}/items/{checklist.id}")
    assert "Added to the collection" in page.content()

    page.goto(f"{live_server}/search?q=victim")
    page.locator("li.search-hit", has_text="Victim interview video").get_by_role("link", name="Add to collection").click()
    page.get_by_role("radio", name="THB course reading").check()
    with page.expect_navigation(url=lambda url: "/search" in url):
        page.get_by_role("button", name="Add", exact=True).click()
    page.goto(f"{live_server}/items/{internal.id}")
    page.get_by_role("link", name="Add to collection").click()
    with page.expect_navigation(url=f"{live_server}/items/{internal.id}"):
        page.get_by_role("button", name="Add", exact=True).click()

    page.goto(f"{live_server}/collections")
    page.get_by_role("link", name="THB course reading").click()
    entries = page.locator("ol.collection-entries > li h2")
    assert entries.all_inner_texts() == [
        "Checklist for victim identification", "Victim interview video", "Internal debriefing of the pilot course"]
    with page.expect_navigation():
        page.locator("ol.collection-entries > li", has_text="Victim interview video").get_by_role(
            "button", name="Move up").click()
    assert entries.all_inner_texts() == [
        "Victim interview video", "Checklist for victim identification", "Internal debriefing of the pilot course"]
    assert "Hand out on day one" in page.content()

    page.get_by_label("The network (every academy)").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    link = page.get_by_label("Link to share").input_value()
    assert link.startswith(live_server + "/collections/")

    other_context = browser.new_context(locale="en-GB")
    other_page = other_context.new_page()
    other_page.set_default_timeout(15_000)
    try:
        sign_in(other_page, live_server, reader.email)
        other_page.goto(link)
        assert other_page.get_by_role("heading", level=1).inner_text() == "THB course reading"
        shown = other_page.locator("ol.collection-entries > li h2").all_inner_texts()
        assert shown == ["Victim interview video", "Checklist for victim identification"]  # not the internal one
        assert "Hand out on day one" in other_page.content()
        assert other_page.get_by_role("button", name="Move up").count() == 0

        with other_page.expect_navigation():
            other_page.get_by_role("button", name="Sign out").click()
        sign_in(other_page, live_server, outsider.email)
        response = other_page.goto(link)
        assert response.status == 404
        assert "THB course reading" not in other_page.content()
    finally:
        other_context.close()
