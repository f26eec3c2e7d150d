"""Marked copies of stored PDFs: made once in a bounded child process, then cached.

Writing a marking into a PDF means rewriting it with pypdf, whose cost grows with the
number of objects (seconds for 100,000) and which has had loops and memory blow-ups on
crafted files. So the rewrite runs in `storage/mark_worker.py` with an address-space
limit, a CPU limit, a wall-clock timeout and a limit on the number of objects, and its
result is kept under `PAN_MARK_CACHE_DIR`, keyed by the blob's SHA-256 and the metadata
written, so later downloads of the same file with the same marking send the cached copy.

A PDF that cannot be marked (damaged, over a limit, timed out) is remembered as such
for the current limits, logged, and sent as stored: the caller still sends the marking
header. Nothing here raises to the download.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import current_app

from pan_platform.storage.extract import limited

log = logging.getLogger(__name__)

WORKER = Path(__file__).with_name("mark_worker.py")


@dataclass(frozen=True)
class MarkLimits:
    memory_mb: int
    cpu_seconds: int
    timeout_seconds: float
    max_objects: int

    @classmethod
    def from_config(cls, config) -> MarkLimits:
        return cls(
            memory_mb=config["PAN_MARK_MEMORY_MB"],
            cpu_seconds=config["PAN_MARK_CPU_SECONDS"],
            timeout_seconds=config["PAN_MARK_TIMEOUT"],
            max_objects=config["PAN_MARK_MAX_OBJECTS"],
        )


def cache_dir() -> Path:
    return Path(current_app.config["PAN_MARK_CACHE_DIR"])


def cached_path(sha256: str, metadata: dict[str, str]) -> Path:
    """Where the marked copy of blob `sha256` with exactly this metadata is kept."""
    digest = hashlib.sha256(json.dumps(metadata, sort_keys=True).encode("utf-8")).hexdigest()[:32]
    return cache_dir() / sha256[:2] / f"{sha256}-{digest}.pdf"


def _failure_note(target: Path) -> Path:
    return target.with_suffix(".failed")


def _failed_before(target: Path, limits: MarkLimits) -> bool:
    """A failure is remembered for the limits it happened under; other limits try again."""
    try:
        return json.loads(_failure_note(target).read_text("utf-8")).get("limits") == asdict(limits)
    except (OSError, ValueError, AttributeError):
        return False


def _remember_failure(target: Path, limits: MarkLimits, reason: str) -> None:
    try:
        _failure_note(target).write_text(json.dumps({"limits": asdict(limits), "reason": reason}), "utf-8")
    except OSError:
        log.exception("could not record the marking failure for %s", target.name)


def run_worker(source: Path, target: Path, metadata: dict[str, str], limits: MarkLimits) -> dict:
    """Write the marked copy of `source` to `target` in a bounded child; never raises."""
    command = [sys.executable, "-I", str(WORKER), str(source), str(target), "--max-objects", str(limits.max_objects)]
    try:
        done = subprocess.run(
            limited(command, limits.memory_mb, limits.cpu_seconds),
            input=json.dumps(metadata).encode("utf-8"), capture_output=True,
            timeout=limits.timeout_seconds, check=False,
        )
    except subprocess.TimeoutExpired:  # run() has killed the child already
        return {"status": "failed", "reason": f"timed out after {limits.timeout_seconds} s"}
    except OSError as error:
        return {"status": "failed", "reason": f"could not start: {error}"}
    if done.returncode != 0:
        return {"status": "failed", "reason": f"worker ended with code {done.returncode}"}
    try:
        result = json.loads(done.stdout.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {"status": "failed", "reason": "unreadable worker output"}
    return result if isinstance(result, dict) and result.get("status") == "done" else {
        "status": "failed", "reason": str(result.get("reason") if isinstance(result, dict) else result)}


def marked_pdf(source: Path, sha256: str, metadata: dict[str, str]) -> Path | None:
    """The marked copy of a stored PDF (made on first use), or None when it cannot be made."""
    limits = MarkLimits.from_config(current_app.config)
    target = cached_path(sha256, metadata)
    if target.is_file():
        return target
    if _failed_before(target, limits):
        return None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=target.parent, prefix=".marking-", suffix=".pdf")
        os.close(fd)
    except OSError:
        log.exception("no room for the marked copy of %s", sha256)
        return None
    try:
        result = run_worker(source, Path(partial), metadata, limits)
        if result["status"] == "done":
            os.replace(partial, target)  # atomic: a reader never sees half a file
            return target
    except OSError as error:
        result = {"status": "failed", "reason": f"could not keep the marked copy: {error}"}
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    log.warning("PDF %s sent without the marking in its metadata: %s", sha256, result.get("reason"))
    _remember_failure(target, limits, str(result.get("reason")))
    return None
