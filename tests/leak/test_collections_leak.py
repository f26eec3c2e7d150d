"""Collections for every viewer and visibility: a collection shows exactly where
access.can(viewer, "read") says, a hidden one answers exactly like a missing one, and
inside a readable collection each viewer sees (and counts) only the items they may read."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pan_platform.access import can, collections_readable_by
from pan_platform.collections.models import Collection, CollectionEntry
from pan_platform.extensions import db
from tests.conftest import sign_in
from tests.factories import make_item, make_org, make_user

VISIBILITIES = ("private", "academy", "network")
EXPECTED = {  # viewer -> the visibilities it may read
    "anonymous": set(),
    "owner": set(VISIBILITIES),
    "colleague": {"academy", "network"},
    "other_academy": {"network"},
    "partner": set(),
    "platform_admin": set(VISIBILITIES),
}
MISSING = 987654


@pytest.fixture
def world(app):
    home = make_org("academy")
    other = make_org("academy")
    partner = make_org("partner")
    owner = make_user(home, "trainer")
    viewers = {
        "anonymous": None,
        "owner": owner,
        "colleague": make_user(home, "trainer"),
        "other_academy": make_user(other, "editor"),
        "partner": make_user(partner, "trainer"),
        "platform_admin": make_user(make_org("secretariat"), "platform_admin"),
    }
    public = make_item(other, visibility="public", title="Zqpublicword handbook")
    network = make_item(other, visibility="network", title="Zqnetworkword handbook")
    internal = make_item(home, visibility="private", title="Zqinternalword handbook")
    collections = {}
    for visibility in VISIBILITIES:
        collection = Collection(owner_id=owner.id, organisation_id=home.id, title=f"Zqcollection {visibility}",
                                visibility=visibility)
        for position, item in enumerate((public, network, internal), start=1):
            collection.entries.append(CollectionEntry(item_id=item.id, position=position, note=f"Note {item.title[:12]}"))
        db.session.add(collection)
        collections[visibility] = collection
    db.session.commit()
    return viewers, collections, (public, network, internal)


def _client(app, user):
    client = app.test_client()
    if user is not None:
        assert sign_in(client, user).status_code == 302
        client.get("/")  # shows (and so clears) the welcome message
    return client


def _body(response) -> str:
    return response.get_data(as_text=True)


def _without(body: str, collection_id: int) -> str:
    """The page with the collection's id (in paths, also URL-encoded) and CSRF values taken out."""
    body = re.sub(r'name="csrf_token" value="[^"]*"', "", body)
    return re.sub(rf"(?:(?<=/)|(?<=%2F)){collection_id}(?=[\"'/?&<\s#%]|$)", "<ID>", body)


@pytest.mark.parametrize("viewer", list(EXPECTED))
def test_each_viewer_sees_exactly_the_collections_and_items_it_may_read(app, world, viewer):
    viewers, collections, items = world
    user = viewers[viewer]
    client = _client(app, user)
    missing = client.get(f"/collections/{MISSING}")
    listing = _body(client.get("/collections")) if user is not None else ""
    for visibility, collection in collections.items():
        allowed = visibility in EXPECTED[viewer]
        assert can(user, "read", collection) == allowed, (viewer, visibility)
        response = client.get(f"/collections/{collection.id}")
        if not allowed:
            assert response.status_code == missing.status_code == 404, (viewer, visibility)
            assert _without(_body(response), collection.id) == _without(_body(missing), MISSING), (viewer, visibility)
            assert collection.title not in listing
            continue
        assert response.status_code == 200, (viewer, visibility)
        page = _body(response)
        for item in items:
            readable = can(user, "read", item)
            assert (item.title in page) == readable, (viewer, visibility, item.title)
            assert (f"Note {item.title[:12]}" in page) == readable, (viewer, visibility, item.title)
        if viewer not in ("owner", "platform_admin"):  # others' collections are listed as shared with me
            assert collection.title in listing
            count = sum(can(user, "read", item) for item in items)
            assert f"{collection.title}</a>" in listing and f"{count} items" in listing


@pytest.mark.parametrize("viewer", [v for v in EXPECTED if v != "anonymous"])
def test_the_add_form_and_changes_are_refused_to_all_but_the_owner(app, world, viewer):
    viewers, collections, items = world
    client = _client(app, viewers[viewer])
    public = items[0]
    for collection in collections.values():
        before = [(e.item_id, e.position) for e in collection.entries]
        response = client.post(f"/collections/{collection.id}/items/{public.id}/down")
        expected = 303 if viewer in ("owner", "platform_admin") else 404
        assert response.status_code == expected, (viewer, collection.visibility)
        db.session.expire_all()
        after = [(e.item_id, e.position) for e in db.session.get(Collection, collection.id).entries]
        assert (after != before) == (expected == 303)


@pytest.mark.parametrize("viewer", list(EXPECTED))
def test_the_sql_listing_agrees_with_can(app, world, viewer):
    viewers, collections, _items = world
    user = viewers[viewer]
    listed = set(db.session.scalars(select(Collection.id).where(collections_readable_by(user))))
    assert listed == {c.id for c in collections.values() if can(user, "read", c)}
