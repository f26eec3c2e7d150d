"""Events and exchanges: courses, workshops, webinars, conferences and exchange programmes
announced by an organisation, the applications to them and the personal calendar tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pan_platform.extensions import db
from pan_platform.i18n import _l
from pan_platform.organisations.models import Organisation
from pan_platform.util import utcnow

EVENT_KINDS = {
    "course": _l("Course"),
    "workshop": _l("Workshop"),
    "webinar": _l("Webinar"),
    "conference": _l("Conference"),
    "exchange": _l("Exchange programme"),
}

APPLICATION_STATES = {
    "pending": _l("Waiting for a decision"),
    "accepted": _l("Accepted"),
    "waitlisted": _l("On the waiting list"),
    "declined": _l("Declined"),
}


class Event(db.Model):
    """Times are stored in naive UTC (like every date of the platform) and `time_zone` keeps
    the organiser's IANA zone, so pages and calendars can show the local time of the event."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_key: Mapped[str | None] = mapped_column(String(120), unique=True)  # seed files
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    place: Mapped[str | None] = mapped_column(String(300))
    online_url: Mapped[str | None] = mapped_column(String(500))
    languages: Mapped[list] = mapped_column(JSON, default=list)
    areas: Mapped[list] = mapped_column(JSON, default=list)
    audience: Mapped[str | None] = mapped_column(String(40))
    seats: Mapped[int | None]
    # Accepted applications; changed only by a conditional UPDATE (see events/operations.py).
    seats_taken: Mapped[int] = mapped_column(default=0, server_default="0")
    application_deadline: Mapped[datetime | None]
    related_item_ids: Mapped[list] = mapped_column(JSON, default=list)
    contact: Mapped[str | None] = mapped_column(String(300))
    visibility: Mapped[str] = mapped_column(String(20), default="network")
    partner_scope: Mapped[str] = mapped_column(String(10), default="named")
    cancelled_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    owner: Mapped[Organisation] = relationship()
    shares: Mapped[list[EventShare]] = relationship(cascade="all, delete-orphan")
    applications: Mapped[list[EventApplication]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventApplication.id"
    )

    @property
    def shared_with(self) -> list[int]:
        return sorted(share.organisation_id for share in self.shares)

    @property
    def seats_left(self) -> int | None:
        return None if self.seats is None else max(self.seats - self.seats_taken, 0)


class EventShare(db.Model):
    """A named partner organisation that may read an event of visibility "partners" (named)."""

    __tablename__ = "event_shares"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )


class EventApplication(db.Model):
    """A participant applied (or nominated by an admin or editor of their organisation)."""

    __tablename__ = "event_applications"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    nominated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship(back_populates="applications")
    user = relationship("User", foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship()


class CalendarToken(db.Model):
    """The secret of a user's personal calendar feed; only its hash is stored. Revoking
    deletes the row, so the old address stops working at once."""

    __tablename__ = "calendar_tokens"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @staticmethod
    def new_secret() -> str:
        return secrets.token_urlsafe(32)
