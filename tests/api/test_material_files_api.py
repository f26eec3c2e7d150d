"""REST API: a material's files with role, language and order; upload of a new file or a
new version of one; file details hidden from callers who may not download them."""

from __future__ import annotations

import io

from pan_platform.extensions import db
from pan_platform.sharing.models import ItemPolicy
from pan_platform.storage import files, previews
from pan_platform.storage.models import FileVersion, MaterialFile


def _upload(client, world, item, name: str, data: bytes, **form):
    return client.post(f"/api/v1/materials/{item.id}/files", headers=world.headers("owner"),
                       content_type="multipart/form-data", data={"file": (io.BytesIO(data), name), **form})


def test_upload_new_files_and_versions_then_list_them(client, world):
    item = world.items["public"]
    plan = _upload(client, world, item, "plan.txt", b"Lesson plan.\n")  # no role: the first file
    assert plan.status_code == 201, plan.json
    slides = _upload(client, world, item, "slides.txt", b"Slides.\n", role="slides", language="ru", title="Day 1")
    assert slides.status_code == 201, slides.json
    again = _upload(client, world, item, "plan.txt", b"Lesson plan, second edition.\n",
                    file_id=str(plan.json["file_id"]), note="second edition")
    assert again.status_code == 201 and again.json["number"] == 2
    assert again.json["file_id"] == plan.json["file_id"] != slides.json["file_id"]

    detail = client.get(f"/api/v1/materials/{item.id}", headers=world.headers("anonymous")).json
    listed = [(f["role"], f["language"], f["position"], f["title"], f["version_count"], f["current"]["original_name"])
              for f in detail["material_files"]]
    assert listed == [("other", item.language, 0, None, 2, "plan.txt"), ("slides", "ru", 1, "Day 1", 1, "slides.txt")]
    assert [v["number"] for v in detail["material_files"][0]["versions"]] == [1, 2]
    assert len(detail["files"]) == 3 and detail["files_on_request"] is False


def test_upload_refusals_change_nothing(client, world):
    item = world.items["public"]
    bad_role = _upload(client, world, item, "x.txt", b"x\n", role="poster")
    assert bad_role.status_code == 422 and "role" in bad_role.json["error"]["details"]
    bad_language = _upload(client, world, item, "x.txt", b"x\n", role="handout", language="xx")
    assert bad_language.status_code == 422 and "language" in bad_language.json["error"]["details"]
    elsewhere = world.items["network"]
    files.add_version(elsewhere, io.BytesIO(b"y\n"), "y.txt", "text/plain")
    db.session.commit()
    foreign = _upload(client, world, item, "x.txt", b"x\n", file_id=str(elsewhere.files[0].id))
    assert foreign.status_code == 422 and "file_id" in foreign.json["error"]["details"]
    not_a_number = _upload(client, world, item, "x.txt", b"x\n", file_id="one")
    assert not_a_number.status_code == 422
    trainer = client.post(f"/api/v1/materials/{item.id}/files", headers=world.headers("own_trainer"),
                          content_type="multipart/form-data",
                          data={"file": (io.BytesIO(b"x\n"), "x.txt"), "role": "handout"})
    assert trainer.status_code == 403
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(MaterialFile)) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(FileVersion)) == 1


def test_files_on_request_hide_every_file_detail(client, world):
    item = world.items["public"]
    item.policy = ItemPolicy(files_access="request")
    files.add_version(item, io.BytesIO(b"plan\n"), "plan-secret.txt", "text/plain")
    extra = files.new_file(item, role="handout", title="Annex SECRETTITLE")
    files.add_version(item, io.BytesIO(b"annex\n"), "annex-secret.txt", "text/plain", material_file=extra)
    db.session.commit()
    for who in ("anonymous", "other_partner", "other_academy"):
        response = client.get(f"/api/v1/materials/{item.id}", headers=world.headers(who))
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        assert response.json["material_files"] == [] and response.json["files"] == []
        assert response.json["files_on_request"] is True
        assert "secret" not in body.lower() and "handout" not in body
    owner = client.get(f"/api/v1/materials/{item.id}", headers=world.headers("owner")).json
    assert [f["role"] for f in owner["material_files"]] == ["other", "handout"]


def _picture() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (400, 300), "navy").save(out, "PNG")
    return out.getvalue()


def test_thumbnail_url_once_made_and_only_for_those_who_may_download(app, client, world):
    item = world.items["public"]
    version = files.add_version(item, io.BytesIO(_picture()), "poster.png", "image/png")
    previews.mark_pending(version)
    db.session.commit()
    pending = client.get(f"/api/v1/materials/{item.id}", headers=world.headers("anonymous")).json
    assert pending["thumbnail_url"] is None and pending["files"][0]["thumbnail_url"] is None

    assert previews.make_preview(version.id) == "done"
    made = client.get(f"/api/v1/materials/{item.id}", headers=world.headers("anonymous")).json
    expected = f"http://localhost/files/{version.id}/thumbnail"
    assert made["thumbnail_url"] == made["files"][0]["thumbnail_url"] == expected
    assert made["material_files"][0]["current"]["thumbnail_url"] == expected
    assert client.get(f"/files/{version.id}/thumbnail").status_code == 200

    # Files given on request: no thumbnail address to those who may not download, as on the page.
    item.policy = ItemPolicy(files_access="request")
    db.session.commit()
    for who in ("anonymous", "other_academy"):
        response = client.get(f"/api/v1/materials/{item.id}", headers=world.headers(who))
        assert response.json["thumbnail_url"] is None and "/thumbnail" not in response.get_data(as_text=True)
    assert client.get(f"/files/{version.id}/thumbnail").status_code == 404
    owner = client.get(f"/api/v1/materials/{item.id}", headers=world.headers("owner")).json
    assert owner["thumbnail_url"] == expected
