"""Adding files and file versions to materials: the one way a stored file gets attached to an item.

A material holds several files (`MaterialFile`), each with its own versions. Callers that
name no file add a version to the material's first file (made when it has none), as
before there were several files.

Blobs written during a transaction are remembered on the session; `discard_new_blobs()`
after a rollback deletes those no committed version refers to, so a failed upload or
import leaves no orphan file behind. After a commit the pipeline (`pan_platform/pipeline.py`)
calls `forget_committed_blobs`: they are in use now.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session

from pan_platform.extensions import db
from pan_platform.storage import extract, previews, store
from pan_platform.storage.models import DEFAULT_ROLE, FileVersion, MaterialFile
from pan_platform.storage.validate import safe_filename, sniff, stream_size

_NEW_BLOBS_KEY = "pan_new_blobs"


def new_file(item, role: str = DEFAULT_ROLE, language: str | None = None, title: str | None = None) -> MaterialFile:
    """A new, empty file at the end of the material's files (the caller adds a version)."""
    position = max((f.position for f in item.files), default=-1) + 1
    material_file = MaterialFile(role=role, language=language or item.language, position=position, title=title)
    item.files.append(material_file)
    db.session.add(material_file)
    return material_file


def _target(item, material_file: MaterialFile | None) -> MaterialFile:
    if material_file is not None:
        return material_file
    return item.files[0] if item.files else new_file(item)


def _next_number(material_file: MaterialFile) -> int:
    return (material_file.versions[-1].number + 1) if material_file.versions else 1


def add_version(item, stream, original_name: str, mime_type: str, user=None, note: str | None = None,
                material_file: MaterialFile | None = None) -> FileVersion:
    """Store the stream and add it as the next version of `material_file` (default: the
    material's first file). The caller commits."""
    target = _target(item, material_file)
    sha, size = store.put_stream(stream)
    db.session.info.setdefault(_NEW_BLOBS_KEY, set()).add(sha)
    version = FileVersion(
        item=item,
        file=target,
        number=_next_number(target),
        sha256=sha,
        size=size,
        mime_type=mime_type,
        original_name=safe_filename(original_name)[:255],
        note=note,
        uploaded_by_id=getattr(user, "id", None),
        text_status="pending",
    )
    db.session.add(version)
    return version


def add_version_from_path(item, path: Path, user=None, note: str | None = None) -> FileVersion:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    with open(path, "rb") as fh:
        return add_version(item, fh, path.name, mime, user=user, note=note)


def add_checked_version(item, stream: BinaryIO, filename: str, user=None, note: str | None = None,
                        material_file: MaterialFile | None = None) -> FileVersion:
    """Validate an upload by its content, store it, add the version and queue its extraction
    and preview.

    Raises validate.UploadRejected before anything is written. The caller commits; after a
    failed commit it must roll back and call discard_new_blobs().
    """
    name = safe_filename(filename)
    detected = sniff(stream, name, size=stream_size(stream))
    version = add_version(item, stream, name, detected.mime_type, user=user, note=note, material_file=material_file)
    extract.request_extraction(version)
    previews.request_preview(version)
    return version


def copy_file(source: MaterialFile, target_item) -> MaterialFile:
    """A new file of `target_item` with the same role, language, title and every version
    of `source`, pointing at the same blobs (no file is copied)."""
    copy = new_file(target_item, role=source.role, language=source.language, title=source.title)
    for version in source.versions:
        copy_version(version, target_item, copy)
    return copy


def copy_version(source: FileVersion, target_item, material_file: MaterialFile | None = None) -> FileVersion:
    """A new version row of `target_item` pointing at the same blob (no file is copied)."""
    target = _target(target_item, material_file)
    version = FileVersion(
        item=target_item, file=target, number=_next_number(target), sha256=source.sha256, size=source.size,
        mime_type=source.mime_type, original_name=source.original_name, note=source.note,
        uploaded_at=source.uploaded_at, uploaded_by_id=source.uploaded_by_id, text=source.text, text_status=source.text_status,
        text_language=source.text_language,
    )
    db.session.add(version)
    if version.text_status == "pending":
        extract.request_extraction(version)
    # Made afresh (same blob, so the same images): images are keyed by the version. Only for
    # the current file: older versions are not shown with a preview.
    if previews.current_version(source.item) is source:
        previews.request_preview(version)
    return version


def discard_new_blobs() -> None:
    """After a rollback: delete blobs written in the failed transaction that nothing uses."""
    for sha in db.session.info.pop(_NEW_BLOBS_KEY, set()):
        store.remove_if_unused(sha)


def forget_committed_blobs(session: Session) -> None:
    session.info.pop(_NEW_BLOBS_KEY, None)
