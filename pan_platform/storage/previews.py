"""Thumbnails and page previews of stored files: made in the background, bounded, per version.

Flow: an upload calls `request_preview(version)`, which marks the version's FilePreview row
`pending`; once the transaction commits, the version goes to the text-extraction thread
(storage/extract.py), after its extraction. That thread starts `storage/preview_worker.py`
in its own process group with an address-space limit, a CPU limit and a wall-clock timeout
(LibreOffice, which the worker starts for office documents, inherits the limits and is
killed with the group). The images land in a fresh folder that replaces
PAN_PREVIEW_DIR/<version id>/ only when complete; the row then says done, failed or none.

Nothing here raises to a page: a damaged file, a document LibreOffice cannot convert, a
timeout or a missing LibreOffice is a status, and the page says "no preview". The stored
file itself is never touched.

Each file version keeps its own images while it exists (an older version stays
downloadable, so its images stay valid); they are deleted with the version row, after the
commit (see `note_removed_version`). `flask --app wsgi pan previews [--missing]` (re)builds.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, object_session

from pan_platform.access import can
from pan_platform.extensions import db
from pan_platform.storage import extract, store
from pan_platform.storage.models import FilePreview, FileVersion

log = logging.getLogger(__name__)

WORKER = Path(__file__).with_name("preview_worker.py")
THUMBNAIL = "thumb.webp"
_PENDING_KEY = "pan_preview_versions"
_REMOVED_KEY = "pan_preview_removed"
PREVIEWABLE = {
    "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.presentation",
    "application/vnd.oasis.opendocument.spreadsheet",
}


@dataclass(frozen=True)
class PreviewLimits:
    memory_mb: int
    cpu_seconds: int
    timeout_seconds: float
    pages: int

    @classmethod
    def from_config(cls, config) -> PreviewLimits:
        return cls(
            memory_mb=config["PAN_PREVIEW_MEMORY_MB"],
            cpu_seconds=config["PAN_PREVIEW_CPU_SECONDS"],
            timeout_seconds=config["PAN_PREVIEW_TIMEOUT"],
            pages=config["PAN_PREVIEW_PAGES"],
        )


def current_version(item) -> FileVersion | None:
    """The file version whose preview a material shows: the one place that knows how a
    material holds its file."""
    return item.current_file


def previewable(mime_type: str) -> bool:
    return mime_type.split(";")[0].strip() in PREVIEWABLE


def soffice() -> str | None:
    """LibreOffice's command, or None when it is not installed."""
    return shutil.which(current_app.config["PAN_SOFFICE"])


# ---------------------------------------------------------------- files

def root() -> Path:
    path = Path(current_app.config["PAN_PREVIEW_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def folder(version_id: int) -> Path:
    return root() / str(int(version_id))


def thumbnail_path(version_id: int) -> Path:
    return folder(version_id) / THUMBNAIL


def page_path(version_id: int, number: int) -> Path:
    return folder(version_id) / f"page-{int(number)}.webp"


# ---------------------------------------------------------------- the worker

def _end_group(child: subprocess.Popen) -> None:
    """Kill what is left of the worker's process group (a LibreOffice it started)."""
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_worker(source: Path, mime_type: str, outdir: Path, limits: PreviewLimits, office: str | None) -> dict:
    """Make the images of one file into `outdir`; always returns a result, never raises."""
    command = [
        sys.executable, "-I", str(WORKER), str(source), mime_type, str(outdir),
        "--pages", str(limits.pages), "--timeout", str(limits.timeout_seconds * 0.8),
    ]
    if office:
        command += ["--soffice", office]
    try:
        child = subprocess.Popen(
            extract.limited(command, limits.memory_mb, limits.cpu_seconds),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
            cwd=str(Path(__file__).resolve().parents[2]),
        )
    except OSError as error:
        return {"status": "failed", "reason": f"could not start: {error}"}
    try:
        out, _err = child.communicate(timeout=limits.timeout_seconds)
    except subprocess.TimeoutExpired:
        _end_group(child)
        child.communicate()
        return {"status": "failed", "reason": "timeout"}
    finally:
        _end_group(child)
    if child.returncode != 0:
        return {"status": "failed", "reason": f"worker ended with code {child.returncode}"}
    try:
        result = json.loads(out.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {"status": "failed", "reason": "unreadable worker output"}
    return result if result.get("status") in ("done", "failed", "none") else {"status": "failed"}


def _build(version_id: int, source: Path, mime_type: str, limits: PreviewLimits, office: str | None) -> dict:
    """Run the worker into a fresh folder; it replaces the version's folder only when complete."""
    if not source.is_file():
        return {"status": "failed", "reason": "the stored file is missing"}
    try:
        target = folder(version_id)
        work = Path(tempfile.mkdtemp(dir=root(), prefix=f".new-{version_id}-"))
    except OSError as error:
        return {"status": "failed", "reason": f"could not store the images: {error}"}
    try:
        result = run_worker(source, mime_type, work, limits, office)
        if result["status"] == "done" and not (work / THUMBNAIL).is_file():
            result = {"status": "failed", "reason": "no image was written"}
        shutil.rmtree(target, ignore_errors=True)  # images of an earlier attempt are stale now
        if result["status"] == "done":
            os.replace(work, target)
        return result
    except OSError as error:
        return {"status": "failed", "reason": f"could not store the images: {error}"}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def make_preview(version_id: int) -> str | None:
    """Make the images of one pending version and record the result (needs an app context)."""
    version = db.session.get(FileVersion, version_id)
    if version is None or version.preview is None or version.preview.status != "pending":
        return None
    if not previewable(version.mime_type):
        result = {"status": "none"}
    else:
        source, mime = store.path_for(version.sha256), version.mime_type
        limits, office = PreviewLimits.from_config(current_app.config), soffice()
        db.session.rollback()  # hold no transaction (no lock) while the worker runs
        result = _build(version_id, source, mime, limits, office)
    preview = db.session.get(FilePreview, version_id)
    if preview is None or preview.status != "pending":  # deleted or rebuilt meanwhile
        return None
    preview.status = result["status"]
    preview.pages = int(result.get("pages") or 0) if result["status"] == "done" else 0
    preview.page_count = result.get("page_count") if result["status"] == "done" else None
    preview.reason = (result.get("reason") or None) and str(result["reason"])[:500]
    if result["status"] == "failed":
        log.info("preview failed for file version %s: %s", version_id, result.get("reason"))
    db.session.commit()
    return result["status"]


# ---------------------------------------------------------------- requests and the pipeline

def mark_pending(version: FileVersion) -> None:
    """Give `version` a pending preview row (the caller commits)."""
    if version.preview is None:
        version.preview = FilePreview(status="pending")
    else:
        version.preview.status, version.preview.pages, version.preview.reason = "pending", 0, None


def request_preview(version: FileVersion) -> None:
    """Mark `version`'s preview pending; it is made once the current transaction commits."""
    mark_pending(version)
    db.session.info.setdefault(_PENDING_KEY, []).append(version)


def queue_after_commit(session: Session) -> None:
    """After a commit (pipeline.py): hand the requested versions to the extraction thread."""
    versions = session.info.pop(_PENDING_KEY, [])
    ids = [inspect(v).identity[0] for v in versions if inspect(v).identity]  # no SQL here
    if ids:
        extract.run_in_background(current_app._get_current_object(), make_preview, ids)


def forget_requests(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)
    session.info.pop(_REMOVED_KEY, None)


def note_removed_version(connection, row: FileVersion) -> None:
    """A version row was deleted (pipeline.py): its images go once the deletion commits."""
    session = object_session(row)
    if session is not None:
        session.info.setdefault(_REMOVED_KEY, set()).add(row.id)


def remove_images_after_commit(session: Session) -> None:
    for version_id in session.info.pop(_REMOVED_KEY, set()):
        shutil.rmtree(folder(version_id), ignore_errors=True)


# ---------------------------------------------------------------- rebuilding (CLI)

def needs_build(version: FileVersion) -> bool:
    """The preview was never made, is still pending, or its images are gone (after a restore)."""
    preview = version.preview
    return preview is None or preview.status == "pending" or (
        preview.status == "done" and not thumbnail_path(version.id).is_file()
    )


def rebuild(version_id: int) -> str | None:
    """Make one version's preview now, in this process's thread (the CLI)."""
    version = db.session.get(FileVersion, version_id)
    if version is None:
        return None
    mark_pending(version)
    db.session.commit()
    return make_preview(version_id)


def remove_orphan_folders() -> int:
    """Delete image folders of versions that no longer exist (and interrupted attempts)."""
    known = set(db.session.scalars(select(FileVersion.id)))
    removed = 0
    for path in root().iterdir():
        if path.is_dir() and (path.name.startswith(".new-") or (path.name.isdigit() and int(path.name) not in known)):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


# ---------------------------------------------------------------- what a page may show

@dataclass(frozen=True)
class Shown:
    """The preview of a material as one viewer may see it."""

    version_id: int
    status: str  # pending, done, failed, none
    pages: int  # page images made
    page_count: int | None = None  # pages of the whole document


def _shown(version: FileVersion) -> Shown:
    preview = version.preview
    if preview is None:
        return Shown(version.id, "pending" if previewable(version.mime_type) else "none", 0)
    return Shown(version.id, preview.status, preview.pages, preview.page_count)


def shown_preview(user, item) -> Shown | None:
    """None when `user` may not download the item's file (then no image of it is shown)."""
    version = current_version(item)
    if version is None or not can(user, "download", item):
        return None
    return _shown(version)


def shown_file_previews(user, item) -> dict[int, Shown]:
    """The preview of each of the material's current files, by file version id; empty when
    `user` may not download the item's files (the same rule as `shown_preview`)."""
    if not can(user, "download", item):
        return {}
    return {version.id: _shown(version) for version in item.current_files}


def thumbnail_version(user, item) -> int | None:
    """The version id whose thumbnail `user` may see for `item` (its first file's, once
    made); None when there is none or `user` may not download the file."""
    shown = shown_preview(user, item)
    return shown.version_id if shown is not None and shown.status == "done" else None


def servable(user, version_id: int, name: str) -> Path | None:
    """The image file `name` of a version, when `user` may download the version's item and it
    exists; else None (the route answers 404, whether hidden, missing or not made)."""
    version = db.session.get(FileVersion, version_id)
    if version is None or not can(user, "download", version.item):
        return None
    if version.preview is None or version.preview.status != "done":
        return None
    path = folder(version_id) / name
    return path if path.is_file() else None
