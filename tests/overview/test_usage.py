"""Usage statistics, COUNTER-style: a double click counts once, robots not at all, and
what is kept is a count per item, month and viewing academy's country, nothing personal."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import inspect, select

from pan_platform.catalogue.models import ItemDownloads
from pan_platform.extensions import db
from pan_platform.overview import usage
from pan_platform.overview.models import ItemUsage, month_key
from pan_platform.overview.robots import is_robot
from pan_platform.storage.files import add_version
from pan_platform.util import utcnow
from tests.conftest import sign_in
from tests.factories import make_item, make_org, make_user

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
OTHER_BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
ROBOTS = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
    "curl/8.5.0", "Wget/1.21.4", "python-requests/2.32.3", "Java/17.0.2", "Scrapy/2.11 (+https://scrapy.org)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0 Safari/537.36",
    "facebookexternalhit/1.1", "",
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(app):
    tick = Clock()
    app.extensions["pan_usage_window"] = usage.MemoryWindow(clock=tick)
    return tick


def _totals(item_id: int) -> tuple[int, int]:
    db.session.expire_all()
    rows = db.session.scalars(select(ItemUsage).where(ItemUsage.item_id == item_id)).all()
    return sum(r.views for r in rows), sum(r.downloads for r in rows)


def _view(client, item, agent=BROWSER):
    response = client.get(f"/items/{item.id}", headers={"User-Agent": agent})
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("agent", ROBOTS)
def test_known_robots_are_recognised(agent):
    assert is_robot(agent)


@pytest.mark.parametrize("agent", [BROWSER, OTHER_BROWSER, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) "
                                   "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"])
def test_browsers_are_not_robots(agent):
    assert not is_robot(agent)


def test_a_double_click_counts_once_and_a_later_view_again(app, client, clock):
    item = make_item(make_org("academy"), title="Handbook on border checks")
    db.session.commit()
    _view(client, item)
    clock.now += 29
    _view(client, item)
    assert _totals(item.id) == (1, 0)
    _view(client, item, OTHER_BROWSER)  # another reader at the same address
    assert _totals(item.id) == (2, 0)
    clock.now += 2  # 31 s after the first view
    _view(client, item)
    assert _totals(item.id) == (3, 0)


def test_the_window_keeps_no_address_or_browser(app, client, clock):
    item = make_item(make_org("academy"))
    db.session.commit()
    _view(client, item)
    keys = list(app.extensions["pan_usage_window"].seen)
    assert len(keys) == 1
    assert "127.0.0.1" not in keys[0] and "Firefox" not in keys[0] and str(item.id) != keys[0]


@pytest.mark.parametrize("agent", ROBOTS)
def test_robots_are_not_counted(app, client, clock, agent):
    item = make_item(make_org("academy"))
    db.session.commit()
    _view(client, item, agent)
    assert _totals(item.id) == (0, 0)
    assert db.session.scalar(select(ItemUsage).where(ItemUsage.item_id == item.id)) is None


def test_a_refused_view_is_not_counted(app, client, clock):
    item = make_item(make_org("academy"), visibility="private")
    db.session.commit()
    assert client.get(f"/items/{item.id}", headers={"User-Agent": BROWSER}).status_code == 404
    assert _totals(item.id) == (0, 0)


def test_downloads_count_by_month_and_in_the_catalogue_order(app, client, clock):
    item = make_item(make_org("academy"))
    version = add_version(item, io.BytesIO(b"notes\n"), "notes.txt", "text/plain")
    db.session.commit()
    for agent in (BROWSER, BROWSER, OTHER_BROWSER):
        assert client.get(f"/files/{version.id}/download", headers={"User-Agent": agent}).status_code == 200
    assert client.get(f"/files/{version.id}/download", headers={"User-Agent": ROBOTS[0]}).status_code == 200
    assert _totals(item.id) == (0, 2)
    assert db.session.get(ItemDownloads, item.id).count == 2
    row = db.session.scalar(select(ItemUsage).where(ItemUsage.item_id == item.id))
    assert row.month == month_key(utcnow().date())


def test_rows_hold_counts_per_country_of_the_viewing_academy_only(app, clock):
    owner = make_org("academy", country="AT")
    item = make_item(owner)
    german = make_user(make_org("academy", country="DE"), "trainer")
    partner = make_user(make_org("partner", country=None), "trainer")
    db.session.commit()
    for user in (german, partner, None):
        client = app.test_client()
        if user is not None:
            assert sign_in(client, user).status_code in (302, 303)
        _view(client, item)
    db.session.expire_all()
    rows = {r.country: r.views for r in db.session.scalars(select(ItemUsage).where(ItemUsage.item_id == item.id))}
    assert rows == {"DE": 1, "": 2}
    columns = {c["name"] for c in inspect(db.engine).get_columns("item_usage")}
    assert columns == {"item_id", "month", "country", "views", "downloads"}


def test_the_owner_editors_see_the_item_usage_and_no_one_else(app, clock):
    owner = make_org("academy", country="AT")
    item = make_item(owner, title="Manual on cyber investigations")
    usage.add(item.id, views=120, downloads=45, country="DE")
    for code in ("FR", "IT"):
        usage.add(item.id, views=1, country=code)
    usage.add(item.id, views=3, month="2025-01")
    other = make_org("academy", country="DE")
    users = {"editor": make_user(owner, "editor"), "org_admin": make_user(owner, "org_admin"),
             "trainer": make_user(owner, "trainer"), "other_editor": make_user(other, "editor")}
    db.session.commit()
    seen = {}
    for name, user in [*users.items(), ("anonymous", None)]:
        client = app.test_client()
        if user is not None:
            assert sign_in(client, user).status_code in (302, 303)
        body = client.get(f"/en/items/{item.id}", headers={"User-Agent": ROBOTS[0]}).get_data(as_text=True)
        seen[name] = 'class="item-usage"' in body
        if seen[name]:
            assert "Viewed 125 times" in body and "downloaded 45 times" in body
            assert "by academies in 3 countries" in body
    assert seen == {"editor": True, "org_admin": True, "trainer": False, "other_editor": False, "anonymous": False}
