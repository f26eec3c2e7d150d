"""After signing in, people land on the page of their own work, unless `next` says otherwise."""

from __future__ import annotations

import pytest

from pan_platform.extensions import db
from pan_platform.sharing.models import AccessRequest, Notification
from tests.conftest import sign_in
from tests.factories import PASSWORD, make_item, make_org, make_user


def _location(response) -> str:
    assert response.status_code == 302
    return response.headers["Location"]


def test_an_editor_lands_on_the_start_page_with_what_waits(app, client):
    academy = make_org()
    editor = make_user(academy, "editor")
    item = make_item(academy, title="Handbook")
    partner = make_org("partner")
    db.session.add_all([
        AccessRequest(item=item, organisation=partner, reason="Training"),
        Notification(user=editor, kind="access_new", item=item),
    ])
    db.session.commit()
    assert _location(sign_in(client, editor)).endswith("/start")
    for url in ("/start", "/workspace/"):  # the same summary on both
        page = client.get(url).get_data(as_text=True)
        assert "Waiting for you" in page and "1 request for access to decide" in page, url
        assert "1 unread notification" in page, url


def test_a_trainer_lands_on_the_start_page_without_requests_to_decide(app, client):
    academy = make_org()
    trainer = make_user(academy, "trainer")
    item = make_item(academy, title="Handbook")
    db.session.add_all([AccessRequest(item=item, organisation=make_org("partner"), reason="Training"),
                        Notification(user=trainer, kind="access_new", item=item)])
    db.session.commit()
    assert _location(sign_in(client, trainer)).endswith("/start")
    page = client.get("/start").get_data(as_text=True)
    assert "1 unread notification" in page
    assert "request for access" not in page and "My drafts" not in page



def test_next_is_respected(app, client):
    editor = make_user(make_org(), "editor")
    db.session.commit()
    response = client.post("/sign-in?next=/catalogue", data={"email": editor.email, "password": PASSWORD})
    assert _location(response).endswith("/catalogue")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_no_open_redirect(app, client, target):
    editor = make_user(make_org(), "editor")
    db.session.commit()
    response = client.post("/sign-in", query_string={"next": target}, data={"email": editor.email, "password": PASSWORD})
    location = _location(response)
    assert "evil" not in location and "javascript" not in location and location.endswith("/start")


def test_signed_in_visit_to_the_sign_in_page_goes_to_the_start_page(app, client):
    editor = make_user(make_org(), "editor")
    db.session.commit()
    sign_in(client, editor)
    assert _location(client.get("/sign-in")).endswith("/start")
