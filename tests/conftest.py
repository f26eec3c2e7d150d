"""Test fixtures: an app per test with a temporary database, file store and index.

SQLite by default (a fresh file per test). With DATABASE_URL set (CI), the same suite
runs on PostgreSQL: tables are created once per run and emptied after every test.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest
import redis
from flask.testing import FlaskClient
from sqlalchemy import text

from pan_platform.accounts.models import use_fast_password_hashing
from pan_platform.app import create_app
from pan_platform.extensions import db
from pan_platform.seeding import ensure_priority_areas

PG_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = PG_URL.startswith("postgres")
_pg_schema_ready = False
use_fast_password_hashing()


def _prepare_postgres() -> None:
    global _pg_schema_ready
    if not _pg_schema_ready:
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.create_all()
        _pg_schema_ready = True


def _empty_postgres() -> None:
    # DELETE, children first: on tables this small it is several times faster than TRUNCATE,
    # which recreates every table's files.
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


class ClosingClient(FlaskClient):
    """Reads every response whole and closes it, as a WSGI server does once it has sent it:
    a downloaded file is not left open (warnings are errors in this suite)."""

    def open(self, *args, buffered: bool = True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


REDIS_URL = os.environ.get("PAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_config() -> dict:
    """Settings for an application that shares a Redis of its own (a fresh key prefix) with
    the applications made with the same dict: two such applications stand for two workers."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)
    try:
        client.ping()
    except redis.RedisError as error:
        # `.ci/run` starts Redis: its absence is a broken set-up, not a reason to skip.
        pytest.fail(f"Redis is not reachable at {REDIS_URL} ({error}); start it or set PAN_TEST_REDIS_URL")
    return {"PAN_REDIS_URL": REDIS_URL, "PAN_REDIS_KEY_PREFIX": f"pan-test-{uuid.uuid4().hex}:"}


def make_app(tmp_path, **overrides):
    config = {
        "TESTING": True,
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": PG_URL if ON_POSTGRES else f"sqlite:///{tmp_path / 'test.sqlite'}",
        # Tests need no durability: commits need not wait for the disk.
        "SQLALCHEMY_ENGINE_OPTIONS": (
            {"pool_pre_ping": True, "connect_args": {"options": "-c synchronous_commit=off"}} if ON_POSTGRES else {}
        ),
        "PAN_STORAGE_DIR": str(tmp_path / "storage"),
        "PAN_INDEX_DIR": str(tmp_path / "index"),
        "WTF_CSRF_ENABLED": False,
        "PAN_MAIL_BACKEND": "memory",
        "SERVER_NAME": None,
        "PAN_INPROCESS_SCHEDULER": False,  # a test that wants scheduled work runs it itself
        # Tests change rows and read pages at once; tests/web/test_page_cache.py and the
        # leak tests turn the page cache on.
        "PAN_PAGE_CACHE_SECONDS": 0,
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = ClosingClient
    return app


@contextmanager
def running(app):
    """Push the app's context with an empty, ready database; clean up afterwards."""
    with app.app_context():
        if ON_POSTGRES:
            _prepare_postgres()
        else:
            db.create_all()
        ensure_priority_areas()
        db.session.commit()
        try:
            yield app
        finally:
            db.session.remove()
            if ON_POSTGRES:
                _empty_postgres()
            db.engine.dispose()


@pytest.fixture
def app(tmp_path):
    with running(make_app(tmp_path)) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


def sign_in(client, user, password: str | None = None):
    from tests.factories import PASSWORD

    return client.post(
        "/sign-in", data={"email": user.email, "password": password or PASSWORD}, follow_redirects=False
    )
