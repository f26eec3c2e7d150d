"""Atom feeds and the sitemap as channels of the leak matrix."""

from __future__ import annotations

import pytest
from lxml import etree

from pan_platform.api.models import FeedToken
from pan_platform.extensions import db
from tests.api.conftest import EXPECTED, MARKS, issue_feed_token
from tests.conftest import sign_in

ATOM = {"a": "http://www.w3.org/2005/Atom"}
SITEMAP = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def entry_urls(response) -> set[str]:
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    doc = etree.fromstring(response.data)
    return {node.get("href") for node in doc.iterfind("a:entry/a:link[@rel='alternate']", ATOM)}


def item_url(item) -> str:
    return f"http://localhost/items/{item.id}"


def readable_materials(world, who) -> set[str]:
    return {item_url(world.items[k]) for k in EXPECTED[who]
            if world.items[k].kind == "material" and world.items[k].state == "published"}


@pytest.mark.parametrize("url", [
    "/feeds/materials.atom", "/feeds/areas/organized-crime.atom", "/feeds/academies/own-academy.atom",
    "/feeds/languages/en.atom",
])
def test_public_feeds_list_public_materials_only_even_for_signed_in_users(client, world, url):
    expected = readable_materials(world, "anonymous")
    if "areas" in url:
        expected = {item_url(i) for i in world.items.values()
                    if item_url(i) in expected and "organized-crime" in i.area_codes}
    assert entry_urls(client.get(url)) == expected
    sign_in(client, world.users["owner"])
    body = client.get(url, headers=world.headers("owner"))
    assert entry_urls(body) == expected
    for key, mark in MARKS.items():
        if key not in EXPECTED["anonymous"]:
            assert mark.encode() not in body.data


def test_area_feed_filters(client, world):
    urls = entry_urls(client.get("/feeds/areas/cybercrime.atom"))
    assert urls == {item_url(world.items["public"])}
    assert client.get("/feeds/areas/unknown.atom").status_code == 404
    assert client.get("/feeds/academies/nobody.atom").status_code == 404


def test_private_feed_lists_what_its_owner_may_read(client, world):
    for who in [w for w in EXPECTED if w != "anonymous"]:
        token = issue_feed_token(world.users[who])
        db.session.commit()
        response = client.get(f"/feeds/private/{token}/materials.atom")
        assert entry_urls(response) == readable_materials(world, who)
        assert response.headers["Cache-Control"] == "private, no-store"
        for key, mark in MARKS.items():
            if key not in EXPECTED[who] or world.items[key].state != "published":
                assert mark.encode() not in response.data


def test_private_feed_token_is_revocable_and_unknown_is_404(client, world):
    token = issue_feed_token(world.users["named_partner"])
    db.session.commit()
    assert client.get(f"/feeds/private/{token}/materials.atom").status_code == 200
    row = db.session.scalar(db.select(FeedToken))
    row.revoked_at = row.created_at
    db.session.commit()
    assert client.get(f"/feeds/private/{token}/materials.atom").status_code == 404
    assert client.get("/feeds/private/feed_nothing/materials.atom").status_code == 404


def test_feed_page_creates_replaces_and_revokes_the_private_address(client, world):
    sign_in(client, world.users["named_partner"])
    page = client.post("/feeds/private-token")
    assert page.status_code == 200
    first = page.get_data(as_text=True).split("/feeds/private/")[1].split("/")[0]
    assert client.get(f"/feeds/private/{first}/materials.atom").status_code == 200
    second = client.post("/feeds/private-token").get_data(as_text=True).split("/feeds/private/")[1].split("/")[0]
    assert first != second
    assert client.get(f"/feeds/private/{first}/materials.atom").status_code == 404
    assert client.post("/feeds/private-token/revoke").status_code == 200
    assert client.get(f"/feeds/private/{second}/materials.atom").status_code == 404
    stored = db.session.scalars(db.select(FeedToken.token_hash)).all()
    assert second not in stored and FeedToken.hash_token(second) in stored


def test_feed_token_management_needs_sign_in(client, world):
    assert client.post("/feeds/private-token").status_code in (302, 401)
    assert db.session.scalar(db.select(FeedToken)) is None


def test_sitemap_lists_public_pages_in_every_language(client, world, app):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    doc = etree.fromstring(response.data)
    locs = {node.text for node in doc.iterfind("s:url/s:loc", SITEMAP)}
    languages = app.config["PAN_LANGUAGES"]
    for key, item in world.items.items():
        for lang in languages:
            url = f"http://localhost/{lang}/items/{item.id}"
            assert (url in locs) == (key in EXPECTED["anonymous"]), (key, lang)
    assert all(f"http://localhost/{lang}/catalogue" in locs for lang in languages)
    sign_in(client, world.users["owner"])
    assert client.get("/sitemap.xml").data == response.data  # never personalised
