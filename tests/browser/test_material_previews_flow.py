"""An editor drops a PDF, a Word document and a slide deck on the form of a new material; the
form is sent with a progress bar; the portal's background worker (the extraction thread of
the serving process, as in production) makes the thumbnails and page previews, which the
editor then sees; a trainer of another academy reads a PDF page in the item page without
downloading anything."""

from __future__ import annotations

import base64
import re
import shutil
import time

import pytest
from playwright.sync_api import expect

from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from tests.browser.conftest import sign_in
from tests.factories import make_item, make_org, make_user
from tests.storage import samples

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("soffice") is None,
                       reason="LibreOffice (soffice) is not installed: Word and PowerPoint files get no preview"),
]

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
PREVIEW_SECONDS = 240  # three files one after the other, two through LibreOffice, on a busy host

# Files built in the page from their bytes and dropped with a DataTransfer, as a file manager does.
DROP = """files => {
  const transfer = new DataTransfer();
  for (const f of files) {
    const bytes = Uint8Array.from(atob(f.data), c => c.charCodeAt(0));
    transfer.items.add(new File([bytes], f.name, {type: f.type}));
  }
  return transfer;
}"""

# Notes every state of the upload progress bar in sessionStorage: the page that answers the
# upload replaces this one, and the storage outlives it.
WATCH_PROGRESS = """
new MutationObserver(records => {
  for (const record of records) {
    const bar = record.target;
    if (bar.matches && bar.matches("progress.upload-progress") && !bar.hidden) {
      const seen = JSON.parse(sessionStorage.getItem("uploadProgress") || "[]");
      seen.push(bar.value);
      sessionStorage.setItem("uploadProgress", JSON.stringify(seen));
    }
  }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ["hidden", "value"]});
"""


def _files() -> list[dict]:
    pdf = samples.pdf_with_pages([[f"Border checks, page {n}", "Compare the photograph with the holder."]
                                  for n in range(1, 4)])
    docx = samples.docx_with_text(["Lesson plan: document checks", "Ninety minutes of practice in pairs."])
    pptx = samples.pptx_with_text([("Forged documents", "Security features\nPrinting techniques"),
                                   ("Interviewing travellers", "Open questions first")])
    return [{"name": name, "type": mime, "data": base64.b64encode(data).decode("ascii")}
            for name, mime, data in (("handbook.pdf", "application/pdf", pdf), ("lesson-plan.docx", DOCX, docx),
                                     ("slides.pptx", PPTX, pptx))]


def _statuses(item_id: int) -> list[str]:
    db.session.expire_all()
    item = db.session.get(Item, item_id)
    return [f.current.preview.status if f.current.preview else "-" for f in item.files]


def _wait_for_thumbnails(page, item_id: int, count: int) -> None:
    """Reload the workspace page until the worker has made every thumbnail."""
    deadline = time.monotonic() + PREVIEW_SECONDS
    while page.locator(".material-file img.file-thumb").count() < count:
        assert "failed" not in _statuses(item_id), _statuses(item_id)
        assert time.monotonic() < deadline, f"previews not made in {PREVIEW_SECONDS} s: {_statuses(item_id)}"
        page.wait_for_timeout(1000)
        page.reload()


def _loaded_width(image) -> int:
    image.scroll_into_view_if_needed()
    image.page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    return image.evaluate("img => img.naturalWidth")


def test_dropped_office_files_get_previews_that_another_academy_reads(live_app, live_server, browser, browser_page):
    academy = make_org("academy", slug="academy-austria", name="Federal Security Academy of Austria")
    editor = make_user(academy, "editor", email="editor@academy-austria.example")
    trainer = make_user(make_org("academy", slug="academy-germany", country="DE"), "trainer")
    module = make_item(academy, kind="module", visibility="network", title="Document checks")
    db.session.commit()
    page, base = browser_page, live_server
    page.add_init_script(WATCH_PROGRESS)

    # The three files are dropped on the form of the new material and sent with progress.
    sign_in(page, base, editor.email)
    page.goto(f"{base}/workspace/new/material?parent={module.id}")
    page.get_by_label("Title", exact=True).fill("Detecting forged travel documents")
    zone = page.locator("form.item-form .drop-zone")
    expect(zone.locator(".drop-hint")).to_be_visible()
    transfer = page.evaluate_handle(DROP, _files())
    zone.dispatch_event("dragenter", {"dataTransfer": transfer})
    zone.dispatch_event("dragover", {"dataTransfer": transfer})
    expect(zone).to_have_class(re.compile(r"\bdrag-over\b"))
    zone.dispatch_event("drop", {"dataTransfer": transfer})
    expect(zone).not_to_have_class(re.compile(r"\bdrag-over\b"))
    expect(page.locator("form.item-form .upload-status")).to_have_text("handbook.pdf, lesson-plan.docx, slides.pptx")
    assert page.locator("input[type=file]#files").evaluate("input => input.files.length") == 3
    with page.expect_request(lambda r: r.method == "POST" and "/workspace/new/material" in r.url) as sent:
        page.get_by_role("button", name="Save").click()
    assert sent.value.resource_type == "xhr"
    page.wait_for_url(re.compile(r"/workspace/items/\d+$"))
    expect(page.locator(".flash-success")).to_contain_text("Saved as a draft.")
    progress = page.evaluate("JSON.parse(sessionStorage.getItem('uploadProgress') || '[]')")
    assert progress and max(progress) == 100, f"the progress bar was not shown to the end: {progress}"
    item_id = int(page.url.rsplit("/", 1)[1])
    names = page.locator(".material-file table tbody tr td:nth-child(2) a").all_inner_texts()
    assert names == ["handbook.pdf", "lesson-plan.docx", "slides.pptx"]

    # The background worker makes the previews; the editor sees each file's thumbnail.
    _wait_for_thumbnails(page, item_id, 3)
    assert _statuses(item_id) == ["done", "done", "done"]
    for name in ("handbook.pdf", "lesson-plan.docx", "slides.pptx"):
        assert _loaded_width(page.get_by_role("img", name=f"Thumbnail of {name}")) == 320
    item = db.session.get(Item, item_id)
    assert [(f.current.preview.pages, f.current.preview.page_count) for f in item.files] == [(3, 3), (1, 1), (2, 2)]
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".badge-published")).to_be_visible()

    # The item page: every file's thumbnail, and each file's pages (the first file's open).
    page.goto(f"{base}/items/{item_id}")
    for name in ("handbook.pdf", "lesson-plan.docx", "slides.pptx"):
        assert _loaded_width(page.get_by_role("img", name=f"Thumbnail of {name}")) == 320
    preview = page.locator("section.file-preview")
    expect(preview.locator("details.file-pages")).to_have_count(3)
    assert _loaded_width(preview.get_by_role("img", name="handbook.pdf, page 3")) == 1000
    for name, last in (("lesson-plan.docx", 1), ("slides.pptx", 2)):
        expect(preview.get_by_role("img", name=f"{name}, page 1")).to_be_hidden()  # closed until asked
        preview.locator("summary", has_text=name).click()
        assert _loaded_width(preview.get_by_role("img", name=f"{name}, page {last}")) == 1000

    # A trainer of another academy reads the PDF's pages without downloading anything.
    context = browser.new_context(locale="en-GB")
    try:
        other = context.new_page()
        other.set_default_timeout(15_000)
        sign_in(other, base, trainer.email)
        requested, downloads = [], []
        other.on("request", lambda request: requested.append(request.url))
        other.on("download", lambda download: downloads.append(download.url))
        other.goto(f"{base}/items/{item_id}")
        first = other.get_by_role("img", name="handbook.pdf, page 1")
        assert _loaded_width(first) == 1000
        assert first.evaluate("img => new URL(img.src).pathname") == \
            f"/files/{item.files[0].current.id}/pages/1"
        assert f"/files/{item.files[0].current.id}/pages/1" in " ".join(requested)
        assert not [url for url in requested if "/download" in url], "the preview downloaded a file"
        assert downloads == []
    finally:
        context.close()
