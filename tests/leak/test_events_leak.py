"""Events in every channel (page, list, month view, .ics, list .ics, Atom, personal feed, the
REST API's list and detail, the search page) for every viewer and visibility: an event shows
exactly where access.can(viewer, "read") says."""

from __future__ import annotations

import re

import pytest

from pan_platform.access import can
from pan_platform.extensions import db
from tests.api.conftest import issue_token
from tests.conftest import sign_in
from tests.events.helpers import make_event
from tests.factories import make_org, make_user

VISIBILITIES = [("network", "named"), ("partners", "named"), ("partners", "all"), ("public", "named")]
# viewer -> the visibilities it may read
EXPECTED = {
    "anonymous": {("public", "named")},
    "network_trainer": set(VISIBILITIES),
    "named_partner": {("partners", "named"), ("partners", "all"), ("public", "named")},
    "other_partner": {("partners", "all"), ("public", "named")},
    "owner_editor": set(VISIBILITIES),
    "platform_admin": set(VISIBILITIES),
}


@pytest.fixture
def world(app):
    owner = make_org("academy")
    other = make_org("academy")
    named = make_org("partner")
    unnamed = make_org("partner")
    viewers = {
        "anonymous": None,
        "network_trainer": make_user(other, "trainer"),
        "named_partner": make_user(named, "trainer"),
        "other_partner": make_user(unnamed, "trainer"),
        "owner_editor": make_user(owner, "editor"),
        "platform_admin": make_user(make_org("secretariat", country=None), "platform_admin"),
    }
    events = {v: make_event(owner, v[0], v[1], shares=(named,), title=f"Leakcheck {v[0]} {v[1]}") for v in VISIBILITIES}
    db.session.commit()
    return viewers, events


def test_the_expected_sets_are_what_the_access_module_says(world):
    viewers, events = world
    for viewer, user in viewers.items():
        assert {v for v, event in events.items() if can(user, "read", event)} == EXPECTED[viewer], viewer


def _client(app, user):
    client = app.test_client()
    if user is not None:
        assert sign_in(client, user).status_code == 302
    return client


def _feed(client) -> str:
    page = client.post("/events/my-calendar", data={"action": "issue"}).get_data(as_text=True)
    return re.search(r"(/events/feed/[^<\s]+\.ics)", page).group(1)


@pytest.mark.parametrize("viewer", list(EXPECTED))
def test_every_channel_shows_exactly_what_the_viewer_may_read(app, world, viewer):
    viewers, events = world
    client = _client(app, viewers[viewer])
    start = next(iter(events.values())).starts_at
    listings = {
        "list": client.get("/events").get_data(as_text=True),
        "month": client.get(f"/events/month/{start.year}/{start.month}").get_data(as_text=True),
        "list_ics": client.get("/events.ics").get_data(as_text=True),
        "atom": client.get("/feeds/events.atom").get_data(as_text=True),  # public events only, whoever asks
    }
    if viewers[viewer] is not None:
        listings["personal_feed"] = app.test_client().get(_feed(client)).get_data(as_text=True)
    for visibility, event in events.items():
        allowed = visibility in EXPECTED[viewer]
        for channel, body in listings.items():
            shown = allowed and (channel != "atom" or visibility == ("public", "named"))
            assert (event.title in body) == shown, (viewer, visibility, channel)
        for url in (f"/events/{event.id}", f"/events/{event.id}.ics"):
            response = client.get(url)
            assert response.status_code == (200 if allowed else 404), (viewer, visibility, url)
            assert (event.title in response.get_data(as_text=True)) == allowed


def _api_client(app, user):
    """A client calling the API as `user`: a bearer token, no session."""
    headers = {}
    if user is not None:
        headers["Authorization"] = f"Bearer {issue_token(user)}"
        db.session.commit()
    return app.test_client(), headers


@pytest.mark.parametrize("viewer", list(EXPECTED))
def test_the_api_lists_and_gives_exactly_what_the_viewer_may_read(app, world, viewer):
    viewers, events = world
    client, headers = _api_client(app, viewers[viewer])
    listed = client.get("/api/v1/events?per_page=100", headers=headers)
    assert listed.status_code == 200
    titles = {row["title"] for row in listed.get_json()["data"]}
    assert listed.get_json()["meta"]["total"] == len(EXPECTED[viewer])
    start = next(iter(events.values())).starts_at.date().isoformat()
    window = client.get(f"/api/v1/events?from={start}&to={start}&kind=course&area=cybercrime&language=en",
                        headers=headers).get_data(as_text=True)
    for visibility, event in events.items():
        allowed = visibility in EXPECTED[viewer]
        assert (event.title in titles) == allowed, (viewer, visibility, "api list")
        assert (event.title in window) == allowed, (viewer, visibility, "api list with filters")
        one = client.get(f"/api/v1/events/{event.id}", headers=headers)
        assert one.status_code == (200 if allowed else 404), (viewer, visibility, "api detail")
        assert (event.title in one.get_data(as_text=True)) == allowed


@pytest.mark.parametrize("viewer", list(EXPECTED))
def test_the_search_page_shows_exactly_the_events_the_viewer_may_read(app, world, viewer):
    viewers, events = world
    client = _client(app, viewers[viewer])
    for query in ("Leakcheck", "leakcheck named", "Leakcheck&area=cybercrime"):
        page = client.get(f"/search?q={query}")
        assert page.status_code == 200
        body = page.get_data(as_text=True)
        for visibility, event in events.items():
            shown = visibility in EXPECTED[viewer] and (query != "leakcheck named" or "named" in visibility)
            assert (event.title in body) == shown, (viewer, visibility, query)
