"""The operations' error convention and the shared filter parser, seen through the API, the
web pages and the feeds: a refused operation changes nothing and answers in each channel's
one format; hostile filter values never give a server error."""

from __future__ import annotations

from sqlalchemy import func, select

from pan_platform.audit.models import AuditEvent
from pan_platform.extensions import db
from pan_platform.sharing.models import SharingAgreement
from tests.conftest import sign_in
from tests.factories import make_user


def _audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def _shares(item) -> list[int]:
    db.session.expire_all()
    return sorted(s.organisation_id for s in item.shares)


def test_a_refused_api_write_changes_nothing_and_uses_the_api_error_format(client, world):
    item, academy = world.items["named"], world.orgs["other"]
    before, audit = _shares(item), _audit_count()
    response = client.put(f"/api/v1/items/{item.id}/sharing", headers=world.headers("owner"),
                          json={"visibility": "partners", "shared_with": [academy.slug]})
    assert response.status_code == 422
    error = response.json["error"]
    assert error["status"] == 422 and error["title"] and error["message"]
    assert error["details"] == {"shares": "Items can only be shared with partner organisations."}
    assert _shares(item) == before and _audit_count() == audit


def test_the_same_refusal_in_german_on_the_api(client, world):
    item = world.items["named"]
    response = client.put(f"/api/v1/items/{item.id}/sharing?lang=de",
                          headers={**world.headers("owner"), "Accept-Language": "de"},
                          json={"visibility": "partners", "shared_with": [world.orgs["other"].slug]})
    assert response.status_code == 422
    assert response.json["error"]["details"]["shares"] != "Items can only be shared with partner organisations."


def test_a_refused_web_operation_changes_nothing_and_shows_the_message(client, world):
    admin = make_user(world.orgs["own"], "org_admin")
    db.session.commit()
    sign_in(client, admin)
    audit = _audit_count()
    response = client.post("/organisations/own-academy/sharing/agreements",
                           data={"partner": str(world.orgs["cepol"].id), "areas": "no-such-area"},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "Unknown priority area." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SharingAgreement)) == 0
    assert _audit_count() == audit


HOSTILE = {"area": "<x>", "language": "en'--", "country": "ДЕ", "academy": "../x", "type": "%00",
           "sort": "id desc", "page": "-4", "per_page": "1e9"}


def test_api_lists_refuse_hostile_filters_in_the_api_format(client, world):
    for path in ("/api/v1/materials", "/api/v1/search"):
        response = client.get(path, query_string=HOSTILE)
        assert response.status_code == 400, path
        assert response.json["error"]["status"] == 400


def test_api_list_and_page_read_the_same_valid_filters(client, world):
    api = client.get("/api/v1/materials", query_string={"area": "cybercrime", "language": "en", "country": "at",
                                                       "type": "handbook"})
    assert api.status_code == 200
    assert [row["id"] for row in api.json["data"]] == [world.items["public"].id]
    page = client.get("/catalogue", query_string={"area": "cybercrime", "language": "EN", "country": "at",
                                                  "type": "handbook", "kind": "material"})
    assert page.status_code == 200 and "PUBLICMARK" in page.get_data(as_text=True)


def test_private_feed_ignores_hostile_filters(client, world):
    from tests.api.conftest import issue_feed_token

    clear = issue_feed_token(world.users["named_partner"])
    db.session.commit()
    response = client.get(f"/feeds/private/{clear}/materials.atom", query_string=HOSTILE)
    assert response.status_code == 200
    assert "NAMEDMARK" in response.get_data(as_text=True)  # the junk filters were ignored, not applied
