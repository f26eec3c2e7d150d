"""Expert profiles in every channel (page, photo, directory, its facets, the search page's
block, API list, its facets, API detail, contact form) for every viewer and visibility: a
profile shows exactly where access.can(viewer, "read") says."""

from __future__ import annotations

import pytest

from pan_platform.access import can
from pan_platform.extensions import db
from tests.conftest import sign_in
from tests.experts.helpers import make_profile
from tests.factories import ensure_country, make_org, make_user

VISIBILITIES = [("network", "named"), ("partners", "named"), ("partners", "all"), ("public", "named")]
EXPECTED = {
    "anonymous": {("public", "named")},
    "network_trainer": set(VISIBILITIES),
    "named_partner": {("partners", "named"), ("partners", "all"), ("public", "named")},
    "other_partner": {("partners", "all"), ("public", "named")},
    "owner_colleague": set(VISIBILITIES),
}
# Each profile's own facet values, seen nowhere else: a hidden one must not show in the counts.
FACET_VALUES = {
    ("network", "named"): ("FI", "fi"),
    ("partners", "named"): ("LT", "lt"),
    ("partners", "all"): ("PT", "pt"),
    ("public", "named"): ("NL", "nl"),
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
        "owner_colleague": make_user(owner, "editor"),
    }
    profiles = {}
    for visibility in VISIBILITIES:
        country, language = FACET_VALUES[visibility]
        ensure_country(country)
        person = make_user(owner, "trainer")
        profiles[visibility] = make_profile(
            person, visibility[0], visibility[1], shares=(named,), name=f"Leakcheck {visibility[0]} {visibility[1]}",
            country_code=country, languages_spoken=[language], languages_taught=[], photo="/9j/AA==",
        )
    db.session.commit()
    return viewers, profiles


def _client(app, user):
    client = app.test_client()
    if user is not None:
        assert sign_in(client, user).status_code == 302
    return client


@pytest.mark.parametrize("viewer", list(EXPECTED))
def test_every_channel_shows_exactly_what_the_viewer_may_read(app, world, viewer):
    viewers, profiles = world
    client = _client(app, viewers[viewer])
    listings = {
        "directory": client.get("/experts").get_data(as_text=True),
        "directory_search": client.get("/experts?q=Leakcheck").get_data(as_text=True),
        "search_block": client.get("/search?q=Leakcheck").get_data(as_text=True),
        "api_list": client.get("/api/v1/experts?per_page=100").get_data(as_text=True),
        "api_search": client.get("/api/v1/experts?q=Leakcheck").get_data(as_text=True),
    }
    facets = client.get("/api/v1/experts").get_json()["facets"]
    for visibility, profile in profiles.items():
        allowed = visibility in EXPECTED[viewer]
        assert can(viewers[viewer], "read", profile) == allowed
        for channel, body in listings.items():
            assert (profile.name in body) == allowed, (viewer, visibility, channel)
        country, language = FACET_VALUES[visibility]
        assert (country in facets["country"]) == allowed, (viewer, visibility, "country facet")
        assert (language in facets["language"]) == allowed, (viewer, visibility, "language facet")
        for url in (f"/experts/{profile.id}", f"/api/v1/experts/{profile.id}", f"/experts/{profile.id}/photo.jpg"):
            response = client.get(url)
            assert response.status_code == (200 if allowed else 404), (viewer, visibility, url)
        contact = client.get(f"/experts/{profile.id}/contact")
        if viewers[viewer] is None:
            assert contact.status_code == 302  # sign in first, whatever the profile
        else:
            assert contact.status_code == (200 if allowed else 404), (viewer, visibility, "contact")
            assert (profile.name in contact.get_data(as_text=True)) == allowed
            posted = client.post(f"/experts/{profile.id}/contact", data={"subject": "s", "body": "b"})
            assert posted.status_code == (302 if allowed else 404), (viewer, visibility, "contact POST")


@pytest.mark.parametrize("viewer", list(EXPECTED))
def test_facet_counts_on_the_directory_page_count_readable_profiles_only(app, world, viewer):
    viewers, profiles = world
    page = _client(app, viewers[viewer]).get("/experts").get_data(as_text=True)
    readable = len(EXPECTED[viewer])
    # Every profile shares the owner's organisation: its facet counts exactly the readable ones.
    assert f"({readable})" in page
    for visibility in VISIBILITIES:
        hidden = visibility not in EXPECTED[viewer]
        assert (f"?country={FACET_VALUES[visibility][0]}" in page) != hidden, (viewer, visibility)
