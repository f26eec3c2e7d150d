"""Saved searches: a query and filters of the search page kept by a signed-in person, with
an optional digest (daily or weekly) of new items that match it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pan_platform.extensions import db
from pan_platform.i18n import _l
from pan_platform.util import utcnow

FREQUENCIES = {
    "none": _l("No e-mail"),
    "daily": _l("Daily"),
    "weekly": _l("Weekly"),
}


class SavedSearch(db.Model):
    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(String(200), default="")
    filters: Mapped[dict] = mapped_column(JSON, default=dict)  # {filter name: [values]}
    frequency: Mapped[str] = mapped_column(String(10), default="none", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Items published up to this moment were considered by the last digest (or existed when
    # the search was saved): the next digest holds only those published after it.
    sent_until: Mapped[datetime] = mapped_column(default=utcnow)
    last_sent_at: Mapped[datetime | None]
    # When the person last opened the search's results ("new matches" on the start page).
    seen_until: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")
