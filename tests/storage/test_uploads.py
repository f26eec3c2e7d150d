"""Uploads through the editor workspace: real files have their text extracted; crafted,
disguised and over-size ones end as the issue says, with nothing orphaned."""

from __future__ import annotations

import io
import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pan_platform.audit.models import AuditEvent
from pan_platform.extensions import db
from pan_platform.storage import store
from pan_platform.storage.models import FileVersion
from tests.conftest import sign_in
from tests.factories import make_item, make_org, make_user
from tests.storage import samples
from tests.storage.conftest import assert_store_consistent, blobs_on_disk


@pytest.fixture
def world(app):
    academy = make_org("academy", slug="academy-austria")
    cepol = make_org("partner", slug="cepol", country=None)
    editor = make_user(academy, "editor")
    material = make_item(academy, visibility="public", title="Handbook")
    db.session.commit()
    return {"academy": academy, "editor": editor, "material": material, "cepol": cepol}


@pytest.fixture
def editor_client(client, world):
    sign_in(client, world["editor"])
    return client


def upload(client, item, data: bytes, name: str, note: str = ""):
    return client.post(
        f"/workspace/items/{item.id}/upload",
        data={"file": (io.BytesIO(data), name), "note": note},
        content_type="multipart/form-data",
    )


def versions(item) -> list[FileVersion]:
    db.session.expire_all()
    return list(db.session.scalars(select(FileVersion).where(FileVersion.item_id == item.id).order_by(FileVersion.number)))


@pytest.mark.parametrize(
    ("name", "build", "expected", "mime"),
    [
        ("lesson.pdf", lambda: samples.pdf_with_text(["Controlled delivery of precursor chemicals",
                                                      "across the Balkan route"]),
         "Controlled delivery of precursor chemicals", "application/pdf"),
        ("checklist.docx", lambda: samples.docx_with_text(["Joint investigation teams need a written agreement.",
                                                           "The prosecutor leads the team."]),
         "Joint investigation teams need a written agreement.", "wordprocessingml"),
        ("slides.pptx", lambda: samples.pptx_with_text([("Cybercrime first response", "Seize the router first")]),
         "Seize the router first", "presentationml"),
        ("figures.xlsx", lambda: samples.xlsx_with_text(["Seizures of cocaine at sea ports"]),
         "Seizures of cocaine at sea ports", "spreadsheetml"),
        ("notes.odt", lambda: samples.odt_with_text(["Community policing starts with listening to residents."]),
         "Community policing starts with listening", "opendocument.text"),
        ("readme.md", lambda: b"# Hate crime\n\nRecording bias indicators in every report.\n",
         "Recording bias indicators", "text/markdown"),
    ],
)
def test_real_files_are_stored_and_their_text_extracted(app, editor_client, world, name, build, expected, mime):
    data = build()
    response = upload(editor_client, world["material"], data, name, note="first upload")
    assert response.status_code == 302, response.get_data(as_text=True)
    (version,) = versions(world["material"])
    assert mime in version.mime_type
    assert version.original_name == name
    assert version.text_status == "done", version.text_status
    assert expected in version.text
    assert version.text_language == "en"
    assert store.path_for(version.sha256).read_bytes() == data
    download = editor_client.get(f"/files/{version.id}/download")
    assert download.status_code == 200
    assert download.data == data
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert mime in download.headers["Content-Type"]
    assert_store_consistent(app)


def test_new_version_keeps_earlier_ones(app, editor_client, world):
    material = world["material"]
    assert upload(editor_client, material, samples.pdf_with_text(["First edition of the handbook"]), "h.pdf").status_code == 302
    assert upload(editor_client, material, samples.pdf_with_text(["Second edition of the handbook"]), "h.pdf",
                  note="Updated figures for 2025").status_code == 302
    first, second = versions(material)
    assert (first.number, second.number) == (1, 2)
    assert material.current_file.id == second.id and "Second edition" in second.text
    assert second.note == "Updated figures for 2025" and second.uploaded_by_id == world["editor"].id
    page = editor_client.get(f"/items/{material.id}").get_data(as_text=True)
    assert "Earlier versions" in page and f"/files/{first.id}/download" in page
    assert editor_client.get(f"/files/{first.id}/download").data.startswith(b"%PDF")
    uploads = db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "upload"))
    assert uploads == 2
    assert_store_consistent(app)


def test_identical_files_are_stored_once(app, editor_client, world):
    other = make_item(world["academy"], visibility="public")
    db.session.commit()
    data = samples.pdf_with_text(["Same bytes twice"])
    upload(editor_client, world["material"], data, "a.pdf")
    upload(editor_client, other, data, "b.pdf")
    assert len(blobs_on_disk(app)) == 1
    assert_store_consistent(app)


def test_damaged_pdf_is_kept_but_marked_not_extracted(app, editor_client, world):
    whole = samples.pdf_with_text(["This text will be garbled"])
    data = whole[:40] + b"\x00" * 200 + whole[240:]  # the body is broken, the trailer is there
    assert upload(editor_client, world["material"], data, "broken.pdf").status_code == 302
    (version,) = versions(world["material"])
    assert version.text_status == "failed" and version.text is None
    page = editor_client.get(f"/items/{world['material'].id}").get_data(as_text=True)
    assert "Text could not be extracted" in page
    assert editor_client.get(f"/files/{version.id}/download").data == data
    assert_store_consistent(app)


# Files that look like PDFs to a lax check: the header elsewhere than at byte 0, or no trailer.
PDF_LOOKALIKES = [
    pytest.param(b"<html><body><p>%PDF-1.7</p><script>alert(document.cookie)</script></body></html>\n",
                 "report.pdf", "This type of file is not accepted", id="html-with-pdf-header-inside"),
    pytest.param(b"<html><script>x()</script>%PDF-1.4\n" + samples.pdf_with_text(["hidden"]),
                 "report", "This type of file is not accepted", id="html-then-a-whole-pdf"),
    pytest.param(samples.pdf_with_text(["This text will be cut off"])[:60], "cut.pdf",
                 "The PDF file is damaged or incomplete", id="truncated-pdf"),
    pytest.param(b"%PDF-1.4\n<html><script>alert(1)</script></html>\n", "page.pdf",
                 "The PDF file is damaged or incomplete", id="pdf-header-then-html"),
    pytest.param(samples.pdf_with_text(["x"]).replace(b"%%EOF", b"%%EOX"), "x.pdf",
                 "The PDF file is damaged or incomplete", id="no-eof-marker"),
]


@pytest.mark.parametrize(("data", "name", "message"), PDF_LOOKALIKES)
def test_pdf_lookalikes_are_refused_in_the_form(app, editor_client, world, data, name, message):
    response = upload(editor_client, world["material"], data, name)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert versions(world["material"]) == [] and blobs_on_disk(app) == set()
    response = editor_client.post(f"/de/workspace/items/{world['material'].id}/upload",
                                  data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    assert response.status_code == 400 and message not in response.get_data(as_text=True)  # in German


@pytest.mark.parametrize(("data", "name", "message"), PDF_LOOKALIKES)
def test_pdf_lookalikes_are_refused_by_the_api(app, client, world, data, name, message):
    from tests.api.conftest import issue_token

    token = issue_token(world["editor"])
    db.session.commit()
    response = client.post(f"/api/v1/materials/{world['material'].id}/files",
                           headers={"Authorization": f"Bearer {token}"},
                           data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert versions(world["material"]) == [] and blobs_on_disk(app) == set()


def test_a_pdf_with_an_incremental_update_is_accepted(app, editor_client, world):
    from pypdf import PdfWriter

    first = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.write(first)
    first.seek(0)
    updated = PdfWriter(first, incremental=True)
    updated.add_metadata({"/Title": "Second edition"})
    out = io.BytesIO()
    updated.write(out)
    data = out.getvalue() + b"\r\n"
    assert upload(editor_client, world["material"], data, "edition.pdf").status_code == 302
    assert [v.mime_type for v in versions(world["material"])] == ["application/pdf"]


def test_pdf_whose_parsing_runs_away_is_stopped_by_the_time_limit(app, editor_client, world):
    app.config["PAN_EXTRACT_TIMEOUT"] = 5
    app.config["PAN_PREVIEW_TIMEOUT"] = 5  # rendering its pages runs away as well
    threads_before = threading.active_count()
    started = time.monotonic()
    assert upload(editor_client, world["material"], samples.pdf_parsing_loop(), "loop.pdf").status_code == 302
    elapsed = time.monotonic() - started
    (version,) = versions(world["material"])
    assert version.text_status == "failed"
    assert version.preview.status == "failed"
    assert elapsed < 20
    assert editor_client.get(f"/files/{version.id}/download").status_code == 200
    # The worker is alive: the next upload is extracted normally.
    app.config["PAN_EXTRACT_TIMEOUT"] = 60
    good = make_item(world["academy"], visibility="public")
    db.session.commit()
    assert upload(editor_client, good, samples.pdf_with_text(["Still working after the loop"]), "ok.pdf").status_code == 302
    assert versions(good)[0].text_status == "done"
    assert threading.active_count() <= threads_before + 1  # at most the one extraction thread
    assert_store_consistent(app)


def test_pdf_that_explodes_in_memory_is_marked_failed(app, editor_client, world):
    app.config["PAN_EXTRACT_MEMORY_MB"] = 512
    assert upload(editor_client, world["material"], samples.pdf_memory_bomb(), "bomb.pdf").status_code == 302
    (version,) = versions(world["material"])
    assert version.text_status == "failed"
    assert editor_client.get(f"/files/{version.id}/download").status_code == 200
    assert_store_consistent(app)


def test_docx_zip_bomb_is_refused_by_extraction(app, editor_client, world):
    data = samples.docx_zip_bomb()
    assert len(data) < 3 * 1024 * 1024
    assert upload(editor_client, world["material"], data, "bomb.docx").status_code == 302
    (version,) = versions(world["material"])
    assert version.text_status == "failed" and version.text is None
    assert editor_client.get(f"/files/{version.id}/download").status_code == 200
    assert_store_consistent(app)


def test_docx_with_external_entity_is_not_expanded(app, editor_client, world, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    assert upload(editor_client, world["material"], samples.docx_external_entity(str(secret)), "xxe.docx").status_code == 302
    (version,) = versions(world["material"])
    assert version.text_status == "failed"
    assert "TOP-SECRET-VALUE" not in (version.text or "")
    assert_store_consistent(app)


def test_html_named_pdf_is_refused_and_nothing_is_stored(app, editor_client, world):
    response = upload(editor_client, world["material"], samples.HTML_AS_PDF, "report.pdf")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "This type of file is not accepted" in body
    assert 'class="field-error"' in body
    assert versions(world["material"]) == []
    assert blobs_on_disk(app) == set()


@pytest.mark.parametrize(("data", "name"), [
    (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 100, "tool.pdf"),
    (b"MZ\x90\x00" + b"\x00" * 100, "setup.exe"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>x()</script></svg>", "logo.txt"),
])
def test_other_disallowed_types_are_refused(app, editor_client, world, data, name):
    assert upload(editor_client, world["material"], data, name).status_code == 400
    assert versions(world["material"]) == [] and blobs_on_disk(app) == set()


def test_path_in_file_name_escapes_nothing(app, editor_client, world):
    config_py = Path(__file__).resolve().parents[2] / "config.py"
    before = config_py.read_bytes()
    # A Python file is not an accepted type, whatever its name says.
    response = upload(editor_client, world["material"], b"SECRET_KEY = 'x'\n", "../../config.py")
    assert response.status_code == 400
    assert config_py.read_bytes() == before
    assert blobs_on_disk(app) == set()
    # An accepted file with a path in its name keeps only the last part, as metadata.
    data = samples.pdf_with_text(["Harmless"])
    assert upload(editor_client, world["material"], data, "../../\x07evil.pdf").status_code == 302
    (version,) = versions(world["material"])
    assert version.original_name == "evil.pdf"
    stored = store.path_for(version.sha256)
    assert stored.parent.parent == Path(app.config["PAN_STORAGE_DIR"]) and stored.name == version.sha256
    assert not (Path(app.config["PAN_STORAGE_DIR"]).parent / "evil.pdf").exists()
    download = editor_client.get(f"/files/{version.id}/download")
    assert "evil.pdf" in download.headers["Content-Disposition"] and ".." not in download.headers["Content-Disposition"]
    assert_store_consistent(app)


def test_over_size_body_gets_413_and_leaves_nothing(app, editor_client, world):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    data = samples.pdf_with_text(["big"]) + b"%" + b"x" * (100 * 1024)
    response = upload(editor_client, world["material"], data, "big.pdf")
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)
    assert versions(world["material"]) == [] and blobs_on_disk(app) == set()
    leftovers = [p for p in Path(app.config["PAN_STORAGE_DIR"]).rglob(".upload-*")] if os.path.exists(
        app.config["PAN_STORAGE_DIR"]) else []
    assert leftovers == []


def test_failed_commit_removes_the_stored_blob(app, editor_client, world, monkeypatch):
    from pan_platform.catalogue import operations

    def broken_commit():
        raise RuntimeError("database went away")

    monkeypatch.setattr(db.session, "commit", broken_commit)
    with pytest.raises(RuntimeError):
        with open(os.devnull, "rb"):
            operations.add_file_version(world["editor"], world["material"],
                                        io.BytesIO(samples.pdf_with_text(["x"])), "x.pdf")
            operations.commit()
    monkeypatch.undo()
    assert versions(world["material"]) == []
    assert blobs_on_disk(app) == set()


def test_uploads_need_edit_rights_and_hidden_items_are_not_found(app, client, world):
    other_academy = make_org("academy", slug="other", country="DE")
    other_editor = make_user(other_academy, "editor")
    private = make_item(world["academy"], visibility="private")
    db.session.commit()
    sign_in(client, other_editor)
    data = samples.pdf_with_text(["x"])
    assert upload(client, world["material"], data, "x.pdf").status_code == 403  # visible, not theirs
    assert upload(client, private, data, "x.pdf").status_code == 404  # hidden: same as missing
    assert client.post("/workspace/items/999999/upload").status_code == 404
    assert blobs_on_disk(app) == set()


def test_cancelled_upload_leaves_nothing(app, editor_client, world):
    """The browser stops sending half-way: the body is shorter than its declared length."""
    body = samples.pdf_with_text(["cancelled"]) * 50
    boundary = "----pan-test"
    payload = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.pdf\"\r\n"
        "Content-Type: application/pdf\r\n\r\n"
    ).encode() + body + f"\r\n--{boundary}--\r\n".encode()
    partial = payload[: len(payload) // 2]
    response = editor_client.post(
        f"/workspace/items/{world['material'].id}/upload",
        input_stream=io.BytesIO(partial),
        content_type=f"multipart/form-data; boundary={boundary}",
        content_length=len(payload),
    )
    assert response.status_code in (400, 413)
    assert versions(world["material"]) == [] and blobs_on_disk(app) == set()
    # The same material still takes a complete upload afterwards.
    assert upload(editor_client, world["material"], samples.pdf_with_text(["complete"]), "c.pdf").status_code == 302
    assert_store_consistent(app)
