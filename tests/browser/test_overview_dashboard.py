"""In a real browser, in English, Russian and Arabic: the overview draws its charts (SVG
with visible marks), each with its data table, and mirrors them right to left."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from pan_platform.extensions import db
from pan_platform.overview import usage
from pan_platform.overview.models import month_key
from pan_platform.util import utcnow
from tests.browser.conftest import sign_in
from tests.factories import make_item, make_org, make_user

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("PAN_SCREENSHOTS")  # a folder to keep the screenshots in (else the test's own)
DESKTOP = {"width": 1280, "height": 900}
CHARTS = ("coverage", "languages", "levels", "growth", "usage", "downloads", "adaptations")


@pytest.fixture
def network(live_server):
    academies = [make_org("academy", slug=f"academy-{code.lower()}", country=code) for code in ("AT", "DE", "RU", "FR")]
    areas = ("organized-crime", "terrorism", "cybercrime", "human-trafficking")
    levels = ("introductory", "intermediate", "advanced")
    items = []
    for n in range(12):
        item = make_item(academies[n % 4], title=f"Training resource {n}", level=levels[n % 3],
                         language=("en", "ru", "de")[n % 3], areas=(areas[n % 4],))
        item.published_at = utcnow() - timedelta(days=31 * (n % 6))
        items.append(item)
    make_item(academies[1], title="Adapted resource", adapted_from_id=items[0].id)
    for n, item in enumerate(items):
        for age in range(3):
            month = month_key((utcnow() - timedelta(days=31 * age)).date())
            usage.add(item.id, views=5 * (n + 1) + age, downloads=n + age, country="DE", month=month)
    member = make_user(academies[0], "trainer", email="trainer@at.example")
    db.session.commit()
    return member


@pytest.mark.parametrize("language", ["en", "ru", "ar"])
def test_the_charts_render_with_their_tables(live_server, browser_page, network, tmp_path, language):
    page = browser_page
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, network.email)
    page.goto(f"{live_server}/{language}/overview")
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    for name in CHARTS:
        chart = page.locator(f"#figure-{name} svg.chart")
        assert chart.count() == 1, name
        box = chart.bounding_box()
        assert box["width"] > 200 and box["height"] > 20, name
        marks = page.locator(f"#figure-{name} svg.chart rect[data-value]:not([data-value='0'])")
        assert marks.count() > 0, f"{name}: no mark drawn"
        assert marks.first.bounding_box()["width"] > 0
        table = page.locator(f"#figure-{name} table.data-table")
        page.locator(f"#figure-{name} details summary").click()
        assert table.is_visible(), name
        assert table.locator("tbody tr").count() > 0, name
    assert page.locator("#figure-gaps table.data-table tbody tr").count() > 0
    levels = page.locator("#figure-levels svg.chart")
    bar = levels.locator("rect.bar").nth(1).bounding_box()  # "intermediate": there are some
    label = levels.locator("text.label").nth(1).bounding_box()
    if language == "ar":
        assert label["x"] > bar["x"] + bar["width"] - 1  # the label on the right, the bar to its left
    else:
        assert label["x"] + label["width"] < bar["x"] + 1
    folder = SHOTS or str(tmp_path)
    path = os.path.join(folder, f"overview-{language}.png")
    page.screenshot(path=path, full_page=True)
    assert os.path.getsize(path) > 10_000
