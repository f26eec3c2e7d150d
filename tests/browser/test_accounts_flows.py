"""Joining, inviting, publishing, resetting a password, and organisation boundaries, in a browser."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pan_platform import mail
from pan_platform.accounts import totp
from pan_platform.accounts.models import User
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.organisations.models import Organisation
from tests.factories import PASSWORD, ensure_country, make_org, make_user

pytestmark = pytest.mark.browser

ADMIN_PASSWORD = "orbit walnut signal 5150"
EDITOR_PASSWORD = "harbour lichen mosaic 21"


def _link_to(address: str) -> str:
    messages = [m for m in mail.outbox() if m.to == address]
    assert messages, f"no mail to {address}"
    return re.search(r"^(http\S+)$", messages[-1].body, re.M).group(1)


def _sign_in(page, base: str, email: str, password: str, secret: str | None = None) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    if secret:
        assert page.url == f"{base}/sign-in/code"
        page.get_by_label("Six-digit code").fill(totp.code_at(secret))
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()


def _sign_out(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").first.click()


def _accept(page, link: str, name: str, password: str) -> None:
    page.goto(link)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("New password", exact=True).fill(password)
    page.get_by_label("Repeat the new password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Create my account").click()


def test_academy_joins_invites_an_editor_who_publishes(live_server, browser_page):
    ensure_country("MD")
    secretariat = make_org("secretariat", slug="secretariat", country=None, name="PAN Secretariat")
    admin = make_user(secretariat, "platform_admin", email="console@secretariat.example")
    admin.totp_secret = secret = totp.new_secret()
    db.session.commit()
    page = browser_page

    # 1. An academy applies.
    page.goto(f"{live_server}/organisations/apply")
    page.get_by_label("Name of the academy or organisation").fill("Stefan cel Mare Police Academy")
    page.get_by_label("Kind").select_option("academy")
    page.get_by_label("Country").select_option("MD")
    page.get_by_label("Official contact: name").fill("Ana Rusu")
    page.get_by_label("Official contact: e-mail address").fill("ana.rusu@academy-md.example")
    page.get_by_role("button", name="Send the application").click()
    page.wait_for_url(f"{live_server}/")
    assert "The secretariat will review your application" in page.content()

    # 2. The secretariat approves it.
    _sign_in(page, live_server, admin.email, PASSWORD, secret)
    page.goto(f"{live_server}/admin/applications")
    card = page.locator("article.application", has_text="Stefan cel Mare Police Academy")
    with page.expect_navigation():
        card.get_by_role("button", name="Approve").click()
    assert "has joined" in page.content()
    _sign_out(page)

    # 3. The contact accepts the invitation and becomes the academy's administrator.
    _accept(page, _link_to("ana.rusu@academy-md.example"), "Ana Rusu", ADMIN_PASSWORD)
    assert "Welcome, Ana Rusu" in page.content()
    academy = db.session.scalar(select(Organisation).where(Organisation.name == "Stefan cel Mare Police Academy"))
    assert db.session.scalar(select(User.role).where(User.email == "ana.rusu@academy-md.example")) == "org_admin"

    # 4. She invites an editor.
    page.get_by_role("link", name="People").click()
    page.get_by_label("E-mail address").fill("ion.editor@academy-md.example")
    page.get_by_label("Role").select_option("editor")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the invitation").click()
    assert "The invitation has been sent" in page.content()
    _sign_out(page)

    # 5. The editor accepts, creates a curriculum and publishes it.
    _accept(page, _link_to("ion.editor@academy-md.example"), "Ion Editor", EDITOR_PASSWORD)
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Workspace").click()
    page.get_by_role("link", name="New curriculum").click()
    page.get_by_label("Title").fill("Community policing for recruits")
    page.get_by_label("Summary").fill("A twelve-week course.")
    page.get_by_label("Organized crime").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert "Saved as a draft." in page.content()
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("^Publish")).click()
    assert "Published" in page.content()

    item = db.session.scalar(select(Item).where(Item.title == "Community policing for recruits"))
    db.session.refresh(item)
    assert item.state == "published" and item.owner_id == academy.id
    response = page.goto(f"{live_server}/items/{item.id}")
    assert response.status == 200
    assert page.get_by_role("heading", level=1).inner_text() == "Community policing for recruits"


def test_password_reset_end_to_end(live_server, browser_page):
    user = make_user(make_org(), "trainer", email="forgetful@academy.example")
    db.session.commit()
    page = browser_page
    page.goto(f"{live_server}/sign-in")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_url(f"{live_server}/sign-in")
    assert "If an account exists for this address" in page.content()

    link = _link_to(user.email)
    page.goto(link)
    page.get_by_label("New password", exact=True).fill("password1234")
    page.get_by_label("Repeat the new password").fill("password1234")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the new password").click()
    assert "too common" in page.content()
    page.get_by_label("New password", exact=True).fill("granite pelican umbrella 8")
    page.get_by_label("Repeat the new password").fill("granite pelican umbrella 8")
    page.get_by_role("button", name="Save the new password").click()
    page.wait_for_url(re.compile(r".*/sign-in$"))  # the link's language prefix (/en) is kept
    assert "Your password has been changed" in page.content()

    assert page.goto(link).status == 404  # the link worked once
    _sign_in(page, live_server, user.email, PASSWORD)
    assert "The e-mail address or password is not correct." in page.content()
    _sign_in(page, live_server, user.email, "granite pelican umbrella 8")
    assert f"Welcome, {user.name}" in page.content()


def test_org_admin_cannot_touch_another_organisations_users(live_server, browser_page):
    mine = make_org(slug="academy-mine", name="My Academy")
    theirs = make_org(slug="academy-theirs", name="Their Academy", country="DE")
    admin = make_user(mine, "org_admin", email="admin@mine.example")
    colleague = make_user(mine, "trainer", email="colleague@mine.example")
    stranger = make_user(theirs, "editor", email="stranger@theirs.example")
    db.session.commit()
    page = browser_page
    _sign_in(page, live_server, admin.email, PASSWORD)

    page.goto(f"{live_server}/organisations/academy-mine/people")
    body = page.locator("main").inner_text()
    assert colleague.email in body and stranger.email not in body

    response = page.goto(f"{live_server}/organisations/academy-theirs/people")
    assert response.status == 404

    # A hand-made request with a valid CSRF token, against the stranger, through both URLs.
    page.goto(f"{live_server}/organisations/academy-mine/people")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    for slug in ("academy-theirs", "academy-mine"):
        for action, data in (("role", {"role": "trainer"}), ("deactivate", {})):
            result = page.request.post(f"{live_server}/organisations/{slug}/people/{stranger.id}/{action}",
                                       form={"csrf_token": token, **data}, max_redirects=0)
            assert result.status == 404, (slug, action)
    db.session.refresh(stranger)
    assert stranger.role == "editor" and stranger.active

    # The same request against her own colleague works: the token was valid.
    result = page.request.post(f"{live_server}/organisations/academy-mine/people/{colleague.id}/role",
                               form={"csrf_token": token, "role": "editor"}, max_redirects=0)
    assert result.status == 302
    db.session.refresh(colleague)
    assert colleague.role == "editor"
