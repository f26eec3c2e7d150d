"""The experts directory, profile, form, contact and message pages, and the relayed e-mail,
in each of the seven languages: no English interface string left (content aside)."""

from __future__ import annotations

import html
import re
from types import SimpleNamespace

import pytest

from pan_platform import mail
from pan_platform.experts.models import ContactMessage
from pan_platform.extensions import db
from tests.experts.helpers import make_profile
from tests.factories import PASSWORD, make_org, make_user
from tests.i18n.catalogues import LANGUAGES, SOURCE_LANGUAGE, load_catalogue, message_pattern
from tests.i18n.pages import english_strings, html_attribute


@pytest.fixture
def directory(app, content):
    partner = make_org("partner", slug="unodc", name="UNODC", country=None)
    reader = make_user(partner, "trainer", email="leserin@unodc.example")
    profile = make_profile(content.editor, "partners", "all", name="Anna Huber", headline="Ausbilderin",
                           bio="Kriminalpolizei.", training="Seminare.", language="de", areas=["cybercrime"],
                           languages_spoken=["de"], languages_taught=["de"], availability=["exchanges", "missions"])
    profile.confirmed_at = profile.consent_at
    message = ContactMessage(sender_id=reader.id, recipient_id=content.editor.id, subject="Seminar",
                             body="Hallo.", profile_id=profile.id)
    db.session.add(message)
    db.session.commit()
    return SimpleNamespace(profile=profile, reader=reader, message=message)


@pytest.mark.parametrize("language", LANGUAGES)
def test_expert_pages_speak_the_language(client, content, directory, language: str) -> None:
    catalogue = load_catalogue(language)
    profile_id, message_id = directory.profile.id, directory.message.id
    client.post(f"/{language}/sign-in", data={"email": content.editor.email, "password": PASSWORD})
    pages = {
        "directory": f"/{language}/experts",
        "directory, filtered": f"/{language}/experts?area=cybercrime&language=de",
        "directory, nothing found": f"/{language}/experts?q=zzqqxx",
        "profile": f"/{language}/experts/{profile_id}",
        "own profile form": f"/{language}/account/expert-profile",
        "messages": f"/{language}/messages",
        "message": f"/{language}/messages/{message_id}",
        "notifications": f"/{language}/notifications",
        "search with experts": f"/{language}/search?q=Huber",
    }
    other = client.application.test_client()
    other.post(f"/{language}/sign-in", data={"email": directory.reader.email, "password": PASSWORD})
    left = {}
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (language, name)
        page = response.get_data(as_text=True)
        assert html_attribute(page, "html", "dir") == ("rtl" if language == "ar" else "ltr")
        if language != "en":
            left[name] = english_strings(page, catalogue)
    contact = other.get(f"/{language}/experts/{profile_id}/contact")
    assert contact.status_code == 200
    if language != "en":
        left["contact"] = english_strings(contact.get_data(as_text=True), catalogue)
    left = {name: strings for name, strings in left.items() if strings}
    assert not left, f"English interface strings on {language} pages: {left}"


def test_the_relayed_mail_is_in_every_language(app, content, directory):
    message = directory.message
    for answer in (False, True):
        message.reply_to_id = message.id if answer else None
        with app.test_request_context("/"):
            english = mail.render("contact_message", SOURCE_LANGUAGE, message=message, recipient=content.editor,
                                  link="https://pan.example/xx/link")
        for language in LANGUAGES:
            with app.test_request_context("/"):
                subject, text, page = mail.render("contact_message", language, message=message,
                                                  recipient=content.editor, link="https://pan.example/xx/link")
            assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}">' in page
            assert directory.reader.email not in text or answer
            if language == SOURCE_LANGUAGE:
                continue
            assert (subject, text) != english[:2], language
            readable = html.unescape(re.sub(r"<[^>]+>", " ", page))
            for source in ("wrote to you through PAN Platform", "answered your message", "Read and answer it",
                           "Message through PAN Platform", "You may write to them directly"):
                assert not message_pattern(source).search(subject + text + readable), (language, source)
