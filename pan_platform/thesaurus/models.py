"""The thesaurus: one row per term of a concept in one language, and one row per import."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from pan_platform.extensions import db
from pan_platform.util import utcnow

# The languages every concept is described in (the platform's seven interface languages).
THESAURUS_LANGUAGES = ("en", "ru", "fr", "de", "es", "it", "ar")


class ThesaurusTerm(db.Model):
    """A term naming a concept in one language; one preferred term per concept and language."""

    __tablename__ = "thesaurus_terms"
    __table_args__ = (UniqueConstraint("concept", "lang", "term"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    concept: Mapped[str] = mapped_column(String(80), index=True)
    area: Mapped[str] = mapped_column(String(40), default="")  # a priority-area code, or empty
    lang: Mapped[str] = mapped_column(String(8))
    term: Mapped[str] = mapped_column(String(200))
    preferred: Mapped[bool] = mapped_column(default=False)


class ThesaurusRevision(db.Model):
    """One row per load of the thesaurus (seed or import). Its highest id is the thesaurus
    version that every process compares with its cached copy."""

    __tablename__ = "thesaurus_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    terms: Mapped[int] = mapped_column(default=0)
    concepts: Mapped[int] = mapped_column(default=0)
