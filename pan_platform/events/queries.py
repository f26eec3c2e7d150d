"""What a viewer sees of the events: every listing filters by access.events_readable_by()."""

from __future__ import annotations

import re
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
    online: bool | None = None  # True: with an online link; False: without one

    @classmethod
    def read(cls, args) -> EventFilters:
        kind = args.get("kind", "")
        return cls(area=args.get("area", "")[:40], language=args.get("language", "")[:8],
                   kind=kind if kind in EVENT_KINDS else "", online=ONLINE_CHOICES.get(args.get("online", "")))

    def args(self) -> dict:
        """The filters that are set, as query-string arguments (for links keeping them)."""
        values = {"kind": self.kind, "area": self.area, "language": self.language}
        if self.online is not None:
            values["online"] = "1" if self.online else "0"
        return {name: value for name, value in values.items() if value}


ONLINE_CHOICES = {"1": True, "0": False}


def _matching(events: list[Event], filters: EventFilters) -> list[Event]:
    # Areas and languages are JSON lists: filtered here, the same on SQLite and PostgreSQL.
    return [
        e for e in events
        if (not filters.area or filters.area in (e.areas or []))
        and (not filters.language or filters.language in (e.languages or []))
    ]


def _readable(user):
    return select(Event).where(events_readable_by(user)).options(selectinload(Event.shares))


def _filtered(query, filters: EventFilters):
    """The filters SQL can apply (the JSON lists are left to _matching)."""
    if filters.kind:
        query = query.where(Event.kind == filters.kind)
    if filters.online is not None:
        query = query.where(Event.online_url.is_not(None) if filters.online else Event.online_url.is_(None))
    return query


def listing(user, filters: EventFilters, past: bool = False, limit: int = 500) -> list[Event]:
    now = utcnow()
    query = _filtered(_readable(user), filters)
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
    return _matching(list(db.session.scalars(_filtered(query, filters))), filters)


MAX_WINDOW = 2000


def window(user, filters: EventFilters, start: datetime | None = None, end: datetime | None = None) -> list[Event]:
    """Readable events not over at `start` (default: now) and begun by `end`, in start order
    (the API's list; at most MAX_WINDOW events)."""
    query = _filtered(_readable(user), filters).where(Event.ends_at >= (start or utcnow()))
    if end is not None:
        query = query.where(Event.starts_at <= end)
    query = query.order_by(Event.starts_at, Event.id).limit(MAX_WINDOW)
    return _matching(list(db.session.scalars(query.options(selectinload(Event.owner)))), filters)


_FIELD_PREFIX = re.compile(r"^[a-z_]+:")
_WORD_EDGES = "()*?~^\"'+"


def search_words(query: str) -> tuple[list[str], list[str]]:
    """(words an event must hold, words it must not) of a search-page query: OR/AND/NOT
    and one-letter words left out, field prefixes (title:word) dropped, -word excluded."""
    words: list[str] = []
    excluded: list[str] = []
    for token in query[:500].replace('"', " ").split():
        if token in ("OR", "AND", "NOT"):
            continue
        target = excluded if token.startswith("-") else words
        word = _FIELD_PREFIX.sub("", token.lstrip("-")).strip(_WORD_EDGES).casefold()
        if len(word) > 1 and word not in target:
            target.append(word)
    return words[:10], excluded[:10]


def search(user, query: str, areas=(), languages=(), limit: int = 5) -> list[Event]:
    """Upcoming events the viewer may read whose title, description or place hold every word
    of the query and no excluded one (folded in Python, so Cyrillic or Arabic match alike on
    SQLite and PostgreSQL)."""
    words, excluded = search_words(query)
    if not words:
        return []
    found = []
    for event in listing(user, EventFilters()):
        if areas and not set(areas) & set(event.areas or []):
            continue
        if languages and not set(languages) & set(event.languages or []):
            continue
        text = " ".join(part for part in (event.title, event.description, event.place) if part).casefold()
        if all(word in text for word in words) and not any(word in text for word in excluded):
            found.append(event)
            if len(found) == limit:
                break
    return found


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
