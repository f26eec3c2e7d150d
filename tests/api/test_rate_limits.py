"""Rate limits are counted once for all workers (Redis or the database), per real client."""

from __future__ import annotations

import logging
import os
import uuid
from contextlib import ExitStack

import pytest
from sqlalchemy import func, select

from pan_platform.api import limits
from pan_platform.api.models import RateCounter
from pan_platform.extensions import db
from tests.conftest import make_app, running

REDIS_URL = os.environ.get("PAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
URL = "/api/v1/priority-areas"


def _redis_or_skip():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError as error:
        # `.ci/run` starts Redis: its absence is a broken set-up, not a reason to skip.
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({error}); start it or set PAN_TEST_REDIS_URL")
    return client


def _codes(app, n: int, **headers) -> list[int]:
    with app.app_context():
        client = app.test_client()
        return [client.get(URL, headers=headers).status_code for _ in range(n)]


def _two_workers(tmp_path, stack: ExitStack, **config):
    """Two applications, as two worker processes would have: same database, same Redis,
    each with its own limiter object."""
    first = stack.enter_context(running(make_app(tmp_path, PAN_API_RATE_LIMIT_ANON=3, **config)))
    second = make_app(tmp_path, PAN_API_RATE_LIMIT_ANON=3, **config)
    assert first.extensions["pan_rate_limiter"] is not second.extensions["pan_rate_limiter"]
    return first, second


def test_limit_is_shared_by_two_workers_through_redis(tmp_path):
    client = _redis_or_skip()
    prefix = f"pan-test-{uuid.uuid4().hex}:"
    try:
        with ExitStack() as stack:
            first, second = _two_workers(tmp_path, stack, PAN_REDIS_URL=REDIS_URL, PAN_REDIS_KEY_PREFIX=prefix)
            assert first.extensions["pan_rate_limiter"].store_name == "redis"
            assert _codes(first, 2) == [200, 200]
            assert _codes(second, 2) == [200, 429]  # the third request overall is the last allowed
            assert _codes(first, 1) == [429]
            assert list(client.scan_iter(f"{prefix}rate:ip:*"))  # counted in Redis...
            with first.app_context():  # ...and not in the database
                assert db.session.scalar(select(func.count()).select_from(RateCounter)) == 0
    finally:
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)


def test_limit_is_shared_by_two_workers_through_the_database(tmp_path):
    with ExitStack() as stack:
        first, second = _two_workers(tmp_path, stack)
        assert first.extensions["pan_rate_limiter"].store_name == "database"
        assert _codes(first, 2) == [200, 200]
        assert _codes(second, 2) == [200, 429]
        assert _codes(first, 1) == [429]
        with first.app_context():
            counts = db.session.scalars(select(RateCounter.count)).all()
            assert counts == [5]  # one caller, one window, every request counted


def test_memory_store_only_where_configured(tmp_path):
    with ExitStack() as stack:
        first, second = _two_workers(tmp_path, stack, PAN_RATE_LIMIT_STORE="memory")
        assert _codes(first, 3) == [200, 200, 200]
        assert _codes(second, 3) == [200, 200, 200]  # each process counts for itself


def test_redis_down_falls_back_to_the_database_and_logs_once(tmp_path, caplog):
    # Nothing listens on port 1: every Redis call fails at once.
    with running(make_app(tmp_path, PAN_API_RATE_LIMIT_ANON=3, PAN_REDIS_URL="redis://127.0.0.1:1/0")) as app:
        with caplog.at_level(logging.WARNING, logger="pan.limits"):
            assert _codes(app, 4) == [200, 200, 200, 429]
        failures = [r for r in caplog.records if "redis failed" in r.getMessage()]
        assert len(failures) == 1
        assert db.session.scalars(select(RateCounter.count)).all() == [4]


def test_429_has_retry_after_within_the_window(tmp_path):
    with running(make_app(tmp_path, PAN_API_RATE_LIMIT_ANON=1, PAN_API_RATE_WINDOW=60)) as app:
        client = app.test_client()
        assert client.get(URL).status_code == 200
        refused = client.get(URL)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 61
        assert refused.headers["X-RateLimit-Remaining"] == "0"
        feed = client.get("/feeds/materials.atom")
        assert feed.status_code == 429 and "Retry-After" in feed.headers


def test_behind_trusted_proxy_each_client_has_its_own_budget(tmp_path):
    with running(make_app(tmp_path, PAN_API_RATE_LIMIT_ANON=2, PAN_TRUSTED_PROXIES=1)) as app:
        alice = {"X-Forwarded-For": "198.51.100.7"}
        bob = {"X-Forwarded-For": "203.0.113.9"}
        assert _codes(app, 3, **alice) == [200, 200, 429]
        assert _codes(app, 2, **bob) == [200, 200]
        keys = set(db.session.scalars(select(RateCounter.key)))
        assert keys == {"ip:198.51.100.7", "ip:203.0.113.9"}


def test_untrusted_forwarded_header_cannot_escape_the_limit(tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(limits, "_proxy_warned", False)
    with running(make_app(tmp_path, PAN_API_RATE_LIMIT_ANON=2)) as app:
        with caplog.at_level(logging.WARNING, logger="pan.limits"):
            codes = [_codes(app, 1, **{"X-Forwarded-For": f"192.0.2.{n}"})[0] for n in range(3)]
        assert codes == [200, 200, 429]  # a client that invents addresses still has one budget
        assert set(db.session.scalars(select(RateCounter.key))) == {"ip:127.0.0.1"}
        assert sum("PAN_TRUSTED_PROXIES" in r.getMessage() for r in caplog.records) == 1


def test_unknown_store_is_refused_at_start(tmp_path):
    with pytest.raises(ValueError, match="PAN_RATE_LIMIT_STORE"):
        make_app(tmp_path, PAN_RATE_LIMIT_STORE="carrier-pigeon")
