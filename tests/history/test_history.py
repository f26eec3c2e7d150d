"""The item history: who changed what, when, old -> new; restore through the normal update;
only the owner academy's editors see it."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from pan_platform import search
from pan_platform.accounts.models import ApiToken
from pan_platform.catalogue import operations as ops
from pan_platform.catalogue.importer import build_zip, import_archive
from pan_platform.catalogue.models import Item
from pan_platform.catalogue.translation_ops import TranslationText, delete_translation, save_translation
from pan_platform.extensions import db
from pan_platform.history.models import ItemChange
from pan_platform.operations import transaction
from pan_platform.sharing import operations as sharing
from tests.catalogue.test_importer import EXAMPLE
from tests.conftest import sign_in
from tests.factories import make_org, make_user

THB = "human-trafficking"


@pytest.fixture
def world(app):
    austria = make_org("academy", slug="academy-austria", name="Austrian Academy")
    germany = make_org("academy", slug="academy-germany", name="German Academy", country="DE")
    cepol = make_org("partner", slug="cepol", name="CEPOL", country=None)
    users = {
        "editor": make_user(austria, "editor"),
        "admin": make_user(austria, "org_admin"),
        "trainer": make_user(austria, "trainer"),
        "de_editor": make_user(germany, "editor"),
        "cepol": make_user(cepol, "trainer"),
    }
    db.session.commit()
    return {"austria": austria, "germany": germany, "cepol_org": cepol, **users}


def _item(world, **kw) -> Item:
    fields = {"title": "Victim interviews", "summary": "How to interview victims.", "area_codes": [THB], **kw}
    return ops.create_item(world["editor"], world["austria"], "material", fields)


def entries(item: Item) -> list[ItemChange]:
    """The item's entries, newest first."""
    db.session.expire_all()
    return list(db.session.scalars(
        select(ItemChange).where(ItemChange.item_id == item.id).order_by(ItemChange.id.desc())))


def changes(entry: ItemChange) -> dict:
    return {(c["field"], c.get("key")): (c["old"], c["new"]) for c in entry.changes}


def entry_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ItemChange))


# -- what is kept --------------------------------------------------------------------------

def test_creation_and_metadata_changes_are_kept_with_who_when_old_and_new(world):
    item = _item(world)
    (created,) = entries(item)
    assert created.kind == "created" and created.user_id == world["editor"].id
    assert changes(created)[("title", None)] == (None, "Victim interviews")

    ops.update_item(world["editor"], item, {
        "title": "Interviewing victims", "keywords": "victims, interviews", "level": "advanced",
        "area_codes": [THB, "organized-crime"], "summary": "How to interview victims.",
    })
    latest = entries(item)[0]
    assert latest.kind == "changed" and latest.user_id == world["editor"].id and latest.at is not None
    assert changes(latest) == {
        ("title", None): ("Victim interviews", "Interviewing victims"),
        ("keywords", None): ([], ["victims", "interviews"]),
        ("level", None): (None, "advanced"),
        ("area_codes", None): ([THB], sorted([THB, "organized-crime"])),
    }  # the unchanged summary is not listed


def test_a_change_made_without_reading_first_still_has_its_old_value(world):
    item = _item(world)
    db.session.expire_all()
    item = db.session.get(Item, item.id)
    db.session.expire(item)
    item.title = "Set behind the form's back"
    db.session.commit()
    assert changes(entries(item)[0])[("title", None)] == ("Victim interviews", "Set behind the form's back")


def test_translations_are_kept(world):
    item = _item(world)
    save_translation(world["editor"], item, "de", TranslationText("Opferbefragung", "Wie man Opfer befragt."))
    added = changes(entries(item)[0])
    assert added[("title", "de")] == (None, "Opferbefragung")
    assert added[("summary", "de")] == (None, "Wie man Opfer befragt.")
    assert added[("languages", None)] == (["en"], ["de", "en"])

    save_translation(world["editor"], item, "de", TranslationText("Befragung von Opfern", "Wie man Opfer befragt."))
    assert changes(entries(item)[0]) == {("title", "de"): ("Opferbefragung", "Befragung von Opfern")}
    assert entries(item)[0].user_id == world["editor"].id

    delete_translation(world["editor"], item, "de")
    deleted = entries(item)[0]
    assert deleted.user_id == world["editor"].id
    assert changes(deleted)[("title", "de")] == ("Befragung von Opfern", None)
    assert changes(deleted)[("languages", None)] == (["de", "en"], ["en"])


def test_sharing_changes_are_kept(world):
    item = _item(world)
    ops.set_state(world["editor"], item, "publish")
    ops.set_sharing(world["editor"], item, "partners", "named", [world["cepol_org"].id])
    assert changes(entries(item)[0]) == {
        ("visibility", None): ("private", "partners"),
        ("shares", None): ([], ["CEPOL"]),
    }
    sharing.set_item_policy(world["editor"], item, "law-enforcement-only", "request")
    assert changes(entries(item)[0]) == {
        ("marking", None): (None, "law-enforcement-only"),
        ("files_access", None): ("same", "request"),
    }

    until = date.today() + timedelta(days=30)
    agreement = sharing.create_agreement(world["admin"], world["austria"], world["cepol_org"], [THB], until)
    made = entries(item)[0]
    assert made.user_id == world["admin"].id
    assert changes(made) == {("agreement", "CEPOL"): (None, {"areas": [THB], "until": f"{until.isoformat()}T23:59"})}
    sharing.revoke_agreement(world["admin"], agreement)
    assert changes(entries(item)[0])[("agreement", "CEPOL")][1] is None

    request = sharing.request_access(world["cepol"], item, "For our course")
    sharing.decide_request(world["admin"], request, True)
    decided = entries(item)[0]
    assert decided.user_id == world["admin"].id
    assert changes(decided) == {("file_access", "CEPOL"): ("pending", "approved")}


def test_an_agreement_is_not_noted_on_items_it_does_not_cover(world):
    item = _item(world, area_codes=["organized-crime"])
    ops.set_state(world["editor"], item, "publish")
    before = len(entries(item))
    sharing.create_agreement(world["admin"], world["austria"], world["cepol_org"], [THB], None)
    assert len(entries(item)) == before


def test_file_versions_added_and_removed_are_kept(world):
    item = _item(world)
    ops.add_file_version(world["editor"], item, io.BytesIO(b"# Handout\n\nInterview steps.\n"), "handout.md")
    added = entries(item)[0]
    assert added.user_id == world["editor"].id
    old, new = changes(added)[("file", "1")]
    assert old is None and new["name"] == "handout.md" and new["size"] > 0

    item = db.session.get(Item, item.id)
    item.file_versions.remove(item.file_versions[0])
    db.session.commit()
    old, new = changes(entries(item)[0])[("file", "1")]
    assert old["name"] == "handout.md" and new is None


def test_one_unit_of_work_gives_one_entry_per_item_and_a_rollback_none(world):
    with transaction():
        item = _item(world)
        ops.update_item(world["editor"], item, {"title": "Renamed in the same unit"})
        ops.update_item(world["editor"], item, {"summary": "Another summary."})
    (entry,) = entries(item)
    assert entry.kind == "created"
    assert changes(entry)[("title", None)] == (None, "Renamed in the same unit")

    count = entry_count()
    with pytest.raises(ops.InvalidInput):
        with transaction():
            ops.update_item(world["editor"], item, {"title": "Never saved"})
            ops.update_item(world["editor"], item, {"level": "no-such-level"})
    assert entry_count() == count
    ops.update_item(world["editor"], item, {"summary": "Third summary."})
    assert changes(entries(item)[0]) == {("summary", None): ("Another summary.", "Third summary.")}


def test_imports_and_api_writes_create_entries(world, client, tmp_path):
    report = import_archive(world["editor"], build_zip(EXAMPLE, tmp_path / "example.zip"))
    imported = list(db.session.scalars(select(Item).where(Item.source_key.is_not(None))))
    assert len(imported) == report.created
    for item in imported:
        (entry,) = entries(item)
        assert entry.kind == "created" and entry.user_id == world["editor"].id

    item = _item(world)
    token, clear = ApiToken.issue(world["editor"], "script", scope="write")
    db.session.add(token)
    db.session.commit()
    response = client.patch(f"/api/v1/items/{item.id}", json={"title": "Changed through the API"},
                            headers={"Authorization": f"Bearer {clear}"})
    assert response.status_code == 200
    entry = entries(item)[0]
    assert entry.user_id == world["editor"].id
    assert changes(entry) == {("title", None): ("Victim interviews", "Changed through the API")}


# -- the page and the restore -----------------------------------------------------------------

def _signed_in(app, user):
    client = app.test_client()
    assert sign_in(client, user).status_code in (302, 303)
    return client


def test_owner_editors_see_the_history_with_old_and_new_values(app, world):
    item = _item(world)
    ops.update_item(world["editor"], item, {"title": "Interviewing victims"})
    for role in ("editor", "admin"):
        body = _signed_in(app, world[role]).get(f"/workspace/items/{item.id}/history").get_data(as_text=True)
        assert "Victim interviews" in body and "Interviewing victims" in body
        shown = [int(n) for n in re.findall(r'id="entry-(\d+)"', body)]
        assert shown == [entry.id for entry in entries(item)] and shown[0] > shown[1]  # newest first
        assert body.index("Interviewing victims</td>") < body.index("Created")
    german = _signed_in(app, world["editor"]).get(f"/de/workspace/items/{item.id}/history").get_data(as_text=True)
    assert "<th scope=\"col\">Vorher</th>" in german and "<th scope=\"row\">Titel</th>" in german


def test_old_values_are_shown_to_nobody_else(app, world, client):
    item = _item(world, title="Zqsecretword plan")
    ops.set_sharing(world["editor"], item, "public")
    ops.set_state(world["editor"], item, "publish")
    ops.update_item(world["editor"], item, {"title": "Public plan"})
    url = f"/workspace/items/{item.id}/history"
    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    for role, status in (("trainer", 403), ("de_editor", 403), ("cepol", 403)):
        response = _signed_in(app, world[role]).get(url)
        assert response.status_code == status, role
        assert "Zqsecretword" not in response.get_data(as_text=True), role
    private = _item(world, title="Zqhidden plan")
    for role in ("de_editor", "cepol"):
        response = _signed_in(app, world[role]).get(f"/workspace/items/{private.id}/history")
        assert response.status_code == 404 and "Zqhidden" not in response.get_data(as_text=True)


def test_history_pages(app, world):
    item = _item(world)
    for number in range(1, 25):
        ops.update_item(world["editor"], item, {"summary": f"Summary number {number}."})
    client = _signed_in(app, world["editor"])
    first = client.get(f"/workspace/items/{item.id}/history").get_data(as_text=True)
    second = client.get(f"/workspace/items/{item.id}/history?page=2").get_data(as_text=True)
    assert len(re.findall(r'class="history-entry"', first)) == 20
    assert len(re.findall(r'class="history-entry"', second)) == 5  # 24 changes and the creation
    assert "Summary number 24." in first and "Summary number 3." not in first
    assert "Summary number 2." in second and "Created" in second
    assert "Page 1 of 2" in first
    assert client.get(f"/workspace/items/{item.id}/history?page=junk").status_code == 200


def test_restore_puts_back_the_old_values_as_a_new_entry_and_reaches_the_index(app, world):
    item = _item(world, title="Zqoriginal interviews", learning_outcomes="Listen first")
    ops.set_sharing(world["editor"], item, "public")
    ops.set_state(world["editor"], item, "publish")
    ops.update_item(world["editor"], item, {"title": "Zqrenamed interviews", "learning_outcomes": "Ask later"})
    renamed = entries(item)[0]
    assert search.search(None, "zqrenamed").ids == [item.id]

    response = _signed_in(app, world["editor"]).post(f"/workspace/items/{item.id}/history/{renamed.id}/restore")
    assert response.status_code == 302
    item = db.session.get(Item, item.id)
    assert (item.title, item.learning_outcomes) == ("Zqoriginal interviews", "Listen first")
    restored = entries(item)[0]
    assert restored.id != renamed.id and restored.restored_from_id == renamed.id
    assert restored.user_id == world["editor"].id
    assert changes(restored) == {
        ("title", None): ("Zqrenamed interviews", "Zqoriginal interviews"),
        ("learning_outcomes", None): ("Ask later", "Listen first"),
    }
    assert search.search(None, "zqoriginal").ids == [item.id]
    assert search.search(None, "zqrenamed").ids == []


def test_restore_is_refused_to_others_and_changes_nothing(app, world, client):
    item = _item(world)
    ops.set_sharing(world["editor"], item, "public")
    ops.set_state(world["editor"], item, "publish")
    ops.update_item(world["editor"], item, {"title": "Interviewing victims"})
    entry = entries(item)[0]
    url = f"/workspace/items/{item.id}/history/{entry.id}/restore"
    count = entry_count()
    refusals = [(client, 302)] + [(_signed_in(app, world[r]), 403) for r in ("trainer", "de_editor", "cepol")]
    for other, status in refusals:
        response = other.post(url)
        assert response.status_code == status
        if status == 302:
            assert "/sign-in" in response.headers["Location"]
        db.session.expire_all()
        assert db.session.get(Item, item.id).title == "Interviewing victims"
        assert entry_count() == count


def test_restore_of_another_items_entry_or_an_entry_without_old_texts(app, world):
    item, other = _item(world), _item(world, title="Other item")
    ops.update_item(world["editor"], other, {"title": "Other item renamed"})
    client = _signed_in(app, world["editor"])
    assert client.post(f"/workspace/items/{item.id}/history/{entries(other)[0].id}/restore").status_code == 404
    assert db.session.get(Item, item.id).title == "Victim interviews"

    ops.update_item(world["editor"], item, {"level": "advanced"})
    count = entry_count()
    response = client.post(f"/workspace/items/{item.id}/history/{entries(item)[0].id}/restore",
                           follow_redirects=True)
    assert response.status_code == 200
    assert "holds no earlier title" in response.get_data(as_text=True)
    assert entry_count() == count
