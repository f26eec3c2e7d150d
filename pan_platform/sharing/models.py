"""Explicit shares with named partner organisations, and the derived reader labels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pan_platform.extensions import db
from pan_platform.organisations.models import Organisation
from pan_platform.util import utcnow


class ItemShare(db.Model):
    """The owner academy shares one item (and what inherits from it) with one organisation."""

    __tablename__ = "item_shares"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    item = relationship("Item", back_populates="shares")
    organisation: Mapped[Organisation] = relationship()


class ItemReader(db.Model):
    """One principal label that may read an item.

    Derived data: written only by access.refresh_readers() from access.read_principals(),
    so SQL listings and counts can filter by the user's labels without re-deciding.
    """

    __tablename__ = "item_readers"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    principal: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
