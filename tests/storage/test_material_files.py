"""Several files per material: each with a role, a language, a place and its own versions;
uploaded several at once on the editor pages, listed on the item page, hidden from those
who may not download them."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from pan_platform.catalogue import operations
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.search import search
from pan_platform.sharing.models import ItemPolicy
from pan_platform.storage import files, store
from pan_platform.storage.models import FileVersion, MaterialFile
from tests.conftest import sign_in
from tests.factories import make_item, make_org, make_user
from tests.storage import samples
from tests.storage.conftest import assert_store_consistent, blobs_on_disk


@pytest.fixture
def world(app):
    academy = make_org("academy", slug="academy-austria")
    other = make_org("academy", slug="academy-germany", country="DE")
    editor = make_user(academy, "editor")
    outsider = make_user(other, "editor")
    module = make_item(academy, kind="module", visibility="public", title="Crime scene module")
    material = make_item(academy, parent=module, title="Crime scene basics", language="de")
    db.session.commit()
    return {"academy": academy, "editor": editor, "outsider": outsider, "module": module, "material": material}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def post_files(client, item, named: dict[str, bytes]):
    return client.post(
        f"/workspace/items/{item.id}/files",
        data={"files": [(io.BytesIO(data), name) for name, data in named.items()]},
        content_type="multipart/form-data",
    )


THREE = {
    "plan.docx": samples.docx_with_text(["Lesson plan: securing the perimeter of a crime scene"]),
    "slides.pptx": samples.pptx_with_text([("Day one", "Photograph before touching anything")]),
    "handout.md": b"# Handout\n\nChain of custody forms are signed at every hand-over.\n",
}


# ------------------------------------------------------------------ model

def test_each_file_has_its_own_versions_and_current(app, world):
    material = world["material"]
    plan = files.add_version(material, io.BytesIO(b"plan v1\n"), "plan.txt", "text/plain")
    handout_file = files.new_file(material, role="handout", language="ru")
    files.add_version(material, io.BytesIO(b"handout v1\n"), "handout.txt", "text/plain", material_file=handout_file)
    plan2 = files.add_version(material, io.BytesIO(b"plan v2\n"), "plan.txt", "text/plain")
    db.session.commit()
    db.session.expire_all()
    first, second = material.files
    assert (first.role, first.language, first.position) == ("other", "de", 0)
    assert (second.role, second.language, second.position) == ("handout", "ru", 1)
    assert [v.number for v in first.versions] == [1, 2] and [v.number for v in second.versions] == [1]
    assert first.current.id == plan2.id and first.earlier_versions == [db.session.get(FileVersion, plan.id)]
    # The handout does not push the lesson plan into earlier versions.
    assert material.current_file.id == plan2.id
    assert [v.original_name for v in material.current_files] == ["plan.txt", "handout.txt"]
    assert all(v.item_id == material.id for v in material.file_versions)


# ------------------------------------------------------------------ editor pages

def test_several_files_uploaded_at_once_are_stored_extracted_and_listed(app, client, world):
    sign_in(client, world["editor"])
    material = world["material"]
    response = post_files(client, material, THREE)
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert [f.current.original_name for f in material.files] == ["plan.docx", "slides.pptx", "handout.md"]
    assert [(f.role, f.language, f.position) for f in material.files] == [("other", "de", 0), ("other", "de", 1),
                                                                         ("other", "de", 2)]
    for material_file, data in zip(material.files, THREE.values(), strict=True):
        assert store.path_for(material_file.current.sha256).read_bytes() == data
        assert material_file.current.text_status == "done"
    assert "Chain of custody" in material.files[2].current.text
    assert_store_consistent(app)
    # Search finds the text of every current file, not only the first one.
    assert material.id in set(search(world["editor"], "custody").ids)
    assert material.id in set(search(world["editor"], "perimeter").ids)
    page = client.get(f"/items/{material.id}").get_data(as_text=True)
    assert all(f"/files/{f.current.id}/download" in page for f in material.files)
    assert page.count('class="file-role"') == 3


def test_a_refused_file_among_several_stores_none(app, client, world):
    sign_in(client, world["editor"])
    before = blobs_on_disk(app)
    response = post_files(client, world["material"], {"plan.docx": THREE["plan.docx"],
                                                     "report.pdf": samples.HTML_AS_PDF})
    assert response.status_code == 400
    assert "This type of file is not accepted" in response.get_data(as_text=True)
    assert (count(MaterialFile), count(FileVersion)) == (0, 0)
    assert blobs_on_disk(app) == before


def test_no_file_chosen_is_a_clear_message(app, client, world):
    sign_in(client, world["editor"])
    response = client.post(f"/workspace/items/{world['material'].id}/files", data={},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Please choose a file." in response.get_data(as_text=True)
    assert count(MaterialFile) == 0


def test_files_can_be_added_on_the_create_form(app, client, world):
    sign_in(client, world["editor"])
    response = client.post(
        "/workspace/new/material",
        data={"parent_id": str(world["module"].id), "title": "Scene photography", "language": "en", "area_codes": "cybercrime",
              "files": [(io.BytesIO(data), name) for name, data in THREE.items()]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    item = db.session.scalar(select(Item).where(Item.title == "Scene photography"))
    assert [f.current.original_name for f in item.files] == list(THREE)
    assert {f.language for f in item.files} == {"en"}
    assert_store_consistent(app)


def test_create_form_with_a_refused_file_creates_nothing(app, client, world):
    sign_in(client, world["editor"])
    items = count(Item)
    response = client.post(
        "/workspace/new/material",
        data={"parent_id": str(world["module"].id), "title": "Scene photography", "language": "en", "area_codes": "cybercrime",
              "files": [(io.BytesIO(samples.HTML_AS_PDF), "report.pdf")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "This type of file is not accepted" in response.get_data(as_text=True)
    assert count(Item) == items and count(FileVersion) == 0


def test_role_language_order_new_version_and_removal(app, client, world):
    sign_in(client, world["editor"])
    material = world["material"]
    assert post_files(client, material, THREE).status_code == 302
    plan, slides, handout = (f.id for f in material.files)
    token_page = client.get(f"/workspace/items/{material.id}")
    assert token_page.status_code == 200
    response = client.post(f"/workspace/items/{material.id}/files/{handout}",
                           data={f"f{handout}-role": "handout", f"f{handout}-language": "ru",
                                 f"f{handout}-title": "Handout for participants"})
    assert response.status_code == 302
    response = client.post(f"/workspace/items/{material.id}/files/{handout}/move", data={"direction": "up"})
    assert response.status_code == 302
    response = client.post(f"/workspace/items/{material.id}/upload",
                           data={"file": (io.BytesIO(b"# Plan\n\nSecond edition of the plan.\n"), "plan.md"),
                                 "note": "shorter", "file_id": str(plan)},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    assert [f.id for f in material.files] == [plan, handout, slides]
    moved = db.session.get(MaterialFile, handout)
    assert (moved.role, moved.language, moved.title) == ("handout", "ru", "Handout for participants")
    first = db.session.get(MaterialFile, plan)
    assert [v.number for v in first.versions] == [1, 2] and first.current.note == "shorter"
    page = client.get(f"/items/{material.id}").get_data(as_text=True)
    assert "Handout for participants" in page and "Earlier versions" in page
    assert f"/files/{first.versions[0].id}/download" in page

    removed_blob = db.session.get(MaterialFile, slides).current.sha256
    response = client.post(f"/workspace/items/{material.id}/files/{slides}/remove")
    assert response.status_code == 302
    db.session.expire_all()
    assert [f.id for f in material.files] == [plan, handout]
    assert [f.position for f in material.files] == [0, 1]
    assert db.session.scalar(select(func.count()).where(FileVersion.file_id == slides)) == 0
    assert store.exists(removed_blob)  # blobs stay in the content-addressed store


def test_bad_role_is_refused_and_nothing_changes(app, client, world):
    sign_in(client, world["editor"])
    material = world["material"]
    assert post_files(client, material, {"handout.md": THREE["handout.md"]}).status_code == 302
    file_id = material.files[0].id
    response = client.post(f"/workspace/items/{material.id}/files/{file_id}",
                           data={f"f{file_id}-role": "poster", f"f{file_id}-language": "de"})
    assert response.status_code == 302
    assert "Not a valid choice" in client.get(f"/workspace/items/{material.id}").get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(MaterialFile, file_id).role == "other"


def test_another_academy_cannot_change_the_files(app, client, world):
    material = world["material"]
    files.add_version(material, io.BytesIO(b"plan\n"), "plan.txt", "text/plain")
    db.session.commit()
    file_id = material.files[0].id
    sign_in(client, world["outsider"])
    answers = [
        post_files(client, material, {"x.md": b"# x\n"}).status_code,
        client.post(f"/workspace/items/{material.id}/files/{file_id}",
                    data={f"f{file_id}-role": "slides", f"f{file_id}-language": "de"}).status_code,
        client.post(f"/workspace/items/{material.id}/files/{file_id}/move", data={"direction": "down"}).status_code,
        client.post(f"/workspace/items/{material.id}/files/{file_id}/remove").status_code,
    ]
    assert answers == [403, 403, 403, 403]
    db.session.expire_all()
    assert [(f.role, len(f.versions)) for f in material.files] == [("other", 1)]
    assert count(MaterialFile) == 1


def test_a_file_of_another_material_is_not_found(app, world):
    material = world["material"]
    elsewhere = make_item(world["academy"], parent=world["module"], title="Other material")
    files.add_version(elsewhere, io.BytesIO(b"x\n"), "x.txt", "text/plain")
    db.session.commit()
    with pytest.raises(operations.InvalidInput):
        operations.remove_file(world["editor"], material, elsewhere.files[0].id)
    db.session.expire_all()
    assert len(elsewhere.files) == 1


# ------------------------------------------------------------------ access

def test_a_reader_who_may_not_download_sees_no_file_details(app, client, world):
    material = world["material"]
    material.policy = ItemPolicy(files_access="request")
    files.add_version(material, io.BytesIO(b"secret plan\n"), "plan-witness.txt", "text/plain")
    extra = files.new_file(material, role="handout", title="Annex with names")
    files.add_version(material, io.BytesIO(b"secret annex\n"), "annex-names.txt", "text/plain", material_file=extra)
    db.session.commit()
    page = client.get(f"/items/{material.id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Files on request" in body
    for secret in ("plan-witness.txt", "annex-names.txt", "Annex with names", "/download", "Earlier versions"):
        assert secret not in body
    api = client.get(f"/api/v1/materials/{material.id}").get_json()
    assert (api["files"], api["material_files"], api["files_on_request"]) == ([], [], True)
    for version in material.file_versions:
        assert client.get(f"/files/{version.id}/download").status_code == 404
