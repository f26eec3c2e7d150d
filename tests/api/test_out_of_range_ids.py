"""Ids no row can have (beyond the database's integer range) are "not found", on every route."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import func, select

from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.sharing.models import SharingAgreement
from pan_platform.web.ids import IdConverter
from tests.conftest import sign_in
from tests.factories import make_item, make_org, make_user

HUGE = ("99999999999999999999", "9223372036854775808", "9223372036854775807", "2147483648")
_ARGUMENT = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\((?P<options>[^)]*)\))?:)?(?P<name>\w+)>")


def _fill(rule: str, value: str, slug: str) -> str:
    """The rule's URL with `value` for every int argument and real values for the others."""
    def one(match: re.Match) -> str:
        converter = match.group("converter")
        if converter == "int":
            return value
        if converter == "any":
            return match.group("options").split(",")[0].strip()
        return {"slug": slug, "language": "de"}.get(match.group("name"), "x")
    return _ARGUMENT.sub(one, rule)


def _id_routes(app) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, rule.rule))
    return routes


@pytest.mark.parametrize("role", ["org_admin", "platform_admin"])
def test_every_id_route_answers_not_found_for_huge_ids(app, client, world, role):
    organisation = world.orgs["own"] if role == "org_admin" else make_org("secretariat", country=None)
    sign_in(client, make_user(organisation, role))
    db.session.commit()
    routes = _id_routes(app)
    assert len(routes) >= 30  # pages, downloads, the workspace, sharing, administration, the API
    wrong = []
    for value in HUGE:
        for method, rule in routes:
            url = _fill(rule, value, world.orgs["own"].slug)
            response = client.open(url, method=method, headers=world.headers("owner"))
            if response.status_code != 404:
                wrong.append(f"{method} {url}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_huge_ids_typed_into_forms_are_refused_with_a_message(app, client, world):
    admin = make_user(world.orgs["own"], "org_admin")
    curriculum = make_item(world.orgs["own"], kind="curriculum", visibility="private", state="draft")
    db.session.commit()
    sign_in(client, admin)
    huge = HUGE[0]
    response = client.post(f"/workspace/items/{curriculum.id}/attach", data={"module_id": huge},
                           follow_redirects=True)
    assert response.status_code == 200 and "Please choose a module." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Item.id)).where(Item.parent_id == curriculum.id)) == 0

    response = client.post(f"/organisations/{world.orgs['own'].slug}/sharing/agreements",
                           data={"partner": huge, "until": ""}, follow_redirects=True)
    assert response.status_code == 200 and "Choose a partner organisation." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(SharingAgreement.id))) == 0

    material = world.items["public"]
    for reference in (huge, "2147483648", f"http://localhost/items/{huge}", "http://localhost/items/2147483648"):
        response = client.post(f"/workspace/items/{material.id}/versions", data={"other": reference})
        assert response.status_code == 422, reference
        assert "No item with this number or address is available to you." in response.get_data(as_text=True)


@pytest.mark.parametrize("url", [
    "/items/99999999999999999999", "/files/9223372036854775808/download", "/de/items/9223372036854775808",
    "/api/v1/materials/99999999999999999999", "/api/v1/curricula/9223372036854775808",
])
def test_huge_ids_look_like_missing_ones(app, client, world, url):
    """The same answer as any id that does not exist: nothing tells them apart."""
    huge = re.search(r"\d{10,}", url).group(0)
    missing = client.get(url.replace(huge, "987654"))
    response = client.get(url)
    assert (response.status_code, response.mimetype) == (404, missing.mimetype)
    # the page names its own address (language links): the id aside, the answers are equal
    assert response.get_data(as_text=True).replace(huge, "<ID>") == missing.get_data(as_text=True).replace(
        "987654", "<ID>")


def test_a_path_served_by_one_rule_per_method_is_not_found_for_huge_ids():
    """The range lives in the converter's pattern: Werkzeug checks a rule's method before it
    converts, so a range checked only in the conversion would make such a path answer 405."""
    app = Flask(__name__)
    app.url_map.converters["int"] = IdConverter
    app.add_url_rule("/things/<int:thing_id>", "show", lambda thing_id: "shown", methods=["GET"])
    app.add_url_rule("/things/<int:thing_id>", "change", lambda thing_id: "changed", methods=["POST"])
    client = app.test_client()
    assert client.get("/things/2147483647").status_code == 200
    assert client.post("/things/2147483647").status_code == 200
    for value in HUGE + ("0", "007"):
        assert client.get(f"/things/{value}").status_code == 404, value
        assert client.post(f"/things/{value}").status_code == 404, value
