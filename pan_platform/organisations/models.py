"""Countries and organisations: academies, partner organisations, the secretariat."""

from __future__ import annotations

from datetime import datetime

from babel import Locale
from flask_babel import get_locale
from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pan_platform.extensions import db
from pan_platform.i18n import _l
from pan_platform.util import utcnow

COUNTRY_KINDS = {
    "participating": _l("OSCE participating State"),
    "partner": _l("OSCE Partner for Co-operation"),
}

ORGANISATION_KINDS = {
    "academy": _l("Academy"),
    "partner": _l("Partner organisation"),
    "secretariat": _l("Secretariat"),
}


class Country(db.Model):
    __tablename__ = "countries"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))

    @property
    def name(self) -> str:
        """The country's name in the current locale, from CLDR."""
        try:
            locale = get_locale() or Locale("en")
        except RuntimeError:  # outside a request
            locale = Locale("en")
        return locale.territories.get(self.code) or Locale("en").territories.get(self.code, self.code)


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # The name in other languages, {"ru": "...", "ar": "..."}; `name` is the official one.
    # JSONB on PostgreSQL: lists select organisations with DISTINCT, which plain json cannot compare.
    name_translations: Mapped[dict | None] = mapped_column(JSON().with_variant(JSONB(), "postgresql"))
    acronym: Mapped[str | None] = mapped_column(String(40))
    country_code: Mapped[str | None] = mapped_column(ForeignKey("countries.code"), index=True)
    website: Mapped[str | None] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    country: Mapped[Country | None] = relationship()

    def name_in(self, language: str | None) -> str:
        """The name in `language` where a translation is known, else the official name."""
        return (self.name_translations or {}).get(language or "", "") or self.name

    @property
    def local_name(self) -> str:
        """The name in the interface language of the current request."""
        try:
            language = str(get_locale() or "")
        except RuntimeError:  # outside a request
            language = ""
        return self.name_in(language)

    @property
    def display_name(self) -> str:
        return f"{self.local_name} ({self.acronym})" if self.acronym else self.local_name

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


APPLICATION_KINDS = ("academy", "partner")
APPLICATION_STATES = {
    "pending": _l("Waiting for a decision"),
    "approved": _l("Approved"),
    "refused": _l("Refused"),
}


class OrganisationApplication(db.Model):
    """An academy's or partner organisation's request to join, decided by the secretariat."""

    __tablename__ = "organisation_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    country_code: Mapped[str | None] = mapped_column(ForeignKey("countries.code"))
    website: Mapped[str | None] = mapped_column(String(300))
    contact_name: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(254), index=True)
    message: Mapped[str | None] = mapped_column(Text)
    locale: Mapped[str | None] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))

    country: Mapped[Country | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    decided_by = relationship("User")
