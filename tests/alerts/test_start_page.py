"""The personal start page: my drafts and their states (for those who edit), what waits for
me, my collections, my saved searches with their new matches, and what is new in my areas,
each only as far as the person may read."""

from __future__ import annotations

from datetime import datetime

from pan_platform.alerts.models import SavedSearch
from pan_platform.collections.models import Collection, CollectionEntry
from pan_platform.extensions import db
from tests.conftest import sign_in
from tests.factories import make_item, make_org, make_user


def _page(app, user) -> str:
    client = app.test_client()
    assert sign_in(client, user).status_code == 302
    response = client.get("/start")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_editor_sees_their_drafts_and_states(app):
    academy = make_org()
    editor = make_user(academy, "editor")
    colleague = make_user(academy, "editor")
    make_item(academy, state="draft", title="My unfinished module", created_by_id=editor.id)
    make_item(academy, state="draft", title="A colleague's draft", created_by_id=colleague.id)
    make_item(academy, title="Published handbook", created_by_id=editor.id)
    db.session.commit()
    page = _page(app, editor)
    assert "My drafts" in page and "My unfinished module" in page
    assert "A colleague's draft" not in page and "Published handbook" not in page
    assert "Draft (2)" in page and "Published (1)" in page


def test_collections_saved_searches_and_new_matches(app):
    academy = make_org()
    other = make_org()
    trainer = make_user(academy, "trainer")
    readable = make_item(other, visibility="network", title="Cocaine route analysis", areas=("illicit-drugs",))
    hidden = make_item(other, visibility="private", title="Cocaine informants", areas=("illicit-drugs",))
    collection = Collection(owner_id=trainer.id, organisation_id=academy.id, title="Drugs course", visibility="private")
    collection.entries = [CollectionEntry(item_id=readable.id, position=1), CollectionEntry(item_id=hidden.id, position=2)]
    db.session.add_all([collection, SavedSearch(
        user_id=trainer.id, name="Cocaine news", query="cocaine", filters={"area": ["illicit-drugs"]},
        frequency="none", sent_until=datetime(2020, 1, 1), seen_until=datetime(2020, 1, 1))])
    db.session.commit()
    page = _page(app, trainer)
    assert "Drugs course" in page and "1 item" in page and "2 items" not in page
    assert "Cocaine news" in page and "1 new" in page
    # New in my areas (from the saved search's area): the readable item only.
    assert "New in my areas" in page and "Illicit drugs and chemical precursors" in page
    assert "Cocaine route analysis" in page and "Cocaine informants" not in page
    assert "My drafts" not in page


def test_opening_a_saved_search_clears_its_new_matches(app):
    trainer = make_user(make_org(), "trainer")
    make_item(make_org(), visibility="public", title="Cocaine route analysis")
    saved = SavedSearch(user_id=trainer.id, name="Cocaine news", query="cocaine", filters={},
                        frequency="none", sent_until=datetime(2020, 1, 1), seen_until=datetime(2020, 1, 1))
    db.session.add(saved)
    db.session.commit()
    client = app.test_client()
    sign_in(client, trainer)
    assert "1 new" in client.get("/start").get_data(as_text=True)
    assert client.get(f"/saved-searches/{saved.id}/open").status_code == 302
    assert "1 new" not in client.get("/start").get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(app, client):
    assert client.get("/start").status_code == 302
