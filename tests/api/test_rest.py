"""REST API: the leak matrix (list, detail, search per point of view), tokens, errors, limits."""

from __future__ import annotations

import io

from pan_platform.access import can
from pan_platform.accounts.models import ApiToken
from pan_platform.api.serialize import KIND_PATHS
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.util import utcnow
from tests.api.conftest import EXPECTED, MARKS
from tests.conftest import sign_in
from tests.factories import make_user

VIEWS = list(EXPECTED)


def _user(world, who):
    return None if who == "anonymous" else world.users[who]


def _listed(client, world, who) -> tuple[set[int], str]:
    ids, bodies = set(), []
    for path in KIND_PATHS.values():
        response = client.get(f"/api/v1/{path}?per_page=100", headers=world.headers(who))
        assert response.status_code == 200
        ids |= {row["id"] for row in response.json["data"]}
        bodies.append(response.get_data(as_text=True))
    return ids, "".join(bodies)


def test_lists_show_exactly_the_readable_published_items(client, world):
    for who in VIEWS:
        ids, body = _listed(client, world, who)
        expected = {world.items[k].id for k in EXPECTED[who] if world.items[k].state == "published"}
        assert ids == expected
        by_access = {i.id for i in db.session.scalars(db.select(Item))
                     if i.state == "published" and can(_user(world, who), "read", i)}
        assert ids == by_access
        for key, mark in MARKS.items():
            if key not in EXPECTED[who] or world.items[key].state != "published":
                assert mark not in body


def test_detail_hidden_is_the_same_404_as_missing(client, world):
    for who in VIEWS:
        missing = client.get("/api/v1/materials/999999", headers=world.headers(who))
        assert missing.status_code == 404
        for key, item in world.items.items():
            response = client.get(f"/api/v1/{KIND_PATHS[item.kind]}/{item.id}", headers=world.headers(who))
            if key in EXPECTED[who]:
                assert response.status_code == 200, key
                assert response.json["id"] == item.id
            else:
                assert response.status_code == 404, key
                assert response.get_data() == missing.get_data()


def test_detail_children_and_parent_are_filtered(client, world):
    for who in VIEWS:
        module = world.items["module"]
        body = client.get(f"/api/v1/modules/{module.id}", headers=world.headers(who)).json
        readable_children = {world.items[k].id for k in ("hidden_child",) if k in EXPECTED[who]}
        assert set(body["children"]) == readable_children
        assert body["parent_id"] == world.items["curriculum"].id
        assert "HIDDENCHILDMARK" not in str(body) or "hidden_child" in EXPECTED[who]


def test_detail_of_the_wrong_kind_is_404(client, world):
    item = world.items["public"]
    assert client.get(f"/api/v1/curricula/{item.id}").status_code == 404


def test_search_returns_only_readable_items(client, world):
    for who in VIEWS:
        response = client.get("/api/v1/search?per_page=100", headers=world.headers(who))
        assert response.status_code == 200
        ids = {row["id"] for row in response.json["data"]}
        readable = {world.items[k].id for k in EXPECTED[who]}
        assert ids <= readable
        assert {world.items[k].id for k in EXPECTED[who] if world.items[k].state == "published"} <= ids
        assert response.json["meta"]["total"] == len(ids)
        for key, mark in MARKS.items():
            hit = client.get(f"/api/v1/search?q={mark}", headers=world.headers(who))
            found = {row["id"] for row in hit.json["data"]}
            if key in EXPECTED[who]:
                assert world.items[key].id in found, key
            else:
                assert mark not in str(hit.json["data"]) + str(hit.json["facets"])
                assert hit.json["meta"]["total"] == 0
                assert all(sum(values.values()) == 0 for values in hit.json["facets"].values())


def test_sharing_block_only_for_the_owner_editor(client, world):
    item = world.items["named"]
    owner = client.get(f"/api/v1/materials/{item.id}", headers=world.headers("owner")).json
    assert owner["sharing"] == {"visibility": "partners", "partner_scope": "named", "shared_with": ["cepol"]}
    partner = client.get(f"/api/v1/materials/{item.id}", headers=world.headers("named_partner")).json
    assert partner["sharing"] is None


# -- tokens ------------------------------------------------------------------------------------
def test_unknown_and_revoked_tokens_are_refused(client, world):
    bad = client.get("/api/v1/materials", headers={"Authorization": "Bearer pan_nope"})
    assert bad.status_code == 401
    assert set(bad.json["error"]) == {"status", "title", "message"}
    token = db.session.scalar(db.select(ApiToken).where(ApiToken.user_id == world.users["named_partner"].id))
    assert client.get("/api/v1/me", headers=world.headers("named_partner")).json["authenticated"] is True
    db.session.refresh(token)
    assert token.last_used_at is not None
    token.revoked_at = utcnow()
    db.session.commit()
    assert client.get("/api/v1/me", headers=world.headers("named_partner")).status_code == 401


def test_deactivated_user_token_is_refused(client, world):
    world.users["named_partner"].active = False
    db.session.commit()
    assert client.get("/api/v1/me", headers=world.headers("named_partner")).status_code == 401


def test_download_links_work_with_the_token_and_not_without(client, world, app):
    from pan_platform.storage.files import add_version

    item = world.items["named"]
    add_version(item, io.BytesIO(b"hello partners"), "deck.txt", "text/plain")
    db.session.commit()
    body = client.get(f"/api/v1/materials/{item.id}", headers=world.headers("named_partner")).json
    url = body["files"][0]["download_url"].replace("http://localhost", "")
    assert client.get(url, headers=world.headers("named_partner")).data == b"hello partners"
    assert client.get(url).status_code == 404
    assert client.get(url, headers=world.headers("other_partner")).status_code == 404


def test_file_details_only_for_those_who_may_download(client, world, app):
    """Files given on request: readers of the description see that there are files, not
    their names, sizes, hashes or download links (the rule of the download route)."""
    from pan_platform.sharing import operations as sharing
    from pan_platform.storage.files import add_version

    item = world.items["all_partners"]
    version = add_version(item, io.BytesIO(b"confidential annex"), "annex-witness-list.txt", "text/plain")
    db.session.commit()
    sharing.set_item_policy(world.users["owner"], item, None, "request")
    secrets = (version.sha256, "annex-witness-list", f"/files/{version.id}/download")

    for who in ("named_partner", "other_academy"):
        assert can(world.users[who], "read", item) and not can(world.users[who], "download", item)
        response = client.get(f"/api/v1/materials/{item.id}", headers=world.headers(who))
        assert response.status_code == 200
        assert (response.json["files"], response.json["files_on_request"]) == ([], True)
        body = response.get_data(as_text=True)
        assert not any(secret in body for secret in secrets), who

    owner = client.get(f"/api/v1/materials/{item.id}", headers=world.headers("owner")).json
    assert [f["sha256"] for f in owner["files"]] == [version.sha256] and owner["files_on_request"] is False

    request = sharing.request_access(world.users["named_partner"], item, "Course for investigators")
    sharing.decide_request(make_user(world.orgs["own"], "org_admin"), request, True)
    granted = client.get(f"/api/v1/materials/{item.id}", headers=world.headers("named_partner")).json
    assert [f["size"] for f in granted["files"]] == [version.size] and granted["files_on_request"] is False
    plain = client.get(f"/api/v1/materials/{world.items['public'].id}").json
    assert (plain["files"], plain["files_on_request"]) == ([], False)  # no files at all


# -- writes ------------------------------------------------------------------------------------
def test_editor_creates_updates_publishes_and_shares_through_operations(client, world):
    headers = world.headers("owner")
    created = client.post("/api/v1/items", json={
        "kind": "material", "title": "API material", "priority_areas": ["terrorism"],
        "learning_outcomes": ["One", "Two"], "resource_type": "exercise",
    }, headers=headers)
    assert created.status_code == 201, created.json
    item_id = created.json["id"]
    assert created.json["state"] == "draft" and created.json["learning_outcomes"] == ["One", "Two"]
    assert client.get(f"/api/v1/materials/{item_id}").status_code == 404  # a private draft

    updated = client.patch(f"/api/v1/items/{item_id}", json={"title": "API material v2"}, headers=headers)
    assert updated.status_code == 200 and updated.json["title"] == "API material v2"
    shared = client.put(f"/api/v1/items/{item_id}/sharing",
                        json={"visibility": "partners", "shared_with": ["cepol"]}, headers=headers)
    assert shared.status_code == 200 and shared.json["sharing"]["shared_with"] == ["cepol"]
    published = client.post(f"/api/v1/items/{item_id}/state", json={"action": "publish"}, headers=headers)
    assert published.status_code == 200 and published.json["changed"] == [item_id]
    assert client.get(f"/api/v1/materials/{item_id}", headers=world.headers("named_partner")).status_code == 200
    assert client.get(f"/api/v1/materials/{item_id}", headers=world.headers("other_partner")).status_code == 404

    upload = client.post(
        f"/api/v1/materials/{item_id}/files", headers=headers, content_type="multipart/form-data",
        data={"file": (io.BytesIO(b"Plain text lesson notes.\n"), "notes.txt"), "note": "first"},
    )
    assert upload.status_code == 201, upload.json
    assert upload.json["number"] == 1


def test_write_errors(client, world):
    headers = world.headers("owner")
    invalid = client.post("/api/v1/items", json={"kind": "material", "title": "x", "audience": "cats"},
                          headers=headers)
    assert invalid.status_code == 422 and invalid.json["error"]["status"] == 422
    no_areas = client.post("/api/v1/items", json={"kind": "material", "title": "No areas"}, headers=headers)
    assert no_areas.status_code == 422 and "area_codes" in no_areas.json["error"]["details"]
    not_json = client.post("/api/v1/items", data="title=x", headers=headers)
    assert not_json.status_code == 415
    hidden = world.items["private"]
    assert client.patch(f"/api/v1/items/{hidden.id}", json={"title": "x"},
                        headers=world.headers("other_academy")).status_code == 404
    visible = world.items["public"]
    assert client.patch(f"/api/v1/items/{visible.id}", json={"title": "x"},
                        headers=world.headers("own_trainer")).status_code == 403
    unknown_partner = client.put(f"/api/v1/items/{visible.id}/sharing",
                                 json={"visibility": "partners", "shared_with": ["nobody"]}, headers=headers)
    assert unknown_partner.status_code == 422
    refused_file = client.post(
        f"/api/v1/materials/{visible.id}/files", headers=headers, content_type="multipart/form-data",
        data={"file": (io.BytesIO(b"<html><script>x</script>"), "page.html")},
    )
    assert refused_file.status_code == 422
    db.session.expire_all()
    assert db.session.get(Item, visible.id).title != "x"
    assert db.session.get(Item, visible.id).file_versions == []


def test_writes_need_a_token_not_a_session_cookie(client, world):
    assert client.post("/api/v1/items", json={"kind": "material", "title": "x"}).status_code == 401
    sign_in(client, world.users["owner"])
    response = client.post("/api/v1/items", json={"kind": "material", "title": "x", "priority_areas": ["terrorism"]})
    assert response.status_code == 401
    assert db.session.scalar(db.select(Item).where(Item.title == "x")) is None


# -- reference data, errors, limits, CORS ----------------------------------------------------------
def test_countries_are_named_in_the_requested_language(client, world):
    assert {"code": "DE", "kind": "participating", "name": "Германия"} in client.get(
        "/api/v1/countries?lang=ru").json["data"]
    assert client.get("/api/v1/countries", headers={"Accept-Language": "fr"}).json["language"] == "fr"
    assert client.get("/api/v1/countries?lang=xx").json["language"] == "en"


def test_priority_areas_have_a_label_in_every_language(client, app):
    data = client.get("/api/v1/priority-areas").json["data"]
    assert len(data) == 8
    assert all(set(row["labels"]) == set(app.config["PAN_LANGUAGES"]) for row in data)


def test_pagination_links(client, world):
    headers = world.headers("owner")
    everything = client.get("/api/v1/materials?per_page=100", headers=headers).json
    page = client.get("/api/v1/materials?per_page=2", headers=headers).json
    assert page["links"]["prev"] is None
    assert page["meta"]["pages"] == -(-everything["meta"]["total"] // 2)
    seen = [row["id"] for row in page["data"]]
    while page["links"]["next"]:
        page = client.get(page["links"]["next"].replace("http://localhost", ""), headers=headers).json
        assert "per_page=2" in page["links"]["prev"]
        seen += [row["id"] for row in page["data"]]
    assert seen == [row["id"] for row in everything["data"]]
    assert page["links"]["self"] == page["links"]["last"]


def test_bad_parameters_are_400_in_the_one_error_format(client, world):
    for url in ("/api/v1/materials?page=abc", "/api/v1/materials?area=nope", "/api/v1/materials?per_page=1000",
                "/api/v1/nothing-here", "/api/v1/materials?country=Deutschland"):
        response = client.get(url)
        assert response.status_code in (400, 404)
        assert set(response.json["error"]) >= {"status", "title", "message"}


def test_rate_limit_gives_429_json(tmp_path):
    from pan_platform.seeding import ensure_priority_areas
    from tests.conftest import make_app

    limited = make_app(tmp_path, PAN_API_RATE_LIMIT_ANON=3)
    with limited.app_context():
        db.create_all()
        ensure_priority_areas()
        db.session.commit()
        client = limited.test_client()
        codes = [client.get("/api/v1/priority-areas").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        response = client.get("/api/v1/priority-areas")
        assert response.json["error"]["status"] == 429 and "Retry-After" in response.headers
        db.session.remove()
        db.engine.dispose()


def test_cors_off_by_default_and_on_for_configured_origins(client, app):
    origin = {"Origin": "https://partner.example"}
    assert "Access-Control-Allow-Origin" not in client.get("/api/v1/priority-areas", headers=origin).headers
    app.config["PAN_CORS_ORIGINS"] = "https://partner.example"
    response = client.get("/api/v1/priority-areas", headers=origin)
    assert response.headers["Access-Control-Allow-Origin"] == "https://partner.example"
    assert "Access-Control-Allow-Credentials" not in response.headers
    other = client.get("/api/v1/priority-areas", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_openapi_document_and_docs_page(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    assert document["servers"][0]["url"] == "http://localhost/api/v1"
    assert "/materials" in document["paths"] and "/search" in document["paths"]
    assert "post" in document["paths"]["/items"]
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and b"/api/v1/materials" in page.data
    assert b"<script" not in page.data


def test_an_adaptation_keeps_a_share_alike_licence_through_the_api(client, world):
    """The API edits through the same operation: a licence that travels with a copy stays."""
    from pan_platform.catalogue import operations as ops
    from tests.factories import make_item

    original = make_item(world.orgs["other"], kind="curriculum", visibility="network", licence="cc-by-sa-4.0")
    db.session.commit()
    copy = ops.adapt_item(world.users["owner"], original)
    refused = client.patch(f"/api/v1/items/{copy.id}", json={"licence": "cc-by-4.0"}, headers=world.headers("owner"))
    assert refused.status_code == 422 and "licence" in refused.json["error"]["details"]
    db.session.expire_all()
    assert db.session.get(Item, copy.id).licence == "cc-by-sa-4.0"
