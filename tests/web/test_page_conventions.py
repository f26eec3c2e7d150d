"""Small web conventions on the main pages: unique element ids, aria-current on the active
navigation link, Atom feed autodiscovery, a print stylesheet, the phone menu and drawers."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest

from pan_platform.extensions import db
from tests.accounts.helpers import admin_client, as_client
from tests.conftest import sign_in
from tests.factories import make_item, make_org, make_user


class Page(HTMLParser):
    """The ids, <link> tags and current navigation links of one HTML page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.links: list[dict] = []
        self.current: list[tuple[str, str]] = []  # (aria-current, href) of links in the main navigation
        self._in_nav = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        values = dict(attrs)
        if "id" in values:
            self.ids.append(values["id"])
        if tag == "link":
            self.links.append(values)
        if tag == "nav" and "main-nav" in (values.get("class") or ""):
            self._in_nav = 1
        elif tag == "nav" and self._in_nav:
            self._in_nav += 1
        if tag == "a" and self._in_nav and values.get("aria-current"):
            self.current.append((values["aria-current"], values["href"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self._in_nav:
            self._in_nav -= 1

    def duplicate_ids(self) -> list[str]:
        return [name for name, n in Counter(self.ids).items() if n > 1]

    def feeds(self) -> list[str]:
        return [link["href"] for link in self.links
                if link.get("rel") == "alternate" and link.get("type") == "application/atom+xml"]


@pytest.fixture
def site(app):
    secretariat = make_org("secretariat", slug="secretariat", country=None)
    academy = make_org(slug="north-academy", name="North Police Academy")
    partner = make_org("partner", slug="cepol", country=None, name="CEPOL", acronym="CEPOL")
    curriculum = make_item(academy, kind="curriculum", title="Border checks")
    module = make_item(academy, kind="module", parent=curriculum, title="Documents")
    material = make_item(academy, parent=module, title="Forged passports")
    people = {
        "platform_admin": make_user(secretariat, "platform_admin"),
        "org_admin": make_user(academy, "org_admin"),
        "partner": make_user(partner, "trainer"),
    }
    db.session.commit()
    return {"curriculum": curriculum, "material": material, **people}


PUBLIC_PAGES = [
    "/", "/catalogue", "/catalogue?area=terrorism", "/search", "/search?q=passports",
    "/organisations", "/organisations/north-academy", "/feeds", "/sign-in", "/organisations/apply",
    "/password/forgot",
]
ACADEMY_PAGES = [
    "/", "/catalogue", "/search?q=passports", "/account", "/workspace/", "/notifications",
    "/organisations/north-academy/people", "/organisations/north-academy/sharing",
    "/organisations/north-academy/downloads", "/workspace/new/material", "/start", "/collections", "/saved-searches",
]
ADMIN_PAGES = ["/admin/", "/admin/users", "/admin/organisations", "/admin/applications", "/admin/audit",
               "/admin/labels", "/admin/thesaurus", "/admin/index", "/account"]


def _item_pages(site) -> list[str]:
    c, m = site["curriculum"].id, site["material"].id
    return [f"/items/{c}", f"/items/{m}", f"/workspace/items/{c}", f"/workspace/items/{m}",
            f"/workspace/items/{c}/preview", f"/workspace/items/{c}/translations/de", f"/items/{m}/access"]


def _check_ids(client, paths: list[str]) -> None:
    # Forms carry their CSRF field as in production (tests sign in with it off: turned on after).
    client.application.config["WTF_CSRF_ENABLED"] = True
    wrong = {}
    for path in paths:
        response = as_client(client).get(path)
        assert response.status_code == 200, path
        duplicates = Page(response.get_data(as_text=True)).duplicate_ids()
        if duplicates:
            wrong[path] = duplicates
    assert not wrong, wrong


def test_every_id_is_unique_on_the_main_pages_anonymous(app, client, site):
    _check_ids(client, PUBLIC_PAGES + [f"/items/{site['material'].id}"])
    _check_ids(client, ["/ar/", "/ar/catalogue", "/ar/search?q=passports"])


def test_every_id_is_unique_on_the_main_pages_signed_in(app, client, site):
    partner = app.test_client()
    sign_in(as_client(partner), site["partner"])
    console = admin_client(app, as_client(app.test_client()), site["platform_admin"])
    sign_in(as_client(client), site["org_admin"])
    _check_ids(client, ACADEMY_PAGES + _item_pages(site))
    _check_ids(partner, ["/shared-with-us", "/account"])
    _check_ids(console, ADMIN_PAGES)


def test_the_profile_page_prefixes_the_token_form_and_repeats_no_csrf_id(app, client, site):
    sign_in(client, site["org_admin"])
    app.config["WTF_CSRF_ENABLED"] = True
    body = client.get("/account").get_data(as_text=True)
    assert body.count('id="name"') == 1 and 'id="token-name"' in body and 'for="token-name"' in body
    assert 'id="csrf_token"' not in body and body.count('name="csrf_token"') >= 3


@pytest.mark.parametrize(("path", "current"), [
    ("/", "/"), ("/catalogue", "/catalogue"), ("/search", "/search"), ("/organisations", "/organisations"),
    ("/ar/catalogue", "/ar/catalogue"),
])
def test_the_active_navigation_link_is_marked_current(app, client, path, current):
    page = Page(client.get(path).get_data(as_text=True))
    assert page.current == [("page", current)]


def test_the_feeds_link_in_the_footer_is_marked_on_its_page(app, client):
    body = client.get("/feeds").get_data(as_text=True)
    footer = body[body.index('class="site-footer"'):]
    assert '<a href="/feeds" aria-current="page">' in footer
    assert "aria-current" not in client.get("/").get_data(as_text=True).split('class="site-footer"')[1]


def test_the_active_navigation_link_is_marked_for_signed_in_sections(app, client, site):
    sign_in(client, site["org_admin"])
    assert Page(client.get("/workspace/").get_data(as_text=True)).current == [("page", "/workspace/")]
    people = "/organisations/north-academy/people"
    assert Page(client.get(people).get_data(as_text=True)).current == [("page", people)]
    # Inside a section (an item's workspace page) its link says "true", not "page".
    manage = Page(client.get(f"/workspace/items/{site['curriculum'].id}").get_data(as_text=True))
    assert manage.current == [("true", "/workspace/")]
    assert Page(client.get("/account").get_data(as_text=True)).current == []
    # An error page marks nothing (a missing item looks like an address no route matches).
    assert Page(client.get("/workspace/items/987654").get_data(as_text=True)).current == []


def test_feed_autodiscovery_on_home_catalogue_and_area_pages(app, client):
    assert Page(client.get("/").get_data(as_text=True)).feeds() == ["/feeds/materials.atom"]
    assert Page(client.get("/catalogue").get_data(as_text=True)).feeds() == ["/feeds/materials.atom"]
    area = Page(client.get("/catalogue?area=cybercrime").get_data(as_text=True)).feeds()
    assert area == ["/feeds/materials.atom", "/feeds/areas/cybercrime.atom"]
    for href in area:
        response = client.get(href)
        assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    # An unknown area gets no link to a feed that does not exist.
    assert Page(client.get("/catalogue?area=nonsense").get_data(as_text=True)).feeds() == ["/feeds/materials.atom"]
    assert Page(client.get("/organisations").get_data(as_text=True)).feeds() == []


def test_every_page_has_the_print_stylesheet_the_menu_link_and_the_script(app, client):
    for path in ("/", "/sign-in", "/ar/catalogue"):
        page = Page(client.get(path).get_data(as_text=True))
        assert [link for link in page.links
                if "/static/css/print.css" in link["href"] and link.get("media") == "print"]
        assert "site-menu" in page.ids
    body = client.get("/").get_data(as_text=True)
    assert 'href="#site-menu" data-toggle="site-menu"' in body and 'src="/static/js/pan.js' in body
    assert client.get("/static/css/print.css").status_code == 200
    catalogue = client.get("/catalogue").get_data(as_text=True)
    assert 'href="#filters" data-toggle="filters"' in catalogue and 'id="filters"' in catalogue
