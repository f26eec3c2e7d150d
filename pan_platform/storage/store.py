"""Content-addressed file store outside `static/`.

A blob is named by its SHA-256 and written atomically (temporary file in the same
directory, fsync, rename), so a crash never leaves a half file under a real name and
identical files are stored once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from flask import current_app

from pan_platform.extensions import db
from pan_platform.storage.models import FileVersion

CHUNK = 1024 * 1024


def root() -> Path:
    path = Path(current_app.config["PAN_STORAGE_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_for(sha256: str) -> Path:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 hex digest")
    return root() / sha256[:2] / sha256


def put_stream(stream) -> tuple[str, int]:
    """Store a readable binary stream; returns (sha256, size)."""
    base = root()
    digest, size = hashlib.sha256(), 0
    fd, tmp_name = tempfile.mkstemp(dir=base, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as tmp:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                tmp.write(chunk)
            tmp.flush()
            os.fsync(tmp.fileno())
        sha = digest.hexdigest()
        final = path_for(sha)
        final.parent.mkdir(exist_ok=True)
        if final.exists():
            os.unlink(tmp_name)
        else:
            os.replace(tmp_name, final)
        return sha, size
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise


def exists(sha256: str) -> bool:
    return path_for(sha256).is_file()


def remove_if_unused(sha256: str) -> None:
    """Delete a blob no file version refers to (used to roll back a failed upload)."""
    in_use = db.session.scalar(db.select(FileVersion.id).where(FileVersion.sha256 == sha256).limit(1))
    if in_use is None:
        path_for(sha256).unlink(missing_ok=True)
