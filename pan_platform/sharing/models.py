"""Sharing: explicit shares, standing agreements, access requests, item policies,
notifications, and the derived reader labels."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

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

    Derived data: written only by access.refresh_readers() from access.read_grants(),
    so SQL listings and counts can filter by the user's labels without re-deciding.
    `expires_at` is the latest expiry of the rules granting the label (None: no expiry);
    readable_by() ignores expired rows, so listings are exact before any sweep.
    """

    __tablename__ = "item_readers"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    principal: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)
    created_at: Mapped[datetime | None] = mapped_column(default=utcnow, index=True)
    expires_at: Mapped[datetime | None] = mapped_column(index=True)


class SharingAgreement(db.Model):
    """A standing agreement: every published item of the owner academy in the given
    priority areas (empty: all areas) is readable by one partner (None: all partners)."""

    __tablename__ = "sharing_agreements"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    areas: Mapped[list] = mapped_column(JSON, default=list)
    valid_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    owner: Mapped[Organisation] = relationship(foreign_keys=[owner_id])
    partner: Mapped[Organisation | None] = relationship(foreign_keys=[partner_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.valid_until is None or self.valid_until > now)

    def covers(self, area_codes) -> bool:
        return not self.areas or bool(set(self.areas) & set(area_codes))


class AccessRequest(db.Model):
    """A reader asks for an item's files; once approved it is a download grant for the
    requesting organisation (optionally until a date)."""

    __tablename__ = "access_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    valid_until: Mapped[datetime | None]

    item = relationship("Item", backref=backref("access_requests", cascade="all, delete-orphan"))
    user = relationship("User", foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship()
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    def grants_now(self, now: datetime) -> bool:
        return self.status == "approved" and (self.valid_until is None or self.valid_until > now)


class AdaptationRequest(db.Model):
    """An academy asks the owner academy for permission to adapt an item whose licence
    does not allow it; once approved, the requesting academy may adapt the item (and what
    it holds). `copy_id` records, in the lineage, the copy made under the permission."""

    __tablename__ = "adaptation_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    copy_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"), index=True)

    item = relationship("Item", foreign_keys=[item_id],
                        backref=backref("adaptation_requests", cascade="all, delete-orphan",
                                        foreign_keys=[item_id]))
    copy = relationship("Item", foreign_keys=[copy_id])
    user = relationship("User", foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship()
    decided_by = relationship("User", foreign_keys=[decided_by_id])


class ItemPolicy(db.Model):
    """Per-item handling: a marking, and whether files are given on request only.

    A separate row (absent = defaults) so the catalogue table stays as it is.
    """

    __tablename__ = "item_policies"

    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    marking: Mapped[str | None] = mapped_column(String(40))
    # "same": whoever reads the description gets the files; "request": owner + approved requests.
    files_access: Mapped[str] = mapped_column(String(10), default="same")

    item = relationship("Item", backref=backref("policy", uselist=False, cascade="all, delete-orphan"))


class Notification(db.Model):
    """A message in a user's portal inbox; its text is rendered from `kind` in their language."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("access_requests.id", ondelete="CASCADE"))
    adaptation_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("adaptation_requests.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    user = relationship("User")
    item = relationship("Item")
    request = relationship("AccessRequest")
    adaptation_request = relationship("AdaptationRequest")


class SharedVisit(db.Model):
    """When a user last looked at "Shared with us", to mark what is new since."""

    __tablename__ = "shared_visits"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    new_since: Mapped[datetime | None]
