"""Phones and desktops, in English and Arabic: a menu button instead of the navigation on a
390 px screen, results before the filters, nothing wider than the screen; and the browser's
own dialog confirming a deactivation."""

from __future__ import annotations

import os

import pytest

from pan_platform.extensions import db
from tests.factories import PASSWORD, make_item, make_org, make_user

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = os.environ.get("PAN_SCREENSHOTS")  # a folder: save a screenshot of every page checked

# What sticks out: the page's own width, and every element whose box passes either edge.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if ((box.width === 0 && box.height === 0) || el.closest('.skip-link')) continue;  // off-screen until focused
    if (box.right > width + 1 || box.left < -1) {
      wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '') +
                ' ' + Math.round(box.left) + '..' + Math.round(box.right));
    }
  }
  return {scroll: document.scrollingElement.scrollWidth, width: width, wide: wide.slice(0, 8)};
}"""


@pytest.fixture
def site(live_server):
    academy = make_org(slug="north-academy", name="North Police Academy of the Coastal Region")
    editor = make_user(academy, "org_admin", email="chief@north.example")
    colleague = make_user(academy, "trainer", email="a.very.long.address.for.a.trainer@north-academy.example")
    curriculum = make_item(academy, kind="curriculum", title="Border checks and the examination of travel documents")
    module = make_item(academy, kind="module", parent=curriculum, title="Documents")
    for n in range(6):
        make_item(academy, parent=module, title=f"Forged passports, exercise {n + 1}",
                  areas=("human-trafficking", "organized-crime"), summary="Spotting forged passports. " * 8)
    make_item(academy, kind="module", state="draft", visibility="private",
              title="A draft module with a rather long title that must wrap on a small screen")
    db.session.commit()
    return {"base": live_server, "editor": editor, "colleague": colleague, "curriculum": curriculum}


def sign_in(page, base: str, email: str) -> None:
    """Through the form, in whatever language the page is in."""
    page.goto(f"{base}/sign-in")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()


def _new_page(browser, viewport: dict, language: str):
    context = browser.new_context(viewport=viewport, locale="ar" if language == "ar" else "en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def _no_overflow(page, label: str) -> None:
    result = page.evaluate(OVERFLOW)
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, label.replace("/", "_") + ".png"), full_page=True)
    assert result["scroll"] <= result["width"], (label, result)
    assert not result["wide"], (label, result)


def _pages(site) -> list[str]:
    c = site["curriculum"].id
    return ["/", "/catalogue", "/search?q=passports", f"/items/{c}", "/organisations", "/feeds",
            "/workspace/", f"/workspace/items/{c}", "/account", "/organisations/north-academy/people",
            "/organisations/north-academy/sharing", "/notifications"]


@pytest.mark.parametrize("language", ["en", "ar"])
def test_phone_menu_results_first_and_nothing_too_wide(site, browser, language):
    base, prefix = site["base"], f"/{language}"
    context, page = _new_page(browser, PHONE, language)
    try:
        page.goto(f"{base}{prefix}/")
        menu = page.locator("button.menu-button")
        nav = page.locator(".main-nav")
        assert menu.is_visible() and not nav.is_visible()
        if SHOTS:
            page.screenshot(path=os.path.join(SHOTS, f"header-{language}.png"))
        header = page.locator(".site-header").bounding_box()
        assert header["height"] < 80, header
        assert menu.get_attribute("aria-expanded") == "false"
        menu.click()
        assert nav.is_visible() and menu.get_attribute("aria-expanded") == "true"
        assert page.locator(".language-switcher").is_visible()
        menu.click()
        assert not nav.is_visible()

        # The results come first; the filters wait in a drawer.
        for path, first in (("/catalogue", ".results .card"), ("/search?q=passports", ".search-results li")):
            page.goto(f"{base}{prefix}{path}")
            assert page.locator(first).first.bounding_box()["y"] < PHONE["height"], path
            filters = page.locator("#filters")
            assert not filters.is_visible()
            page.locator("button[data-toggle=filters]").first.click()
            assert filters.is_visible() and page.locator("#filters select, #filters input[type=checkbox], #filters a").first.is_visible()
            page.locator("#filters button[data-toggle=filters]").click()
            assert not filters.is_visible()

        sign_in(page, base, site["editor"].email)
        for path in _pages(site):
            page.goto(f"{base}{prefix}{path}")
            _no_overflow(page, f"phone-{language}{path}")
        # The workspace table is a list: one card per item, each cell on its own line.
        page.goto(f"{base}{prefix}/workspace/")
        assert page.locator("table.item-table thead").bounding_box()["height"] <= 1
        assert page.evaluate("getComputedStyle(document.querySelector('table.item-table tr')).display") == "block"
    finally:
        context.close()


@pytest.mark.parametrize("language", ["en", "ar"])
def test_desktop_keeps_the_full_navigation(site, browser, language):
    base, prefix = site["base"], f"/{language}"
    context, page = _new_page(browser, DESKTOP, language)
    try:
        page.goto(f"{base}{prefix}/catalogue")
        assert not page.locator(".menu-button").is_visible()
        assert page.locator(".main-nav").is_visible() and page.locator("#filters").is_visible()
        assert not page.locator(".drawer-button").is_visible()
        current = page.locator(".main-nav a[aria-current=page]")
        assert current.count() == 1 and current.get_attribute("href").endswith("/catalogue")
        sign_in(page, base, site["editor"].email)
        for path in _pages(site):
            page.goto(f"{base}{prefix}{path}")
            _no_overflow(page, f"desktop-{language}{path}")
    finally:
        context.close()


def test_deactivating_a_user_asks_with_the_browsers_dialog(site, browser):
    base, colleague = site["base"], site["colleague"]
    context, page = _new_page(browser, PHONE, "en")
    try:
        sign_in(page, base, site["editor"].email)
        page.goto(f"{base}/organisations/north-academy/people")
        row = page.locator("tr", has_text=colleague.email)
        messages = []

        def dismiss(dialog):
            messages.append(dialog.message)
            dialog.dismiss()

        page.once("dialog", dismiss)
        row.get_by_role("button", name="Deactivate").click()
        assert messages == [f"Deactivate {colleague.name}? They can no longer sign in."]
        db.session.refresh(colleague)
        assert colleague.active and page.url.endswith("/organisations/north-academy/people")

        page.once("dialog", lambda dialog: dialog.accept())
        with page.expect_navigation():
            row.get_by_role("button", name="Deactivate").click()
        assert f"{colleague.name} can no longer sign in." in page.locator(".flashes").inner_text()
        db.session.refresh(colleague)
        assert not colleague.active
    finally:
        context.close()
