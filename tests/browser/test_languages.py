"""In a real browser: Arabic is right-to-left with the main navigation mirrored, and the
language switcher keeps the reader on the page they were reading."""

from __future__ import annotations

import pytest

from pan_platform.catalogue.models import ItemTranslation
from pan_platform.extensions import db
from tests.factories import make_item, make_org

pytestmark = pytest.mark.browser


def _nav_boxes(page) -> list[dict]:
    """The boxes of the menu's first row (the menu may wrap on a narrow window)."""
    items = page.locator(".main-nav li")
    assert items.count() >= 3
    boxes = [items.nth(i).bounding_box() for i in range(items.count())]
    first_row = [box for box in boxes if abs(box["y"] - boxes[0]["y"]) < 2]
    assert len(first_row) >= 3
    return first_row


def test_arabic_is_right_to_left_with_the_navigation_mirrored(live_server, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 800})

    page.goto(f"{live_server}/en/")
    assert page.locator("html").get_attribute("dir") == "ltr"
    ltr = _nav_boxes(page)
    assert ltr[0]["x"] < ltr[-1]["x"]  # English: the first entry on the left

    page.goto(f"{live_server}/ar/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    assert page.evaluate("getComputedStyle(document.querySelector('.main-nav ul')).direction") == "rtl"
    rtl = _nav_boxes(page)
    assert rtl[0]["x"] > rtl[-1]["x"]  # Arabic: the first entry on the right, the rest to its left
    for right, left in zip(rtl, rtl[1:], strict=False):
        assert right["x"] >= left["x"] + left["width"] - 1
    brand = page.locator(".brand").bounding_box()
    assert brand["x"] > rtl[0]["x"]  # the brand starts the header on the right
    viewport = page.viewport_size["width"]
    assert brand["x"] + brand["width"] > viewport / 2


def test_switching_language_on_a_detail_page_stays_on_it(live_server, browser_page):
    academy = make_org("academy", name="Sicherheitsakademie")
    item = make_item(academy, title="Handbook on trafficking in human beings")
    item.translations.append(ItemTranslation(language="ru", title="Пособие по противодействию торговле людьми"))
    item.refresh_languages()
    db.session.commit()
    page = browser_page

    page.goto(f"{live_server}/items/{item.id}?from=catalogue")
    assert page.get_by_role("heading", level=1).inner_text() == "Handbook on trafficking in human beings"
    page.locator(".language-switcher a[hreflang=ru]").click()
    page.wait_for_url(f"{live_server}/ru/items/{item.id}?from=catalogue")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.get_by_role("heading", level=1).inner_text() == "Пособие по противодействию торговле людьми"

    page.locator(".language-switcher a[hreflang=ar]").click()
    page.wait_for_url(f"{live_server}/ar/items/{item.id}?from=catalogue")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.locator(".language-switcher a[hreflang=en]").click()
    page.wait_for_url(f"{live_server}/en/items/{item.id}?from=catalogue")
    assert page.get_by_role("heading", level=1).inner_text() == "Handbook on trafficking in human beings"
