"""Writing the handling marking into PDFs: bounded, cached, and never in the way of a download."""

from __future__ import annotations

import io
import logging
import time

import pytest
from pypdf import PdfReader

from pan_platform.extensions import db
from pan_platform.sharing import operations
from pan_platform.storage import mark, store
from pan_platform.storage.files import add_version
from tests.conftest import sign_in
from tests.factories import make_item, make_org, make_user
from tests.storage import samples


@pytest.fixture
def marked(app, client):
    """A signed-in owner and a function adding a marked PDF to a new item of theirs."""
    own = make_org("academy", slug="own-academy", name="Own Academy")
    editor = make_user(own, "editor")
    db.session.commit()
    sign_in(client, editor)

    def add(data: bytes, marking: str = "law-enforcement-only"):
        item = make_item(own, visibility="network", title="Marked handbook")
        version = add_version(item, io.BytesIO(data), "handbook.pdf", "application/pdf")
        db.session.commit()
        operations.set_item_policy(editor, item, marking, "same")
        return item, version

    return editor, add


def _download(client, version):
    started = time.monotonic()
    response = client.get(f"/files/{version.id}/download")
    return response, time.monotonic() - started


def test_a_pdf_with_too_many_objects_is_sent_as_stored_with_the_header(app, client, marked, caplog, monkeypatch):
    app.config["PAN_MARK_MAX_OBJECTS"] = 500
    _editor, add = marked
    data = samples.pdf_with_many_objects(2_000)
    _item, version = add(data)
    with caplog.at_level(logging.WARNING, logger="pan_platform.storage.mark"):
        response, _seconds = _download(client, version)
    assert response.status_code == 200
    assert response.headers["X-Handling-Marking"] == "LAW ENFORCEMENT ONLY"
    assert response.data == data  # not rewritten
    assert "2006 objects, more than 500" in caplog.text

    # The refusal is remembered: the next download starts no child process at all.
    def no_worker(*args, **kwargs):
        raise AssertionError("the marking was tried again")

    monkeypatch.setattr(mark, "run_worker", no_worker)
    response, _seconds = _download(client, version)
    assert (response.status_code, response.data) == (200, data)
    assert response.headers["X-Handling-Marking"] == "LAW ENFORCEMENT ONLY"

    # Under higher limits it is tried again, and marked.
    monkeypatch.undo()
    app.config["PAN_MARK_MAX_OBJECTS"] = 5_000
    response, _seconds = _download(client, version)
    assert PdfReader(io.BytesIO(response.data)).metadata["/Marking"] == "LAW ENFORCEMENT ONLY"


def test_the_marked_copy_is_made_once_and_cached(app, client, marked, monkeypatch):
    _editor, add = marked
    item, version = add(samples.pdf_with_text(["Handbook"]))
    first, _seconds = _download(client, version)
    assert first.status_code == 200
    assert PdfReader(io.BytesIO(first.data)).metadata["/Marking"] == "LAW ENFORCEMENT ONLY"
    assert store.path_for(version.sha256).read_bytes() != first.data  # the stored blob is untouched

    def no_worker(*args, **kwargs):
        raise AssertionError("the marked copy was made again")

    monkeypatch.setattr(mark, "run_worker", no_worker)
    second, seconds = _download(client, version)
    assert second.data == first.data
    assert second.headers["X-Handling-Marking"] == "LAW ENFORCEMENT ONLY"
    assert seconds < 0.5  # as fast as an unmarked file: no child process

    # Another marking is another copy of the same blob.
    monkeypatch.undo()
    operations.set_item_policy(_editor, item, "training-use-only", "same")
    third, _seconds = _download(client, version)
    assert PdfReader(io.BytesIO(third.data)).metadata["/Marking"] == "FOR TRAINING USE ONLY"
    cached = sorted(p.name for p in mark.cache_dir().rglob("*.pdf"))
    assert len(cached) == 2 and all(name.startswith(version.sha256) for name in cached)


def test_a_hanging_marking_is_cut_off(app, client, marked, tmp_path, monkeypatch, caplog):
    app.config["PAN_MARK_TIMEOUT"] = 0.5
    hang = tmp_path / "hang.py"
    hang.write_text("import time\ntime.sleep(30)\n")
    monkeypatch.setattr(mark, "WORKER", hang)
    _editor, add = marked
    data = samples.pdf_with_text(["Handbook"])
    _item, version = add(data)
    with caplog.at_level(logging.WARNING, logger="pan_platform.storage.mark"):
        response, seconds = _download(client, version)
    assert (response.status_code, response.data) == (200, data)
    assert response.headers["X-Handling-Marking"] == "LAW ENFORCEMENT ONLY"
    assert seconds < 5 and "timed out" in caplog.text
    assert not list(mark.cache_dir().rglob(".marking-*"))  # no half-written copy left


def test_a_damaged_pdf_is_sent_as_stored(app, client, marked):
    app.config["PAN_MARK_MEMORY_MB"] = 512
    _editor, add = marked
    data = b"%PDF-1.4\n" + b"\x00garbage" * 1000
    _item, version = add(data)
    response, _seconds = _download(client, version)
    assert (response.status_code, response.data) == (200, data)
    assert response.headers["X-Handling-Marking"] == "LAW ENFORCEMENT ONLY"
