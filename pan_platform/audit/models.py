"""The audit trail: who did what, when, from which organisation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pan_platform.extensions import db
from pan_platform.util import utcnow

# The acting user of the current unit of work: every operation records its audit event with
# the user it acts for, so the event is where the actor is known. The item history
# (history/changes.py) reads it when it writes its entries, just before the commit.
ACTOR_KEY = "pan_actor"


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(40), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"), index=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    user = relationship("User")
    organisation = relationship("Organisation")
    item = relationship("Item")


def record(action: str, user=None, item=None, **details) -> AuditEvent:
    """Add an audit event to the session; the caller's commit stores it with the change."""
    event = AuditEvent(
        action=action,
        user_id=getattr(user, "id", None),
        organisation_id=getattr(user, "organisation_id", None),
        item_id=getattr(item, "id", None),
        details=details,
    )
    if item is not None and item.id is None:
        event.item = item
    db.session.add(event)
    if event.user_id is not None:  # an event without a user does not hide the acting one
        db.session.info[ACTOR_KEY] = event.user_id
    return event
