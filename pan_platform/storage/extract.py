"""Bounded text extraction: never in the web request's process, never before the commit.

Flow: an operation calls `request_extraction(version)`; once the transaction commits, the
version's id goes to a one-thread pool in this process; that thread starts
the worker (`storage/extract_worker.py`, also runnable with `python -m`) with an address-space limit, a CPU limit
and a wall-clock timeout, then stores the result on the FileVersion in its own app
context. A crash, timeout or refusal marks the version `failed` (still downloadable).
Versions left `pending` (process restarted, seed data) are handled by
`flask --app wsgi pan extract-pending`. With PAN_EXTRACT_SYNC the commit waits for the
result (tests), still in a separate process.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from pan_platform.extensions import db
from pan_platform.storage import store
from pan_platform.storage.models import FileVersion

log = logging.getLogger(__name__)

TEXT_CAP = 1_000_000  # characters kept for search
WORKER = Path(__file__).with_name("extract_worker.py")
_PENDING_KEY = "pan_extract_versions"
_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pan-extract")


@dataclass(frozen=True)
class Limits:
    memory_mb: int
    cpu_seconds: int
    timeout_seconds: float

    @classmethod
    def from_config(cls, config) -> Limits:
        return cls(
            memory_mb=config["PAN_EXTRACT_MEMORY_MB"],
            cpu_seconds=config["PAN_EXTRACT_CPU_SECONDS"],
            timeout_seconds=config["PAN_EXTRACT_TIMEOUT"],
        )


# Sets the limits, then becomes the real command (exec): the limits hold for it and for
# whatever it starts (LibreOffice).
_LIMIT_THEN_EXEC = (
    "import os, resource, sys; memory, cpu = int(sys.argv[1]), int(sys.argv[2]); "
    "resource.setrlimit(resource.RLIMIT_AS, (memory, memory)); "
    "resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1)); "
    "resource.setrlimit(resource.RLIMIT_CORE, (0, 0)); "
    "os.execv(sys.argv[3], sys.argv[3:])"
)


def limited(command: list[str], memory_mb: int, cpu_seconds: int) -> list[str]:
    """`command` run with its address space and CPU time capped (and no core dump).

    The limits are set by a fresh interpreter that then execs the command, not by a
    preexec_fn: that runs Python in the forked child of a threaded process, where the
    collector may finalise an object whose lock another thread held at the fork (a closing
    index searcher did), and the child then never reaches exec."""
    return [sys.executable, "-I", "-c", _LIMIT_THEN_EXEC, str(memory_mb * 1024 * 1024), str(cpu_seconds), *command]


def extractable(mime_type: str) -> bool:
    return mime_type == "application/pdf" or mime_type.startswith(("text/", "application/vnd."))


def run_extraction(path: Path, mime_type: str, limits: Limits) -> dict:
    """Run the worker process on one file; always returns a result, never raises."""
    if not extractable(mime_type):
        return {"status": "none", "text": None, "language": None}

    # Run by file path, isolated (-I): importing the pan_platform package would cost the
    # child a second of start-up; the worker needs only the standard library and parsers.
    command = [sys.executable, "-I", str(WORKER), str(path), mime_type, "--cap", str(TEXT_CAP)]
    try:
        done = subprocess.run(
            limited(command, limits.memory_mb, limits.cpu_seconds), capture_output=True,
            timeout=limits.timeout_seconds, cwd=str(Path(__file__).resolve().parents[2]), check=False,
        )
    except subprocess.TimeoutExpired:  # run() has killed the child already
        return {"status": "failed", "reason": "timeout"}
    except OSError as error:
        return {"status": "failed", "reason": f"could not start: {error}"}
    if done.returncode != 0:
        return {"status": "failed", "reason": f"worker ended with code {done.returncode}"}
    try:
        result = json.loads(done.stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {"status": "failed", "reason": "unreadable worker output"}
    return result if result.get("status") in ("done", "failed", "none") else {"status": "failed"}


def extract_version(version_id: int) -> str | None:
    """Extract one pending version and store the result (needs an app context). Returns the status."""
    version = db.session.get(FileVersion, version_id)
    if version is None or version.text_status != "pending":
        return None
    path, mime = store.path_for(version.sha256), version.mime_type
    limits = Limits.from_config(current_app.config)
    db.session.rollback()  # hold no transaction (no lock) while the worker runs
    result = run_extraction(path, mime, limits)
    version = db.session.get(FileVersion, version_id)
    if version is None or version.text_status != "pending":
        return None
    version.text_status = result["status"]
    version.text = result.get("text") if result["status"] == "done" else None
    version.text_language = result.get("language") if result["status"] == "done" else None
    if result["status"] == "failed":
        log.info("text extraction failed for file version %s: %s", version_id, result.get("reason"))
    db.session.commit()
    return result["status"]


def _run_work(app: Flask, work: Callable[[int], object], version_id: int) -> None:
    with app.app_context():
        try:
            work(version_id)
        except Exception:  # the pool thread must survive anything one file does
            log.exception("background work %s on file version %s", work.__name__, version_id)
            db.session.rollback()
        finally:
            db.session.remove()


def _run_in_app(app: Flask, version_id: int) -> None:
    _run_work(app, extract_version, version_id)


def run_in_background(app: Flask, work: Callable[[int], object], version_ids: list[int]) -> None:
    """Run `work(version_id)` for each id on the extraction thread, after what is queued already.

    Other derived work (previews) shares the one thread, so at most one bounded child process
    runs at a time. With PAN_EXTRACT_SYNC this waits for the results.
    """
    futures = [_pool.submit(_run_work, app, work, version_id) for version_id in version_ids]
    if app.config.get("PAN_EXTRACT_SYNC"):
        for future in futures:
            future.result()


def request_extraction(version: FileVersion) -> None:
    """Queue `version` for extraction once the current transaction commits."""
    db.session.info.setdefault(_PENDING_KEY, []).append(version)


def queue_after_commit(session: Session) -> None:
    """After a commit (run by pan_platform/pipeline.py): hand the requested versions to the pool."""
    versions = session.info.pop(_PENDING_KEY, [])
    if not versions:
        return
    ids = [inspect(v).identity[0] for v in versions if inspect(v).identity]  # no SQL here
    app = current_app._get_current_object()
    futures = [_pool.submit(_run_in_app, app, version_id) for version_id in ids]
    if app.config.get("PAN_EXTRACT_SYNC"):
        for future in futures:
            future.result()


def forget_requests(session: Session) -> None:
    """After a rollback: versions of the failed transaction are not extracted."""
    session.info.pop(_PENDING_KEY, None)


def pending_ids() -> list[int]:
    return list(db.session.scalars(
        select(FileVersion.id).where(FileVersion.text_status == "pending").order_by(FileVersion.id)
    ))
