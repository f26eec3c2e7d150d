"""gunicorn.conf.py loads with the chosen values, and preloading the app before fork is safe."""

from __future__ import annotations

import errno
import gc
import threading
import types
from pathlib import Path

from flask import current_app
from gunicorn.app.base import Application
from gunicorn.workers.gthread import ThreadWorker
from sqlalchemy import create_engine

from pan_platform import search
from pan_platform.extensions import db
from tests.conftest import make_app, running

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


class _ConfigOnly(Application):
    def __init__(self) -> None:
        super().__init__(usage="", prog="test")

    def load_config(self) -> None:
        self.load_default_config()
        self.load_config_from_file(str(CONF))

    def init(self, parser, opts, args):
        return None

    def load(self):  # never called: only the configuration is read
        raise AssertionError


def _config(monkeypatch):
    monkeypatch.delenv("WORKERS", raising=False)
    monkeypatch.delenv("THREADS", raising=False)
    monkeypatch.delenv("MAX_REQUESTS", raising=False)
    monkeypatch.delenv("KEEPALIVE", raising=False)
    return _ConfigOnly().cfg


def test_config_file_has_the_chosen_values(monkeypatch):
    cfg = _config(monkeypatch)
    assert issubclass(cfg.worker_class, ThreadWorker)
    assert (cfg.worker_class.__name__, cfg.workers, cfg.threads) == ("RecyclingThreadWorker", 3, 1)
    assert (cfg.timeout, cfg.graceful_timeout) == (60, 30)
    assert (cfg.max_requests, cfg.max_requests_jitter) == (20000, 2000)
    assert cfg.preload_app is True
    assert cfg.keepalive == 5
    monkeypatch.setenv("WORKERS", "5")
    monkeypatch.setenv("MAX_REQUESTS", "1000")
    overridden = _ConfigOnly().cfg
    assert (overridden.workers, overridden.max_requests, overridden.max_requests_jitter) == (5, 1000, 100)
    monkeypatch.setenv("KEEPALIVE", "0")
    assert _ConfigOnly().cfg.keepalive == 0
    assert "gunicorn.conf.py" in (CONF.parent / "Makefile").read_text()


def test_creating_the_app_opens_no_connection_and_no_thread(tmp_path):
    """What preload_app relies on: nothing the master creates is shared by the forked workers."""
    before = set(threading.enumerate())
    app = make_app(tmp_path)
    assert set(threading.enumerate()) == before
    with app.app_context():
        pool = db.engine.pool
        assert pool.checkedin() == 0 and pool.checkedout() == 0


def test_the_master_compiles_every_template_before_forking_and_opens_nothing(tmp_path, monkeypatch):
    """when_ready runs in gunicorn's master after the preloaded app is made, before the
    first fork: the workers inherit the compiled templates, and nothing else."""
    cfg = _config(monkeypatch)
    app = make_app(tmp_path)
    monkeypatch.setitem(__import__("sys").modules, "wsgi", types.SimpleNamespace(app=app))
    logged = []
    server = types.SimpleNamespace(log=types.SimpleNamespace(info=lambda *args: logged.append(args)))
    before = set(threading.enumerate())
    assert not app.jinja_env.cache
    cfg.when_ready(server)
    assert set(threading.enumerate()) == before
    compiled = logged[0][1]
    assert compiled > 100 and len(app.jinja_env.cache) == compiled  # every page, mail and feed
    with app.app_context():
        assert db.engine.pool.checkedin() == 0 and db.engine.pool.checkedout() == 0


def test_post_fork_drops_inherited_connections(tmp_path, monkeypatch):
    cfg = _config(monkeypatch)
    with running(make_app(tmp_path)) as app:
        db.engine.dispose()  # setting up may have pooled connections (a counts bump uses its own)
        db.session.execute(db.text("SELECT 1"))
        db.session.remove()  # the connection goes back to the pool, as in a master that queried
        assert db.engine.pool.checkedin() == 1
        pooled = db.engine.raw_connection()  # the one pooled connection: kept to close it at the end
        held = pooled.dbapi_connection
        pooled.close()  # back to the pool
        monkeypatch.setitem(__import__("sys").modules, "wsgi", types.SimpleNamespace(app=app))
        cfg.post_fork(None, None)
        assert db.engine.pool.checkedin() == 0
        held.close()  # the master's own connection, dropped by the pool but not closed (close=False)
    gc.collect()  # anything else this test left open is reported here, not in a later test


class _Listener:
    def __init__(self) -> None:
        self.accepted = 0

    def accept(self):
        self.accepted += 1
        raise BlockingIOError(errno.EAGAIN, "nothing to accept")  # gthread ignores EAGAIN


def test_a_leaving_worker_leaves_new_connections_to_the_others(monkeypatch):
    """Once max_requests has set alive to False, the worker must not take a connection it would
    then drop unread (a reset on a fresh connection); a live worker still accepts."""
    worker_class = _config(monkeypatch).worker_class
    worker = worker_class.__new__(worker_class)  # no arbiter, sockets or pool needed for accept
    listener = _Listener()
    worker.alive = False
    worker.accept(("127.0.0.1", 8000), listener)
    assert listener.accepted == 0
    worker.alive = True
    worker.accept(("127.0.0.1", 8000), listener)
    assert listener.accepted == 1


def test_sqlite_runs_in_write_ahead_log_mode(tmp_path):
    """Readers and the one writer of several worker processes do not block each other, and a
    commit (a view counted, a rate-limit hit) does not wait for the disk. Checked on a SQLite
    engine of its own, so it runs whatever database the suite uses."""
    import pan_platform.extensions  # noqa: F401  (registers the connection set-up)

    engine = create_engine(f"sqlite:///{tmp_path / 'wal.sqlite'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    finally:
        engine.dispose()


def test_each_worker_warms_the_search_up_before_serving_and_a_failure_is_only_logged(tmp_path, monkeypatch):
    cfg = _config(monkeypatch)
    app = make_app(tmp_path)
    monkeypatch.setitem(__import__("sys").modules, "wsgi", types.SimpleNamespace(app=app))
    calls, logged = [], []
    worker = types.SimpleNamespace(log=types.SimpleNamespace(exception=lambda *args: logged.append(args)))

    def warm_up():
        calls.append(current_app._get_current_object())
        return True

    monkeypatch.setattr(search, "warm_up", warm_up)
    cfg.post_worker_init(worker)
    assert calls == [app] and logged == []  # inside the application's context

    def broken():
        raise OSError("the index went away")

    monkeypatch.setattr(search, "warm_up", broken)
    cfg.post_worker_init(worker)  # does not raise: the worker serves all the same
    assert len(logged) == 1 and "warm-up failed" in logged[0][0]
