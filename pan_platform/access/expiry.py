"""Rules that end on a date: can() and readable_by() compare with the clock themselves;
this sweep brings the stored labels (item_readers rows, search index) up to date."""

from __future__ import annotations

import time
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from pan_platform.access.readers import refresh_readers
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.sharing.models import ItemReader
from pan_platform.util import utcnow

_last_sweep = {"at": float("-inf")}


def expire_due(now: datetime | None = None) -> list[int]:
    """Refresh every item holding a label whose rule has ended; commit; announce them.

    Returns the ids of the items refreshed.
    """
    from pan_platform.sharing.signals import announce_committed

    now = now or utcnow()
    ids = sorted(
        db.session.scalars(
            select(ItemReader.item_id).where(ItemReader.expires_at <= now).distinct()
        )
    )
    if not ids:
        return []
    for item in db.session.scalars(select(Item).where(Item.id.in_(ids))):
        refresh_readers(item)
    db.session.commit()
    announce_committed()
    return ids


def expire_due_throttled() -> None:
    """Run the sweep at most once per PAN_EXPIRY_SWEEP_SECONDS in this process (default 60)."""
    interval = float(current_app.config.get("PAN_EXPIRY_SWEEP_SECONDS", 60))
    if time.monotonic() - _last_sweep["at"] < interval:
        return
    _last_sweep["at"] = time.monotonic()
    expire_due()
