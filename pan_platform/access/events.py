"""Who may read an event: the audience rules of access/audience.py, for can()
(event_read_principals) and for the calendar's SQL listings (events_readable_by)."""

from __future__ import annotations

from sqlalchemy import exists, select

from pan_platform.access.audience import VISIBILITIES, read_principals, readable_condition
from pan_platform.events.models import Event, EventShare

EVENT_VISIBILITIES = VISIBILITIES


def event_read_principals(event) -> frozenset[str]:
    return read_principals(event.owner_id, event.visibility, event.partner_scope, event.shared_with)


def events_readable_by(user):
    """A SQL condition on Event: readable by `user` now (platform administrators bypass)."""
    def shared_with(organisation_id: int):
        return exists(select(EventShare.event_id).where(
            EventShare.event_id == Event.id, EventShare.organisation_id == organisation_id))

    return readable_condition(user, Event.visibility, Event.partner_scope, Event.owner_id, shared_with)
