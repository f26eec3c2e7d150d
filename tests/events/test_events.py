"""Events: who may create, edit, cancel and decide; applications and the last seats under
concurrent acceptance; related items; iCalendar validity and time zones; feed tokens."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from pan_platform.events import operations
from pan_platform.events.models import Event, EventApplication
from pan_platform.extensions import db
from tests.conftest import sign_in
from tests.events.helpers import make_event
from tests.factories import make_item, make_org, make_user

FORM = {
    "title": "Cyber patrol course", "description": "Hands-on.", "kind": "course",
    "starts_at": "2027-03-10T09:00", "ends_at": "2027-03-12T17:00", "time_zone": "Europe/Vienna",
    "place": "Vienna", "online_url": "", "languages": ["en", "de"], "areas": ["cybercrime"],
    "audience": "", "seats": "12", "application_deadline": "", "related": "", "contact": "x@example.org",
    "visibility": "public",
}


@pytest.fixture
def orgs(app):
    owner, other, partner = make_org("academy"), make_org("academy"), make_org("partner")
    people = {
        "owner_editor": make_user(owner, "editor"),
        "owner_trainer": make_user(owner, "trainer"),
        "other_editor": make_user(other, "editor"),
        "other_trainer": make_user(other, "trainer"),
        "other_colleague": make_user(other, "trainer"),
        "partner_user": make_user(partner, "trainer"),
    }
    db.session.commit()
    return owner, other, partner, people


def _client(app, user):
    client = app.test_client()
    assert sign_in(client, user).status_code == 302
    return client


def test_an_editor_creates_an_event_stored_in_utc_with_its_zone(app, orgs):
    _owner, _other, _partner, people = orgs
    response = _client(app, people["owner_editor"]).post("/events/new", data=FORM)
    assert response.status_code == 302
    event = db.session.scalar(select(Event))
    assert event.starts_at == datetime(2027, 3, 10, 8, 0)  # 09:00 in Vienna (CET) is 08:00 UTC
    assert event.time_zone == "Europe/Vienna" and event.seats == 12 and event.languages == ["de", "en"]


@pytest.mark.parametrize("who", ["owner_trainer", "partner_user"])
def test_create_is_refused_without_an_editing_role(app, orgs, who):
    _owner, _other, _partner, people = orgs
    response = _client(app, people[who]).post("/events/new", data=FORM)
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Event.id))) == 0


def test_bad_input_is_a_message_not_an_error(app, orgs):
    _owner, _other, _partner, people = orgs
    data = {**FORM, "ends_at": "2027-03-09T09:00", "time_zone": "Mars/Olympus"}
    response = _client(app, people["owner_editor"]).post("/events/new", data=data)
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Event.id))) == 0


@pytest.mark.parametrize("who", ["owner_trainer", "other_editor", "partner_user", None])
def test_edit_and_cancel_are_refused_to_others(app, orgs, who):
    owner, _other, _partner, people = orgs
    event = make_event(owner, "public", title="Original title")
    db.session.commit()
    client = _client(app, people[who]) if who else app.test_client()
    edit = client.post(f"/events/{event.id}/edit", data={**FORM, "title": "Changed"})
    cancel = client.post(f"/events/{event.id}/cancel", data={"confirm": "1"})
    expected = 403 if who else 302  # anonymous: to the sign-in page
    assert edit.status_code == expected and cancel.status_code == expected
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert event.title == "Original title" and event.cancelled_at is None


def test_the_organiser_edits_and_cancels(app, orgs):
    owner, _other, _partner, people = orgs
    event = make_event(owner, "public")
    db.session.commit()
    client = _client(app, people["owner_editor"])
    assert client.post(f"/events/{event.id}/edit", data={**FORM, "title": "New title"}).status_code == 302
    asked = client.post(f"/events/{event.id}/cancel")  # first the confirmation page: nothing changes
    assert asked.status_code == 200 and db.session.get(Event, event.id).cancelled_at is None
    assert client.post(f"/events/{event.id}/cancel", data={"confirm": "1"}).status_code == 302
    db.session.expire_all()
    event = db.session.get(Event, event.id)
    assert event.title == "New title" and event.cancelled_at is not None
    assert "CANCELLED" in app.test_client().get(f"/events/{event.id}.ics").get_data(as_text=True)


def test_nomination_by_an_editor_and_refusal_for_a_trainer(app, orgs):
    owner, _other, _partner, people = orgs
    event = make_event(owner, "network", seats=5)
    db.session.commit()
    colleague = people["other_colleague"]
    refused = _client(app, people["other_trainer"]).post(f"/events/{event.id}/apply", data={"participant_id": colleague.id})
    assert refused.status_code == 303
    assert db.session.scalar(select(func.count(EventApplication.id))) == 0
    _client(app, people["other_editor"]).post(f"/events/{event.id}/apply", data={"participant_id": colleague.id})
    application = db.session.scalar(select(EventApplication))
    assert application.user_id == colleague.id and application.nominated_by_id == people["other_editor"].id


def test_only_the_organiser_decides(app, orgs):
    owner, _other, _partner, people = orgs
    event = make_event(owner, "network", seats=5)
    application = operations.apply(people["other_trainer"], event)
    response = _client(app, people["other_editor"]).post(
        f"/events/applications/{application.id}/decide", data={"decision": "accepted"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(EventApplication, application.id).status == "pending"
    assert db.session.get(Event, event.id).seats_taken == 0
    _client(app, people["owner_editor"]).post(f"/events/applications/{application.id}/decide", data={"decision": "accepted"})
    db.session.expire_all()
    assert db.session.get(Event, event.id).seats_taken == 1


def test_concurrent_acceptances_never_overbook(app, orgs):
    owner, other, _partner, people = orgs
    seats, applicants = 3, 10
    event = make_event(owner, "network", seats=seats)
    users = [make_user(other, "trainer") for _ in range(applicants)]
    db.session.commit()
    ids = [operations.apply(u, event).id for u in users]
    editor_id, event_id = people["owner_editor"].id, event.id
    db.session.remove()
    barrier = threading.Barrier(applicants)
    outcome: list[str] = []

    def accept(application_id: int) -> None:
        with app.app_context():
            editor = db.session.get(type(people["owner_editor"]), editor_id)
            application = db.session.get(EventApplication, application_id)
            application.event  # noqa: B018  (loaded before the race starts)
            barrier.wait()
            try:
                operations.decide(editor, application, "accepted")
                outcome.append("accepted")
            except operations.EventError:
                outcome.append("full")
            except OperationalError as error:  # pragma: no cover - reported by the assertion below
                outcome.append(f"db error: {error}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=accept, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcome) == ["accepted"] * seats + ["full"] * (applicants - seats)
    accepted = db.session.scalar(
        select(func.count(EventApplication.id)).where(EventApplication.status == "accepted"))
    assert accepted == seats and db.session.get(Event, event_id).seats_taken == seats


def test_related_items_only_those_the_viewer_may_read(app, orgs):
    owner, other, _partner, people = orgs
    public = make_item(owner, visibility="public", title="Open handbook")
    private = make_item(other, visibility="private", title="Secret handbook")
    event = make_event(owner, "public", related_item_ids=[public.id, private.id])
    db.session.commit()
    page = app.test_client().get(f"/events/{event.id}").get_data(as_text=True)
    assert "Open handbook" in page and "Secret handbook" not in page
    own = _client(app, people["other_trainer"]).get(f"/events/{event.id}").get_data(as_text=True)
    assert "Secret handbook" in own


def test_past_events_keep_their_related_materials(app, orgs):
    owner, _other, _partner, _people = orgs
    item = make_item(owner, visibility="public", title="Course handbook")
    event = make_event(owner, "public", days=-20, related_item_ids=[item.id], title="Old course")
    db.session.commit()
    client = app.test_client()
    assert "Old course" in client.get("/events?when=past").get_data(as_text=True)
    assert "Old course" not in client.get("/events").get_data(as_text=True)
    assert "Course handbook" in client.get(f"/events/{event.id}").get_data(as_text=True)


def test_filters_by_kind_area_and_language(app, orgs):
    owner, *_ = orgs
    make_event(owner, "public", kind="webinar", areas=["terrorism"], languages=["fr"], title="Alpha webinar")
    make_event(owner, "public", kind="course", areas=["cybercrime"], languages=["en"], title="Beta course")
    db.session.commit()
    client = app.test_client()
    for query, shown, hidden in (("kind=webinar", "Alpha", "Beta"), ("area=cybercrime", "Beta", "Alpha"),
                                 ("language=fr", "Alpha", "Beta")):
        body = client.get(f"/events?{query}").get_data(as_text=True)
        assert shown in body and hidden not in body, query


def test_icalendar_is_valid_and_keeps_the_time_zone(app, orgs):
    owner, *_ = orgs
    event = make_event(owner, "public", time_zone="America/New_York", title="Zoned event")
    db.session.commit()
    response = app.test_client().get(f"/events/{event.id}.ics")
    assert response.mimetype == "text/calendar"
    cal = icalendar.Calendar.from_ical(response.data)
    assert cal["VERSION"] == "2.0" and cal["PRODID"]
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["America/New_York"]
    (component,) = cal.walk("VEVENT")
    start = component.decoded("DTSTART")
    assert component["DTSTART"].params["TZID"] == "America/New_York"
    assert start.astimezone(UTC).replace(tzinfo=None) == event.starts_at  # the same instant as stored
    assert start.utcoffset() in (timedelta(hours=-5), timedelta(hours=-4))  # New York wall-clock time
    assert component["UID"] and component.decoded("DTSTAMP").utcoffset() == timedelta(0)
    listing = icalendar.Calendar.from_ical(app.test_client().get("/events.ics").data)
    assert [c["SUMMARY"] for c in listing.walk("VEVENT")] == ["Zoned event"]


def test_personal_feed_token_is_revocable(app, orgs):
    owner, _other, _partner, people = orgs
    make_event(owner, "network", title="Network only event")
    db.session.commit()
    client = _client(app, people["other_trainer"])
    page = client.post("/events/my-calendar", data={"action": "issue"}).get_data(as_text=True)
    feed = re.search(r"(/events/feed/[^<\s]+\.ics)", page).group(1)
    outsider = app.test_client()
    body = outsider.get(feed).get_data(as_text=True)
    assert "Network only event" in body and icalendar.Calendar.from_ical(body.encode())
    client.post("/events/my-calendar", data={"action": "revoke"})
    assert outsider.get(feed).status_code == 404
    page = client.post("/events/my-calendar", data={"action": "issue"}).get_data(as_text=True)
    newer = re.search(r"(/events/feed/[^<\s]+\.ics)", page).group(1)
    assert newer != feed and outsider.get(newer).status_code == 200 and outsider.get(feed).status_code == 404


def test_month_view_answers_bad_addresses_without_an_error(app, orgs):
    client = app.test_client()
    assert client.get("/events/month/2026/13").status_code == 404
    assert client.get("/events/month/2026/12?year=1&month=x&kind=nope").status_code == 200
    assert client.get("/events?when=past&area=%00&language=zz").status_code == 200


def test_atom_feed_lists_new_public_events_only(app, orgs):
    from lxml import etree

    owner, *_ = orgs
    make_event(owner, "public", title="Open webinar")
    make_event(owner, "network", title="Network course")
    db.session.commit()
    response = app.test_client().get("/feeds/events.atom")
    assert response.mimetype == "application/atom+xml"
    root = etree.fromstring(response.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert [t.text for t in root.findall("a:entry/a:title", ns)] == ["Open webinar"]


def test_a_past_event_shows_what_was_taught_to_those_who_may_read_it(app, orgs):
    owner, other, _partner, people = orgs
    public = make_item(owner, visibility="public", title="Open lesson plan")
    network = make_item(other, visibility="network", title="Network exercise")
    past = make_event(owner, "public", days=-10, related_item_ids=[public.id, network.id], title="Spring course")
    coming = make_event(owner, "public", days=10, related_item_ids=[public.id], title="Autumn course")
    db.session.commit()
    anonymous = app.test_client().get(f"/events/{past.id}").get_data(as_text=True)
    assert "What was taught" in anonymous and "Open lesson plan" in anonymous
    assert "Network exercise" not in anonymous
    member = _client(app, people["owner_trainer"]).get(f"/events/{past.id}").get_data(as_text=True)
    assert "What was taught" in member and "Network exercise" in member
    upcoming = app.test_client().get(f"/events/{coming.id}").get_data(as_text=True)
    assert "Related curricula and materials" in upcoming and "What was taught" not in upcoming


def test_filters_online_or_in_person(app, orgs):
    owner, *_ = orgs
    make_event(owner, "public", title="Remote webinar", online_url="https://meet.example/r")
    make_event(owner, "public", title="Classroom course")
    db.session.commit()
    client = app.test_client()
    online = client.get("/events?online=1").get_data(as_text=True)
    in_person = client.get("/events?online=0").get_data(as_text=True)
    both = client.get("/events?online=maybe").get_data(as_text=True)
    assert "Remote webinar" in online and "Classroom course" not in online
    assert "Classroom course" in in_person and "Remote webinar" not in in_person
    assert "Remote webinar" in both and "Classroom course" in both
    assert "online=1" in client.get("/events/month?online=1").get_data(as_text=True)  # month links keep it
