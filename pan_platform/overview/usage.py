"""Recording usage, COUNTER-style: one upsert per counted request, nothing personal kept.

- A view is a reader opening an item's page; a download is a file of the item sent
  (a single file or a file inside an offline package).
- Known robots are not counted (robots.py).
- A double click is counted once: the same client asking for the same item in the same
  way within DOUBLE_CLICK_SECONDS (COUNTER: 30 seconds). The client is the signed-in
  user, else the address with the user agent; what is remembered is an HMAC of it with
  the item, under the application's secret key, for those 30 seconds only: in Redis
  when PAN_REDIS_URL is set (every worker sees it), else in this process's memory (with
  several web processes a double click sent to two of them is then counted twice).
- What is stored is an aggregate per item, month and the country of the viewing
  academy (models.py). Downloads are also added to `item_downloads`, the all-time counter
  of the catalogue's "most downloaded" order, by the same rules.

The write is one upsert into the request's session, committed by the caller's commit
(a download: with its audit event) or by record_view() after the page is rendered.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time

from flask import current_app, has_request_context, request
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from pan_platform.catalogue.models import count_download
from pan_platform.extensions import db
from pan_platform.overview.models import NO_COUNTRY, ItemUsage, month_key
from pan_platform.overview.robots import is_robot
from pan_platform.redis_client import ProcessClient
from pan_platform.util import utcnow

log = logging.getLogger("pan.usage")

DOUBLE_CLICK_SECONDS = 30
MAX_KEYS = 100_000  # the memory window forgets everything rather than grow past this
INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class MemoryWindow:
    """Keys seen in the last DOUBLE_CLICK_SECONDS, in this process."""

    name = "memory"

    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        self.seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def first(self, key: str) -> bool:
        """True when `key` was not seen in the window (and remember it from now)."""
        now = self.clock()
        with self._lock:
            last = self.seen.get(key)
            if last is not None and now - last < DOUBLE_CLICK_SECONDS:
                return False
            if len(self.seen) >= MAX_KEYS:
                self.seen = {k: t for k, t in self.seen.items() if now - t < DOUBLE_CLICK_SECONDS}
                if len(self.seen) >= MAX_KEYS:
                    self.seen = {}
            self.seen[key] = now
            return True


class RedisWindow:
    """The same, shared by every worker: SET key NX EX 30."""

    name = "redis"

    def __init__(self, url: str, prefix: str) -> None:
        self.client, self.prefix = ProcessClient(url), f"{prefix}usage:"

    def first(self, key: str) -> bool:
        return bool(self.client().set(self.prefix + key, b"1", nx=True, ex=DOUBLE_CLICK_SECONDS))


def window():
    """This application's double-click window, made at first use."""
    made = current_app.extensions.get("pan_usage_window")
    if made is None:
        config = current_app.config
        made = (RedisWindow(config["PAN_REDIS_URL"], config["PAN_REDIS_KEY_PREFIX"])
                if config.get("PAN_REDIS_URL") else MemoryWindow())
        made = current_app.extensions.setdefault("pan_usage_window", made)
    return made


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def _client(user) -> str | None:
    """Who is asking, for the double-click test only; None for a robot (not counted)."""
    agent = request.user_agent.string if has_request_context() else ""
    if has_request_context() and is_robot(agent):
        return None
    if _signed_in(user):
        return f"user:{user.id}"
    address = request.remote_addr if has_request_context() else ""
    return f"client:{address}:{agent}"


def _first_click(kind: str, item_id: int, client: str) -> bool:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = hmac.new(secret, f"{kind}:{item_id}:{client}".encode(), hashlib.sha256).hexdigest()[:32]
    try:
        return window().first(key)
    except Exception as error:  # noqa: BLE001 (a store that is down must not break a page)
        log.warning("usage double-click window unavailable (%s); counting the request", error)
        return True


def viewer_country(user) -> str:
    """The country of the viewer's academy; "" for everyone else."""
    organisation = user.organisation if _signed_in(user) else None
    if organisation is None or organisation.kind != "academy" or not organisation.country_code:
        return NO_COUNTRY
    return organisation.country_code


def add(item_id: int, *, views: int = 0, downloads: int = 0, country: str = NO_COUNTRY,
        month: str | None = None) -> None:
    """Add to an item's row of the month (one upsert, in the session's transaction)."""
    table = ItemUsage.__table__
    insert = INSERTS[db.session.get_bind().dialect.name]
    stmt = insert(table).values(
        item_id=item_id, month=month or month_key(utcnow().date()), country=country,
        views=views, downloads=downloads,
    ).on_conflict_do_update(
        index_elements=[table.c.item_id, table.c.month, table.c.country],
        set_={"views": table.c.views + views, "downloads": table.c.downloads + downloads},
    )
    db.session.execute(stmt)


def count(kind: str, user, item_id: int) -> bool:
    """Count one view or download of the item by `user` in this request, unless a robot
    asks or it is a double click. True when counted. The caller commits."""
    client = _client(user)
    if client is None or not _first_click(kind, item_id, client):
        return False
    if kind == "download":
        add(item_id, downloads=1, country=viewer_country(user))
        count_download(item_id)
    else:
        add(item_id, views=1, country=viewer_country(user))
    return True


def record_view(user, item_id: int) -> None:
    """An item's page was shown: count it and commit (after the page is rendered, so
    the reader's page is not reloaded after the commit)."""
    try:
        if count("view", user, item_id):
            db.session.commit()
    except SQLAlchemyError as error:  # the page is shown all the same
        db.session.rollback()
        log.warning("view of item %s not counted (%s)", item_id, error)
