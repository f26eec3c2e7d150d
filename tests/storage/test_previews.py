"""Thumbnails and page previews: made for real PDF, DOCX, PPTX and image files in a bounded
child process; damaged files and missing converters end as "no preview", never as an error;
images are kept per version and go with it; the CLI (re)builds. Who may see them is the leak
matrix's part (tests/leak)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from pan_platform.catalogue import operations
from pan_platform.extensions import db
from pan_platform.operations import transaction
from pan_platform.storage import previews
from pan_platform.storage.files import add_version
from pan_platform.storage.models import FilePreview, FileVersion
from tests.conftest import sign_in
from tests.factories import make_item, make_org, make_user
from tests.storage import samples

needs_libreoffice = pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice (soffice) is not installed: office documents get no preview without it",
)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def material(app):
    academy = make_org("academy")
    item = make_item(academy, visibility="public")
    editor = make_user(academy, "editor")
    db.session.commit()
    return item, editor


def _upload(editor, item, data: bytes, name: str) -> int:
    version = operations.add_file_version(editor, item, io.BytesIO(data), name)
    operations.commit()
    return version.id


def _preview(version_id: int) -> FilePreview | None:
    db.session.expire_all()
    return db.session.get(FilePreview, version_id)


def _width(response) -> int:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "image/webp"
    return Image.open(io.BytesIO(response.data)).width


def _folders(app) -> list[str]:
    root = Path(app.config["PAN_PREVIEW_DIR"])
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def test_pdf_gets_a_thumbnail_and_its_first_ten_pages(app, client, material):
    item, editor = material
    version_id = _upload(editor, item, samples.pdf_with_pages([[f"Page {n} of the handbook"] for n in range(1, 13)]),
                         "handbook.pdf")
    preview = _preview(version_id)
    assert (preview.status, preview.pages, preview.page_count) == ("done", 10, 12)
    sign_in(client, editor)
    assert _width(client.get(f"/files/{version_id}/thumbnail")) == 320
    assert _width(client.get(f"/files/{version_id}/pages/1")) == 1000
    assert _width(client.get(f"/files/{version_id}/pages/10")) == 1000
    assert client.get(f"/files/{version_id}/pages/11").status_code == 404
    page = client.get(f"/items/{item.id}").get_data(as_text=True)
    assert page.count(f"/files/{version_id}/pages/") == 10
    assert 'loading="lazy"' in page and "The first 10 of 12 pages." in page
    assert f"/files/{version_id}/thumbnail" in page
    catalogue = client.get("/catalogue").get_data(as_text=True)
    assert f"/files/{version_id}/thumbnail" in catalogue


@needs_libreoffice
@pytest.mark.parametrize("kind", ["docx", "pptx"])
def test_office_documents_are_converted_by_libreoffice(app, client, material, kind):
    item, editor = material
    if kind == "docx":
        data = samples.docx_with_text([f"Paragraph {n} of a lesson plan on cybercrime." for n in range(20)])
    else:
        data = samples.pptx_with_text([(f"Slide {n}", "Indicators of trafficking") for n in range(1, 4)])
    version_id = _upload(editor, item, data, f"lesson.{kind}")
    preview = _preview(version_id)
    assert preview.status == "done", preview.reason
    assert preview.pages == (3 if kind == "pptx" else 1)
    assert _width(client.get(f"/files/{version_id}/thumbnail")) == 320
    assert _width(client.get(f"/files/{version_id}/pages/1")) == 1000
    assert _folders(app) == [str(version_id)]  # no conversion left-overs beside it


def test_without_libreoffice_office_documents_say_no_preview(app, client, material):
    app.config["PAN_SOFFICE"] = "no-such-libreoffice"
    item, editor = material
    version_id = _upload(editor, item, samples.docx_with_text(["A lesson plan"]), "plan.docx")
    assert _preview(version_id).status == "none"
    page = client.get(f"/items/{item.id}")
    assert page.status_code == 200
    assert "No preview is available for this file." in page.get_data(as_text=True)
    assert client.get(f"/files/{version_id}/thumbnail").status_code == 404
    assert client.get(f"/files/{version_id}/download").status_code == 200


def test_a_damaged_pdf_gets_no_preview_and_stays_downloadable(app, client, material):
    item, editor = material
    damaged = b"%PDF-1.4\n1 0 obj << /Type /Catalog broken\nstartxref\n9\n%%EOF\n"
    version_id = _upload(editor, item, damaged, "damaged.pdf")
    preview = _preview(version_id)
    assert preview.status == "failed" and preview.reason
    page = client.get(f"/items/{item.id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "No preview is available for this file." in body and f"/files/{version_id}/pages/" not in body
    assert client.get(f"/files/{version_id}/thumbnail").status_code == 404
    download = client.get(f"/files/{version_id}/download")
    assert download.status_code == 200 and download.data == damaged
    assert _folders(app) == []


@needs_libreoffice
def test_a_document_libreoffice_cannot_convert_fails(app, client, material):
    item, _editor = material
    broken = b"PK\x03\x04" + bytes(range(256)) * 12  # a ZIP header, then nothing of a document
    version = add_version(item, io.BytesIO(broken), "broken.docx", DOCX)
    previews.request_preview(version)
    db.session.commit()
    assert _preview(version.id).status == "failed"
    assert "No preview is available" in client.get(f"/items/{item.id}").get_data(as_text=True)
    assert _folders(app) == []


def test_an_image_is_scaled(app, client, material):
    item, editor = material
    picture = io.BytesIO()
    Image.new("RGB", (1600, 1200), "navy").save(picture, "PNG")
    version_id = _upload(editor, item, picture.getvalue(), "diagram.png")
    assert _preview(version_id).status == "done"
    assert _width(client.get(f"/files/{version_id}/thumbnail")) == 320
    assert _width(client.get(f"/files/{version_id}/pages/1")) == 1000


def test_a_timeout_fails_and_leaves_no_folder(app, material):
    app.config["PAN_PREVIEW_TIMEOUT"] = 0.05
    item, editor = material
    version_id = _upload(editor, item, samples.pdf_with_pages([["slow"]]), "slow.pdf")
    preview = _preview(version_id)
    assert (preview.status, preview.reason) == ("failed", "timeout")
    assert _folders(app) == []


def test_each_version_keeps_its_images_until_it_is_deleted(app, client, material):
    item, editor = material
    first = _upload(editor, item, samples.pdf_with_pages([["first"]]), "v1.pdf")
    second = _upload(editor, item, samples.pdf_with_pages([["second"], ["second, page 2"]]), "v2.pdf")
    assert _preview(first).status == _preview(second).status == "done"
    assert _folders(app) == sorted([str(first), str(second)])
    body = client.get(f"/items/{item.id}").get_data(as_text=True)
    assert f"/files/{second}/pages/2" in body  # the current file's images only
    assert f"/files/{first}/pages/" not in body and f"/files/{first}/thumbnail" not in body
    db.session.delete(db.session.get(type(item), item.id))
    db.session.commit()
    assert _folders(app) == []
    assert db.session.scalar(select(FilePreview.file_version_id)) is None


def test_a_rolled_back_upload_makes_no_preview(app, material):
    item, editor = material
    with pytest.raises(RuntimeError), transaction():  # a later step of the same unit of work fails
        operations.add_file_version(editor, item, io.BytesIO(samples.pdf_with_pages([["x"]])), "x.pdf")
        raise RuntimeError("a later step failed")
    item.title = "A later change"  # a later commit must not pick up the discarded request
    operations.commit()
    assert db.session.scalar(select(FilePreview.file_version_id)) is None
    assert _folders(app) == []
    # The same steps without the rollback do make a preview: the checks above can fail.
    kept = _upload(editor, item, samples.pdf_with_pages([["kept"]]), "y.pdf")
    assert _preview(kept).status == "done" and _folders(app) == [str(kept)]


def test_cli_makes_missing_previews_and_removes_orphans(app, material):
    item, _editor = material
    version = add_version(item, io.BytesIO(samples.pdf_with_pages([["seed data"]])), "seed.pdf", "application/pdf")
    other = make_item(item.owner, visibility="public")
    add_version(other, io.BytesIO(b"plain notes\n"), "notes.txt", "text/plain")
    db.session.commit()
    orphan = Path(app.config["PAN_PREVIEW_DIR"]) / "987654"
    orphan.mkdir(parents=True)
    result = app.test_cli_runner().invoke(args=["pan", "previews", "--missing"])
    assert result.exit_code == 0, result.output
    assert "done: 1" in result.output and "none: 1" in result.output
    assert _preview(version.id).status == "done"
    assert not orphan.exists()
    again = app.test_cli_runner().invoke(args=["pan", "previews", "--missing"])
    assert "(0)" in again.output  # nothing missing any more
    shutil.rmtree(previews.folder(version.id))
    lost = app.test_cli_runner().invoke(args=["pan", "previews", "--missing"])  # images lost (a restore)
    assert "done: 1" in lost.output
    everything = app.test_cli_runner().invoke(args=["pan", "previews"])
    assert "done: 1" in everything.output and "none: 1" in everything.output
    assert db.session.scalar(select(FileVersion.id).where(FileVersion.id == version.id)) == version.id
