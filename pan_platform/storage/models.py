"""Stored file versions of materials. Blobs live in the content-addressed file store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pan_platform.extensions import db
from pan_platform.util import utcnow


class FileVersion(db.Model):
    __tablename__ = "file_versions"
    __table_args__ = (UniqueConstraint("item_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int]
    mime_type: Mapped[str] = mapped_column(String(120))
    original_name: Mapped[str] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str | None] = mapped_column(Text)
    text_status: Mapped[str] = mapped_column(String(10), default="pending")  # pending, done, failed, none
    text_language: Mapped[str | None] = mapped_column(String(8))

    item = relationship("Item", back_populates="file_versions")
    uploaded_by = relationship("User")


class FilePreview(db.Model):
    """The thumbnail and first page images of one file version (storage/previews.py).

    Keyed by the version: each version keeps its own images while it exists; they go
    with it. The images live in PAN_PREVIEW_DIR/<file_version_id>/, not in the database.
    """

    __tablename__ = "file_previews"

    file_version_id: Mapped[int] = mapped_column(
        ForeignKey("file_versions.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending, done, failed, none
    pages: Mapped[int] = mapped_column(default=0)  # page images made
    page_count: Mapped[int | None]  # pages of the whole document, when known
    reason: Mapped[str | None] = mapped_column(String(500))  # why failed or none (for the log and admins)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# Deleted with its version even where the database does not enforce foreign keys (SQLite):
# a later version could otherwise be given the same id and show the old images.
FileVersion.preview = relationship(FilePreview, uselist=False, cascade="all, delete-orphan")
