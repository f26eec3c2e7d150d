"""An editor opens a private material of their academy; signed out, it is 'not found'
exactly like an id that does not exist."""

from __future__ import annotations

import pytest

from pan_platform.extensions import db
from tests.factories import PASSWORD, make_item, make_org, make_user

pytestmark = pytest.mark.browser


def test_private_material_disappears_after_sign_out(live_server, browser_page):
    academy = make_org("academy", slug="academy-austria", name="Sicherheitsakademie Austria")
    editor = make_user(academy, "editor", email="editor@academy-austria.example")
    material = make_item(academy, visibility="private", title="Internal debriefing guide for THB pilot trainers")
    db.session.commit()
    page = browser_page

    page.goto(f"{live_server}/sign-in")
    page.get_by_label("E-mail address").fill(editor.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/start")  # the personal start page
    assert "Welcome" in page.content()

    response = page.goto(f"{live_server}/items/{material.id}")
    assert response.status == 200
    assert page.get_by_role("heading", level=1).inner_text() == material.title

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server}/")

    hidden = page.goto(f"{live_server}/items/{material.id}")
    hidden_body = page.locator("main").inner_text()
    missing = page.goto(f"{live_server}/items/999999")
    missing_body = page.locator("main").inner_text()
    assert hidden.status == missing.status == 404
    assert hidden_body == missing_body
    assert material.title not in hidden_body
