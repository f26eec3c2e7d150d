"""Whole pages kept for cookie-less visitors (web/page_cache.py) never reach anyone else,
and never outlive a change of what they show.

Home, catalogue, search and item pages rendered for a visitor without cookies are kept. A
signed-in member, or any request with a cookie or credentials, never gets one; a
withdrawn item leaves every kept page at the next request of every worker; the search
page also follows the index; the rest ends after PAN_PAGE_CACHE_SECONDS. Every test runs
with pages kept in each process alone and with pages shared through Redis as well.
"""

from __future__ import annotations

import time

import pytest
import redis
from sqlalchemy import func, select, update

from pan_platform import search
from pan_platform.catalogue.models import Item, ItemTranslation
from pan_platform.extensions import db
from pan_platform.overview.models import ItemUsage
from tests.conftest import REDIS_URL, make_app, redis_config, running, sign_in
from tests.factories import make_item, make_org, make_user

LISTS = ("/en/", "/en/catalogue", "/en/search?q=zebra")


@pytest.fixture(params=["memory", "redis"])
def store(request):
    """The settings of the page store: this process's memory, or Redis shared by the
    applications of a test (with memory in front); the test's own Redis keys are removed."""
    if request.param == "memory":
        yield {}
        return
    config = redis_config()
    yield config
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"{config['PAN_REDIS_KEY_PREFIX']}*"):
        client.delete(key)


def _pages(item) -> tuple[str, ...]:
    return (*LISTS, f"/en/items/{item.id}")


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


def test_cookie_less_pages_are_kept_and_served_again(tmp_path, store):
    app = make_app(tmp_path, PAN_PAGE_CACHE_SECONDS=60, **store)
    with running(app):
        public, _network, _member = _world()
        visitor = app.test_client(use_cookies=False)
        first = {url: _text(visitor, url) for url in _pages(public)}
        assert all("crossing patrols" in page for page in first.values())
        assert len(app.extensions["pan_pages"].entries) == len(_pages(public))
        _retitle_behind_the_pipeline(public.id, "Zebra crossing patrols, revised")
        for url in _pages(public):  # kept: the same bytes, without the silent change
            assert _text(visitor, url) == first[url], url


def test_kept_pages_end_after_their_age(tmp_path, store):
    app = make_app(tmp_path, PAN_PAGE_CACHE_SECONDS=0.5, **store)
    with running(app):
        public, _network, _member = _world()
        visitor = app.test_client(use_cookies=False)
        assert "revised" not in _text(visitor, "/en/catalogue")
        _retitle_behind_the_pipeline(public.id, "Zebra crossing patrols, revised")
        time.sleep(0.6)
        assert "crossing patrols, revised" in _text(visitor, "/en/catalogue")


def test_a_withdrawn_item_leaves_every_kept_page_at_once_in_every_worker(tmp_path, store):
    """Two applications on one database stand for two worker processes."""
    first, second = make_app(tmp_path, PAN_PAGE_CACHE_SECONDS=60, **store), make_app(tmp_path, PAN_PAGE_CACHE_SECONDS=60, **store)
    with running(first):
        public, _network, _member = _world()
        visitors = first.test_client(use_cookies=False), second.test_client(use_cookies=False)
        for url in _pages(public):
            for visitor in visitors:
                assert "crossing patrols" in _text(visitor, url), url
        assert second.extensions["pan_pages"].entries

        item = db.session.get(Item, public.id)
        item.visibility = "private"  # a commit through the pipeline: counts and index follow
        db.session.commit()

        for url in LISTS:
            for visitor in visitors:
                assert "crossing patrols" not in _text(visitor, url), url
        for visitor in visitors:
            assert visitor.get(f"/en/items/{public.id}").status_code == 404


def test_a_row_of_the_item_written_alone_ends_its_kept_page(tmp_path, store):
    """A translation added without touching the item's own row still ends the kept page:
    every row but bookkeeping bumps the generation."""
    app = make_app(tmp_path, PAN_PAGE_CACHE_SECONDS=60, **store)
    with running(app):
        public, _network, _member = _world()
        visitor = app.test_client(use_cookies=False)
        url = f"/fr/items/{public.id}"
        assert "Passages pour zèbres" not in _text(visitor, url)
        db.session.add(ItemTranslation(item_id=public.id, language="fr", title="Passages pour zèbres"))
        db.session.commit()
        assert "Passages pour zèbres" in _text(visitor, url)


def test_an_item_page_served_from_the_cache_is_still_counted_as_a_view(tmp_path, store):
    app = make_app(tmp_path, PAN_PAGE_CACHE_SECONDS=60, **store)
    with running(app):
        public, _network, _member = _world()
        url = f"/en/items/{public.id}"
        for agent in ("Reader one", "Reader two", "Reader two"):  # the last: a double click
            response = app.test_client(use_cookies=False).get(url, headers={"User-Agent": agent})
            assert response.status_code == 200
        assert len(app.extensions["pan_pages"].entries) == 1  # rendered once, then served kept
        views = db.session.scalar(select(func.sum(ItemUsage.views)).where(ItemUsage.item_id == public.id))
        assert views == 2


def test_signed_in_members_and_cookies_never_get_a_kept_page(tmp_path, store):
    app = make_app(tmp_path, PAN_PAGE_CACHE_SECONDS=60, **store)
    with running(app):
        _public, network, member = _world()
        visitor = app.test_client(use_cookies=False)
        for url in LISTS:
            assert "network handbook" not in _text(visitor, url)  # kept for visitors
        network_page = f"/en/items/{network.id}"
        assert visitor.get(network_page).status_code == 404  # never kept
        kept = dict(app.extensions["pan_pages"].entries)

        member_client = app.test_client()
        sign_in(member_client, member)
        for url in (*LISTS, network_page):
            assert "network handbook" in _text(member_client, url), url
        with_cookie = app.test_client(use_cookies=False)
        for url in (*LISTS, network_page):
            with_cookie.get(url, headers={"Cookie": "lang=en"})
            with_cookie.get(url, headers={"Authorization": "Bearer not-a-token"})
        assert app.extensions["pan_pages"].entries == kept  # nothing of theirs kept
        for url in LISTS:  # and the visitors' pages are unchanged
            assert "network handbook" not in _text(visitor, url)
        assert visitor.get(network_page).status_code == 404


def test_the_search_page_follows_the_index(tmp_path, store):
    app = make_app(tmp_path, PAN_PAGE_CACHE_SECONDS=60, **store)
    with running(app):
        public, _network, _member = _world()
        visitor = app.test_client(use_cookies=False)
        assert "revised" not in _text(visitor, "/en/search?q=zebra")
        _retitle_behind_the_pipeline(public.id, "Zebra crossing patrols, revised")
        assert "revised" not in _text(visitor, "/en/search?q=zebra")
        search.index_items([public.id])  # a write to the index, and nothing else
        assert "crossing patrols, revised" in _text(visitor, "/en/search?q=zebra")


def test_pages_in_other_languages_are_kept_apart(tmp_path, store):
    app = make_app(tmp_path, PAN_PAGE_CACHE_SECONDS=60, **store)
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


def _api_titles(client, headers: dict) -> list[str]:
    response = client.get("/api/v1/search?q=zebra", headers=headers)
    assert response.status_code == 200
    return sorted(row["title"] for row in response.json["data"])


def test_api_search_answers_are_shared_only_by_callers_with_the_same_labels(tmp_path, store):
    from tests.api.conftest import issue_token

    app = make_app(tmp_path, PAN_PAGE_CACHE_SECONDS=60, **store)
    with running(app):
        public, network, member = _world()
        partner = make_user(make_org("partner", name="Caching partner"), "trainer")
        tokens = {"member": issue_token(member), "partner": issue_token(partner)}
        db.session.commit()
        headers = {who: {"Authorization": f"Bearer {clear}"} for who, clear in tokens.items()}
        client = app.test_client(use_cookies=False)
        public_title = public.title
        both = sorted([public_title, network.title])
        assert _api_titles(client, headers["partner"]) == [public_title]
        assert _api_titles(client, headers["member"]) == both
        assert _api_titles(client, {}) == [public_title]
        kept = len(app.extensions["pan_answers"].entries)
        assert kept == 3  # one answer per set of reader labels
        assert _api_titles(client, headers["partner"]) == [public_title]  # answered from what was kept
        assert _api_titles(client, headers["member"]) == both
        assert len(app.extensions["pan_answers"].entries) == kept

        item = db.session.get(Item, network.id)
        item.visibility = "private"  # a commit through the pipeline: the generation and the index change
        db.session.commit()
        assert _api_titles(client, headers["member"]) == both  # private stays readable to its own academy
        item.visibility = "public"
        item.state = "draft"
        db.session.commit()
        assert _api_titles(client, headers["partner"]) == [public_title]
        assert _api_titles(client, {}) == [public_title]

        _retitle_behind_the_pipeline(public.id, "Zebra crossing patrols, revised")
        assert _api_titles(client, {}) == [public_title]  # nothing heard of the silent change
        search.index_items([public.id])  # a write to the index, and nothing else
        assert _api_titles(client, {}) == ["Zebra crossing patrols, revised"]


def test_a_page_kept_by_one_worker_is_served_by_another_through_redis(tmp_path):
    config = redis_config()
    first, second = (make_app(tmp_path, PAN_PAGE_CACHE_SECONDS=60, **config) for _ in range(2))
    with running(first):
        public, _network, _member = _world()
        url = f"/en/items/{public.id}"
        kept = _text(first.test_client(use_cookies=False), url)
        _retitle_behind_the_pipeline(public.id, "Zebra crossing patrols, revised")
        # The second worker never rendered the page: it answers what the first one kept.
        assert _text(second.test_client(use_cookies=False), url) == kept
        assert second.extensions["pan_pages"].entries  # and keeps it in its own memory too

        other = make_app(tmp_path, PAN_PAGE_CACHE_SECONDS=60, **redis_config())  # another portal's prefix
        assert "crossing patrols, revised" in _text(other.test_client(use_cookies=False), url)


def test_pages_are_rendered_as_usual_while_redis_is_down(tmp_path):
    """No counter can be read without Redis, so nothing is kept and every page is fresh."""
    app = make_app(tmp_path, PAN_PAGE_CACHE_SECONDS=60, PAN_REDIS_URL="redis://127.0.0.1:1/0")
    with running(app):
        public, _network, _member = _world()
        visitor = app.test_client(use_cookies=False)
        for url in _pages(public):
            assert "crossing patrols" in _text(visitor, url)
        _retitle_behind_the_pipeline(public.id, "Zebra crossing patrols, revised")
        search.index_items([public.id])  # the search page shows the index's copy
        for url in _pages(public):
            assert "crossing patrols, revised" in _text(visitor, url), url
        assert "pan_pages" not in app.extensions  # never even made: no key, no lookup


def test_a_page_store_that_fails_rests_and_each_process_keeps_its_own_pages():
    from datetime import datetime

    from pan_platform.web.page_cache import Page, PageCache, RedisPages

    cache = PageCache(RedisPages("redis://127.0.0.1:1/0", "pan-test:"))
    page = Page(b"<html>kept</html>", "text/html", [("Vary", "Accept-Language")], None, time.monotonic())
    now = datetime(2026, 1, 1)
    cache.put(("/en/", "en", 7, None), page, 60)  # the store fails: kept here all the same
    assert cache.resting_until > time.monotonic()
    assert cache.get(("/en/", "en", 7, None), 60, now) == page
    assert cache.get(("/en/", "en", 8, None), 60, now) is None  # another generation: nothing


def test_pages_travel_through_redis_unchanged_and_keep_their_age_and_end():
    from datetime import datetime

    from pan_platform.web.page_cache import Page, RedisPages

    config = redis_config()
    store = RedisPages(config["PAN_REDIS_URL"], config["PAN_REDIS_KEY_PREFIX"])
    until = datetime(2030, 5, 1, 12, 0)
    page = Page(b"caf\xc3\xa9\n<p>two lines</p>", "text/html", [("Vary", "Cookie")], until, time.monotonic() - 10)
    store.put(("/fr/", "fr", 3, None), page, 60)
    back = store.get(("/fr/", "fr", 3, None))
    assert (back.body, back.mimetype, back.headers, back.valid_until) == (page.body, page.mimetype, page.headers, until)
    assert abs(back.born - page.born) < 0.5  # ten seconds old there too
    assert store.get(("/fr/", "fr", 4, None)) is None
    html = b"<li>Border control module</li>" * 1000
    store.put(("/en/catalogue", "en", 3, None), Page(html, "text/html", [], None, time.monotonic()), 60)
    assert store.get(("/en/catalogue", "en", 3, None)).body == html
    assert len(store.client().get(store._name(("/en/catalogue", "en", 3, None)))) < len(html) / 5  # kept compressed
    store.put(("/de/", "de", 3, None), page, 0.2)
    time.sleep(0.3)
    assert store.get(("/de/", "de", 3, None)) is None  # gone from Redis after its age
    client = store.client()
    for key in client.scan_iter(f"{config['PAN_REDIS_KEY_PREFIX']}*"):
        client.delete(key)


def test_a_full_process_cache_forgets_its_oldest_pages_not_all(monkeypatch):
    from datetime import datetime

    from pan_platform.web import page_cache

    monkeypatch.setattr(page_cache, "MAX_ENTRIES", 8)
    cache, now = page_cache.PageCache(), datetime(2026, 1, 1)

    def page(number: int) -> page_cache.Page:
        return page_cache.Page(f"<p>{number}</p>".encode(), "text/html", [], None, time.monotonic())

    for number in range(8):
        cache.put(("/en/items", number), page(number), 60)
    cache.put(("/en/items", 0), page(0), 60)  # kept again: the newest now
    cache.put(("/en/items", 8), page(8), 60)  # full: the two kept longest ago go
    assert sorted(key[1] for key in cache.entries) == [0, 3, 4, 5, 6, 7, 8]
    assert cache.get(("/en/items", 1), 60, now) is None
    assert cache.get(("/en/items", 0), 60, now).body == b"<p>0</p>"
