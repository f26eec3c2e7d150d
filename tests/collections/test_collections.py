"""Collections: make, fill, order, annotate, share, delete; each change only by the owner,
and every refused change leaves the collection as it was."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from pan_platform.collections.models import Collection, CollectionEntry
from pan_platform.extensions import db
from tests.conftest import sign_in
from tests.factories import make_item, make_org, make_user


def _client(app, user):
    client = app.test_client()
    assert sign_in(client, user).status_code == 302
    return client


def _make(client, title="Reading list", visibility="private", description="") -> Collection:
    response = client.post("/collections", data={"title": title, "visibility": visibility, "description": description})
    assert response.status_code == 303
    collection_id = int(re.search(r"/collections/(\d+)", response.headers["Location"]).group(1))
    return db.session.get(Collection, collection_id)


def _add(client, collection, item, note=""):
    return client.post("/collections/add", data={"item_id": item.id, "collection_id": collection.id, "note": note})


def _order(collection_id: int) -> list[int]:
    db.session.expire_all()
    return [e.item_id for e in db.session.get(Collection, collection_id).entries]


def _count() -> int:
    return db.session.scalar(select(func.count(Collection.id)))


def test_make_a_collection_and_find_it_in_my_list(app):
    trainer = make_user(make_org(), "trainer")
    db.session.commit()
    client = _client(app, trainer)
    collection = _make(client, "Cyber-crime basics", "academy", "For the new intake")
    assert (collection.owner_id, collection.organisation_id) == (trainer.id, trainer.organisation_id)
    assert collection.visibility == "academy" and collection.description == "For the new intake"
    page = client.get("/collections").get_data(as_text=True)
    assert "Cyber-crime basics" in page and "0 items" in page


def test_bad_input_is_refused_with_a_message_and_nothing_made(app):
    trainer = make_user(make_org(), "trainer")
    db.session.commit()
    client = _client(app, trainer)
    for data in ({"title": "", "visibility": "private"}, {"title": "x" * 201, "visibility": "private"},
                 {"title": "Fine", "visibility": "everyone"}, {"title": "Fine", "description": "d" * 4001}):
        response = client.post("/collections", data=data)
        assert response.status_code == 422, data
        assert "class=\"flash flash-error\"" in response.get_data(as_text=True)
    assert _count() == 0


def test_add_order_annotate_and_remove(app):
    academy = make_org()
    trainer = make_user(academy, "trainer")
    first, second, third = (make_item(academy, title=f"Handbook {n}") for n in "ABC")
    db.session.commit()
    client = _client(app, trainer)
    collection = _make(client)
    for item in (first, second, third):
        assert _add(client, collection, item).status_code == 303
    assert _add(client, collection, first).status_code == 303  # already in it: stays where it is
    assert _order(collection.id) == [first.id, second.id, third.id]

    url = f"/collections/{collection.id}/items"
    assert client.post(f"{url}/{third.id}/up").status_code == 303
    assert _order(collection.id) == [first.id, third.id, second.id]
    assert client.post(f"{url}/{first.id}/down").status_code == 303
    assert _order(collection.id) == [third.id, first.id, second.id]
    client.post(f"{url}/{third.id}/up")  # the first one cannot go higher
    assert _order(collection.id) == [third.id, first.id, second.id]

    assert client.post(f"{url}/{first.id}/note", data={"note": "Start with chapter 2"}).status_code == 303
    page = client.get(f"/collections/{collection.id}").get_data(as_text=True)
    assert "Start with chapter 2" in page
    assert page.index("Handbook C") < page.index("Handbook A") < page.index("Handbook B")
    assert f'action="/collections/{collection.id}/items/{third.id}/up"' not in page  # no "up" on the first

    response = client.post(f"{url}/{first.id}/note", data={"note": "n" * 2001})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(CollectionEntry.note).where(CollectionEntry.item_id == first.id)) == "Start with chapter 2"

    assert client.post(f"{url}/{second.id}/remove").status_code == 303
    assert _order(collection.id) == [third.id, first.id]
    assert client.post(f"{url}/{second.id}/remove").status_code == 303  # not in it: a message, nothing changes
    assert _order(collection.id) == [third.id, first.id]
    assert client.post(f"{url}/{first.id}/sideways").status_code == 404


def test_add_into_a_new_collection_from_the_item_page(app):
    academy = make_org()
    trainer = make_user(academy, "trainer")
    item = make_item(academy, title="Interview guide")
    db.session.commit()
    client = _client(app, trainer)
    page = client.get(f"/items/{item.id}").get_data(as_text=True)
    assert f"/collections/add?item_id={item.id}" in page
    chooser = client.get(f"/collections/add?item_id={item.id}&next=/items/{item.id}")
    assert chooser.status_code == 200 and "Interview guide" in chooser.get_data(as_text=True)
    response = client.post("/collections/add", data={"item_id": item.id, "new_title": "Interviews", "note": "Key text",
                                                     "next": f"/items/{item.id}"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/items/{item.id}")
    collection = db.session.scalar(select(Collection).where(Collection.title == "Interviews"))
    assert [(e.item_id, e.note) for e in collection.entries] == [(item.id, "Key text")]
    assert collection.visibility == "private"


def test_add_to_collection_is_offered_on_search_results_to_signed_in_people(app):
    academy = make_org()
    trainer = make_user(academy, "trainer")
    item = make_item(academy, title="Cocaine route analysis", visibility="public")
    db.session.commit()
    assert f"/collections/add?item_id={item.id}" not in app.test_client().get("/search?q=cocaine").get_data(as_text=True)
    client = _client(app, trainer)
    assert f"/collections/add?item_id={item.id}" in client.get("/search?q=cocaine").get_data(as_text=True)


def test_a_hidden_item_cannot_be_added_and_answers_like_a_missing_one(app):
    owner = make_org()
    other = make_org()
    trainer = make_user(other, "trainer")
    hidden = make_item(owner, visibility="private", title="Internal")
    db.session.commit()
    client = _client(app, trainer)
    collection = _make(client)
    assert _add(client, collection, hidden).status_code == 404
    assert client.post("/collections/add", data={"item_id": 987654, "collection_id": collection.id}).status_code == 404
    assert client.get(f"/collections/add?item_id={hidden.id}").status_code == 404
    assert _order(collection.id) == []
    # A new collection named on the way is not made either.
    assert client.post("/collections/add", data={"item_id": hidden.id, "new_title": "Sneaky"}).status_code == 404
    assert _count() == 1


def test_only_the_owner_changes_a_collection(app):
    academy = make_org()
    owner = make_user(academy, "trainer")
    colleague = make_user(academy, "editor")
    first, second = make_item(academy), make_item(academy)
    db.session.commit()
    owner_client = _client(app, owner)
    collection = _make(owner_client, visibility="academy")
    _add(owner_client, collection, first, "mine")
    _add(owner_client, collection, second)
    other = _client(app, colleague)
    assert other.get(f"/collections/{collection.id}").status_code == 200  # may read it
    url = f"/collections/{collection.id}"
    refused = [
        other.post(f"{url}/items/{second.id}/up"),
        other.post(f"{url}/items/{first.id}/note", data={"note": "theirs"}),
        other.post(f"{url}/items/{first.id}/remove"),
        other.post(f"{url}/settings", data={"title": "Renamed", "visibility": "network"}),
        other.post(f"{url}/delete", data={"confirm": "1"}),
        other.post("/collections/add", data={"item_id": first.id, "collection_id": collection.id}),
    ]
    assert [r.status_code for r in refused] == [404] * len(refused)
    db.session.expire_all()
    kept = db.session.get(Collection, collection.id)
    assert (kept.title, kept.visibility) == ("Reading list", "academy")
    assert [(e.item_id, e.note) for e in kept.entries] == [(first.id, "mine"), (second.id, None)]
    assert "Move up" not in other.get(url).get_data(as_text=True)


def test_settings_share_link_and_delete(app):
    trainer = make_user(make_org(), "trainer")
    db.session.commit()
    client = _client(app, trainer)
    collection = _make(client)
    page = client.get(f"/collections/{collection.id}").get_data(as_text=True)
    assert "Only you can see this collection" in page and "Link to share" not in page
    response = client.post(f"/collections/{collection.id}/settings",
                           data={"title": "Shared list", "visibility": "network", "description": ""})
    assert response.status_code == 303
    page = client.get(f"/collections/{collection.id}").get_data(as_text=True)
    assert "Link to share" in page and f"http://localhost/collections/{collection.id}" in page
    bad = client.post(f"/collections/{collection.id}/settings", data={"title": "", "visibility": "network"})
    assert bad.status_code == 303
    db.session.expire_all()
    assert db.session.get(Collection, collection.id).title == "Shared list"

    asked = client.post(f"/collections/{collection.id}/delete")
    assert asked.status_code == 200 and "Delete the collection" in asked.get_data(as_text=True)
    assert _count() == 1
    assert client.post(f"/collections/{collection.id}/delete", data={"confirm": "1"}).status_code == 303
    assert _count() == 0
    assert client.get(f"/collections/{collection.id}").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(app, client):
    assert client.get("/collections").status_code == 302
    assert client.post("/collections", data={"title": "x"}).status_code == 302
    assert _count() == 0


def test_a_dragged_order_is_kept_and_only_the_owner_may_send_one(app):
    academy = make_org()
    owner = make_user(academy, "trainer")
    first, second, third = make_item(academy), make_item(academy), make_item(academy)
    db.session.commit()
    client = _client(app, owner)
    collection = _make(client, visibility="academy")
    for item in (first, second, third):
        _add(client, collection, item)
    page = client.get(f"/collections/{collection.id}").get_data(as_text=True)
    assert f'data-order-url="/collections/{collection.id}/order"' in page and "collection-order.js" in page
    order = f"{third.id},{first.id},987654,junk,{third.id}"  # unknown, bad and repeated ids are ignored
    assert client.post(f"/collections/{collection.id}/order", data={"order": order}).status_code == 303
    assert _order(collection.id) == [third.id, first.id, second.id]
    colleague = _client(app, make_user(academy, "trainer"))
    assert "collection-order.js" not in colleague.get(f"/collections/{collection.id}").get_data(as_text=True)
    refused = colleague.post(f"/collections/{collection.id}/order", data={"order": f"{second.id},{first.id}"})
    assert refused.status_code == 404
    assert _order(collection.id) == [third.id, first.id, second.id]


def test_huge_or_bad_ids_typed_into_the_forms_are_refused_without_an_error(app):
    academy = make_org()
    trainer = make_user(academy, "trainer")
    item = make_item(academy)
    db.session.commit()
    client = _client(app, trainer)
    collection = _make(client)
    for bad in ("2147483648", "99999999999", "-1", "x"):
        assert client.get(f"/collections/add?item_id={bad}").status_code == 404
        response = client.post("/collections/add", data={"item_id": bad, "collection_id": collection.id},
                               follow_redirects=True)
        assert response.status_code == 200 and "Please choose an item." in response.get_data(as_text=True)
        response = client.post("/collections/add", data={"item_id": item.id, "collection_id": bad},
                               follow_redirects=True)
        assert response.status_code == 200 and "Please choose a collection" in response.get_data(as_text=True)
        assert client.post(f"/collections/{collection.id}/order", data={"order": bad}).status_code == 303
    assert _order(collection.id) == []
