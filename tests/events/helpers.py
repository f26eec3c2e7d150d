"""A small factory for events in tests."""

from __future__ import annotations

import itertools
from datetime import timedelta

from pan_platform.events.models import Event, EventShare
from pan_platform.extensions import db
from pan_platform.util import utcnow

_seq = itertools.count(1)


def make_event(owner, visibility: str = "network", scope: str = "named", shares=(), days: int = 10, **kw) -> Event:
    n = next(_seq)
    start = (utcnow() + timedelta(days=days)).replace(hour=8, minute=0, second=0, microsecond=0)
    event = Event(
        owner=owner, title=kw.pop("title", f"Event {n} {visibility}-{scope}"), kind=kw.pop("kind", "course"),
        starts_at=start, ends_at=start + timedelta(hours=8), time_zone=kw.pop("time_zone", "Europe/Vienna"),
        visibility=visibility, partner_scope=scope, languages=kw.pop("languages", ["en"]),
        areas=kw.pop("areas", ["cybercrime"]), **kw,
    )
    event.shares = [EventShare(organisation_id=o.id) for o in shares]
    db.session.add(event)
    db.session.flush()
    return event
