"""Expert and trainer profiles (one per user, made only by that user) and the messages
relayed through the platform (to an expert, or to the editors of an item's owner academy)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pan_platform.extensions import db
from pan_platform.i18n import _l
from pan_platform.organisations.models import Organisation
from pan_platform.util import utcnow

AVAILABILITY = {
    "exchanges": _l("Exchanges"),
    "missions": _l("Missions"),
    "training": _l("Training delivery"),
    "online": _l("Online sessions"),
}


class ExpertProfile(db.Model):
    """`consent_at` records when the person created the profile (their consent to be listed).
    `translations` holds {language: {"headline", "bio", "training"}} besides the text in `language`."""

    __tablename__ = "expert_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    headline: Mapped[str | None] = mapped_column(String(300))
    bio: Mapped[str | None] = mapped_column(Text)
    training: Mapped[str | None] = mapped_column(Text)  # training delivered
    language: Mapped[str] = mapped_column(String(8), default="en")  # language of the texts above
    translations: Mapped[dict] = mapped_column(JSON, default=dict)
    country_code: Mapped[str | None] = mapped_column(ForeignKey("countries.code"), index=True)
    areas: Mapped[list] = mapped_column(JSON, default=list)
    topics: Mapped[list] = mapped_column(JSON, default=list)  # thesaurus concepts
    languages_spoken: Mapped[list] = mapped_column(JSON, default=list)
    languages_taught: Mapped[list] = mapped_column(JSON, default=list)
    availability: Mapped[list] = mapped_column(JSON, default=list)
    credited_item_ids: Mapped[list] = mapped_column(JSON, default=list)
    photo: Mapped[str | None] = mapped_column(Text)  # a re-encoded JPEG, base64
    visibility: Mapped[str] = mapped_column(String(20), default="network")
    partner_scope: Mapped[str] = mapped_column(String(10), default="named")
    consent_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    source_key: Mapped[str | None] = mapped_column(String(120), unique=True)  # seed files
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user = relationship("User", foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship()
    country = relationship("Country")
    shares: Mapped[list[ExpertShare]] = relationship(cascade="all, delete-orphan")

    @property
    def shared_with(self) -> list[int]:
        return sorted(share.organisation_id for share in self.shares)

    def text(self, language: str) -> dict:
        """Headline, bio and training in `language` when translated, else the original."""
        own = {"headline": self.headline, "bio": self.bio, "training": self.training, "language": self.language}
        translated = (self.translations or {}).get(language)
        if language == self.language or not translated:
            return own
        return {key: translated.get(key) or own[key] for key in ("headline", "bio", "training")} | {"language": language}


class ExpertShare(db.Model):
    """A named partner organisation that may read a profile of visibility "partners" (named)."""

    __tablename__ = "expert_shares"

    profile_id: Mapped[int] = mapped_column(
        ForeignKey("expert_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )


class ContactMessage(db.Model):
    """A message relayed by e-mail. The recipient never sees the sender's address until they
    reply (`replied_at`); a reply is a message of its own pointing at the one it answers."""

    __tablename__ = "contact_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("expert_profiles.id", ondelete="SET NULL"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("contact_messages.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]
    replied_at: Mapped[datetime | None]

    sender = relationship("User", foreign_keys=[sender_id])
    recipient = relationship("User", foreign_keys=[recipient_id])
    item = relationship("Item")
