"""Country profiles: who may edit, submit, publish and send back (refused POSTs change
nothing); the published text stays while a new version is reviewed; translations of the
description; the history of versions; the seed's countries."""

from __future__ import annotations

import csv
import re

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from config import BASE_DIR
from pan_platform.access import can
from pan_platform.countries.models import CountryProfileVersion
from pan_platform.extensions import db
from pan_platform.organisations.models import Country
from tests.conftest import sign_in
from tests.countries.helpers import make_version
from tests.factories import ensure_country, make_org, make_user

PARTICIPATING = set(
    "AL AD AM AT AZ BY BE BA BG CA HR CY CZ DK EE FI FR GE DE GR VA HU IS IE IT KZ KG LV LI LT LU MT MD MC MN ME "
    "NL MK NO PL PT RO RU SM RS SK SI ES SE CH TJ TR TM UA GB US UZ".split()
)
PARTNERS = set("AF AU JP KR TH DZ EG IL JO MA TN".split())

FORM = {
    "language": "de", "description_de": "Deutscher Text der Akademie.", "description_en": "English text of the academy.",
    "languages": ["de", "en"], "contacts": "desk@academy.example\nsecond@academy.example", "action": "save",
}

ROLES = ("writer", "writer_editor", "other_country_admin", "partner_admin_same_country",
         "reviewer_editor", "reviewer_admin", "secretariat_trainer", "platform_admin", "anonymous")
WRITERS = {"writer", "platform_admin"}
REVIEWERS = {"reviewer_editor", "reviewer_admin", "platform_admin"}


@pytest.fixture
def world(app):
    ensure_country("AT")
    ensure_country("DE")
    academy = make_org("academy", country="AT")
    other = make_org("academy", country="DE")
    partner = make_org("partner", country="AT")
    secretariat = make_org("secretariat", country="AT")
    people = {
        "writer": make_user(academy, "org_admin"),
        "writer_editor": make_user(academy, "editor"),
        "other_country_admin": make_user(other, "org_admin"),
        "partner_admin_same_country": make_user(partner, "org_admin"),
        "reviewer_editor": make_user(secretariat, "editor"),
        "reviewer_admin": make_user(secretariat, "org_admin"),
        "secretariat_trainer": make_user(secretariat, "trainer"),
        "platform_admin": make_user(secretariat, "platform_admin"),
        "anonymous": None,
    }
    db.session.commit()
    return db.session.get(Country, "AT"), people


def _client(app, user):
    client = app.test_client()
    if user is not None:
        assert sign_in(client, user).status_code == 302
    return client


def _snapshot(code="AT"):
    db.session.expire_all()
    return [
        (v.number, v.state, v.language, dict(v.descriptions), list(v.languages), v.contacts, v.review_comment)
        for v in db.session.scalars(select(CountryProfileVersion).where(CountryProfileVersion.country_code == code)
                                    .order_by(CountryProfileVersion.number))
    ]


def _refused(response, user):
    expected = 302 if user is None else 403  # anonymous: to the sign-in page
    assert response.status_code == expected
    if user is None:
        assert "/sign-in" in response.headers["Location"]


def test_the_seed_lists_every_participating_state_and_partner_for_cooperation():
    with open(BASE_DIR / "seed_data" / "countries.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["code"] for r in rows if r["kind"] == "participating"} == PARTICIPATING
    assert {r["code"] for r in rows if r["kind"] == "partner"} == PARTNERS
    assert len(rows) == 68 == len({r["code"] for r in rows})


@pytest.mark.parametrize("role", ROLES)
def test_who_may_edit_submit_and_review(world, role):
    country, people = world
    user = people[role]
    assert can(user, "edit_profile", country) == (role in WRITERS)
    assert can(user, "submit_profile", country) == (role in WRITERS)
    assert can(user, "review_profile", country) == (role in REVIEWERS)
    assert can(user, "view_profile_history", country) == (role in WRITERS | REVIEWERS)
    assert not can(user, "unknown_action", country)


@pytest.mark.parametrize("role", sorted(set(ROLES) - WRITERS))
def test_refused_edits_and_submissions_change_nothing(app, world, role):
    country, people = world
    make_version("AT", "draft", number=1)
    db.session.commit()
    before = _snapshot()
    client = _client(app, people[role])
    _refused(client.post("/countries/AT/edit", data={**FORM, "action": "submit"}), people[role])
    _refused(client.post("/countries/AT/submit"), people[role])
    assert _snapshot() == before


@pytest.mark.parametrize("role", sorted(set(ROLES) - REVIEWERS))
def test_refused_decisions_change_nothing(app, world, role):
    country, people = world
    make_version("AT", "published", number=1)
    make_version("AT", "submitted", number=2, en="The text in review.")
    db.session.commit()
    before = _snapshot()
    client = _client(app, people[role])
    _refused(client.post("/countries/AT/publish"), people[role])
    _refused(client.post("/countries/AT/send-back", data={"comment": "Please shorten."}), people[role])
    assert _snapshot() == before


def test_edit_submit_publish_keeps_the_published_text_until_the_new_one_is_published(app, world):
    country, people = world
    writer = _client(app, people["writer"])
    reviewer = _client(app, people["reviewer_editor"])
    assert writer.post("/countries/AT/edit", data=FORM).status_code == 302
    assert _snapshot()[0][:2] == (1, "draft")
    assert "Deutscher Text" not in app.test_client().get("/de/countries/AT").get_data(as_text=True)
    assert writer.post("/countries/AT/submit").status_code == 302
    assert reviewer.post("/countries/AT/publish").status_code == 302
    assert [v[:2] for v in _snapshot()] == [(1, "published")]
    assert "Deutscher Text der Akademie." in app.test_client().get("/de/countries/AT").get_data(as_text=True)

    # A second version: written and submitted while the first stays on the page.
    second = {**FORM, "description_de": "Neuer Text in Prüfung.", "action": "submit"}
    assert writer.post("/countries/AT/edit", data=second).status_code == 302
    assert [v[:2] for v in _snapshot()] == [(1, "published"), (2, "submitted")]
    public = app.test_client().get("/de/countries/AT").get_data(as_text=True)
    assert "Deutscher Text der Akademie." in public and "Neuer Text in Prüfung." not in public
    # Nothing can be changed while it waits for review.
    before = _snapshot()
    refused = writer.post("/countries/AT/edit", data={**FORM, "description_de": "Dazwischen."})
    assert refused.status_code == 422 and _snapshot() == before

    # Sent back with a comment, corrected, resubmitted and published.
    empty = reviewer.post("/countries/AT/send-back", data={"comment": "  "})
    assert empty.status_code == 303 and _snapshot() == before
    assert reviewer.post("/countries/AT/send-back", data={"comment": "Bitte kürzer."}).status_code == 302
    assert _snapshot()[1][1] == "returned" and _snapshot()[1][6] == "Bitte kürzer."
    assert "Bitte kürzer." in writer.get("/countries/AT/edit").get_data(as_text=True)
    assert reviewer.post("/countries/AT/publish").status_code == 303  # nothing submitted now
    assert [v[:2] for v in _snapshot()] == [(1, "published"), (2, "returned")]
    third = {**FORM, "description_de": "Kürzerer Text.", "action": "submit"}
    assert writer.post("/countries/AT/edit", data=third).status_code == 302
    assert [v[:2] for v in _snapshot()] == [(1, "published"), (2, "submitted")]
    assert reviewer.post("/countries/AT/publish").status_code == 302
    assert [v[:2] for v in _snapshot()] == [(1, "superseded"), (2, "published")]
    assert "Kürzerer Text." in app.test_client().get("/de/countries/AT").get_data(as_text=True)


def test_bad_input_is_refused_with_a_message_and_changes_nothing(app, world):
    country, people = world
    writer = _client(app, people["writer"])
    cases = [
        {**FORM, "description_de": ""},  # the original language has no text
        {**FORM, "language": "xx"},
        {**FORM, "languages": ["de", "klingon"]},
        {**FORM, "description_en": "x" * 10_001},
        {**FORM, "contacts": "y" * 2_001},
    ]
    for data in cases:
        response = writer.post("/countries/AT/edit", data=data)
        assert response.status_code == 422
        assert 'class="field-error"' in response.get_data(as_text=True)
        assert _snapshot() == []
    assert writer.post("/countries/AT/submit").status_code == 303  # no draft to submit
    assert _snapshot() == []
    assert app.test_client().get("/countries/XX").status_code == 404
    assert app.test_client().get("/countries/a%20").status_code == 404
    assert writer.get("/countries/AT/history/99").status_code == 404


def test_the_description_is_shown_in_the_viewers_language_or_in_its_original(app, world):
    make_version("AT", "published", language="de", de="Deutsche Beschreibung.", en="English description.",
                 ar="وصف باللغة العربية.")
    db.session.commit()
    client = app.test_client()
    german = client.get("/de/countries/AT").get_data(as_text=True)
    assert "Deutsche Beschreibung." in german and "English description." not in german
    english = client.get("/en/countries/AT").get_data(as_text=True)
    assert "English description." in english and "Deutsche Beschreibung." not in english
    arabic = client.get("/ar/countries/AT").get_data(as_text=True)
    assert '<div class="description" lang="ar" dir="rtl">' in arabic and "وصف باللغة العربية." in arabic
    french = client.get("/fr/countries/AT").get_data(as_text=True)
    assert "Deutsche Beschreibung." in french and '<div class="description" lang="de" dir="ltr">' in french
    assert "allemand" in french  # the note names the language it is shown in


def test_the_history_lists_every_version_for_writers_and_reviewers_only(app, world):
    country, people = world
    make_version("AT", "superseded", number=1, en="First text.")
    make_version("AT", "published", number=2, en="Second text.")
    make_version("AT", "draft", number=3, en="Third text, a draft.")
    db.session.commit()
    for role in ("writer", "reviewer_editor"):
        client = _client(app, people[role])
        page = client.get("/countries/AT/history").get_data(as_text=True)
        assert all(f"/countries/AT/history/{n}" in page for n in (1, 2, 3))
        assert "First text." in client.get("/countries/AT/history/1").get_data(as_text=True)
        assert "Third text, a draft." in client.get("/countries/AT/history/3").get_data(as_text=True)
    for role in ("writer_editor", "other_country_admin", "secretariat_trainer", "anonymous"):
        client = _client(app, people[role])
        for url in ("/countries/AT/history", "/countries/AT/history/3"):
            _refused(client.get(url), people[role])
        page = client.get("/countries/AT").get_data(as_text=True)
        assert "Second text." in page and "Third text, a draft." not in page and "First text." not in page


def test_every_page_answers_in_every_language(app, world):
    country, people = world
    make_version("AT", "published", number=1)
    make_version("AT", "submitted", number=2)
    db.session.commit()
    writer, reviewer = _client(app, people["writer"]), _client(app, people["reviewer_admin"])
    for lang in app.config["PAN_LANGUAGES"]:
        for client, url in ((app.test_client(), "/countries"), (app.test_client(), "/countries/AT"),
                            (reviewer, "/countries"), (reviewer, "/countries/AT"), (writer, "/countries/AT/history"),
                            (writer, "/countries/AT/history/2"), (_client(app, people["writer"]), "/countries/DE")):
            response = client.get(f"/{lang}{url}")
            assert response.status_code == 200, (lang, url)
            body = response.get_data(as_text=True)
            assert f'lang="{lang}"' in body
            ids = re.findall(r'\sid="([^"]+)"', body)
            assert len(ids) == len(set(ids)), (lang, url)
        with app.test_request_context(), force_locale(lang):
            heading, state = gettext("Partners for Co-operation"), gettext("Submitted for review")
        assert heading in app.test_client().get(f"/{lang}/countries").get_data(as_text=True)
        assert state in reviewer.get(f"/{lang}/countries/AT").get_data(as_text=True)
        assert (heading == "Partners for Co-operation") == (lang == "en")
        assert ('dir="rtl"' in app.test_client().get(f"/{lang}/countries").get_data(as_text=True)) == (lang == "ar")


def test_the_organisation_page_and_the_index_lead_to_the_profile(app, world):
    academy = make_org("academy", slug="academy-of-austria", country="AT")
    db.session.commit()
    page = app.test_client().get(f"/en/organisations/{academy.slug}").get_data(as_text=True)
    assert 'href="/en/countries/AT"' in page
    index = app.test_client().get("/en/countries").get_data(as_text=True)
    assert 'href="/en/countries/AT"' in index and 'href="/en/countries/DE"' in index
    assert index.index('id="group-participating"') < index.index('id="country-AT"') < index.index('id="group-partner"')
