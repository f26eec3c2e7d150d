"""Tables of the open interfaces: OAI-PMH tombstones and private feed tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String, delete, insert
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pan_platform.access import PUBLIC
from pan_platform.extensions import db
from pan_platform.sharing.models import ItemReader
from pan_platform.util import utcnow


class OaiTombstone(db.Model):
    """An item that was public and no longer is (archived, hidden or deleted).

    Only formerly public items get one, so reporting it as "deleted" tells a harvester
    nothing that the public did not already see. No foreign key: the item may be gone.
    """

    __tablename__ = "oai_tombstones"

    item_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    deleted_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


# The access module keeps one `public` reader row per publicly readable item; its removal
# is exactly "no longer public", whatever caused it (state, visibility, parent, deletion).
# The pipeline (pan_platform/pipeline.py) calls these as each reader row is written, in the
# same flush and transaction.
def public_row_removed(connection, target: ItemReader) -> None:
    if target.principal == PUBLIC:
        table = OaiTombstone.__table__
        connection.execute(delete(table).where(table.c.item_id == target.item_id))
        connection.execute(insert(table).values(item_id=target.item_id, deleted_at=utcnow()))


def public_row_added(connection, target: ItemReader) -> None:
    if target.principal == PUBLIC:
        table = OaiTombstone.__table__
        connection.execute(delete(table).where(table.c.item_id == target.item_id))


class FeedToken(db.Model):
    """A secret in a private feed URL; only its SHA-256 is stored. Revocable."""

    __tablename__ = "feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user = relationship("User")

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user) -> tuple[FeedToken, str]:
        clear = "feed_" + secrets.token_urlsafe(24)
        return cls(user=user, token_hash=cls.hash_token(clear)), clear


class RateCounter(db.Model):
    """Requests of one caller in one fixed window, shared by every worker (see api/limits.py)."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    window_start: Mapped[int] = mapped_column(primary_key=True, autoincrement=False, index=True)
    count: Mapped[int] = mapped_column(default=0)
