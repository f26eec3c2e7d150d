"""Secretariat-maintained overrides of taxonomy labels, per language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pan_platform.extensions import db
from pan_platform.util import utcnow


class LabelOverride(db.Model):
    """When a row exists for (vocabulary, code, language), its label replaces the catalogue's."""

    __tablename__ = "label_overrides"
    __table_args__ = (UniqueConstraint("vocabulary", "code", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vocabulary: Mapped[str] = mapped_column(String(40))
    code: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(8))
    label: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
