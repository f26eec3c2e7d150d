"""Events: announce, edit, cancel; apply, nominate and decide; personal calendar tokens.
Each public function is one unit of work (`@operation`)."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import delete, select, update

from pan_platform import mail
from pan_platform.access import EVENT_VISIBILITIES, can
from pan_platform.accounts.models import User
from pan_platform.accounts.operations import link_for
from pan_platform.audit.models import record
from pan_platform.catalogue.vocabularies import AUDIENCES, PRIORITY_AREAS
from pan_platform.events.models import (
    EVENT_KINDS,
    CalendarToken,
    Event,
    EventApplication,
    EventShare,
)
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.operations import OperationError, after_commit, operation
from pan_platform.organisations.models import Organisation
from pan_platform.util import utcnow

DECISIONS = ("accepted", "waitlisted", "declined")
log = logging.getLogger(__name__)


class EventError(OperationError):
    """A refused or invalid event action; str(error) is for the user."""


def _require(user, action: str, obj) -> None:
    if not can(user, action, obj):
        raise EventError(_("You do not have permission to do this."))


def zone_of(name: str) -> ZoneInfo:
    if name not in available_timezones():
        raise EventError(_("Please choose a time zone from the list."), {"time_zone": _("Please choose a time zone from the list.")})
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError as error:  # pragma: no cover - listed but not loadable
        raise EventError(_("Please choose a time zone from the list.")) from error


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in `zone` as naive UTC (how the platform stores times)."""
    return local.replace(tzinfo=zone).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def _check(values: dict) -> dict:
    """Validate the fields of an event; times arrive as wall-clock times of `time_zone`."""
    errors: dict[str, str] = {}
    title = (values.get("title") or "").strip()
    if not title or len(title) > 300:
        errors["title"] = _("Please enter a title.")
    if values.get("kind") not in EVENT_KINDS:
        errors["kind"] = _("Please choose a kind of event.")
    if values.get("visibility") not in EVENT_VISIBILITIES or values.get("partner_scope", "named") not in ("named", "all"):
        errors["visibility"] = _("Please choose who may see the event.")
    url = (values.get("online_url") or "").strip()
    if url and not url.lower().startswith("https://"):
        errors["online_url"] = _("Please enter a full link starting with https://.")
    seats = values.get("seats")
    if seats is not None and (not isinstance(seats, int) or seats < 1 or seats > 100_000):
        errors["seats"] = _("Please enter a number of seats between 1 and 100,000.")
    if set(values.get("areas") or []) - set(PRIORITY_AREAS):
        errors["areas"] = _("Please choose priority areas from the list.")
    if values.get("audience") and values["audience"] not in AUDIENCES:
        errors["audience"] = _("Please choose a target audience from the list.")
    starts, ends = values.get("starts_at"), values.get("ends_at")
    if not isinstance(starts, datetime) or not isinstance(ends, datetime) or ends < starts:
        errors["ends_at"] = _("The event must end after it starts.")
    if errors:
        raise EventError(errors=errors)
    zone = zone_of(values.get("time_zone") or "UTC")
    deadline = values.get("application_deadline")
    return {
        "title": title,
        "description": (values.get("description") or "").strip() or None,
        "kind": values["kind"],
        "time_zone": zone.key,
        "starts_at": to_utc(starts, zone),
        "ends_at": to_utc(ends, zone),
        "application_deadline": to_utc(deadline, zone) if deadline else None,
        "place": (values.get("place") or "").strip() or None,
        "online_url": url or None,
        "languages": sorted(set(values.get("languages") or [])),
        "areas": sorted(set(values.get("areas") or [])),
        "audience": values.get("audience") or None,
        "seats": seats,
        "related_item_ids": sorted({int(i) for i in values.get("related_item_ids") or []}),
        "contact": (values.get("contact") or "").strip() or None,
        "visibility": values["visibility"],
        "partner_scope": values.get("partner_scope", "named"),
    }


def _set_shares(event: Event, organisation_ids) -> None:
    wanted = {int(i) for i in organisation_ids or []}
    partners = set(db.session.scalars(select(Organisation.id).where(Organisation.id.in_(wanted))))
    event.shares = [s for s in event.shares if s.organisation_id in partners]
    have = {s.organisation_id for s in event.shares}
    event.shares.extend(EventShare(organisation_id=i) for i in sorted(partners - have))


@operation
def create_event(user, organisation: Organisation, values: dict) -> Event:
    _require(user, "create_event", organisation)
    event = Event(owner=organisation, created_by_id=user.id, **_check(values))
    _set_shares(event, values.get("shared_with"))
    db.session.add(event)
    db.session.flush()
    record("events.created", user, event_id=event.id)
    return event


@operation
def update_event(user, event: Event, values: dict) -> Event:
    _require(user, "edit", event)
    checked = _check(values)
    if checked["seats"] is not None and checked["seats"] < event.seats_taken:
        raise EventError(errors={"seats": _("More participants are already accepted than this number of seats.")})
    for name, value in checked.items():
        setattr(event, name, value)
    _set_shares(event, values.get("shared_with"))
    record("events.updated", user, event_id=event.id)
    return event


@operation
def cancel_event(user, event: Event) -> None:
    _require(user, "cancel", event)
    if event.cancelled_at is None:
        event.cancelled_at = utcnow()
        record("events.cancelled", user, event_id=event.id)


def open_for_applications(event: Event, now: datetime | None = None) -> bool:
    now = now or utcnow()
    closes = event.application_deadline or event.starts_at
    return event.cancelled_at is None and now < closes


@operation
def apply(user, event: Event, participant: User | None = None) -> EventApplication:
    """Apply for oneself, or nominate `participant` (a user of the same organisation)."""
    participant = participant or user
    if participant.id != user.id:
        _require(user, "nominate", event)
        if participant.organisation_id != user.organisation_id or not participant.active:
            raise EventError(_("You may nominate only people of your own organisation."))
    _require(participant, "apply", event)
    if not open_for_applications(event):
        raise EventError(_("Applications to this event are closed."))
    taken = db.session.scalar(
        select(EventApplication.id).where(EventApplication.event_id == event.id, EventApplication.user_id == participant.id)
    )
    if taken is not None:
        raise EventError(_("This person has already applied."))
    application = EventApplication(
        event=event, user_id=participant.id, organisation_id=participant.organisation_id,
        nominated_by_id=user.id if participant.id != user.id else None,
    )
    db.session.add(application)
    db.session.flush()
    record("events.applied", user, event_id=event.id, application_id=application.id)
    return application


def _take_seat(event_id: int) -> bool:
    """One conditional UPDATE: the database itself refuses the seat past the last one,
    whatever other transactions accept at the same moment (row lock on PostgreSQL,
    the database write lock on SQLite)."""
    result = db.session.execute(
        update(Event)
        .where(Event.id == event_id, (Event.seats.is_(None)) | (Event.seats_taken < Event.seats))
        .values(seats_taken=Event.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


@operation
def decide(user, application: EventApplication, decision: str) -> None:
    """Accept, waitlist or decline. The application's status changes only from the status
    read here (a conditional UPDATE too), so two decisions at once cannot count a seat twice."""
    event = application.event
    _require(user, "decide", event)
    if decision not in DECISIONS:
        raise EventError(_("Please choose a decision."))
    before = application.status
    if before == decision:
        return
    if decision == "accepted" and not _take_seat(event.id):
        raise EventError(_("There is no seat left. Put the application on the waiting list."))
    if before == "accepted":
        db.session.execute(
            update(Event).where(Event.id == event.id, Event.seats_taken > 0)
            .values(seats_taken=Event.seats_taken - 1).execution_options(synchronize_session=False)
        )
    changed = db.session.execute(
        update(EventApplication)
        .where(EventApplication.id == application.id, EventApplication.status == before)
        .values(status=decision, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        raise EventError(_("Someone else decided on this application at the same time. Please try again."))
    letters = _decision_letters(event, application, decision)
    db.session.expire(event)
    db.session.expire(application)
    record("events.decided", user, event_id=event.id, application_id=application.id, decision=decision)
    after_commit(lambda: _send_letters(letters))


def _decision_letters(event: Event, application: EventApplication, decision: str) -> list[tuple[str, str | None, dict]]:
    """(address, language, context) of the decision e-mails: to the participant, and to the
    person who nominated them (when someone else did and is still active). Read before the
    commit, so nothing is loaded after it."""
    participant = application.user
    if participant is None:  # pragma: no cover - an application goes with its user
        return []
    nominator = db.session.get(User, application.nominated_by_id) if application.nominated_by_id else None
    recipients = [(participant, False)] if participant.active else []
    if nominator is not None and nominator.active and nominator.id != application.user_id:
        recipients.append((nominator, True))
    try:
        zone = ZoneInfo(event.time_zone)
    except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - zones are checked when saved
        zone = ZoneInfo("UTC")
    local_start = event.starts_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)
    return [
        (person.email, person.locale, {
            "name": person.name, "participant": participant.name, "nominated": nominated,
            "decision": decision, "title": event.title, "day": local_start.date(),
            "organiser": event.owner.display_name,
            "link": link_for("events.detail", person.locale, event_id=event.id),
        })
        for person, nominated in recipients
    ]


def _send_letters(letters) -> None:
    """After the commit; a mail failure never undoes the decision (it is logged)."""
    for address, locale, context in letters:
        try:
            mail.send_template(address, "event_decision", locale, **context)
        except Exception:
            log.exception("could not send an event decision e-mail")



@operation
def issue_calendar_token(user) -> str:
    """A new secret address for the user's calendar feed; the previous one stops working."""
    db.session.execute(delete(CalendarToken).where(CalendarToken.user_id == user.id))
    secret = CalendarToken.new_secret()
    db.session.add(CalendarToken(user_id=user.id, token_hash=CalendarToken.hash(secret)))
    return secret


@operation
def revoke_calendar_token(user) -> None:
    db.session.execute(delete(CalendarToken).where(CalendarToken.user_id == user.id))


def user_for_calendar(secret: str) -> User | None:
    """The active user whose feed `secret` opens, or None."""
    token = db.session.scalar(select(CalendarToken).where(CalendarToken.token_hash == CalendarToken.hash(secret)))
    if token is None or not token.user.is_active:
        return None
    return token.user
