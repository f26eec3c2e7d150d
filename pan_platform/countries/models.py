"""Country profiles: a description (with translations), languages and contact points per
participating State or Partner for Co-operation, written by the country's academy admins
and published after the secretariat's review.

Every change is a new row of `country_profile_versions` (the history). A country has at
most one published version (shown to everyone) and at most one open version (a draft, a
version submitted for review, or one sent back with a comment); the published text stays
on the page while the open one is written and reviewed. Publishing an open version makes
the previous published one "superseded".
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pan_platform.extensions import db
from pan_platform.i18n import _l
from pan_platform.organisations.models import Country
from pan_platform.util import utcnow

PROFILE_STATES = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted for review"),
    "returned": _l("Sent back"),
    "published": _l("Published"),
    "superseded": _l("Earlier published version"),
}
OPEN_STATES = ("draft", "submitted", "returned")
EDITABLE_STATES = ("draft", "returned")


class CountryProfileVersion(db.Model):
    __tablename__ = "country_profile_versions"
    __table_args__ = (UniqueConstraint("country_code", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    state: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    # The description in its original language and its translations: {"en": "...", "de": "..."}.
    language: Mapped[str] = mapped_column(String(8), default="en")
    descriptions: Mapped[dict] = mapped_column(JSON, default=dict)
    languages: Mapped[list] = mapped_column(JSON, default=list)  # languages of the country's academies
    contacts: Mapped[str | None] = mapped_column(Text)  # contact points, one per line
    review_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    country: Mapped[Country] = relationship()
    created_by = relationship("User", foreign_keys=[created_by_id])
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    def description_in(self, language: str) -> tuple[str, str]:
        """(language, text): the translation into `language` when there is one, else the original."""
        texts = self.descriptions or {}
        if texts.get(language):
            return language, texts[language]
        return self.language, texts.get(self.language, "")

    @property
    def contact_lines(self) -> list[str]:
        return [line.strip() for line in (self.contacts or "").splitlines() if line.strip()]
