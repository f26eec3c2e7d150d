"""Upcoming events on the search page: every word of the query in the title, description or
place (folded for any script), readable events only, none with catalogue-only filters."""

from __future__ import annotations

import pytest

from pan_platform.events.queries import search_words
from pan_platform.extensions import db
from tests.events.helpers import make_event
from tests.factories import make_org


@pytest.fixture
def events(app):
    owner = make_org("academy")
    made = {
        "course": make_event(owner, "public", title="Darknet investigation course", place="Vienna",
                             areas=["cybercrime"], languages=["en"]),
        "russian": make_event(owner, "public", title="Курс по КИБЕРПРЕСТУПНОСТИ", areas=["cybercrime"],
                              languages=["ru"]),
        "past": make_event(owner, "public", days=-5, title="Darknet investigation retrospective"),
        "described": make_event(owner, "public", title="Spring seminar", description="Tracing darknet payments",
                                areas=["organized-crime"], languages=["de"]),
    }
    db.session.commit()
    return made


def _shown(client, query: str) -> set[str]:
    response = client.get(f"/search?{query}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    return {title for title in ("Darknet investigation course", "Курс по КИБЕРПРЕСТУПНОСТИ",
                                "Darknet investigation retrospective", "Spring seminar") if title in body}


def test_upcoming_events_holding_every_word(client, events):
    assert _shown(client, "q=darknet") == {"Darknet investigation course", "Spring seminar"}
    assert _shown(client, "q=darknet+vienna") == {"Darknet investigation course"}
    assert _shown(client, "q=darknet+-vienna") == {"Spring seminar"}
    assert _shown(client, "q=киберпреступности") == {"Курс по КИБЕРПРЕСТУПНОСТИ"}
    assert _shown(client, "q=title:DARKNET") == {"Darknet investigation course", "Spring seminar"}


def test_area_and_language_filters_apply_and_catalogue_filters_leave_events_out(client, events):
    assert _shown(client, "q=darknet&area=organized-crime") == {"Spring seminar"}
    assert _shown(client, "q=darknet&language=en") == {"Darknet investigation course"}
    assert _shown(client, "q=darknet&kind=material") == set()
    assert _shown(client, "q=darknet&page=2") == set()
    assert _shown(client, "q=") == set()


def test_the_words_of_a_query():
    assert search_words('"Cyber patrol" OR title:Border -excluded a (x) Кибер') == (
        ["cyber", "patrol", "border", "кибер"], ["excluded"])
    assert search_words("* ? -") == ([], [])
