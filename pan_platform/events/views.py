"""Event pages, month view, iCalendar exports and the personal feed. Thin: queries decide
what is shown, operations what is written, access.can() who may."""

from __future__ import annotations

import calendar as month_grid
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import AnonymousUserMixin, current_user, login_required
from sqlalchemy import select

from pan_platform.access import can
from pan_platform.accounts.models import User
from pan_platform.events import atom, calendar, operations, queries
from pan_platform.events.forms import EventForm
from pan_platform.events.models import APPLICATION_STATES, EVENT_KINDS, Event, EventApplication
from pan_platform.extensions import db
from pan_platform.i18n import _
from pan_platform.operations import OperationError, flash_error
from pan_platform.organisations.models import Organisation
from pan_platform.util import utcnow
from pan_platform.web import confirm
from pan_platform.web.templating import language_name

bp = Blueprint("events", __name__)


@bp.app_context_processor
def _helpers() -> dict:
    return {"EVENT_KINDS": EVENT_KINDS, "APPLICATION_STATES": APPLICATION_STATES, "event_local": queries.local}


def _ics(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _event_url(event: Event) -> str:
    return url_for("events.detail", event_id=event.id, _external=True)


@bp.route("/events")
def index():
    filters = queries.EventFilters.read(request.args)
    past = request.args.get("when") == "past"
    return render_template("events/index.html", events=queries.listing(current_user, filters, past=past),
                           filters=filters, past=past)


@bp.route("/events/month")
@bp.route("/events/month/<int:year>/<int:month>")
def month(year: int | None = None, month: int | None = None):
    today = date.today()
    year, month = year or today.year, month or today.month
    if not (1 <= month <= 12 and 1900 <= year <= 2200):
        abort(404)
    filters = queries.EventFilters.read(request.args)
    events = queries.month(current_user, year, month, filters)
    weeks = month_grid.Calendar().monthdatescalendar(year, month)
    by_day = {day: [e for e in events if e.starts_at.date() <= day <= e.ends_at.date()]
              for week in weeks for day in week}
    previous = (year - (month == 1), (month - 2) % 12 + 1)
    following = (year + (month == 12), month % 12 + 1)
    return render_template("events/month.html", weeks=weeks, by_day=by_day, year=year, month=month,
                           previous=previous, following=following, filters=filters)


@bp.route("/events/<int:event_id>")
def detail(event_id: int):
    event = queries.get_readable(current_user, event_id)
    applications = event.applications if can(current_user, "decide", event) else [
        a for a in event.applications if current_user.is_authenticated and a.organisation_id == current_user.organisation_id
    ]
    colleagues = []
    if can(current_user, "nominate", event):
        colleagues = list(db.session.scalars(
            select(User).where(User.organisation_id == current_user.organisation_id, User.active.is_(True)).order_by(User.name)
        ))
    return render_template("events/detail.html", event=event, related=queries.related_items(current_user, event),
                           applications=applications, colleagues=colleagues,
                           open=operations.open_for_applications(event), past=event.ends_at < utcnow())


@bp.route("/events/<int:event_id>.ics")
def event_ics(event_id: int):
    event = queries.get_readable(current_user, event_id)
    return _ics(calendar.calendar([event], _event_url, request.host, event.title), f"event-{event.id}.ics")


@bp.route("/events.ics")
def index_ics():
    filters = queries.EventFilters.read(request.args)
    events = queries.listing(current_user, filters)
    return _ics(calendar.calendar(events, _event_url, request.host, _("Events")), "events.ics")


@bp.route("/feeds/events.atom")
def public_atom():
    """New public events: the same for everyone, so it may be cached."""
    events = queries.newest(AnonymousUserMixin())
    body = atom.atom(events, _("Events"), request.base_url, url_for("events.index", _external=True), _event_url)
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/events/feed/<token>.ics")
def personal_feed(token: str):
    """What the token's owner may see, without a session (calendar programs send no cookie)."""
    user = operations.user_for_calendar(token)
    if user is None:
        abort(404)
    events = queries.listing(user, queries.EventFilters()) + queries.listing(user, queries.EventFilters(), past=True)
    return _ics(calendar.calendar(events, _event_url, request.host, _("My events")), "my-events.ics")


@bp.route("/events/my-calendar", methods=["GET", "POST"])
@login_required
def my_calendar():
    secret = None
    if request.method == "POST":
        if request.form.get("action") == "revoke":
            operations.revoke_calendar_token(current_user)
            flash(_("The address of your calendar feed no longer works."), "success")
        else:
            secret = operations.issue_calendar_token(current_user)
    feed = url_for("events.personal_feed", token=secret, _external=True) if secret else None
    return render_template("events/my_calendar.html", feed=feed)


def _partners() -> list[Organisation]:
    return list(db.session.scalars(
        select(Organisation).where(Organisation.kind == "partner", Organisation.active.is_(True)).order_by(Organisation.name)
    ))


def _save(form: EventForm, event: Event | None):
    try:
        if event is None:
            event = operations.create_event(current_user, current_user.organisation, form.values())
        else:
            operations.update_event(current_user, event, form.values())
    except OperationError as error:
        flash_error(error)
        return None
    flash(_("The event is saved."), "success")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
def new():
    if not can(current_user, "create_event", current_user.organisation):
        abort(403)
    form = EventForm()
    form.fill_choices(language_name, _partners())
    if form.validate_on_submit():
        done = _save(form, None)
        if done is not None:
            return done
    return render_template("events/form.html", form=form, event=None), 200 if request.method == "GET" else 422


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    event = queries.get_readable(current_user, event_id)
    if not can(current_user, "edit", event):
        abort(403)
    form = EventForm(obj=None if request.method == "POST" else _form_data(event))
    form.fill_choices(language_name, _partners())
    if form.validate_on_submit():
        done = _save(form, event)
        if done is not None:
            return done
    return render_template("events/form.html", form=form, event=event), 200 if request.method == "GET" else 422


class _FormData:
    """An event's stored values as the form shows them (local times, combined visibility)."""

    def __init__(self, event: Event) -> None:
        zone = event.time_zone
        self.title, self.description, self.kind = event.title, event.description, event.kind
        self.starts_at = queries.local(event.starts_at, zone).replace(tzinfo=None)
        self.ends_at = queries.local(event.ends_at, zone).replace(tzinfo=None)
        deadline = event.application_deadline
        self.application_deadline = queries.local(deadline, zone).replace(tzinfo=None) if deadline else None
        self.time_zone, self.place, self.online_url = zone, event.place, event.online_url
        self.languages, self.areas, self.audience = event.languages, event.areas, event.audience or ""
        self.seats, self.contact = event.seats, event.contact
        self.related = ", ".join(str(i) for i in event.related_item_ids or [])
        self.visibility = event.visibility if event.visibility != "partners" else f"partners-{event.partner_scope}"
        self.shared_with = event.shared_with


def _form_data(event: Event) -> _FormData:
    return _FormData(event)


@bp.route("/events/<int:event_id>/cancel", methods=["POST"])
@login_required
def cancel(event_id: int):
    event = queries.get_readable(current_user, event_id)
    if not can(current_user, "cancel", event):
        abort(403)
    if not confirm.confirmed():
        return confirm.confirmation_page(
            _("Cancel “%(title)s”?", title=event.title),
            _("The event is shown as cancelled on its page and in every calendar that subscribed to it; "
              "applications can no longer be sent."),
            _("Cancel the event"),
            fallback=url_for("events.detail", event_id=event.id),
        )
    operations.cancel_event(current_user, event)
    flash(_("The event is cancelled."), "success")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.route("/events/<int:event_id>/apply", methods=["POST"])
@login_required
def apply(event_id: int):
    event = queries.get_readable(current_user, event_id)
    participant = None
    raw = request.form.get("participant_id", "")
    if raw.isdigit() and int(raw) != current_user.id:
        participant = db.session.get(User, int(raw))
        if participant is None:
            abort(404)
    try:
        operations.apply(current_user, event, participant)
    except OperationError as error:
        flash_error(error)
        return redirect(url_for("events.detail", event_id=event.id)), 303
    flash(_("The application is sent to the organiser."), "success")
    return redirect(url_for("events.detail", event_id=event.id))


@bp.route("/events/applications/<int:application_id>/decide", methods=["POST"])
@login_required
def decide(application_id: int):
    application = db.session.get(EventApplication, application_id)
    if application is None:
        abort(404)
    event = queries.get_readable(current_user, application.event_id)
    if not can(current_user, "decide", event):
        abort(403)
    try:
        operations.decide(current_user, application, request.form.get("decision", ""))
    except OperationError as error:
        flash_error(error)
    return redirect(url_for("events.detail", event_id=event.id))
