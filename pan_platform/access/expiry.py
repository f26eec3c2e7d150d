"""Rules that end on a date: can() and readable_by() compare with the clock themselves,
and the index carries each label's end date, so expiry is exact at read time. This sweep
only tidies: it brings the stored labels (item_readers rows, and through the pipeline the
search index) up to date. The scheduler runs it (`pan_platform/scheduler.py`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from pan_platform.access.readers import refresh_readers
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.sharing.models import ItemReader
from pan_platform.util import utcnow


def expire_due(now: datetime | None = None) -> list[int]:
    """Refresh every item holding a label whose rule has ended, and commit (the pipeline
    re-indexes them). Returns the ids of the items refreshed."""
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
    return ids
