"""Extraction outside the request: the background thread, the CLI for pending versions,
the worker's own limits, and uploads whose name disagrees with their content."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from pan_platform.catalogue import operations
from pan_platform.extensions import db
from pan_platform.operations import transaction
from pan_platform.storage import extract
from pan_platform.storage.extract import Limits, run_extraction
from pan_platform.storage.files import add_version
from pan_platform.storage.models import FileVersion
from pan_platform.storage.validate import UploadRejected, safe_filename, sniff
from tests.factories import make_item, make_org, make_user
from tests.storage import samples


@pytest.fixture
def material(app):
    academy = make_org("academy")
    item = make_item(academy, visibility="public")
    editor = make_user(academy, "editor")
    db.session.commit()
    return item, editor


def test_background_extraction_after_commit(app, material):
    app.config["PAN_EXTRACT_SYNC"] = False
    item, editor = material
    version = operations.add_file_version(
        editor, item, io.BytesIO(samples.docx_with_text(["Background extraction of a lesson plan on cybercrime."])),
        "plan.docx")
    operations.commit()
    version_id = version.id
    deadline = time.monotonic() + 60
    status = "pending"
    while status == "pending" and time.monotonic() < deadline:
        time.sleep(0.2)
        db.session.rollback()
        status = db.session.scalar(select(FileVersion.text_status).where(FileVersion.id == version_id))
    assert status == "done"
    assert "lesson plan on cybercrime" in db.session.get(FileVersion, version_id).text


def _stored_files(app) -> list:
    return [path for path in Path(app.config["PAN_STORAGE_DIR"]).rglob("*") if path.is_file()]


def test_nothing_is_extracted_when_the_transaction_is_rolled_back(app, material, monkeypatch):
    app.config["PAN_EXTRACT_SYNC"] = True
    started: list[int] = []  # ids of the versions the extraction pool was asked to work on
    monkeypatch.setattr(extract, "_run_in_app", lambda _app, version_id: started.append(version_id))
    item, editor = material
    with pytest.raises(RuntimeError), transaction():  # a later step of the same unit of work fails
        operations.add_file_version(editor, item, io.BytesIO(samples.pdf_with_text(["rolled back"])), "x.pdf")
        raise RuntimeError("a later step failed")
    assert db.session.scalar(select(FileVersion.id)) is None
    assert _stored_files(app) == []
    item.title = "A later change"  # a later commit must not pick up the discarded version
    operations.commit()
    assert started == []
    # The same steps without the rollback do start an extraction: the check above can fail.
    kept = operations.add_file_version(editor, item, io.BytesIO(samples.pdf_with_text(["kept"])), "y.pdf")
    operations.commit()
    assert started == [kept.id]


def test_cli_extracts_pending_versions(app, material):
    item, _ = material
    add_version(item, io.BytesIO(samples.pdf_with_text(["Seed data waiting for extraction"])), "seed.pdf",
                "application/pdf")
    add_version(item, io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64), "photo.png", "image/png")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["pan", "extract-pending"])
    assert result.exit_code == 0, result.output
    assert "done: 1" in result.output and "none: 1" in result.output
    db.session.expire_all()
    statuses = {v.original_name: v.text_status for v in db.session.scalars(select(FileVersion))}
    assert statuses == {"seed.pdf": "done", "photo.png": "none"}


def test_worker_memory_limit_ends_in_failed(app, tmp_path):
    path = tmp_path / "bomb.pdf"
    path.write_bytes(samples.pdf_memory_bomb())
    result = run_extraction(path, "application/pdf", Limits(memory_mb=64, cpu_seconds=10, timeout_seconds=30))
    assert result["status"] == "failed"


@pytest.mark.parametrize(("data", "name", "message"), [
    (samples.pdf_with_text(["x"]), "slides.docx", "does not match its name"),
    (samples.docx_with_text(["x"]), "report.pdf", "does not match its name"),
    (b"", "empty.txt", "not accepted"),
    (b"PK\x05\x06" + b"\x00" * 18, "empty.docx", "not accepted"),
    (b"PK\x03\x04garbage", "broken.docx", "damaged"),
])
def test_content_decides_the_type(app, data, name, message):
    with app.test_request_context():
        with pytest.raises(UploadRejected) as error:
            sniff(io.BytesIO(data), name)
    assert message in str(error.value)


def test_video_cap_and_accepted_types(app):
    mp4 = b"\x00\x00\x00\x18ftypisom" + b"\x00" * 100
    with app.test_request_context():
        assert sniff(io.BytesIO(mp4), "clip.mp4", size=len(mp4)).mime_type == "video/mp4"
        with pytest.raises(UploadRejected):
            sniff(io.BytesIO(mp4), "clip.mp4", size=60 * 1024 * 1024)
        assert sniff(io.BytesIO("Привет, мир".encode()), "notes.txt").kind == "txt"
        assert sniff(io.BytesIO(samples.odt_with_text(["x"])), "a.odt").kind == "odt"


def test_safe_filename():
    assert safe_filename("../../config.py") == "config.py"
    assert safe_filename("..\\..\\win.ini") == "win.ini"
    assert safe_filename("a\x00b\x1b[31m.pdf") == "ab[31m.pdf"
    assert safe_filename("...") == "file"
    assert len(safe_filename("x" * 500 + ".pdf")) <= 200 and safe_filename("x" * 500 + ".pdf").endswith(".pdf")
