"""REST API v1: the events and exchanges calendar, read-only. The list goes through
`events.queries.window` (the access module's SQL condition), one event through
`events.queries.get_readable` (a hidden event gives the same 404 as a missing one).
Applications are not published here: they are the organiser's and the applicants' business."""

from __future__ import annotations

from datetime import date, datetime, time

from flask import jsonify, url_for

from pan_platform.api import serialize
from pan_platform.api.auth import resolve_caller
from pan_platform.api.errors import ApiError
from pan_platform.api.openapi import Param
from pan_platform.api.spec import INT, LANG_PATTERN, LINKS, META, NSTR, ORG_REF, STR, STR_LIST, obj, spec
from pan_platform.api.v1 import PAGE, PER_PAGE, bp, page_links
from pan_platform.catalogue.vocabularies import PRIORITY_AREAS
from pan_platform.events import operations as event_operations  # a module: it imports this package
from pan_platform.events import queries
from pan_platform.events.models import EVENT_KINDS, Event
from pan_platform.i18n import _

_TIME = {"type": "string", "format": "date-time"}
_EVENT_PROPS = {
    "id": INT,
    "kind": {"type": "string", "enum": list(EVENT_KINDS)},
    "title": STR,
    "starts_at": {**_TIME, "description": "UTC"},
    "ends_at": {**_TIME, "description": "UTC"},
    "time_zone": {**STR, "description": "The organiser's IANA time zone, for showing local times"},
    "place": NSTR,
    "online": {"type": "boolean", "description": "The event has an online link"},
    "languages": STR_LIST,
    "priority_areas": {"type": "array", "items": {"type": "string", "enum": list(PRIORITY_AREAS)}},
    "audience": {**NSTR, "description": "A target audience code, or null"},
    "seats": {"type": "integer", "nullable": True},
    "seats_left": {"type": "integer", "nullable": True},
    "application_deadline": {**_TIME, "nullable": True},
    "open_for_applications": {"type": "boolean"},
    "cancelled": {"type": "boolean"},
    "owner": ORG_REF,
    "web_url": STR,
    "ical_url": STR,
    "api_url": STR,
}
EVENT_SUMMARY = spec.schema("EventSummary", obj(_EVENT_PROPS))
EVENT_DETAIL = spec.schema("EventDetail", obj({
    **_EVENT_PROPS,
    "description": NSTR,
    "online_url": NSTR,
    "contact": NSTR,
    "related_items": {
        "type": "array", "items": obj({"id": INT, "kind": STR, "title": STR, "api_url": STR}),
        "description": "Linked curricula and materials the caller may read (what is or was taught)",
    },
}))
EVENT_LIST = spec.schema("EventList", obj({
    "data": {"type": "array", "items": EVENT_SUMMARY}, "meta": META, "links": LINKS,
}))

_DATE = {"type": "string", "format": "date", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
EVENT_FILTERS = (
    Param("area", {"type": "string", "enum": list(PRIORITY_AREAS)}, "Priority area code."),
    Param("language", {"type": "string", "pattern": LANG_PATTERN}, "Working language."),
    Param("kind", {"type": "string", "enum": list(EVENT_KINDS)}, "Kind of event."),
    Param("from", _DATE, "Events not over on this day (UTC); default: events not over now."),
    Param("to", _DATE, "Events starting on or before this day (UTC)."),
    Param("online", {"type": "boolean"}, "true: events with an online link; false: without one."),
    PAGE,
    PER_PAGE,
)
FILTER_NAMES = ("area", "language", "kind", "from", "to")


def _day(query: dict, name: str) -> date | None:
    if not query.get(name):
        return None
    try:
        return date.fromisoformat(query[name])
    except ValueError as error:
        raise ApiError(400, _("Some query parameters are not valid."),
                       details={name: _("Expected a date such as 2027-03-10.")}) from error


def event_summary(event: Event) -> dict:
    return {
        "id": event.id,
        "kind": event.kind,
        "title": event.title,
        "starts_at": serialize.timestamp(event.starts_at),
        "ends_at": serialize.timestamp(event.ends_at),
        "time_zone": event.time_zone,
        "place": event.place,
        "online": bool(event.online_url),
        "languages": list(event.languages or []),
        "priority_areas": list(event.areas or []),
        "audience": event.audience,
        "seats": event.seats,
        "seats_left": event.seats_left,
        "application_deadline": serialize.timestamp(event.application_deadline),
        "open_for_applications": event_operations.open_for_applications(event),
        "cancelled": event.cancelled_at is not None,
        "owner": serialize.org_ref(event.owner),
        "web_url": url_for("events.detail", event_id=event.id, _external=True),
        "ical_url": url_for("events.event_ics", event_id=event.id, _external=True),
        "api_url": url_for("api.events_detail", event_id=event.id, _external=True),
    }


def event_detail(user, event: Event) -> dict:
    return {
        **event_summary(event),
        "description": event.description,
        "online_url": event.online_url,
        "contact": event.contact,
        "related_items": [
            {"id": item.id, "kind": item.kind, "title": item.title,
             "api_url": url_for(f"api.{serialize.KIND_PATHS[item.kind]}_detail", item_id=item.id, _external=True)}
            for item in queries.related_items(user, event)
        ],
    }


@spec.operation(
    bp, "/events", summary="Events and exchanges you may see, in start order", tag="Events",
    params=EVENT_FILTERS, responses={200: ("A page of events", EVENT_LIST)},
    description="The calendar's filters. Without `from`, only events not over yet.",
)
def events_list(query: dict):
    start, end = _day(query, "from"), _day(query, "to")
    if start and end and end < start:
        raise ApiError(400, _("Some query parameters are not valid."),
                       details={"to": _("The end date must not be before the start date.")})
    filters = queries.EventFilters(area=query.get("area", ""), language=query.get("language", ""),
                                   kind=query.get("kind", ""), online=query.get("online"))
    events = queries.window(
        resolve_caller(), filters,
        start=datetime.combine(start, time.min) if start else None,
        end=datetime.combine(end, time.max) if end else None,
    )
    per_page = query["per_page"]
    pages = (len(events) + per_page - 1) // per_page
    page = query["page"]
    args = {k: query[k] for k in FILTER_NAMES if query.get(k)}
    if "online" in query:
        args["online"] = "true" if query["online"] else "false"
    if per_page != PER_PAGE.schema["default"]:
        args["per_page"] = per_page
    return jsonify({
        "data": [event_summary(e) for e in events[(page - 1) * per_page: page * per_page]],
        "meta": {"total": len(events), "page": page, "per_page": per_page, "pages": pages},
        "links": page_links(page, pages, args),
    })


@spec.operation(
    bp, "/events/<int:event_id>", summary="One event, with its linked curricula and materials",
    tag="Events", responses={200: ("The event", EVENT_DETAIL)},
    description="Hidden and non-existent events give the same 404.",
)
def events_detail(query: dict, event_id: int):
    user = resolve_caller()
    return jsonify(event_detail(user, queries.get_readable(user, event_id)))
