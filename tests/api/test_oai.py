"""OAI-PMH: full harvests with resumption tokens, schema validation, errors, deletions, leaks."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from pan_platform.access import can
from pan_platform.accounts.models import User
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.seeding import seed_all
from pan_platform.sharing.models import ItemPolicy
from pan_platform.storage.models import FileVersion, MaterialFile
from tests.api.conftest import EXPECTED, MARKS, issue_token
from tests.factories import make_item, make_org

XSD = Path(__file__).parent / "xsd" / "all.xsd"
NS = {"oai": "http://www.openarchives.org/OAI/2.0/", "dc": "http://purl.org/dc/elements/1.1/",
      "lom": "http://ltsc.ieee.org/xsd/LOM"}
SEED = Path(__file__).resolve().parents[2] / "seed_data"


@pytest.fixture(scope="module")
def oai_schema():
    return etree.XMLSchema(etree.parse(str(XSD)))


def fetch(client, oai_schema, query: str, headers: dict | None = None, method: str = "get"):
    if method == "post":
        response = client.post("/oai", data=query, headers=headers or {},
                               content_type="application/x-www-form-urlencoded")
    else:
        response = client.get("/oai?" + query, headers=headers or {})
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    doc = etree.fromstring(response.data)
    assert oai_schema.validate(doc), oai_schema.error_log
    return doc


def error_code(doc) -> str | None:
    node = doc.find("oai:error", NS)
    return node.get("code") if node is not None else None


def harvest(client, oai_schema, verb: str, prefix: str, headers=None, extra: str = "",
            bodies: list | None = None) -> tuple[set[int], set[int], int]:
    """Follow resumption tokens to the end; returns (live ids, deleted ids, number of requests)."""
    live, deleted, requests = set(), set(), 0
    query = f"verb={verb}&metadataPrefix={prefix}{extra}"
    expected_cursor = 0
    while True:
        doc = fetch(client, oai_schema, query, headers)
        requests += 1
        if bodies is not None:
            bodies.append(etree.tostring(doc))
        if error_code(doc) == "noRecordsMatch":
            return live, deleted, requests
        assert error_code(doc) is None
        for header in doc.iterfind(".//oai:header", NS):
            item_id = int(header.findtext("oai:identifier", namespaces=NS).rsplit("/", 1)[1])
            target = deleted if header.get("status") == "deleted" else live
            assert item_id not in live | deleted  # no record twice
            target.add(item_id)
        token = doc.find(f".//oai:{verb}/oai:resumptionToken", NS)
        if token is None:
            return live, deleted, requests
        assert int(token.get("cursor")) == expected_cursor
        expected_cursor = len(live) + len(deleted)
        if not token.text:
            assert int(token.get("completeListSize")) == expected_cursor
            return live, deleted, requests
        query = f"verb={verb}&resumptionToken={token.text}"


def allowed_ids(user) -> set[int]:
    return {i.id for i in db.session.scalars(db.select(Item)) if i.state == "published" and can(user, "read", i)}


@pytest.fixture
def demo(app):
    seed_all(SEED)
    app.config["PAN_OAI_PAGE_SIZE"] = 5
    app.config["PAN_API_RATE_LIMIT"] = app.config["PAN_API_RATE_LIMIT_ANON"] = 10_000
    partner = db.session.scalar(db.select(User).where(User.email == "user@cepol.example"))
    token = issue_token(partner)
    db.session.commit()
    return partner, {"Authorization": f"Bearer {token}"}


def test_harvest_the_demo_catalogue_anonymously_and_as_a_partner(client, oai_schema, demo):
    partner, headers = demo
    anonymous_ids = allowed_ids(None)
    partner_ids = allowed_ids(partner)
    assert anonymous_ids < partner_ids  # the demo shares something with CEPOL beyond the public
    for prefix in ("oai_dc", "lom"):
        live, deleted, requests = harvest(client, oai_schema, "ListRecords", prefix)
        assert live == anonymous_ids and not deleted
        assert requests > 2  # resumption tokens were followed
        live, deleted, _ = harvest(client, oai_schema, "ListRecords", prefix, headers)
        assert live == partner_ids and not deleted
    live, _, _ = harvest(client, oai_schema, "ListIdentifiers", "oai_dc", headers)
    assert live == partner_ids


def test_selective_harvest_by_set_and_date(client, oai_schema, demo):
    partner, headers = demo
    visible = [i for i in db.session.scalars(db.select(Item)) if i.id in allowed_ids(partner)]
    area = visible[0].area_codes[0]
    live, _, _ = harvest(client, oai_schema, "ListIdentifiers", "oai_dc", headers, f"&set=area:{area}")
    assert live == {i.id for i in visible if area in i.area_codes}
    academy = visible[0].owner.slug
    live, _, _ = harvest(client, oai_schema, "ListIdentifiers", "oai_dc", headers, f"&set=academy:{academy}")
    assert live == {i.id for i in visible if i.owner.slug == academy}
    moment = sorted(i.updated_at for i in visible)[len(visible) // 2]
    since = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    live, _, _ = harvest(client, oai_schema, "ListIdentifiers", "oai_dc", headers, f"&from={since}")
    assert live == {i.id for i in visible if i.updated_at >= moment.replace(microsecond=0)}
    doc = fetch(client, oai_schema, "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2999-01-01")
    assert error_code(doc) == "noRecordsMatch"


def test_identify_formats_sets_and_get_record(client, oai_schema, demo):
    doc = fetch(client, oai_schema, "verb=Identify")
    assert doc.findtext(".//oai:deletedRecord", namespaces=NS) == "transient"
    assert doc.findtext(".//oai:baseURL", namespaces=NS) == "http://localhost/oai"
    doc = fetch(client, oai_schema, "verb=ListMetadataFormats")
    assert {n.text for n in doc.iterfind(".//oai:metadataPrefix", NS)} == {"oai_dc", "lom"}
    doc = fetch(client, oai_schema, "verb=ListSets")
    specs = {n.text for n in doc.iterfind(".//oai:setSpec", NS)}
    assert "area:cybercrime" in specs and "academy:academy-austria" in specs
    public = min(allowed_ids(None))
    doc = fetch(client, oai_schema, f"verb=GetRecord&identifier=oai:pan-platform:item/{public}&metadataPrefix=lom",
                method="post")
    item = db.session.get(Item, public)
    assert doc.findtext(".//lom:general/lom:title/lom:string", namespaces=NS) == item.title
    taxa = {n.text for n in doc.iterfind(".//lom:classification/lom:taxonPath/lom:taxon/lom:id", NS)}
    assert taxa == set(item.area_codes)
    doc = fetch(client, oai_schema, f"verb=GetRecord&identifier=oai:pan-platform:item/{public}&metadataPrefix=oai_dc")
    assert item.title in [n.text for n in doc.iterfind(".//dc:title", NS)]


ERROR_CASES = [
    ("", "badVerb"),
    ("verb=Harvest", "badVerb"),
    ("verb=Identify&verb=Identify", "badArgument"),
    ("verb=Identify&extra=1", "badArgument"),
    ("verb=ListRecords", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-13-45", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-02-01&until=2024-01-01", "badArgument"),
    ("verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01&until=2024-02-01T00:00:00Z", "badArgument"),
    ("verb=ListRecords&metadataPrefix=marc21", "cannotDisseminateFormat"),
    ("verb=ListRecords&metadataPrefix=oai_dc&set=area:nothing", "badArgument"),
    ("verb=ListRecords&resumptionToken=garbage", "badResumptionToken"),
    ("verb=ListRecords&resumptionToken=x&metadataPrefix=oai_dc", "badArgument"),
    ("verb=ListSets&resumptionToken=x", "badResumptionToken"),
    ("verb=GetRecord&identifier=oai:pan-platform:item/999999&metadataPrefix=oai_dc", "idDoesNotExist"),
    ("verb=GetRecord&identifier=nonsense&metadataPrefix=oai_dc", "idDoesNotExist"),
    ("verb=GetRecord&identifier=oai:pan-platform:item/1", "badArgument"),
    ("verb=ListMetadataFormats&identifier=oai:pan-platform:item/999999", "idDoesNotExist"),
]


def test_error_codes(client, oai_schema, app):
    for query, code in ERROR_CASES:
        doc = fetch(client, oai_schema, query)
        assert error_code(doc) == code, query
        if code in ("badVerb", "badArgument"):
            assert not doc.find("oai:request", NS).attrib, query  # the base URL only


def test_token_of_another_verb_is_refused(client, oai_schema, demo):
    doc = fetch(client, oai_schema, "verb=ListIdentifiers&metadataPrefix=oai_dc")
    token = doc.findtext(".//oai:resumptionToken", namespaces=NS)
    assert token
    assert error_code(fetch(client, oai_schema, f"verb=ListRecords&resumptionToken={token}")) == "badResumptionToken"


def test_unknown_bearer_token_is_401(client):
    assert client.get("/oai?verb=Identify", headers={"Authorization": "Bearer pan_nope"}).status_code == 401


# -- the leak matrix channel and deletions ------------------------------------------------------------
def test_harvest_matches_the_access_module_per_point_of_view(client, oai_schema, world, app):
    for who in EXPECTED:
        app.config["PAN_OAI_PAGE_SIZE"] = 2
        user = None if who == "anonymous" else world.users[who]
        headers = world.headers(who)
        live, deleted, _ = harvest(client, oai_schema, "ListRecords", "oai_dc", headers)
        assert live == allowed_ids(user) and not deleted
        pages: list[bytes] = []
        live, _, _ = harvest(client, oai_schema, "ListRecords", "lom", headers, bodies=pages)
        assert live == allowed_ids(user)
        body = b"".join(pages)
        for key, mark in MARKS.items():
            item = world.items[key]
            doc = fetch(client, oai_schema, f"verb=GetRecord&identifier=oai:pan-platform:item/{item.id}"
                        "&metadataPrefix=oai_dc", headers)
            if key in EXPECTED[who] and item.state == "published":
                assert error_code(doc) is None, (who, key)
            else:
                assert error_code(doc) == "idDoesNotExist", (who, key)
                assert mark.encode() not in body, (who, key)


def test_formerly_public_items_are_reported_deleted_and_never_public_ones_are_not(client, oai_schema, world):
    public, private, named = world.items["public"], world.items["private"], world.items["named"]
    public.state = "archived"
    private.state = "archived"
    db.session.commit()
    live, deleted, _ = harvest(client, oai_schema, "ListIdentifiers", "oai_dc")
    assert deleted == {public.id} and public.id not in live
    doc = fetch(client, oai_schema, f"verb=GetRecord&identifier=oai:pan-platform:item/{public.id}&metadataPrefix=lom")
    assert doc.find(".//oai:header", NS).get("status") == "deleted"
    assert doc.find(".//oai:metadata", NS) is None
    # Never public: exactly the answer for an id that never existed.
    hidden = fetch(client, oai_schema, f"verb=GetRecord&identifier=oai:pan-platform:item/{private.id}"
                   "&metadataPrefix=oai_dc")
    assert error_code(hidden) == "idDoesNotExist"
    # Public again: the tombstone goes.
    public.state = "published"
    db.session.commit()
    live, deleted, _ = harvest(client, oai_schema, "ListIdentifiers", "oai_dc")
    assert public.id in live and not deleted
    # Public -> partners: deleted for the public, a live record for the partner who still reads it.
    public.visibility = "partners"
    public.partner_scope = "all"
    db.session.commit()
    _, deleted, _ = harvest(client, oai_schema, "ListIdentifiers", "oai_dc")
    assert deleted == {public.id}
    live, deleted, _ = harvest(client, oai_schema, "ListIdentifiers", "oai_dc", world.headers("other_partner"))
    assert public.id in live and not deleted
    assert named.id not in live


def test_file_formats_are_harvested_only_by_those_who_may_download(client, oai_schema, app):
    """dc:format and LOM technical/format name the files' types: file details, which a reader
    of a "files on request" description may not see (as in the REST API)."""
    item = make_item(make_org("academy", slug="oai-files"), "material", visibility="public", state="published")
    item.files.append(MaterialFile(role="slides", language="en", versions=[FileVersion(
        item=item, number=1, sha256="0" * 64, size=10, mime_type="application/vnd.ms-powerpoint",
        original_name="a.ppt", text_status="none",
    )]))
    db.session.commit()

    def formats() -> bytes:
        query = f"verb=GetRecord&identifier=oai:pan-platform:item/{item.id}&metadataPrefix="
        return etree.tostring(fetch(client, oai_schema, query + "oai_dc")) + etree.tostring(
            fetch(client, oai_schema, query + "lom"))

    assert formats().count(b"application/vnd.ms-powerpoint") == 2  # anyone may download
    item.policy = ItemPolicy(files_access="request")
    db.session.commit()
    assert b"application/vnd.ms-powerpoint" not in formats()
