"""The editor workspace pages: forms with errors next to fields, the whole publishing flow."""

from __future__ import annotations

import io
import re

from sqlalchemy import select

from pan_platform.audit.models import AuditEvent
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.storage.models import FileVersion
from tests.conftest import sign_in
from tests.factories import make_item, make_user
from tests.storage import samples


def new_id(response) -> int:
    return int(re.search(r"/workspace/items/(\d+)", response.headers["Location"]).group(1))


def create(client, kind: str, parent: int = 0, **data) -> int:
    form = {"title": f"A {kind}", "language": "en", "area_codes": ["cybercrime"], "parent_id": str(parent), **data}
    response = client.post(f"/workspace/new/{kind}", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    return new_id(response)


def test_nav_entry_only_for_editors(app, client, world):
    sign_in(client, world["trainer"])
    assert "/workspace/" not in client.get("/").get_data(as_text=True)
    assert client.get("/workspace/").status_code == 403
    client.post("/sign-out")
    sign_in(client, world["editor"])
    assert 'href="/workspace/"' in client.get("/").get_data(as_text=True)


def test_form_errors_are_shown_next_to_the_fields(app, client, world):
    sign_in(client, world["editor"])
    response = client.post("/workspace/new/curriculum", data={
        "title": "", "language": "en", "external_url": "", "duration_hours": "-2"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'id="title-error"' in body and "Please enter a title." in body
    assert 'id="area_codes-error"' in body and "Please choose at least one priority area." in body
    assert 'id="duration_hours-error"' in body
    assert db.session.scalar(select(Item.id)) is None


def test_publish_flow_through_the_pages(app, client, world):
    sign_in(client, world["editor"])
    curriculum = create(client, "curriculum", title="Cybercrime first responders")
    first = create(client, "module", curriculum, title="Seizing devices")
    second = create(client, "module", curriculum, title="Preserving volatile data")
    material = create(client, "material", first, title="Seizure checklist", resource_type="guideline")
    response = client.post(f"/workspace/items/{material}/upload", content_type="multipart/form-data", data={
        "file": (io.BytesIO(samples.pdf_with_text(["Photograph the screen before unplugging"])), "seizure.pdf"),
        "note": "first"})
    assert response.status_code == 302
    page = client.get(f"/workspace/items/{curriculum}").get_data(as_text=True)
    assert page.index("Seizing devices") < page.index("Preserving volatile data")

    assert client.post(f"/workspace/items/{second}/move", data={"direction": "up"}).status_code == 302
    page = client.get(f"/workspace/items/{curriculum}").get_data(as_text=True)
    assert page.index("Preserving volatile data") < page.index("Seizing devices")

    response = client.post(f"/workspace/items/{curriculum}/sharing", data={
        "visibility": "partners", "partner_scope": "named", "shares": [str(world["cepol_org"].id)]})
    assert response.status_code == 302
    assert client.post(f"/workspace/items/{curriculum}/state", data={"action": "publish"}).status_code == 302
    db.session.expire_all()
    assert {i.state for i in db.session.scalars(select(Item))} == {"published"}

    preview = client.get(f"/workspace/items/{curriculum}/preview?partner={world['interpol_org'].id}")
    assert preview.status_code == 200 and "not found" in preview.get_data(as_text=True)

    listing = client.get("/workspace/?state=published").get_data(as_text=True)
    assert "Cybercrime first responders" in listing and "Seizure checklist" in listing
    assert client.get("/workspace/?state=draft").get_data(as_text=True).count("/workspace/items/") == 0

    client.post("/sign-out")
    sign_in(client, world["cepol"])
    detail = client.get(f"/items/{material}")
    assert detail.status_code == 200
    version = db.session.get(Item, material).current_file
    download = client.get(f"/files/{version.id}/download")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    client.post("/sign-out")
    sign_in(client, world["interpol"])
    assert client.get(f"/items/{material}").status_code == 404
    assert client.get(f"/files/{version.id}/download").status_code == 404

    recorded = set(db.session.scalars(select(AuditEvent.action)))
    assert {"create", "upload", "move", "share", "publish", "download"} <= recorded


def test_sharing_form_rejects_inherit_without_parent(app, client, world):
    sign_in(client, world["editor"])
    curriculum = create(client, "curriculum")
    response = client.post(f"/workspace/items/{curriculum}/sharing", data={"visibility": "inherit",
                                                                           "partner_scope": "named"})
    assert response.status_code == 400
    assert 'id="visibility-error"' in response.get_data(as_text=True)


def test_edit_and_attach_and_adapt_pages(app, client, world):
    sign_in(client, world["editor"])
    curriculum = create(client, "curriculum", title="Drug precursors")
    module = create(client, "module", title="Standalone module")
    assert client.get(f"/workspace/items/{curriculum}/edit").status_code == 200
    response = client.post(f"/workspace/items/{curriculum}/edit", data={
        "title": "Drug precursors control", "language": "en", "area_codes": ["illicit-drugs"], "level": "advanced"})
    assert response.status_code == 302
    assert client.post(f"/workspace/items/{curriculum}/attach", data={"module_id": str(module)}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Item, module).parent_id == curriculum
    client.post(f"/workspace/items/{curriculum}/sharing", data={"visibility": "network", "partner_scope": "named"})
    client.post(f"/workspace/items/{curriculum}/state", data={"action": "publish"})
    client.post("/sign-out")

    sign_in(client, world["de_editor"])
    page = client.get(f"/items/{curriculum}").get_data(as_text=True)
    assert "Adapt for my academy" in page
    response = client.post(f"/workspace/items/{curriculum}/adapt")
    assert response.status_code == 302
    copy = new_id(response)
    page = client.get(f"/items/{copy}").get_data(as_text=True)
    assert "Adapted from" in page and "Drug precursors control" in page
    assert client.get(f"/workspace/items/{curriculum}/edit").status_code == 403


def test_hidden_item_pages_are_not_found(app, client, world):
    private = make_item(world["austria"], kind="curriculum", visibility="private", state="draft")
    db.session.commit()
    sign_in(client, world["de_editor"])
    for url in (f"/workspace/items/{private.id}", f"/workspace/items/{private.id}/edit",
                f"/workspace/items/{private.id}/preview"):
        assert client.get(url).status_code == 404
    assert client.post(f"/workspace/items/{private.id}/adapt").status_code == 404
    assert client.get("/workspace/items/999999").status_code == 404


def _restricted_curriculum(world):
    """A published network curriculum whose one material is marked and given on request."""
    from pan_platform.sharing import operations as sharing

    curriculum = make_item(world["austria"], kind="curriculum", visibility="network", title="Trafficking course")
    module = make_item(world["austria"], kind="module", parent=curriculum, title="Victim interviews")
    material = make_item(world["austria"], parent=module, title="Interview guide")
    db.session.commit()
    from pan_platform.catalogue import operations as ops

    ops.add_file_version(world["editor"], material, io.BytesIO(samples.pdf_with_text(["Interview guide"])),
                         "guide.pdf")
    ops.commit()
    sharing.set_item_policy(world["editor"], material, "law-enforcement-only", "request")
    sharing.set_item_policy(world["editor"], module, "training-use-only", "same")
    return curriculum, module, material


def _adapt(client, item_id: int) -> Item:
    response = client.post(f"/workspace/items/{item_id}/adapt")
    assert response.status_code == 302
    db.session.expire_all()
    return db.session.get(Item, new_id(response))


def test_adapt_does_not_copy_files_given_on_request(app, client, world):
    curriculum, module, material = _restricted_curriculum(world)
    version = material.current_file
    sign_in(client, world["de_editor"])
    assert client.get(f"/files/{version.id}/download").status_code == 404

    response = client.post(f"/workspace/items/{module.id}/adapt", follow_redirects=True)
    assert "1 file was not copied" in response.get_data(as_text=True)
    db.session.expire_all()
    copy = db.session.scalars(select(Item).where(Item.adapted_from_id == module.id)).one()
    copied_material = copy.children[0]
    assert copied_material.adapted_from_id == material.id
    assert copied_material.file_versions == []  # nothing to download, for anyone
    assert db.session.scalars(select(FileVersion).where(FileVersion.sha256 == version.sha256)).all() == [version]
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "adapt")).one()
    assert event.details["files_withheld"] == [material.id]  # the owner's audit shows what stayed behind
    # The copy keeps the handling: a marking and "files on request" travel with it.
    assert (copy.policy.marking, copy.policy.files_access) == ("training-use-only", "same")
    assert (copied_material.policy.marking, copied_material.policy.files_access) == (
        "law-enforcement-only", "request")
    # Its page says where the file can be asked for, in the reader's language.
    page = client.get(f"/items/{copied_material.id}").get_data(as_text=True)
    assert "The file of the original was not copied" in page
    assert f"/items/{material.id}/request-access" in page
    page = client.get(f"/de/items/{copied_material.id}").get_data(as_text=True)
    assert "Die Datei des Originals wurde nicht kopiert" in page


def test_adapted_copy_of_granted_files_stays_on_request_and_marked(app, client, world):
    from pan_platform.sharing import operations as sharing

    curriculum, module, material = _restricted_curriculum(world)
    request = sharing.request_access(world["de_editor"], material, "For our investigators' course")
    admin = make_user(world["austria"], "org_admin")
    sharing.decide_request(admin, request, True)
    sign_in(client, world["de_editor"])
    copy = _adapt(client, curriculum.id)
    copied_material = copy.children[0].children[0]
    copied_version = copied_material.current_file
    assert copied_version.sha256 == material.current_file.sha256

    response = client.get(f"/files/{copied_version.id}/download")
    assert response.status_code == 200
    assert response.headers["X-Handling-Marking"] == "LAW ENFORCEMENT ONLY"

    # Published to the public, the copy's description is open but its file is not.
    client.post(f"/workspace/items/{copy.id}/sharing", data={"visibility": "public", "partner_scope": "named"})
    client.post(f"/workspace/items/{copy.id}/state", data={"action": "publish"})
    client.post("/sign-out")
    db.session.expire_all()
    assert db.session.get(Item, copied_material.id).state == "published"
    assert client.get(f"/items/{copied_material.id}").status_code == 200
    assert client.get(f"/files/{copied_version.id}/download").status_code == 404
