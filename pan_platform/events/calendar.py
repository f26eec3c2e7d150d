"""iCalendar (RFC 5545) export. Each event's start and end are written in the organiser's
IANA zone (DTSTART;TZID=...) with the matching VTIMEZONE definitions, so calendar programs
show the local time of the event and convert it to the reader's zone themselves; the
stamps (DTSTAMP, CREATED, LAST-MODIFIED) are UTC as the standard requires."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

import icalendar

from pan_platform.events.models import Event


def _utc(moment):
    return moment.replace(tzinfo=UTC)


def _component(event: Event, url: str, host: str) -> icalendar.Event:
    zone = ZoneInfo(event.time_zone)
    component = icalendar.Event()
    component.add("uid", f"event-{event.id}@{host}")
    component.add("dtstamp", _utc(event.updated_at))
    component.add("created", _utc(event.created_at))
    component.add("last-modified", _utc(event.updated_at))
    component.add("dtstart", _utc(event.starts_at).astimezone(zone))
    component.add("dtend", _utc(event.ends_at).astimezone(zone))
    component.add("summary", event.title)
    if event.description:
        component.add("description", event.description)
    location = event.place or event.online_url
    if location:
        component.add("location", location)
    component.add("url", url)
    component.add("categories", [event.kind])
    component.add("status", "CANCELLED" if event.cancelled_at else "CONFIRMED")
    return component


def calendar(events: list[Event], url_for_event, host: str, name: str) -> bytes:
    """The events as one VCALENDAR; `url_for_event(event)` gives each event's page."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//PAN Platform//Events//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for event in events:
        cal.add_component(_component(event, url_for_event(event), host))
    cal.add_missing_timezones()
    return cal.to_ical()
