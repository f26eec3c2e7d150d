"""Decisions on applications by e-mail: the participant, and the person who nominated them,
each in their own language, after the commit; nothing when the decision is refused."""

from __future__ import annotations

import html
from datetime import date

import pytest
from sqlalchemy import select

from pan_platform import mail
from pan_platform.events import operations
from pan_platform.events.models import EventApplication
from pan_platform.extensions import db
from tests.conftest import sign_in
from tests.events.helpers import make_event
from tests.factories import make_org, make_user
from tests.i18n.catalogues import LANGUAGES, SOURCE_LANGUAGE


@pytest.fixture
def people(app):
    owner = make_org("academy", name="Akademie Wien")
    other = make_org("academy")
    organiser = make_user(owner, "editor")
    admin = make_user(other, "org_admin")
    admin.locale = "ru"
    participant = make_user(other, "trainer")
    participant.locale = "de"
    event = make_event(owner, "network", seats=1, title="Cyberstreife 2027")
    db.session.commit()
    return organiser, admin, participant, event


def _to(address: str) -> list[mail.Mail]:
    return [m for m in mail.outbox() if m.to == address]


def _decide(app, organiser, application, decision: str):
    client = app.test_client()
    assert sign_in(client, organiser).status_code == 302
    return client.post(f"/events/applications/{application.id}/decide", data={"decision": decision})


def test_an_accepted_applicant_gets_a_mail_in_german(app, people):
    organiser, _admin, participant, event = people
    application = operations.apply(participant, event)
    assert _decide(app, organiser, application, "accepted").status_code == 302
    [sent] = _to(participant.email)
    assert sent.subject == "Angenommen: Cyberstreife 2027"
    assert "Ihre Bewerbung für „Cyberstreife 2027“ wurde angenommen." in sent.body
    assert f"/de/events/{event.id}" in sent.body and "Akademie Wien" in sent.body
    assert '<html lang="de" dir="ltr">' in sent.html and "Cyberstreife 2027" in html.unescape(sent.html)


def test_a_nomination_decision_reaches_the_participant_and_the_admin_in_their_languages(app, people):
    organiser, admin, participant, event = people
    application = operations.apply(admin, event, participant)
    assert application.nominated_by_id == admin.id
    assert _decide(app, organiser, application, "waitlisted").status_code == 302
    [to_participant] = _to(participant.email)
    [to_admin] = _to(admin.email)
    assert to_participant.subject == "Auf der Warteliste: Cyberstreife 2027"
    assert to_admin.subject == "В листе ожидания: Cyberstreife 2027"
    assert participant.name in to_admin.body and f"/ru/events/{event.id}" in to_admin.body
    mail.outbox().clear()
    assert _decide(app, organiser, application, "declined").status_code == 302
    assert [m.subject for m in _to(participant.email)] == ["Nicht angenommen: Cyberstreife 2027"]
    assert [m.subject for m in _to(admin.email)] == ["Не принята: Cyberstreife 2027"]


def test_no_mail_when_the_decision_is_refused_or_changes_nothing(app, people):
    organiser, admin, participant, event = people
    application = operations.apply(participant, event)
    refused = _decide(app, admin, application, "accepted")  # not the organiser
    assert refused.status_code == 403 and mail.outbox() == []
    assert _decide(app, organiser, application, "maybe").status_code == 302  # a message, not a decision
    assert db.session.get(EventApplication, application.id).status == "pending" and mail.outbox() == []
    _decide(app, organiser, application, "accepted")
    mail.outbox().clear()
    _decide(app, organiser, application, "accepted")  # already accepted: nothing happens
    assert mail.outbox() == []


def test_no_mail_when_no_seat_is_left(app, people):
    organiser, admin, participant, event = people
    first = operations.apply(participant, event)
    second = operations.apply(admin, event)
    _decide(app, organiser, first, "accepted")
    mail.outbox().clear()
    _decide(app, organiser, second, "accepted")  # the only seat is taken
    db.session.expire_all()
    assert db.session.scalar(select(EventApplication.status).where(EventApplication.id == second.id)) == "pending"
    assert mail.outbox() == []


def test_a_freed_seat_moves_nobody_up_by_itself(app, people):
    """Seats are given by the organiser only: declining an accepted participant frees the
    seat and mails that participant; the waiting list waits for the organiser's decision."""
    organiser, admin, participant, event = people
    accepted = operations.apply(participant, event)
    waiting = operations.apply(admin, event)
    _decide(app, organiser, accepted, "accepted")
    _decide(app, organiser, waiting, "waitlisted")
    mail.outbox().clear()
    _decide(app, organiser, accepted, "declined")
    db.session.expire_all()
    assert db.session.get(EventApplication, waiting.id).status == "waitlisted"
    assert [m.to for m in mail.outbox()] == [participant.email]


@pytest.mark.parametrize("decision", ["accepted", "waitlisted", "declined"])
@pytest.mark.parametrize("nominated", [False, True])
def test_every_variant_is_translated(app, decision, nominated):
    context = {"name": "Anna Huber", "participant": "Ivan Petrov", "nominated": nominated, "decision": decision,
               "title": "Cyberstreife", "day": date(2027, 3, 10), "organiser": "SIAK",
               "link": "https://pan.example/xx/events/1"}
    with app.test_request_context("/"):
        english = mail.render("event_decision", SOURCE_LANGUAGE, **context)
        for language in LANGUAGES:
            subject, text, page = mail.render("event_decision", language, **context)
            assert "Cyberstreife" in subject and "{{" not in text + page and "%(" not in text + page
            assert (not nominated) or "Ivan Petrov" in text
            if language != SOURCE_LANGUAGE:
                assert subject != english[0] and text != english[1], (language, decision, nominated)
