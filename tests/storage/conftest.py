"""Uploads in these tests are extracted synchronously (still in a separate process)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from pan_platform.extensions import db
from pan_platform.storage.models import FileVersion


@pytest.fixture(autouse=True)
def _sync_extraction(app):
    app.config["PAN_EXTRACT_SYNC"] = True


def blobs_on_disk(app) -> set[str]:
    root = Path(app.config["PAN_STORAGE_DIR"])
    return {p.name for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def assert_store_consistent(app) -> None:
    """Every blob on disk belongs to a version and vice versa; no temporary file is left."""
    on_disk = blobs_on_disk(app)
    referenced = set(db.session.scalars(select(FileVersion.sha256)))
    assert on_disk == referenced, (on_disk, referenced)
