"""Every e-mail reads in the recipient's language, in both its parts (plain text and HTML)."""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from email import message_from_bytes
from types import SimpleNamespace

import pytest
from babel.messages.extract import extract_from_file
from flask_babel import force_locale

from config import BASE_DIR
from pan_platform import mail
from pan_platform.accounts.models import ROLES
from pan_platform.extensions import db
from tests.conftest import sign_in
from tests.factories import make_org, make_user
from tests.i18n.catalogues import KEYWORDS, LANGUAGES, SOURCE_LANGUAGE, message_pattern

MAIL_TEMPLATES = BASE_DIR / "pan_platform" / "templates" / "mail"
LINK = "https://pan.example/xx/link/abc"
# Names without English words, so that any English left in a rendered mail is the template's.
APPLICATION = SimpleNamespace(contact_name="Anna Huber", name="Sicherheitsakademie", reason="Nein.")
ORGANISATION = SimpleNamespace(name="Sicherheitsakademie")
PERSON = SimpleNamespace(name="Anna Huber")
REQUEST = SimpleNamespace(
    item=SimpleNamespace(localized=lambda language: {"title": f"Handbuch ({language})"}),
    organisation=SimpleNamespace(display_name="SIAK"),
    reason="Schulung.", valid_until=datetime(2027, 3, 1), decision_reason="Nein.",
)
DIGEST_ITEM = SimpleNamespace(id=1, owner=ORGANISATION,
                              localized=lambda language: {"title": f"Handbuch ({language})", "language": "de"})
# Every e-mail and what its callers pass it.
CONTEXTS = {
    "application_received": {"application": APPLICATION},
    "application_refused": {"application": APPLICATION},
    "organisation_suspended": {"user": PERSON, "organisation": ORGANISATION, "reason": "Nein."},
    "invitation": {"organisation": ORGANISATION, "role_label": ROLES["trainer"], "link": LINK, "days": 7},
    "password_changed": {"user": PERSON},
    "password_reset": {"user": PERSON, "link": LINK, "minutes": 60},
    "sharing_request_approved": {"request": REQUEST, "user": PERSON, "link": LINK},
    "sharing_request_new": {"request": REQUEST, "user": PERSON, "link": LINK},
    "sharing_request_refused": {"request": REQUEST, "user": PERSON, "link": LINK},
    "event_decision": {"name": "Anna Huber", "participant": "Ivan Petrov", "nominated": True, "decision": "waitlisted",
                       "title": "Cyberstreife", "day": date(2027, 3, 10), "organiser": "SIAK", "link": LINK},
    "saved_search_digest": {"user": PERSON, "saved": SimpleNamespace(name="Kokain"), "items": [DIGEST_ITEM],
                            "links": {1: LINK}, "search_link": LINK, "unsubscribe_link": LINK, "manage_link": LINK},
}


def _english_sentences(name: str) -> list[str]:
    """The msgids of the mail's two templates (the English the sender wrote)."""
    found = set()
    for suffix in ("txt", "html"):
        for _lineno, message, _comments, _context in extract_from_file(
            "jinja2", str(MAIL_TEMPLATES / f"{name}.{suffix}"), keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return sorted(found)


def _render(app, name: str, locale: str) -> tuple[str, str, str]:
    with app.test_request_context("/"):
        return mail.render(name, locale, **CONTEXTS[name])


def test_every_mail_template_is_covered():
    on_disk = {path.stem for path in MAIL_TEMPLATES.glob("*.txt")}
    assert on_disk == set(CONTEXTS)
    assert on_disk == {path.stem for path in MAIL_TEMPLATES.glob("*.html") if not path.stem.startswith("_")}


@pytest.mark.parametrize("name", sorted(CONTEXTS))
def test_mail_is_rendered_in_every_language(app, name):
    english = _render(app, name, SOURCE_LANGUAGE)
    sentences = _english_sentences(name)
    assert sentences and all(message_pattern(s) for s in sentences)
    problems = []
    for locale in LANGUAGES:
        subject, text, page = _render(app, name, locale)
        readable = html.unescape(re.sub(r"<[^>]+>", " ", page))
        if "request" in CONTEXTS[name]:  # the item's title in the reader's language, when translated
            assert f"Handbuch ({locale})" in subject + text and f"Handbuch ({locale})" in page
        for part, value in (("subject", subject), ("text", text), ("html", page)):
            if "{{" in value or "{%" in value or "%(" in value:
                problems.append(f"{locale} {part}: a placeholder is left")
        if f'<html lang="{locale}" dir="{"rtl" if locale == "ar" else "ltr"}">' not in page:
            problems.append(f"{locale}: the HTML part does not declare its language and direction")
        if locale == SOURCE_LANGUAGE:
            continue
        for part, value, source in zip(("subject", "text", "html"), (subject, text, page), english, strict=True):
            if value == source:
                problems.append(f"{locale} {part}: the same as the English one")
        for sentence in sentences:
            pattern = message_pattern(sentence)
            for part, value in (("subject", subject), ("text", text), ("html", readable)):
                if pattern.search(value):
                    problems.append(f"{locale} {part}: English left: {sentence!r}")
    assert not problems, "\n".join(problems)


def test_an_invitation_to_a_german_reader(app, client):
    org = make_org(slug="siak", name="Sicherheitsakademie")
    admin = make_user(org, "org_admin")
    db.session.commit()
    sign_in(client, admin)
    response = client.post(f"/organisations/{org.slug}/people/invite",
                           data={"email": "neu@siak.example", "role": "trainer", "locale": "de", "name": ""})
    assert response.status_code == 302
    [sent] = [m for m in mail.outbox() if m.to == "neu@siak.example"]
    with force_locale("de"):
        role = str(ROLES["trainer"])
    assert role == "Ausbilder"
    assert sent.subject == "Einladung, Sicherheitsakademie auf PAN Platform beizutreten"
    sentence = f"Sie wurden eingeladen, Sicherheitsakademie auf PAN Platform, der Plattform des Netzwerks der " \
               f"Polizeiakademien, als {role} beizutreten."
    assert sentence in sent.body
    assert sentence in html.unescape(sent.html) and '<html lang="de" dir="ltr">' in sent.html
    assert "/de/" in sent.body and "Police Academies" not in sent.body + sent.html


def test_the_smtp_message_has_both_parts(app, monkeypatch):
    captured = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_message(self, message):
            captured.append(message_from_bytes(message.as_bytes()))

    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    app.config.update(PAN_MAIL_BACKEND=None, PAN_SMTP_HOST="smtp.example.org", PAN_SMTP_STARTTLS=False,
                      PAN_SMTP_USER=None)
    with app.test_request_context("/"):
        mail.send_template("a@example.org", "password_changed", "ar", user=PERSON)
    [message] = captured
    assert message.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part.get_payload(decode=True).decode() for part in message.get_payload()}
    assert set(parts) == {"text/plain", "text/html"}
    assert "Anna Huber" in parts["text/plain"] and '<html lang="ar" dir="rtl">' in parts["text/html"]
