"""Offline packages: one ZIP of a curriculum or module as one set of rights sees it.

A package is kept for the reader labels it was built for (`labels_key`) and for the exact
content those labels saw (`fingerprint`: which items were readable, which files
downloadable, and their versions). It is served only to a caller whose labels and
fingerprint are the same now, so no one ever receives a package built for other rights,
and a package goes stale by itself when anything in it changes.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from pan_platform.extensions import db
from pan_platform.util import utcnow


class OfflinePackage(db.Model):
    __tablename__ = "offline_packages"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Names the file: random, so a file can never be taken for another row's.
    token: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16), unique=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    # Who asked first (a background build reads with this user's rights); None: anonymous.
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    labels_key: Mapped[str] = mapped_column(String(64), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)  # queued, building, ready, failed
    done: Mapped[int] = mapped_column(default=0)  # files written so far
    total: Mapped[int] = mapped_column(default=0)  # files to write
    size: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Written when a build claims the row and after every file: a build that stops writing
    # it (its process died) is failed after PAN_PACKAGE_STALL_SECONDS (packages.py).
    heartbeat_at: Mapped[datetime | None]

    @property
    def percent(self) -> int:
        if self.status == "ready":
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def file_name(self) -> str:
        return f"package-{self.token}.zip"
