"""Whole pages for visitors who send no cookie and no credentials, kept a short while.

Such visitors (a first visit, a crawler, a link opened from an e-mail, a harvester of the
public pages) all see the same page for the same URL and language: it is rendered once
and answered from this process's memory until something it shows may have changed. Only
the busiest pages are kept (PAGES: home, catalogue, search page, item page), and only
answers that `caching.finish_response` would mark shareable and that set no cookie, so
nothing of a visitor's own (a CSRF token, a message) is ever kept. An item page answered
from here is still counted as a view (usage statistics), as the view itself would.

With PAN_REDIS_URL set, pages are also kept in Redis, shared by every worker: a page
rendered by one worker is served by the others (and by a worker that has just replaced
one) without rendering it again; each worker still keeps the pages it serves in its own
memory in front. While Redis cannot be reached, each worker keeps its own pages.

An entry is keyed by the URL, the page's language and two counters that change with
what the page shows: the generation of the cached counts (bumped by the pipeline after
every commit that writes anything but bookkeeping rows: items and their files, areas,
languages, reader labels, shares, agreements, organisations, events, the thesaurus...;
`catalogue/counts.py`) and, for the search page, the state of the index it reads. So a
withdrawn item leaves every cached page at the next request of every worker. What no
counter follows (label overrides, the clock) is bounded by PAN_PAGE_CACHE_SECONDS, and
no entry outlives the next end of an anonymous reader label (`access.next_expiry`). When
a counter cannot be read, nothing is kept.

Every answer still goes through the after-request hooks (language headers, ETag and 304,
gzip, security headers, the request log). Signed-in visitors and API callers never reach
this cache: they send a cookie or credentials.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import zlib
from dataclasses import dataclass
from datetime import datetime

from flask import Flask, Response, current_app, g, request
from flask_babel import get_locale
from flask_login import current_user

from pan_platform import search
from pan_platform.access import next_expiry
from pan_platform.catalogue.counts import counts_cache, current_generation
from pan_platform.overview import usage
from pan_platform.redis_client import ProcessClient
from pan_platform.util import utcnow
from pan_platform.web import caching

PAGES = frozenset({"main.home", "catalogue.browse", "search.search_page", "catalogue.detail"})
INDEXED = frozenset({"search.search_page"})  # pages that also follow the index
OWN_HEADERS = frozenset({"Content-Type", "Content-Length", "Set-Cookie"})
MAX_ENTRIES = 500  # pages of ~60 KB: at most ~30 MB per worker
RETRY_SECONDS = 30  # how long an unreachable Redis rests before it is tried again

log = logging.getLogger("pan.pages")


@dataclass(frozen=True)
class Page:
    body: bytes
    mimetype: str
    headers: list[tuple[str, str]]
    valid_until: datetime | None
    born: float  # time.monotonic()


class RedisPages:
    """Pages in Redis, each for at most max_age seconds (its time to live there), the body
    compressed (HTML shrinks 5-8 times): Redis holds every page asked for in the last
    max_age seconds, so a crawler's walk through the catalogue costs it a few MB, not tens."""

    name = "redis"

    def __init__(self, url: str, prefix: str) -> None:
        self.client, self.prefix = ProcessClient(url), f"{prefix}page:"

    def _name(self, key: tuple) -> str:
        return self.prefix + hashlib.sha256(repr(key).encode()).hexdigest()

    def get(self, key: tuple) -> Page | None:
        raw = self.client().get(self._name(key))
        if raw is None:
            return None
        head, packed = raw.split(b"\n", 1)
        meta, body = json.loads(head), zlib.decompress(packed)
        until = datetime.fromisoformat(meta["valid_until"]) if meta["valid_until"] else None
        born = time.monotonic() - (time.time() - meta["born"])  # its age, on this process's clock
        return Page(body, meta["mimetype"], [tuple(pair) for pair in meta["headers"]], until, born)

    def put(self, key: tuple, page: Page, max_age: float) -> None:
        meta = {
            "mimetype": page.mimetype,
            "headers": page.headers,
            "valid_until": page.valid_until.isoformat() if page.valid_until else None,
            "born": time.time() - (time.monotonic() - page.born),
        }
        raw = json.dumps(meta).encode() + b"\n" + zlib.compress(page.body)
        self.client().set(self._name(key), raw, px=max(1, int(max_age * 1000)))


class PageCache:
    """This process's pages, in front of the shared ones (Redis) when there are any."""

    def __init__(self, shared: RedisPages | None = None) -> None:
        self.entries: dict[tuple, Page] = {}
        self.shared = shared
        self.resting_until = 0.0  # time.monotonic() before which the shared store is not tried
        self._lock = threading.Lock()

    def get(self, key: tuple, max_age: float, now: datetime) -> Page | None:
        page = _fresh(self.entries.get(key), max_age, now)
        if page is None:
            page = _fresh(self._shared(lambda store: store.get(key)), max_age, now)
            if page is not None:
                self._keep_here(key, page)
        return page

    def put(self, key: tuple, page: Page, max_age: float) -> None:
        self._keep_here(key, page)
        self._shared(lambda store: store.put(key, page, max_age))

    def _keep_here(self, key: tuple, page: Page) -> None:
        with self._lock:
            self.entries.pop(key, None)  # kept again: now the newest
            if len(self.entries) >= MAX_ENTRIES:
                # Forget the quarter kept longest ago (a dict keeps its order), not every page.
                for old in list(self.entries)[: MAX_ENTRIES // 4]:
                    del self.entries[old]
            self.entries[key] = page

    def _shared(self, use):
        """use(the shared store); None without one, or while it is unreachable."""
        if self.shared is None or time.monotonic() < self.resting_until:
            return None
        try:
            return use(self.shared)
        except Exception as error:  # noqa: BLE001 (a store that is down must not break a page)
            log.warning("kept pages unreachable in %s (%s); keeping them in this process for %d s",
                        self.shared.name, error, RETRY_SECONDS)
            self.resting_until = time.monotonic() + RETRY_SECONDS
            return None


def _fresh(page: Page | None, max_age: float, now: datetime) -> Page | None:
    if page is None or time.monotonic() - page.born > max_age:
        return None
    if page.valid_until is not None and now >= page.valid_until:
        return None
    return page


def _cache() -> PageCache:
    cache = current_app.extensions.get("pan_pages")
    if cache is None:
        config = current_app.config
        shared = RedisPages(config["PAN_REDIS_URL"], config["PAN_REDIS_KEY_PREFIX"]) if config.get("PAN_REDIS_URL") else None
        cache = current_app.extensions.setdefault("pan_pages", PageCache(shared))
    return cache


def _eligible() -> bool:
    return (
        current_app.config["PAN_PAGE_CACHE_SECONDS"] > 0
        and request.method in ("GET", "HEAD")
        and request.endpoint in PAGES
        and "Cookie" not in request.headers
        and "Authorization" not in request.headers
    )


def _key() -> tuple | None:
    generation = current_generation(counts_cache())
    if generation is None:
        return None
    index = search.index_version() if request.endpoint in INDEXED else None
    if request.endpoint in INDEXED and index is None:
        return None
    return (request.script_root, request.full_path, str(get_locale() or "en"), generation, index)


def serve_cached() -> Response | None:
    """Before the view: the kept page for this URL and language, if still valid."""
    if not _eligible():
        return None
    key = _key()
    if key is None:
        return None
    now = utcnow()
    page = _cache().get(key, current_app.config["PAN_PAGE_CACHE_SECONDS"], now)
    if page is None:
        # Read before the page is made, as the generation: a later lapse is never missed.
        g.page_cache_key, g.page_cache_until = key, next_expiry(None, now)
        return None
    if request.endpoint == "catalogue.detail":
        usage.record_view(current_user, request.view_args["item_id"])
    response = Response(page.body, status=200, mimetype=page.mimetype)
    for name, value in page.headers:
        response.headers[name] = value
    return response


def keep(response: Response) -> Response:
    """After the view, before caching.finish_response: keep a shareable page."""
    key = g.pop("page_cache_key", None)
    if key is None or response.status_code != 200:  # None: served from here, or not kept
        return response
    if not caching.shareable_without_cookie(response) or response.is_streamed:
        return response
    # Only the view's own headers are here yet: the other hooks run after this one.
    kept = [(name, value) for name, value in response.headers if name not in OWN_HEADERS]
    page = Page(response.get_data(), response.mimetype, kept, g.get("page_cache_until"), time.monotonic())
    _cache().put(key, page, current_app.config["PAN_PAGE_CACHE_SECONDS"])
    return response


def register(app: Flask) -> None:
    """After caching.register: Flask runs after-request hooks in reverse order, so keep()
    sees the page before finish_response adds the ETag or compresses it."""
    app.before_request(serve_cached)
    app.after_request(keep)
