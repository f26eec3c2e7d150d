"""The events in the REST API: the calendar's filters, from/to days and online, paging, one
event with only the linked items the caller may read, bad values answered with 400."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pan_platform.extensions import db
from pan_platform.util import utcnow
from tests.api.conftest import World
from tests.events.helpers import make_event
from tests.factories import make_item


@pytest.fixture
def calendar(world: World) -> dict:
    own = world.orgs["own"]
    events = {
        "webinar": make_event(own, "public", kind="webinar", areas=["terrorism"], languages=["fr"], days=3,
                              title="Alpha webinar", online_url="https://meet.example/alpha"),
        "course": make_event(own, "public", kind="course", areas=["cybercrime"], languages=["en"], days=20,
                             title="Beta course", place="Vienna", seats=10),
        "network": make_event(own, "network", kind="course", areas=["cybercrime"], languages=["en"], days=40,
                              title="Gamma network course"),
        "past": make_event(own, "public", kind="course", days=-30, title="Delta past course",
                           related_item_ids=[world.items["public"].id, world.items["private"].id]),
    }
    db.session.commit()
    return events


def _titles(client, url: str, headers: dict | None = None) -> list[str]:
    response = client.get(url, headers=headers or {})
    assert response.status_code == 200, response.get_data(as_text=True)
    return [row["title"] for row in response.get_json()["data"]]


def test_the_list_shows_upcoming_events_in_start_order(client, calendar):
    assert _titles(client, "/api/v1/events") == ["Alpha webinar", "Beta course"]


def test_a_signed_in_reader_sees_network_events(client, world, calendar):
    titles = _titles(client, "/api/v1/events", world.headers("other_academy"))
    assert titles == ["Alpha webinar", "Beta course", "Gamma network course"]
    assert "Gamma network course" not in _titles(client, "/api/v1/events", world.headers("other_partner"))


@pytest.mark.parametrize(("query", "expected"), [
    ("kind=webinar", ["Alpha webinar"]),
    ("area=cybercrime", ["Beta course"]),
    ("language=fr", ["Alpha webinar"]),
    ("online=true", ["Alpha webinar"]),
    ("online=false", ["Beta course"]),
    ("kind=exchange", []),
])
def test_the_calendar_filters(client, calendar, query, expected):
    assert _titles(client, f"/api/v1/events?{query}") == expected


def test_from_and_to_days(client, calendar):
    today = utcnow().date()
    days = {name: event.starts_at.date() for name, event in calendar.items()}
    assert _titles(client, f"/api/v1/events?from={(today - timedelta(days=60)).isoformat()}") == [
        "Delta past course", "Alpha webinar", "Beta course"]
    assert _titles(client, f"/api/v1/events?to={days['webinar'].isoformat()}") == ["Alpha webinar"]
    one_day = days["course"].isoformat()
    assert _titles(client, f"/api/v1/events?from={one_day}&to={one_day}") == ["Beta course"]


@pytest.mark.parametrize("query", ["from=2027-02-30", "to=0000-01-01", "from=2027-3-1", "online=yes",
                                   "kind=party", "area=nowhere", "from=2027-05-02&to=2027-05-01", "per_page=0"])
def test_bad_values_are_a_400_with_the_field(client, calendar, query):
    response = client.get(f"/api/v1/events?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["status"] == 400 and error["details"]


def test_paging_links_keep_the_filters(client, world, calendar):
    first = client.get("/api/v1/events?per_page=1&kind=course&online=false", headers=world.headers("owner"))
    body = first.get_json()
    assert [row["title"] for row in body["data"]] == ["Beta course"]
    assert body["meta"] == {"total": 2, "page": 1, "per_page": 1, "pages": 2}
    following = body["links"]["next"]
    assert "kind=course" in following and "online=false" in following and "per_page=1" in following
    second = client.get(following, headers=world.headers("owner")).get_json()
    assert [row["title"] for row in second["data"]] == ["Gamma network course"] and second["links"]["next"] is None


def test_one_event_with_the_linked_items_the_caller_may_read(client, world, calendar):
    past = calendar["past"]
    anonymous = client.get(f"/api/v1/events/{past.id}").get_json()
    assert anonymous["title"] == "Delta past course" and anonymous["online"] is False
    assert [row["id"] for row in anonymous["related_items"]] == [world.items["public"].id]
    owner = client.get(f"/api/v1/events/{past.id}", headers=world.headers("owner")).get_json()
    assert {row["id"] for row in owner["related_items"]} == {world.items["public"].id, world.items["private"].id}
    course = client.get(f"/api/v1/events/{calendar['course'].id}").get_json()
    assert course["seats"] == 10 and course["seats_left"] == 10 and course["place"] == "Vienna"
    assert course["starts_at"].endswith("Z") and course["time_zone"] == "Europe/Vienna"
    assert course["web_url"].endswith(f"/events/{calendar['course'].id}") and "applications" not in course


def test_a_hidden_event_is_the_same_404_as_a_missing_one(client, world, calendar):
    hidden = client.get(f"/api/v1/events/{calendar['network'].id}")
    missing = client.get("/api/v1/events/987654")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json() == missing.get_json()


def test_the_document_declares_the_events_paths(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert {"/events", "/events/{event_id}"} <= set(document["paths"])
    names = {p["name"] for p in document["paths"]["/events"]["get"]["parameters"]}
    assert {"area", "language", "kind", "from", "to", "online", "page", "per_page"} <= names
    assert {"EventSummary", "EventDetail", "EventList"} <= set(document["components"]["schemas"])
    # The catalogue is still there: the events were added beside it.
    assert {"/materials", "/search", "/items"} <= set(document["paths"])


def test_a_private_item_is_never_named_in_the_api(client, world, calendar):
    hidden = make_item(world.orgs["other"], visibility="private", title="Hidden syllabus HIDDENEVENTMARK")
    event = make_event(world.orgs["own"], "public", related_item_ids=[hidden.id], title="Epsilon")
    db.session.commit()
    for who in (None, "owner", "named_partner"):
        body = client.get(f"/api/v1/events/{event.id}", headers=world.headers(who) if who else {})
        assert "HIDDENEVENTMARK" not in body.get_data(as_text=True)
