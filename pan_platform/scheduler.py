"""Scheduled work: the one place that runs periodic jobs.

Jobs (each at its interval, a setting in config.py):

- `expire-sharing` (PAN_EXPIRY_SWEEP_SECONDS, 60): refresh stored reader labels whose
  rule has ended (access/expiry.py). Expiry is already exact at read time; this tidies.
- `retry-index` (PAN_INDEX_RETRY_SECONDS, 60): write ids queued by failed index writes.
- `merge-index` (PAN_INDEX_MERGE_SECONDS, 300): catch up merges of small index segments
  (a save starts one itself; this finishes those cut short).
- `build-packages` (PAN_PACKAGE_BUILD_SECONDS, 5): build queued offline packages
  (syllabus/packages.py), writing their progress for the status page.
- `clean-packages` (PAN_PACKAGE_CLEAN_SECONDS, 3600): remove old and superseded packages.
- `send-digests` (PAN_DIGEST_SECONDS, 900): e-mail the daily and weekly digests of saved
  searches that are due (alerts/digests.py; a period already sent is never sent again).

Two ways to run them, never both for one database:

- `flask --app wsgi pan worker`: a loop in its own process; SIGTERM or Ctrl-C lets the
  running job finish, then it exits. `--once` runs every job once and exits non-zero if
  one failed (cron, tests; the intervals then are cron's):
  `* * * * *  cd /srv/pan && .venv/bin/flask --app wsgi pan worker --once`
- PAN_INPROCESS_SCHEDULER=1 (set by `make run`): the app factory starts the same loop in a
  daemon thread of the web process. For a single local process only.

A new periodic job is a `Job` added to `JOBS` and a line above. Nothing runs in a request.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

from pan_platform import search
from pan_platform.access import expire_due
from pan_platform.alerts import digests
from pan_platform.extensions import db
from pan_platform.syllabus import packages

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    interval_setting: str  # the config key holding the interval in seconds
    run: Callable[[], object]


JOBS: list[Job] = [
    Job("expire-sharing", "PAN_EXPIRY_SWEEP_SECONDS", expire_due),
    Job("retry-index", "PAN_INDEX_RETRY_SECONDS", search.retry_queued),
    Job("merge-index", "PAN_INDEX_MERGE_SECONDS", search.merge_segments),
    Job("build-packages", "PAN_PACKAGE_BUILD_SECONDS", packages.build_queued),
    Job("clean-packages", "PAN_PACKAGE_CLEAN_SECONDS", packages.remove_old_packages),
    Job("send-digests", "PAN_DIGEST_SECONDS", digests.run_scheduled),
]


def run_job(app: Flask, job: Job) -> bool:
    """Run one job in its own app context. False when it failed (logged; the loop goes on)."""
    with app.app_context():
        try:
            job.run()
            return True
        except Exception:
            log.exception("scheduled job %s failed", job.name)
            db.session.rollback()
            return False
        finally:
            db.session.remove()


def run_once(app: Flask, jobs: list[Job] | None = None) -> dict[str, bool]:
    """Every job once, in order: {name: succeeded}."""
    return {job.name: run_job(app, job) for job in (JOBS if jobs is None else jobs)}


def run_loop(app: Flask, stop: threading.Event, jobs: list[Job] | None = None) -> None:
    """Run each job when due until `stop` is set; every job runs at start."""
    jobs = JOBS if jobs is None else jobs
    due = {job.name: 0.0 for job in jobs}
    while not stop.is_set():
        for job in jobs:
            if stop.is_set():
                break
            if time.monotonic() >= due[job.name]:
                run_job(app, job)
                due[job.name] = time.monotonic() + float(app.config[job.interval_setting])
        stop.wait(max(0.0, min(due.values()) - time.monotonic()) if due else 1.0)


def run_worker(app: Flask) -> None:
    """The `pan worker` loop: ends cleanly on SIGTERM or SIGINT, after the running job."""
    stop = threading.Event()

    def request_stop(signum, _frame) -> None:
        log.info("worker stopping (signal %s)", signum)
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    log.info("worker running: %s", ", ".join(job.name for job in JOBS))
    try:
        run_loop(app, stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def start_in_process(app: Flask) -> threading.Thread:
    """The fallback for one local process (`make run`): the loop in a daemon thread."""
    thread = threading.Thread(
        target=run_loop, args=(app, threading.Event()), name="pan-scheduler", daemon=True
    )
    thread.start()
    return thread
