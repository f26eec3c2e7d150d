"""Expert profiles: consent, photo, export, delete, confirmation by the academy; messages
relayed by e-mail without revealing the sender's address, rate-limited, in the recipient's language."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image
from sqlalchemy import func, select

from pan_platform.experts.models import ContactMessage, ExpertProfile
from pan_platform.extensions import db
from pan_platform.mail import outbox
from tests.conftest import sign_in
from tests.experts.helpers import make_profile
from tests.factories import make_item, make_org, make_user

FORM = {"name": "Maria Gruber", "headline": "Cyber-crime trainer", "bio": "Digital forensics.", "training": "Courses",
        "language": "en", "country_code": "AT", "areas": ["cybercrime"], "languages_spoken": ["de", "en"],
        "languages_taught": ["en"], "availability": ["exchanges"], "visibility": "network"}


def _client(app, user):
    client = app.test_client()
    assert sign_in(client, user).status_code == 302
    return client


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (900, 600), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def people(app):
    academy = make_org("academy")
    partner = make_org("partner")
    other = make_org("academy", country="DE")
    people = {
        "trainer": make_user(academy, "trainer"),
        "org_admin": make_user(academy, "org_admin"),
        "editor": make_user(academy, "editor"),
        "partner": make_user(partner, "trainer"),
        "other_admin": make_user(other, "org_admin"),
        "colleague": make_user(other, "trainer"),
    }
    db.session.commit()
    return people


def test_no_profile_without_consent(app, people):
    client = _client(app, people["trainer"])
    response = client.post("/account/expert-profile", data=FORM)
    assert response.status_code == 422
    assert "agree to be listed" in response.get_data(as_text=True)
    assert _count(ExpertProfile) == 0


def test_profile_made_with_consent_and_a_sanitised_photo(app, people):
    client = _client(app, people["trainer"])
    data = {**FORM, "consent": "y", "photo": (io.BytesIO(_png()), "me.png")}
    response = client.post("/account/expert-profile", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    profile = db.session.scalar(select(ExpertProfile))
    assert profile.user_id == people["trainer"].id and profile.consent_at is not None
    assert profile.visibility == "network" and profile.areas == ["cybercrime"]
    photo = client.get(f"/experts/{profile.id}/photo.jpg")
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(photo.data)) as image:
        assert image.format == "JPEG" and max(image.size) <= 400


def test_a_non_image_photo_is_refused_with_a_message(app, people):
    client = _client(app, people["trainer"])
    data = {**FORM, "consent": "y", "photo": (io.BytesIO(b"%PDF-1.4 not a picture"), "me.jpg")}
    response = client.post("/account/expert-profile", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "must be a JPEG, PNG, GIF or WebP image" in response.get_data(as_text=True)
    assert _count(ExpertProfile) == 0


def test_bad_choices_are_refused_with_a_message(app, people):
    client = _client(app, people["trainer"])
    response = client.post("/account/expert-profile", data={**FORM, "consent": "y", "areas": ["nonsense"]})
    assert response.status_code == 422
    assert "Please choose from the list." in response.get_data(as_text=True)
    assert _count(ExpertProfile) == 0


def test_export_holds_the_profile_data(app, people):
    profile = make_profile(people["trainer"], name="Exported Person", areas=["terrorism"])
    db.session.commit()
    response = _client(app, people["trainer"]).get("/account/expert-profile/export")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["id"] == profile.id and data["name"] == "Exported Person" and data["priority_areas"] == ["terrorism"]
    assert data["consent_at"]
    assert _client(app, people["colleague"]).get("/account/expert-profile/export").status_code == 404


def test_delete_removes_the_profile_everywhere(app, people):
    profile = make_profile(people["trainer"], "public", name="Deletable Zebra")
    db.session.commit()
    profile_id = profile.id
    anonymous = app.test_client()
    assert "Deletable Zebra" in anonymous.get("/experts").get_data(as_text=True)
    client = _client(app, people["trainer"])
    first = client.post("/account/expert-profile/delete")
    assert first.status_code == 200 and _count(ExpertProfile) == 1  # asks first
    assert client.post("/account/expert-profile/delete", data={"confirm": "1"}).status_code == 302
    assert _count(ExpertProfile) == 0
    assert "Deletable Zebra" not in anonymous.get("/experts").get_data(as_text=True)
    assert anonymous.get(f"/experts/{profile_id}").status_code == 404
    assert anonymous.get(f"/api/v1/experts/{profile_id}").status_code == 404
    assert "Deletable Zebra" not in anonymous.get("/api/v1/experts").get_data(as_text=True)
    assert "Deletable Zebra" not in anonymous.get("/search?q=Zebra").get_data(as_text=True)


def test_only_the_person_edits_their_profile(app, people):
    profile = make_profile(people["trainer"], name="Original Name")
    db.session.commit()
    other = _client(app, people["editor"])
    # Another user's form edits (or creates) their own profile only.
    other.post("/account/expert-profile", data={**FORM, "name": "Changed"})
    db.session.refresh(profile)
    assert profile.name == "Original Name"


def test_org_admin_of_the_academy_confirms(app, people):
    profile = make_profile(people["trainer"])
    db.session.commit()
    refused = _client(app, people["other_admin"]).post(f"/experts/{profile.id}/confirm")
    assert refused.status_code == 403
    db.session.refresh(profile)
    assert profile.confirmed_at is None
    assert _client(app, people["trainer"]).post(f"/experts/{profile.id}/confirm").status_code == 403
    db.session.refresh(profile)
    assert profile.confirmed_at is None
    admin = _client(app, people["org_admin"])
    assert admin.post(f"/experts/{profile.id}/confirm").status_code == 302
    db.session.refresh(profile)
    assert profile.confirmed_by_id == people["org_admin"].id
    assert "Confirmed by the academy" in admin.get(f"/experts/{profile.id}").get_data(as_text=True)
    admin.post(f"/experts/{profile.id}/confirm", data={"action": "withdraw"})
    db.session.refresh(profile)
    assert profile.confirmed_at is None


def test_contact_is_relayed_without_the_senders_address(app, people):
    expert = people["trainer"]
    expert.locale = "de"
    profile = make_profile(expert, "partners", "all")
    db.session.commit()
    sender = people["partner"]
    client = _client(app, sender)
    response = client.post(f"/experts/{profile.id}/contact", data={"subject": "Course in May", "body": "Could you teach?"})
    assert response.status_code == 302
    (mail,) = outbox()
    assert mail.to == expert.email
    assert sender.email not in mail.body and sender.email not in mail.html
    assert "Could you teach?" in mail.body
    assert "Nachricht über PAN Platform" in mail.subject  # the recipient's language
    message = db.session.scalar(select(ContactMessage))
    assert f"/de/messages/{message.id}" in mail.body
    # The recipient reads it on the platform: still no address, until they answer.
    reader = _client(app, expert)
    page = reader.get(f"/messages/{message.id}").get_data(as_text=True)
    assert "Could you teach?" in page and sender.email not in page
    assert "Course in May" in reader.get("/notifications").get_data(as_text=True)
    # The sender cannot answer their own message; a stranger cannot read it.
    assert client.post(f"/messages/{message.id}", data={"body": "x"}).status_code == 403
    assert _client(app, people["colleague"]).get(f"/messages/{message.id}").status_code == 404
    answer = reader.post(f"/messages/{message.id}", data={"body": "Yes, gladly."})
    assert answer.status_code == 302
    assert sender.email in reader.get(f"/messages/{message.id}").get_data(as_text=True)
    reply_mail = outbox()[-1]
    assert reply_mail.to == sender.email and expert.email in reply_mail.body and "Yes, gladly." in reply_mail.body


def test_contact_is_rate_limited_per_sender(app, people):
    app.config["PAN_CONTACT_RATE_LIMIT"] = 2
    profile = make_profile(people["trainer"], "partners", "all")
    db.session.commit()
    client = _client(app, people["partner"])
    for _ in range(2):
        assert client.post(f"/experts/{profile.id}/contact", data={"subject": "Hi", "body": "Hello"}).status_code == 302
    refused = client.post(f"/experts/{profile.id}/contact", data={"subject": "Hi", "body": "Hello"})
    assert refused.status_code == 429
    assert "many messages" in refused.get_data(as_text=True)
    assert _count(ContactMessage) == 2 and len(outbox()) == 2


def test_invalid_messages_are_refused(app, people):
    profile = make_profile(people["trainer"], "public")
    db.session.commit()
    client = _client(app, people["partner"])
    assert client.post(f"/experts/{profile.id}/contact", data={"subject": "", "body": "x"}).status_code == 422
    assert client.post(f"/experts/{profile.id}/contact", data={"subject": "s", "body": "x" * 6000}).status_code == 422
    assert _count(ContactMessage) == 0 and outbox() == []
    assert app.test_client().post(f"/experts/{profile.id}/contact", data={"subject": "s", "body": "b"}).status_code == 302
    assert _count(ContactMessage) == 0  # anonymous: sent to sign in


def test_contact_the_owner_academy_reaches_its_editors_and_admins(app, people):
    item = make_item(people["trainer"].organisation, visibility="public", title="Handbook")
    people["org_admin"].locale = "fr"
    db.session.commit()
    client = _client(app, people["colleague"])
    assert "Contact the owner academy" in client.get(f"/items/{item.id}").get_data(as_text=True)
    response = client.post(f"/items/{item.id}/contact", data={"subject": "Reuse", "body": "May we translate it?"})
    assert response.status_code == 302
    recipients = {m.to: m for m in outbox()}
    assert set(recipients) == {people["org_admin"].email, people["editor"].email}
    assert all(people["colleague"].email not in m.body for m in outbox())
    assert "Message via PAN Platform" in recipients[people["org_admin"].email].subject


def test_hidden_item_contact_form_is_404(app, people):
    item = make_item(people["trainer"].organisation, visibility="private", title="Secret")
    db.session.commit()
    client = _client(app, people["colleague"])
    assert client.get(f"/items/{item.id}").status_code == 404
    assert client.get(f"/items/{item.id}/contact").status_code == 404
    assert client.post(f"/items/{item.id}/contact", data={"subject": "s", "body": "b"}).status_code == 404
    assert client.get("/items/999999/contact").status_code == 404
    assert _count(ContactMessage) == 0


def test_directory_facets_and_filters(app, people):
    make_profile(people["trainer"], "public", name="Anna Area", areas=["terrorism"], languages_spoken=["fr"])
    make_profile(people["colleague"], "public", name="Bert Bureau", areas=["cybercrime"], languages_spoken=["de"],
                 country_code="DE")
    db.session.commit()
    client = app.test_client()
    page = client.get("/experts?area=terrorism").get_data(as_text=True)
    assert "Anna Area" in page and "Bert Bureau" not in page
    page = client.get("/experts?language=de").get_data(as_text=True)
    assert "Bert Bureau" in page and "Anna Area" not in page
    data = client.get("/api/v1/experts?country=DE").get_json()
    assert [row["name"] for row in data["data"]] == ["Bert Bureau"]
    assert data["facets"]["country"] == {"AT": 1, "DE": 1}  # each facet counted without its own filter
    assert data["facets"]["area"] == {"cybercrime": 1}


def test_the_person_adds_and_removes_a_translation(app, people):
    profile = make_profile(people["trainer"], language="en", headline="Trainer")
    db.session.commit()
    client = _client(app, people["trainer"])
    data = {**FORM, "translation_language": "fr", "translation_headline": "Formateur en cybercriminalité"}
    assert client.post("/account/expert-profile", data=data).status_code == 302
    db.session.refresh(profile)
    assert profile.translations == {"fr": {"headline": "Formateur en cybercriminalité"}}
    page = app.test_client().get(f"/fr/experts/{profile.id}")
    assert page.status_code == 404  # network profile: anonymous visitors see nothing
    reader = _client(app, people["colleague"])
    assert "Formateur en cybercriminalité" in reader.get(f"/fr/experts/{profile.id}").get_data(as_text=True)
    assert "Formateur en cybercriminalité" not in reader.get(f"/de/experts/{profile.id}").get_data(as_text=True)
    assert client.post("/account/expert-profile", data={**FORM, "remove_translations": ["fr"]}).status_code == 302
    db.session.refresh(profile)
    assert profile.translations == {}


def test_a_photo_over_the_size_limit_is_refused(app, people):
    app.config["PAN_EXPERT_PHOTO_MAX_MB"] = 0.001
    client = _client(app, people["trainer"])
    data = {**FORM, "consent": "y", "photo": (io.BytesIO(_png() + b"\0" * 2000), "me.png")}
    response = client.post("/account/expert-profile", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "The photo is too large (at most 0.001 MB)." in response.get_data(as_text=True)
    assert _count(ExpertProfile) == 0
