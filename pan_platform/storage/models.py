"""The files of materials and their stored versions. Blobs live in the content-addressed file store.

A material holds several files (lesson plan, slides, handout, ...), each with its own
version history: a file's current version is its latest. `FileVersion.item_id` repeats
the file's material so that every download is decided on the item alone (access/rules.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pan_platform.extensions import db
from pan_platform.util import utcnow

# Codes stored in material_files.role; labels in catalogue/vocabularies.FILE_ROLES.
FILE_ROLE_CODES = ("lesson_plan", "slides", "handout", "exercise", "assessment", "video", "other")
DEFAULT_ROLE = "other"


class MaterialFile(db.Model):
    """One file of a material, in the material's order; its versions hold the content."""

    __tablename__ = "material_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=DEFAULT_ROLE)
    language: Mapped[str] = mapped_column(String(8))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item = relationship("Item", back_populates="files")
    versions: Mapped[list[FileVersion]] = relationship(
        back_populates="file", order_by="FileVersion.number", cascade="all, delete-orphan"
    )

    @property
    def current(self) -> FileVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def earlier_versions(self) -> list[FileVersion]:
        """Every version but the current one, newest first."""
        return list(reversed(self.versions[:-1]))


class FileVersion(db.Model):
    __tablename__ = "file_versions"
    __table_args__ = (UniqueConstraint("file_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("material_files.id", ondelete="CASCADE"), index=True)
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
    file: Mapped[MaterialFile] = relationship(back_populates="versions")
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
