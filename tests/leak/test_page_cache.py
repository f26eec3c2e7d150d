"""Whole pages kept for cookie-less visitors (web/page_cache.py) never reach anyone else,
and never outlive a change of what they show.

Home, catalogue and search pages rendered for a visitor without cookies are kept. A
signed-in member, or any request with a cookie or credentials, never gets one; a
withdrawn item leaves every kept page at the next request of every worker; the search
page also follows the index; the rest ends after PAN_PAGE_CACHE_SECONDS.
"""

from __future__ import annotations

import time

from sqlalchemy import update

from pan_platform import search
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from tests.conftest import make_app, running, sign_in
from tests.factories import make_item, make_org, make_user

PAGES = ("/en/", "/en/catalogue", "/en/search?q=zebra")


def _world():
    academy = make_org("academy", name="Caching academy")
    public = make_item(academy, visibility="public", title="Zebra crossing patrols")
    network = make_item(academy, visibility="network", title="Zebra network handbook")
    member = make_user(academy, "trainer")
    db.session.commit()
    search.index_items([public.id, network.id])
    return public, network, member


def _text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def _retitle_behind_the_pipeline(item_id: int, title: str) -> None:
    """A change no counter hears of: only the page's own age can end what was kept."""
    db.session.execute(update(Item).where(Item.id == item_id).values(title=title))
    db.session.commit()
    db.session.expire_all()


def test_cookie_less_pages_are_kept_and_served_again(tmp_path):
    app = make_app(tmp_path, PAN_PAGE_CACHE_SECONDS=60)
    with running(app):
        public, _network, _member = _world()
        visitor = app.test_client(use_cookies=False)
        first = {url: _text(visitor, url) for url in PAGES}
        assert all("crossing patrols" in page for page in first.values())
        assert len(app.extensions["pan_pages"].entries) == len(PAGES)
        _retitle_behind_the_pipeline(public.id, "Zebra crossing patrols, revised")
        for url in PAGES:  # kept: the same bytes, without the silent change
            assert _text(visitor, url) == first[url], url


def test_kept_pages_end_after_their_age(tmp_path):
    app = make_app(tmp_path, PAN_PAGE_CACHE_SECONDS=0.5)
    with running(app):
        public, _network, _member = _world()
        visitor = app.test_client(use_cookies=False)
        assert "revised" not in _text(visitor, "/en/catalogue")
        _retitle_behind_the_pipeline(public.id, "Zebra crossing patrols, revised")
        time.sleep(0.6)
        assert "crossing patrols, revised" in _text(visitor, "/en/catalogue")


def test_a_withdrawn_item_leaves_every_kept_page_at_once_in_every_worker(tmp_path):
    """Two applications on one database stand for two worker processes."""
    first, second = make_app(tmp_path, PAN_PAGE_CACHE_SECONDS=60), make_app(tmp_path, PAN_PAGE_CACHE_SECONDS=60)
    with running(first):
        public, _network, _member = _world()
        visitors = first.test_client(use_cookies=False), second.test_client(use_cookies=False)
        for url in PAGES:
            for visitor in visitors:
                assert "crossing patrols" in _text(visitor, url), url
        assert second.extensions["pan_pages"].entries

        item = db.session.get(Item, public.id)
        item.visibility = "private"  # a commit through the pipeline: counts and index follow
        db.session.commit()

        for url in PAGES:
            for visitor in visitors:
                assert "crossing patrols" not in _text(visitor, url), url


def test_signed_in_members_and_cookies_never_get_a_kept_page(tmp_path):
    app = make_app(tmp_path, PAN_PAGE_CACHE_SECONDS=60)
    with running(app):
        _public, _network, member = _world()
        visitor = app.test_client(use_cookies=False)
        for url in PAGES:
            assert "network handbook" not in _text(visitor, url)  # kept for visitors
        kept = dict(app.extensions["pan_pages"].entries)

        member_client = app.test_client()
        sign_in(member_client, member)
        for url in PAGES:
            assert "network handbook" in _text(member_client, url), url
        with_cookie = app.test_client(use_cookies=False)
        for url in PAGES:
            with_cookie.get(url, headers={"Cookie": "lang=en"})
            with_cookie.get(url, headers={"Authorization": "Bearer not-a-token"})
        assert app.extensions["pan_pages"].entries == kept  # nothing of theirs kept
        for url in PAGES:  # and the visitors' pages are unchanged
            assert "network handbook" not in _text(visitor, url)


def test_the_search_page_follows_the_index(tmp_path):
    app = make_app(tmp_path, PAN_PAGE_CACHE_SECONDS=60)
    with running(app):
        public, _network, _member = _world()
        visitor = app.test_client(use_cookies=False)
        assert "revised" not in _text(visitor, "/en/search?q=zebra")
        _retitle_behind_the_pipeline(public.id, "Zebra crossing patrols, revised")
        assert "revised" not in _text(visitor, "/en/search?q=zebra")
        search.index_items([public.id])  # a write to the index, and nothing else
        assert "crossing patrols, revised" in _text(visitor, "/en/search?q=zebra")


def test_pages_in_other_languages_are_kept_apart(tmp_path):
    app = make_app(tmp_path, PAN_PAGE_CACHE_SECONDS=60)
    with running(app):
        _world()
        visitor = app.test_client(use_cookies=False)
        english = _text(visitor, "/en/catalogue")
        french = _text(visitor, "/fr/catalogue")
        assert english != french and '<html lang="fr"' in french
        bare_de = visitor.get("/catalogue", headers={"Accept-Language": "de"})
        bare_ru = visitor.get("/catalogue", headers={"Accept-Language": "ru"})
        assert '<html lang="de"' in bare_de.get_data(as_text=True)
        assert '<html lang="ru"' in bare_ru.get_data(as_text=True)
