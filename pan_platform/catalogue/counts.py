"""Counts that are the same for every viewer with the same reader labels, cached.

The home page's figures and the values offered by the list filters depend only on what
the viewer may read, that is on the viewer's reader labels (`access.reader_key`: the
labels, or the platform administrators' bypass). They are computed once per key and kept
in this process under the current *generation*: a counter that the pipeline bumps after
every commit that may change them or what the cached pages show (items and everything
of theirs, shares, agreements, organisations, events...: every row but the bookkeeping
ones listed in BOOKKEEPING; `pan_platform/pipeline.py`). The counter lives where
every worker process reads it, Redis when PAN_REDIS_URL is set, else the
`counts_generations` table, so a change made through any worker is seen by all of them
at their next request.

An entry also ends at the next moment a reader label it relies on lapses
(`access.next_expiry`): readable_by() compares end dates with the clock, so a count must
not outlive an agreement's end, even before the expiry sweep runs. MAX_AGE_SECONDS bounds
every entry as a last resort (a bump lost while its store was down). When the counter
cannot be read, nothing is cached: the counts are computed for the request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pan_platform.access import next_expiry, reader_key
from pan_platform.catalogue.models import CountsGeneration
from pan_platform.extensions import db
from pan_platform.redis_client import ProcessClient
from pan_platform.util import utcnow

log = logging.getLogger("pan.counts")

GENERATION = "reader_counts"  # the row (or Redis key) of the counter
MAX_AGE_SECONDS = 300
RETRY_SECONDS = 30  # how long an unreadable counter rests before it is read again
MAX_ENTRIES = 5000  # label sets x kinds of counts; far more than a network has
ANSWERS_MAX_ENTRIES = 300  # answers of ~20 items: a few MB per worker
CHANGED_KEY = "pan_counts_changed"  # session.info: this transaction changed something counted
# Bookkeeping rows: what they hold is never counted, never decides who reads what and is
# never shown on a page that the page cache keeps (web/page_cache.py). A commit that writes
# any other row, a new kind of row included, bumps the generation: too many bumps cost
# only recomputing, too few would show a stale page.
BOOKKEEPING = frozenset({
    "api_tokens", "audit_events", "calendar_tokens", "contact_messages", "counts_generations",
    "feed_tokens", "invitations", "item_changes", "item_usage", "login_attempts",
    "notifications", "offline_packages", "password_resets", "rate_counters", "recovery_codes",
    "saved_searches", "shared_visits", "users",
})
UPSERT_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class DatabaseGenerations:
    """The counter in the `counts_generations` table."""

    name = "database"

    def read(self) -> int:
        value = db.session.scalar(select(CountsGeneration.value).where(CountsGeneration.name == GENERATION))
        return value or 0

    def bump(self) -> None:
        # Its own connection: the pipeline calls this after the session's commit.
        table = CountsGeneration.__table__
        insert = UPSERT_INSERTS[db.engine.dialect.name]
        stmt = insert(table).values(name=GENERATION, value=1).on_conflict_do_update(
            index_elements=[table.c.name], set_={"value": table.c.value + 1}
        )
        with db.engine.begin() as conn:
            conn.execute(stmt)


class RedisGenerations:
    """The counter in Redis (GET, INCR)."""

    name = "redis"

    def __init__(self, url: str, prefix: str) -> None:
        self.key = f"{prefix}counts:{GENERATION}"
        self.client = ProcessClient(url)

    def read(self) -> int:
        return int(self.client().get(self.key) or 0)

    def bump(self) -> None:
        self.client().incr(self.key)


@dataclass(frozen=True)
class Entry:
    value: Any
    valid_until: datetime | None  # the next lapse of a label the value relies on
    born: float  # time.monotonic()


class CountsCache:
    """Entries keyed by (name, reader key, generation); one per application and process."""

    def __init__(self, generations, max_entries: int = MAX_ENTRIES, max_age: float = MAX_AGE_SECONDS) -> None:
        self.generations = generations
        self.max_entries, self.max_age = max_entries, max_age
        self.entries: dict[tuple, Entry] = {}
        self.resting_until = 0.0  # time.monotonic() before which the counter is not read
        self._lock = threading.Lock()

    def get(self, key: tuple, now: datetime) -> Entry | None:
        entry = self.entries.get(key)
        if entry is None or time.monotonic() - entry.born > self.max_age:
            return None
        if entry.valid_until is not None and now >= entry.valid_until:
            return None
        return entry

    def put(self, key: tuple, entry: Entry) -> None:
        generation = key[-1]
        with self._lock:
            if len(self.entries) >= self.max_entries or any(k[-1] != generation for k in self.entries):
                # Older generations are never asked for again.
                self.entries = {k: v for k, v in self.entries.items() if k[-1] == generation}
                if len(self.entries) >= self.max_entries:
                    self.entries = {}
            self.entries[key] = entry


def make_generations(config):
    """Redis when PAN_REDIS_URL is set (as for the rate limits), else the database."""
    if config.get("PAN_REDIS_URL"):
        return RedisGenerations(config["PAN_REDIS_URL"], config["PAN_REDIS_KEY_PREFIX"])
    return DatabaseGenerations()


def counts_cache() -> CountsCache:
    """This application's cache (each test app has its own), made at first use."""
    cache = current_app.extensions.get("pan_counts")
    if cache is None:
        cache = current_app.extensions.setdefault("pan_counts", CountsCache(make_generations(current_app.config)))
    return cache


def answers_cache() -> CountsCache:
    """Whole answers shared by viewers with the same reader key (the API's search), under
    the same generation as the counts; fewer, larger entries, each kept at most
    PAN_PAGE_CACHE_SECONDS."""
    cache = current_app.extensions.get("pan_answers")
    if cache is None:
        cache = current_app.extensions.setdefault("pan_answers", CountsCache(
            counts_cache().generations, ANSWERS_MAX_ENTRIES, current_app.config["PAN_PAGE_CACHE_SECONDS"]))
    return cache


def current_generation(cache: CountsCache) -> int | None:
    """The current generation, or None while its store is down (then nothing is cached)."""
    if time.monotonic() < cache.resting_until:
        return None
    try:
        return cache.generations.read()
    except Exception as error:  # noqa: BLE001 (a store that is down must not break a page)
        log.warning("counts generation unreadable from %s (%s); counting without the cache for %d s",
                    cache.generations.name, error, RETRY_SECONDS)
        cache.resting_until = time.monotonic() + RETRY_SECONDS
        cache.entries = {}  # bumps may be lost meanwhile: start afresh when it is back
        return None


def cached(name: Hashable, user, compute: Callable[[], Any], cache: CountsCache | None = None) -> Any:
    """compute() for `user`, shared with every viewer of the same reader key until the
    generation changes or a label it relies on lapses. The value must not be changed."""
    cache = cache or counts_cache()
    generation = current_generation(cache)  # read before counting: a later bump is never missed
    if generation is None:
        return compute()
    key = (name, reader_key(user), generation)
    now = utcnow()
    entry = cache.get(key, now)
    if entry is None:
        valid_until = next_expiry(user, now)  # before counting, as the generation
        entry = Entry(compute(), valid_until, time.monotonic())
        cache.put(key, entry)
    return entry.value


# -- the pipeline's steps (pan_platform/pipeline.py) -------------------------------------

def note_changes(session: Session) -> None:
    """After a flush: note whether anything counted was written."""
    if session.info.get(CHANGED_KEY):
        return
    if any(_counted(obj) for obj in chain(session.new, session.dirty, session.deleted)):
        session.info[CHANGED_KEY] = True


def _counted(obj) -> bool:
    table = getattr(obj, "__table__", None)
    return table is None or table.name not in BOOKKEEPING


def bump_after_commit(session: Session) -> None:
    """After a commit that changed something counted: every worker drops its counts."""
    if not session.info.pop(CHANGED_KEY, False) or not has_app_context():
        return
    cache = counts_cache()
    try:
        cache.generations.bump()
    except Exception as error:  # noqa: BLE001 (the commit stands; entries end after MAX_AGE_SECONDS)
        log.warning("counts generation not bumped in %s (%s)", cache.generations.name, error)


def forget_changes(session: Session) -> None:
    """After a rollback: nothing was changed."""
    session.info.pop(CHANGED_KEY, None)
