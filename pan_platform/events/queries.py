"""What a viewer sees of the events: every listing filters by access.events_readable_by()."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from pan_platform.access import can, events_readable_by, readable_by
from pan_platform.catalogue.models import Item
from pan_platform.events.models import EVENT_KINDS, Event
from pan_platform.extensions import db
from pan_platform.util import utcnow


@dataclass(frozen=True)
class EventFilters:
    area: str = ""
    language: str = ""
    kind: str = ""

    @classmethod
    def read(cls, args) -> EventFilters:
        kind = args.get("kind", "")
        return cls(area=args.get("area", "")[:40], language=args.get("language", "")[:8],
                   kind=kind if kind in EVENT_KINDS else "")


def _matching(events: list[Event], filters: EventFilters) -> list[Event]:
    # Areas and languages are JSON lists: filtered here, the same on SQLite and PostgreSQL.
    return [
        e for e in events
        if (not filters.area or filters.area in (e.areas or []))
        and (not filters.language or filters.language in (e.languages or []))
    ]


def _readable(user):
    return select(Event).where(events_readable_by(user)).options(selectinload(Event.shares))


def listing(user, filters: EventFilters, past: bool = False, limit: int = 500) -> list[Event]:
    now = utcnow()
    query = _readable(user)
    if filters.kind:
        query = query.where(Event.kind == filters.kind)
    if past:
        query = query.where(Event.ends_at < now).order_by(Event.starts_at.desc())
    else:
        query = query.where(Event.ends_at >= now).order_by(Event.starts_at)
    return _matching(list(db.session.scalars(query.limit(limit))), filters)


def newest(user, limit: int = 50) -> list[Event]:
    """The most recently announced events the viewer may read."""
    return list(db.session.scalars(_readable(user).order_by(Event.created_at.desc(), Event.id.desc()).limit(limit)))


def month(user, year: int, month_number: int, filters: EventFilters) -> list[Event]:
    """Events overlapping the month (in UTC)."""
    first = datetime(year, month_number, 1)
    after = datetime(year + (month_number == 12), month_number % 12 + 1, 1)
    query = _readable(user).where(Event.starts_at < after, Event.ends_at >= first).order_by(Event.starts_at)
    if filters.kind:
        query = query.where(Event.kind == filters.kind)
    return _matching(list(db.session.scalars(query)), filters)


def get_readable(user, event_id: int) -> Event:
    """The event, or 404 for a hidden one exactly as for a missing one."""
    event = db.session.get(Event, event_id)
    if event is None or not can(user, "read", event):
        raise NotFound()
    return event


def related_items(user, event: Event) -> list[Item]:
    """Linked curricula and materials the viewer may read (the others are not named)."""
    ids = [int(i) for i in event.related_item_ids or []]
    if not ids:
        return []
    query = select(Item).where(Item.id.in_(ids), readable_by(user, Item.id)).order_by(Item.title)
    return list(db.session.scalars(query))


def local(moment: datetime, zone: str) -> datetime:
    """A stored naive-UTC time as the wall-clock time of `zone`."""
    return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(zone))
