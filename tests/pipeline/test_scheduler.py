"""Scheduled work runs from the worker (or the in-process fallback), never in a request."""

from __future__ import annotations

import os
import re
import signal
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from pan_platform import pipeline, scheduler
from pan_platform.extensions import db
from pan_platform.sharing.models import ItemReader
from pan_platform.util import utcnow
from tests.conftest import make_app
from tests.factories import make_item, make_org

PACKAGE = Path(pipeline.__file__).resolve().parent


def _recording_jobs(monkeypatch, fail: str | None = None) -> list[str]:
    ran: list[str] = []

    def job(name: str) -> scheduler.Job:
        def run() -> None:
            ran.append(name)
            if name == fail:
                raise RuntimeError("broken job")

        return scheduler.Job(name, "PAN_EXPIRY_SWEEP_SECONDS", run)

    monkeypatch.setattr(scheduler, "JOBS", [job("first"), job("second"), job("third")])
    return ran


def test_worker_once_runs_each_job_once(app, monkeypatch):
    ran = _recording_jobs(monkeypatch)
    result = app.test_cli_runner().invoke(args=["pan", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert ran == ["first", "second", "third"]


def test_a_failing_job_does_not_stop_the_others_and_fails_the_run(app, monkeypatch):
    ran = _recording_jobs(monkeypatch, fail="second")
    result = app.test_cli_runner().invoke(args=["pan", "worker", "--once"])
    assert result.exit_code == 1
    assert ran == ["first", "second", "third"]


def test_the_real_jobs_run_once(app):
    assert [job.name for job in scheduler.JOBS] == [
        "expire-sharing", "retry-index", "merge-index", "build-packages", "clean-packages", "send-digests"]
    result = app.test_cli_runner().invoke(args=["pan", "worker", "--once"])
    assert result.exit_code == 0, result.output


def test_the_loop_runs_jobs_at_their_interval_and_stops_when_told(app, monkeypatch):
    ran = _recording_jobs(monkeypatch)
    app.config["PAN_EXPIRY_SWEEP_SECONDS"] = 0.05
    stop = threading.Event()
    thread = threading.Thread(target=scheduler.run_loop, args=(app, stop))
    thread.start()
    time.sleep(0.4)
    stop.set()
    thread.join(timeout=2)
    assert not thread.is_alive()
    assert 2 <= ran.count("first") <= 12  # every 0.05 s, not in a busy loop


def test_sigterm_ends_the_worker_cleanly(app, monkeypatch):
    ran = _recording_jobs(monkeypatch)
    app.config["PAN_EXPIRY_SWEEP_SECONDS"] = 3600
    before = signal.getsignal(signal.SIGTERM)
    timer = threading.Timer(0.3, os.kill, args=(os.getpid(), signal.SIGTERM))
    timer.start()
    started = time.monotonic()
    scheduler.run_worker(app)  # returns instead of waiting an hour
    assert time.monotonic() - started < 3
    assert ran == ["first", "second", "third"]
    assert signal.getsignal(signal.SIGTERM) is before  # handlers restored


def test_no_request_does_maintenance_the_worker_does(app, client):
    item = make_item(make_org("academy"), shares=(make_org("partner", slug="ended-partner", country=None),))
    db.session.commit()
    past = utcnow() - timedelta(minutes=5)
    db.session.execute(db.text("UPDATE item_readers SET expires_at = :t WHERE principal LIKE 'org:%'"), {"t": past})
    db.session.commit()

    def ended_labels() -> int:
        db.session.expire_all()
        return db.session.query(ItemReader).filter(ItemReader.item_id == item.id, ItemReader.expires_at <= utcnow()).count()

    assert ended_labels() >= 1
    for path in ("/", "/catalogue", "/search?q=test", f"/items/{item.id}"):
        client.get(path)
    assert ended_labels() >= 1  # no request swept
    result = app.test_cli_runner().invoke(args=["pan", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert ended_labels() == 0


def test_no_before_request_hook_belongs_to_scheduled_work(app):
    assert not any(re.search(r"before_app_request", p.read_text()) for p in PACKAGE.rglob("*.py"))
    hooks = [f for funcs in app.before_request_funcs.values() for f in funcs]
    modules = {f.__module__ for f in hooks}
    assert not {m for m in modules if m.startswith(("pan_platform.access", "pan_platform.sharing",
                                                    "pan_platform.search", "pan_platform.scheduler"))}


def test_the_in_process_scheduler_starts_only_when_configured(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(scheduler, "start_in_process", started.append)
    make_app(tmp_path / "off")
    assert started == []
    app = make_app(tmp_path / "on", PAN_INPROCESS_SCHEDULER=True)
    assert started == [app]


@pytest.mark.parametrize("setting", sorted({job.interval_setting for job in scheduler.JOBS}))
def test_every_interval_is_a_setting(app, setting):
    assert float(app.config[setting]) > 0
