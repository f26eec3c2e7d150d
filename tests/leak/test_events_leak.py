"""Events in every channel (page, list, month view, .ics, list .ics, Atom, personal feed) for every
viewer and visibility: an event shows exactly where access.can(viewer, "read") says."""

from __future__ import annotations

import re

import pytest

from pan_platform.extensions import db
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
    }
    events = {v: make_event(owner, v[0], v[1], shares=(named,), title=f"Leakcheck {v[0]} {v[1]}") for v in VISIBILITIES}
    db.session.commit()
    return viewers, events


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
