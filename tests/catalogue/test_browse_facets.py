"""Catalogue browsing: multi-select facets with counts, sorts, numbered pages, empty states."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from werkzeug.datastructures import MultiDict

from pan_platform.catalogue.filters import read_filters
from pan_platform.catalogue.models import ItemDownloads, count_download
from pan_platform.extensions import db
from pan_platform.paging import Page
from pan_platform.storage.files import add_version
from pan_platform.util import utcnow
from tests.conftest import sign_in
from tests.factories import make_item, make_org, make_user
from tests.storage import samples


def _body(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def _count_of(body: str, name: str, value: str) -> int | None:
    """The count shown beside a facet's checkbox, or None when the value is not offered."""
    match = re.search(rf'name="{name}" value="{re.escape(value)}"[^>]*>\s*[^<]*</label>\s*'
                      r'<span class="count">([\d,]+)</span>', body)
    return int(match.group(1).replace(",", "")) if match else None


def test_two_areas_are_either_and_area_with_language_is_both(app, client):
    owner = make_org("academy", slug="owner-a")
    make_item(owner, title="Crime handbook", areas=("organized-crime",))
    make_item(owner, title="Terror handbook", areas=("terrorism",))
    make_item(owner, title="Cyber handbook", areas=("cybercrime",))
    make_item(owner, title="Kriminalhandbuch", areas=("organized-crime",), language="de")
    db.session.commit()

    body = _body(client, "/en/catalogue?area=organized-crime&area=terrorism")
    assert "Crime handbook" in body and "Terror handbook" in body and "Kriminalhandbuch" in body
    assert "Cyber handbook" not in body
    # Both ticked boxes stay ticked.
    assert re.search(r'value="organized-crime" checked', body) and re.search(r'value="terrorism" checked', body)

    body = _body(client, "/en/catalogue?area=organized-crime&language=de")
    assert "Kriminalhandbuch" in body
    assert "Crime handbook" not in body and "Terror handbook" not in body


def test_bad_and_repeated_values_are_ignored():
    args = MultiDict([("area", "terrorism"), ("area", "nonsense"), ("area", "terrorism"), ("language", "<x>")])
    filters = read_filters(args, multi=True)
    assert filters.area == ("terrorism",)
    assert filters.language is None
    assert read_filters(args).area == "terrorism"  # lists other than the catalogue: one value


def test_counts_only_what_the_viewer_may_read(app, client):
    austria = make_org("academy", slug="academy-austria")
    germany = make_org("academy", slug="academy-germany", country="DE")
    make_item(austria, title="Open one", areas=("terrorism",))
    make_item(austria, title="Private one", visibility="private", areas=("terrorism",), resource_type="handbook")
    outsider = make_user(germany, "trainer")
    insider = make_user(austria, "trainer")
    db.session.commit()

    anonymous = _body(client, "/en/catalogue")
    assert _count_of(anonymous, "academy", "academy-austria") == 1
    assert _count_of(anonymous, "area", "terrorism") == 1
    assert _count_of(anonymous, "type", "handbook") is None  # only the hidden item has it

    sign_in(client, outsider)
    body = _body(client, "/en/catalogue?area=terrorism&area=cybercrime")
    assert _count_of(body, "academy", "academy-austria") == 1
    assert "Private one" not in body
    client.post("/sign-out")

    sign_in(client, insider)
    body = _body(client, "/en/catalogue")
    assert _count_of(body, "academy", "academy-austria") == 2
    assert _count_of(body, "area", "terrorism") == 2
    assert _count_of(body, "type", "handbook") == 1


def _titles(body: str, titles: list[str]) -> list[str]:
    return sorted(titles, key=body.index)


def test_each_sort_order(app, client):
    owner = make_org("academy", slug="owner-s")
    now = utcnow()
    a = make_item(owner, title="Alpha")
    b = make_item(owner, title="Bravo")
    c = make_item(owner, title="Charlie")
    a.published_at, b.published_at, c.published_at = now - timedelta(days=3), now - timedelta(days=1), now - timedelta(days=2)
    db.session.flush()
    a.updated_at, b.updated_at, c.updated_at = now, now - timedelta(days=2), now - timedelta(days=1)
    db.session.flush()
    for _ in range(3):
        count_download(c.id)
    count_download(a.id)
    db.session.commit()
    titles = ["Alpha", "Bravo", "Charlie"]

    assert _titles(_body(client, "/en/catalogue"), titles) == ["Bravo", "Charlie", "Alpha"]
    assert _titles(_body(client, "/en/catalogue?sort=newest"), titles) == ["Bravo", "Charlie", "Alpha"]
    assert _titles(_body(client, "/en/catalogue?sort=updated"), titles) == ["Alpha", "Charlie", "Bravo"]
    assert _titles(_body(client, "/en/catalogue?sort=title"), titles) == ["Alpha", "Bravo", "Charlie"]
    assert _titles(_body(client, "/en/catalogue?sort=downloads"), titles) == ["Charlie", "Alpha", "Bravo"]
    # A sort the catalogue does not offer is the default one.
    assert _titles(_body(client, "/en/catalogue?sort=nonsense"), titles) == ["Bravo", "Charlie", "Alpha"]


def test_a_download_is_counted_without_touching_the_item(app):
    owner = make_org("academy", slug="owner-d")
    item = make_item(owner, title="Counted")
    db.session.commit()
    before = item.updated_at
    count_download(item.id)
    count_download(item.id)
    db.session.commit()
    assert db.session.get(ItemDownloads, item.id).count == 2
    db.session.refresh(item)
    assert item.updated_at == before


def test_numbered_pages_keep_the_filters(app, client):
    owner = make_org("academy", slug="owner-p")
    for n in range(45):
        make_item(owner, title=f"Paged {n:02d}", areas=("terrorism", "cybercrime") if n % 2 else ("terrorism",))
    make_item(owner, title="Elsewhere", areas=("illicit-drugs",))
    db.session.commit()

    body = _body(client, "/en/catalogue?area=terrorism&area=illicit-drugs&sort=title")
    assert "46 results" in body
    links = re.findall(r'<li><a href="([^"]+)">(\d+)</a></li>', body)
    assert [number for _href, number in links] == ["2", "3"]
    for href, number in links:
        href = href.replace("&amp;", "&")
        assert "area=terrorism" in href and "area=illicit-drugs" in href and "sort=title" in href
        assert f"page={number}" in href
    assert '<span aria-current="page">1</span>' in body

    body = _body(client, "/en/catalogue?area=terrorism&area=illicit-drugs&sort=title&page=3")
    assert '<span aria-current="page">3</span>' in body
    assert "Paged 44" in body and "Paged 00" not in body


def test_page_numbers_leave_gaps():
    assert Page(page=1, per_page=10, total=30).numbers == [1, 2, 3]
    assert Page(page=10, per_page=10, total=200).numbers == [1, None, 8, 9, 10, 11, 12, None, 20]
    assert Page(page=1, per_page=10, total=0).numbers == [1]


def test_empty_state_links_go_where_they_say(app, client):
    owner = make_org("academy", slug="owner-e")
    make_item(owner, title="Only terror", areas=("terrorism",))
    db.session.commit()

    body = _body(client, "/en/catalogue?area=cybercrime&kind=curriculum")
    assert "0 results" in body and "Nothing matches these filters." in body
    clear = re.search(r'<a href="([^"]+)">Clear all filters</a>', body).group(1)
    assert clear == "/en/catalogue"
    assert "Only terror" in _body(client, clear)
    area_link = re.search(r'<a href="([^"]+)">Terrorism</a>', body.split("Or browse a priority area")[1]).group(1)
    assert "Only terror" in _body(client, area_link.replace("&amp;", "&"))
    # Every priority area is offered.
    assert body.split("Or browse a priority area")[1].count('href="/en/catalogue?area=') == 8


def test_kind_filter_speaks_of_curricula_modules_and_materials(app, client):
    owner = make_org("academy", slug="owner-k")
    curriculum = make_item(owner, kind="curriculum", title="A curriculum")
    module = make_item(owner, kind="module", parent=curriculum, title="A module")
    make_item(owner, kind="material", parent=module, title="A material")
    db.session.commit()
    body = _body(client, "/en/catalogue")
    kinds = body.split('data-facet="kind"')[1].split("</fieldset>")[0]
    for plural in ("Curricula", "Modules", "Materials"):
        assert plural in kinds
    assert _count_of(body, "kind", "curriculum") == 1
    assert "Curricula" in _body(client, "/en/catalogue?kind=curriculum")


def test_the_download_route_counts_and_a_refused_one_does_not(app, client):
    owner = make_org("academy", slug="owner-r")
    public = make_item(owner, title="Public handbook")
    private = make_item(owner, title="Private handbook", visibility="private")
    shown = add_version(public, io.BytesIO(samples.pdf_with_text(["Hello"])), "a.pdf", "application/pdf")
    hidden = add_version(private, io.BytesIO(samples.pdf_with_text(["Hello"])), "b.pdf", "application/pdf")
    db.session.commit()

    assert client.get(f"/files/{shown.id}/download").status_code == 200
    assert client.get(f"/files/{shown.id}/download").status_code == 200  # a double click: counted once
    assert client.get(f"/files/{shown.id}/download", headers={"User-Agent": "Mozilla/5.0 Firefox/128.0"}).status_code == 200
    assert client.get(f"/files/{hidden.id}/download").status_code == 404
    db.session.expire_all()
    assert db.session.get(ItemDownloads, public.id).count == 2
    assert db.session.get(ItemDownloads, private.id) is None
