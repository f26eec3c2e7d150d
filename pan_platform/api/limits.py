"""Rate limits and CORS for the machine interfaces (API, OAI-PMH, feeds).

Rate limits are a fixed window per caller: per API token when one is sent, else per
client address. The address is `request.remote_addr`, which ProxyFix has already set to
the real client's when PAN_TRUSTED_PROXIES names the proxies in front (with 0, every
client behind a proxy shares the proxy's budget: a warning says so once).

Counts are shared by every worker process, so the limit holds whatever the number of
workers: in Redis when PAN_REDIS_URL is set, else in the `rate_counters` table. If the
shared store fails, the next one takes over (Redis, then the database, then a counter in
the process) and the failure is logged once; a request is never refused because a store
is down. PAN_RATE_LIMIT_STORE=memory keeps counts in the process only (each worker then
counts for itself). Settings: see config.py (PAN_API_RATE_*, PAN_REDIS_*, PAN_RATE_LIMIT_STORE).
"""

from __future__ import annotations

import logging
import random
import threading
import time

from flask import current_app, request
from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from pan_platform.api.models import RateCounter
from pan_platform.extensions import db
from pan_platform.redis_client import ProcessClient

log = logging.getLogger("pan.limits")

RETRY_SECONDS = 30  # how long a failed store rests before it is tried again
STORES = ("redis", "database", "memory")
UPSERT_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}  # INSERT ... ON CONFLICT


class MemoryStore:
    """Counts in this process only: the last resort, and the choice for a single process."""

    name = "memory"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, int]] = {}

    def incr(self, key: str, window_start: int, window: int) -> int:
        with self._lock:
            if len(self._windows) > 50_000:  # old windows of callers long gone
                self._windows = {k: v for k, v in self._windows.items() if v[0] == window_start}
            start, count = self._windows.get(key, (window_start, 0))
            count = count + 1 if start == window_start else 1
            self._windows[key] = (window_start, count)
        return count


class DatabaseStore:
    """One row per caller and window, counted by an atomic upsert (SQLite and PostgreSQL).

    It runs on a connection of its own and commits at once: the request's session and
    its transaction are left alone."""

    name = "database"

    def incr(self, key: str, window_start: int, window: int) -> int:
        table = RateCounter.__table__
        dialect = db.engine.dialect.name
        insert = UPSERT_INSERTS.get(dialect)
        if insert is None:
            raise RuntimeError(f"no atomic upsert for {dialect}")
        stmt = insert(table).values(key=key, window_start=window_start, count=1)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.key, table.c.window_start], set_={"count": table.c.count + 1},
        ).returning(table.c.count)
        with db.engine.begin() as conn:
            count = conn.execute(stmt).scalar_one()
            if random.random() < 0.01:  # now and then, forget windows that are over
                conn.execute(delete(table).where(table.c.window_start < window_start))
        return int(count)


class RedisStore:
    """INCR and EXPIRE in one transaction; keys expire shortly after their window."""

    name = "redis"

    def __init__(self, url: str, prefix: str) -> None:
        self.client, self.prefix = ProcessClient(url), prefix

    def incr(self, key: str, window_start: int, window: int) -> int:
        name = f"{self.prefix}rate:{key}:{window_start}"
        pipe = self.client().pipeline(transaction=True)
        pipe.incr(name)
        pipe.expire(name, window + 5)
        count, _ = pipe.execute()
        return int(count)


class Limiter:
    """A fixed-window limiter over stores tried in order; the last one (memory) never fails."""

    def __init__(self, stores: list) -> None:
        self.stores = [*stores, MemoryStore()] if not stores or stores[-1].name != "memory" else stores
        self._resting: dict[str, float] = {}  # store name -> time it may be tried again

    def hit(self, key: str, limit: int, window: int, now: float | None = None) -> tuple[bool, int, int]:
        """Count one request; returns (allowed, remaining, seconds until the window resets)."""
        now = time.time() if now is None else now
        start = int(now // window) * window
        count = self._count(key, start, window)
        reset = int(start + window - now) + 1
        return count <= limit, max(0, limit - count), reset

    def _count(self, key: str, start: int, window: int) -> int:
        for store in self.stores:
            if self._resting.get(store.name, 0) > time.monotonic():
                continue
            try:
                count = store.incr(key, start, window)
            except Exception as error:  # noqa: BLE001 (a store that is down must not refuse requests)
                if store.name not in self._resting:
                    log.warning("rate limit store %s failed (%s); using the next one", store.name, error)
                self._resting[store.name] = time.monotonic() + RETRY_SECONDS
                continue
            if self._resting.pop(store.name, None) is not None:
                log.warning("rate limit store %s is back", store.name)
            return count
        raise AssertionError("the memory store cannot fail")

    @property
    def store_name(self) -> str:
        return self.stores[0].name


def make_limiter(config) -> Limiter:
    """The stores PAN_RATE_LIMIT_STORE asks for (empty: Redis when configured, else the database)."""
    choice = config["PAN_RATE_LIMIT_STORE"] or ("redis" if config["PAN_REDIS_URL"] else "database")
    if choice not in STORES:
        raise ValueError(f"PAN_RATE_LIMIT_STORE must be one of {', '.join(STORES)}, not {choice!r}")
    if choice == "redis" and not config.get("PAN_REDIS_URL"):
        log.warning("PAN_RATE_LIMIT_STORE=redis without PAN_REDIS_URL: counting in the database")
        choice = "database"
    stores: list = []
    if choice == "redis":
        stores.append(RedisStore(config["PAN_REDIS_URL"], config["PAN_REDIS_KEY_PREFIX"]))
    if choice in ("redis", "database"):
        stores.append(DatabaseStore())
    return Limiter(stores)


def limiter() -> Limiter:
    """One limiter per application (each test app starts with its own)."""
    return current_app.extensions["pan_rate_limiter"]


_proxy_warned = False


def client_address() -> str:
    """The caller's address: ProxyFix has replaced the proxy's with the client's when the
    proxies are trusted. Forwarded headers that are not trusted are ignored (a client could
    write any address there), but their presence suggests a misconfiguration: warn once."""
    global _proxy_warned
    if not _proxy_warned and "X-Forwarded-For" in request.headers and not current_app.config["PAN_TRUSTED_PROXIES"]:
        _proxy_warned = True
        log.warning("X-Forwarded-For received but PAN_TRUSTED_PROXIES is 0: clients behind the proxy "
                    "share one rate limit; set PAN_TRUSTED_PROXIES to the number of proxies in front")
    return request.remote_addr or "unknown"


def check_rate(token_id: int | None) -> tuple[bool, dict]:
    """Count this request for its caller; returns (allowed, headers to send)."""
    config = current_app.config
    window = int(config["PAN_API_RATE_WINDOW"])
    if token_id is not None:
        key, limit = f"token:{token_id}", int(config["PAN_API_RATE_LIMIT"])
    else:
        key, limit = f"ip:{client_address()}", int(config["PAN_API_RATE_LIMIT_ANON"])
    allowed, remaining, reset = limiter().hit(key, limit, window)
    headers = {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(reset),
    }
    if not allowed:
        headers["Retry-After"] = str(reset)
    return allowed, headers


def cors_origins() -> set[str]:
    raw = current_app.config["PAN_CORS_ORIGINS"]
    if isinstance(raw, (list, tuple, set)):
        return {str(x).strip() for x in raw if str(x).strip()}
    return {x.strip() for x in str(raw).split(",") if x.strip()}


def add_cors_headers(response):
    """Only for configured origins, and never with credentials: tokens travel in headers."""
    origin = request.headers.get("Origin")
    allowed = cors_origins()
    if origin and (origin in allowed or "*" in allowed):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, PATCH, PUT, OPTIONS"
        response.headers["Access-Control-Expose-Headers"] = "X-RateLimit-Limit, X-RateLimit-Remaining, Link"
        response.headers["Access-Control-Max-Age"] = "600"
    if allowed:
        response.vary.add("Origin")  # the answer depends on Origin whenever origins are configured
    return response
