"""The insight dashboard counts, charts and exports only what the viewer may read.

Every dataset is compared with an oracle computed here from can(user, "read", item)
over every item, for viewers of each kind: a visitor, members of two academies, a
partner and the secretariat.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter

import pytest
from sqlalchemy import select

from pan_platform.catalogue.models import Item
from pan_platform.catalogue.vocabularies import LEVELS
from pan_platform.extensions import db
from pan_platform.overview import queries, usage
from pan_platform.overview.models import ItemUsage, month_key
from pan_platform.util import utcnow
from tests.conftest import sign_in
from tests.factories import make_item
from tests.overview.world import build_world, readable

LANGUAGES = ("en", "de", "fr", "es", "it", "ru", "ar")


@pytest.fixture
def world(app):
    return build_world()


def _readable(user) -> list[Item]:
    return readable(user)


def _lineage_oracle(user) -> dict[int, tuple[int, set]]:
    readable = {i.id: i for i in _readable(user)}
    credited: dict[int, tuple[int, set]] = {}
    for copy in readable.values():
        node = copy.adapted_from
        while node is not None and node.id in readable:
            if node.owner_id != copy.owner_id and copy.owner.kind == "academy":
                n, academies = credited.get(node.id, (0, set()))
                credited[node.id] = (n + 1, academies | {copy.owner_id})
            node = node.adapted_from
    return credited


@pytest.mark.parametrize("viewer", ["anonymous", "at_trainer", "de_editor", "cepol_user", "fr_trainer", "admin"])
def test_every_dataset_equals_what_the_viewer_may_read(app, world, viewer):
    user = world["users"][viewer]
    member = user is not None
    readable = _readable(user)
    ids = {i.id for i in readable}
    assert ids, "every viewer reads something"
    with app.test_request_context():
        d = queries.compute(user, member)
    assert d.total == len(readable)
    assert d.kinds == dict(Counter(i.kind for i in readable))
    assert d.coverage == dict(Counter((i.owner.country_code, a) for i in readable for a in i.area_codes))
    assert dict(d.languages) == dict(Counter(lc for i in readable for lc in i.languages))
    levels = dict(d.levels)
    assert {k: v for k, v in levels.items() if v} == dict(Counter(i.level or "" for i in readable))
    this_month = month_key(utcnow().date())
    assert d.growth[-1] == sum(1 for i in readable if month_key(i.published_at.date()) == this_month)
    assert d.cumulative[-1] == len(readable)
    present = {(a, lc, i.level) for i in readable for a in i.area_codes for lc in i.languages}
    assert set(d.gaps) == {(a, lc, lv) for a in d.areas for lc in LANGUAGES for lv in LEVELS} - present
    assert "MT" in d.countries  # the matrix shows an academy's country with nothing in it
    rows = db.session.scalars(select(ItemUsage).where(ItemUsage.item_id.in_(ids))).all()
    if not member:
        assert d.views == d.downloads == [] and d.top_downloaded == [] and d.adapted == []
        return
    recent = [r for r in rows if r.month >= month_key(d.usage_months[0])]
    assert sum(d.views) == sum(r.views for r in recent) and sum(d.downloads) == sum(r.downloads for r in recent)
    downloads = Counter()
    for r in rows:
        downloads[r.item_id] += r.downloads
    assert {i: n for i, n, _v in d.top_downloaded} == {i: n for i, n in downloads.items() if n}
    assert all(i in ids for i, *_rest in d.top_downloaded)
    credited = _lineage_oracle(user)
    assert {i: (n, a) for i, n, a, _c in d.adapted} == {i: (n, len(a)) for i, (n, a) in credited.items()}


def test_a_private_items_usage_and_copies_reach_only_its_readers(app, world):
    private = world["items"]["private"]
    with app.test_request_context():
        outsider = queries.compute(world["users"]["de_editor"], True)
        owner = queries.compute(world["users"]["at_trainer"], True)
    assert private.id not in {i for i, *_r in outsider.top_downloaded}
    assert outsider.top_downloaded[0][1] < 500
    assert owner.top_downloaded[0] == (private.id, 500 + 3, 7 + 30 + 3)
    assert private.id not in {i for i, *_r in outsider.adapted}
    assert private.id in {i for i, *_r in owner.adapted}


def test_the_lineage_counts_copies_of_copies_and_not_the_owners_own(app, world):
    public = world["items"]["public"]
    with app.test_request_context():
        d = queries.compute(world["users"]["fr_trainer"], True)
    adapted = {i: (n, a, c) for i, n, a, c in d.adapted}
    # DE's copy, FR's copy of it and FR's private copy (readable by FR); AT's own copy is not one.
    assert adapted[public.id] == (3, 2, 2)
    assert adapted[world["items"]["copy"].id] == (1, 1, 1)
    # Adapted: the handbook and DE's copy of it; the private item's copy does not count for FR.
    assert d.adoption == (2, 2, 2)


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.mark.parametrize("viewer", ["anonymous", "de_editor", "admin"])
def test_the_csv_files_hold_the_same_figures(app, world, viewer):
    user = world["users"][viewer]
    client = app.test_client()
    if user is not None:
        assert sign_in(client, user).status_code in (302, 303)
    readable = _readable(user)
    levels = _csv(client.get("/en/overview/levels.csv"))
    assert levels[0] == ["Level", "Resources"]
    assert sum(int(n) for _l, n in levels[1:]) == len(readable)
    languages = {name: int(n) for name, n in _csv(client.get("/en/overview/languages.csv"))[1:]}
    assert languages == {{"en": "English", "de": "German", "fr": "French", "ru": "Russian"}[k]: v
                         for k, v in Counter(lc for i in readable for lc in i.languages).items()}
    coverage = _csv(client.get("/en/overview/coverage.csv"))
    assert sum(int(n) for row in coverage[1:] for n in row[1:]) == sum(len(i.area_codes) for i in readable)
    if user is None:
        assert client.get("/en/overview/downloads.csv").status_code in (302, 401)
        return
    titles = {row[0] for row in _csv(client.get("/en/overview/downloads.csv"))[1:]}
    assert titles == {i.localized("en")["title"] for i in readable}


def test_an_unknown_dataset_is_not_found(app, client):
    assert client.get("/overview/secrets.csv").status_code == 404


def test_a_spreadsheet_formula_in_a_title_is_not_a_formula_in_the_csv(app, world):
    item = make_item(world["items"]["public"].owner, title='=HYPERLINK("http://evil.example")')
    usage.add(item.id, downloads=1000)
    db.session.commit()
    client = app.test_client()
    assert sign_in(client, world["users"]["de_editor"]).status_code in (302, 303)
    rows = _csv(client.get("/en/overview/downloads.csv"))
    assert rows[1][0] == "'" + item.title


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_draws_every_chart_with_its_table_in_every_language(app, world, language):
    client = app.test_client()
    assert sign_in(client, world["users"]["de_editor"]).status_code in (302, 303)
    response = client.get(f"/{language}/overview")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f'<html lang="{language}" dir="{"rtl" if language == "ar" else "ltr"}"' in body
    svgs = re.findall(r"<svg class=\"chart [^\"]*\".*?</svg>", body, re.S)
    assert len(svgs) == 7 and all("<rect" in svg for svg in svgs)
    tables = re.findall(r'<table class="data-table" data-dataset="(\w+)"', body)
    assert set(tables) == {"coverage", "languages", "levels", "growth", "usage", "downloads", "adaptations", "gaps"}
    for name in tables:
        assert f"/overview/{name}.csv" in body
    if language != "en":
        english = client.get("/en/overview").get_data(as_text=True)
        heading = re.search(r"<h1>(.*?)</h1>", body).group(1)
        assert heading != re.search(r"<h1>(.*?)</h1>", english).group(1), "the page is not translated"


def test_right_to_left_charts_are_mirrored(app, world):
    client = app.test_client()
    x = {}
    for language in ("en", "ar"):
        body = client.get(f"/{language}/overview").get_data(as_text=True)
        levels = re.search(r'id="figure-levels".*?</svg>', body, re.S).group(0)
        x[language] = float(re.search(r'<rect class="bar" x="([\d.]+)"', levels).group(1))
    assert x["en"] < 320 < x["ar"]


def test_the_public_version_says_what_signing_in_adds(app, world):
    body = app.test_client().get("/en/overview").get_data(as_text=True)
    assert "Members of the network see more after signing in" in body
    assert 'data-dataset="usage"' not in body and 'data-dataset="downloads"' not in body


def test_a_change_of_the_catalogue_reaches_the_cached_dashboard(app, world):
    client = app.test_client()
    first = int(re.search(r'class="overview-total" data-count="(\d+)"', client.get("/overview").get_data(as_text=True)).group(1))
    make_item(world["items"]["public"].owner, title="Another public handbook")
    db.session.commit()
    second = int(re.search(r'class="overview-total" data-count="(\d+)"', client.get("/overview").get_data(as_text=True)).group(1))
    assert second == first + 1
