"""Adding file versions to materials: the one way a stored file gets attached to an item."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from pan_platform.extensions import db
from pan_platform.storage import store
from pan_platform.storage.models import FileVersion


def add_version(item, stream, original_name: str, mime_type: str, user=None, note: str | None = None) -> FileVersion:
    """Store the stream and add it as the item's next version (the caller commits)."""
    sha, size = store.put_stream(stream)
    number = (item.file_versions[-1].number + 1) if item.file_versions else 1
    version = FileVersion(
        number=number,
        sha256=sha,
        size=size,
        mime_type=mime_type,
        original_name=original_name[:255],
        note=note,
        uploaded_by_id=getattr(user, "id", None),
        text_status="pending",
    )
    item.file_versions.append(version)
    db.session.add(version)
    return version


def add_version_from_path(item, path: Path, user=None, note: str | None = None) -> FileVersion:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    with open(path, "rb") as fh:
        return add_version(item, fh, path.name, mime, user=user, note=note)
