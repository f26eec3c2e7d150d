"""An editor adds files to a new material: one chosen on the create form, two dropped on the
workspace page and sent with a progress bar; all three are listed with their roles, and a
role changed afterwards shows on the item page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from tests.browser.conftest import sign_in
from tests.factories import make_item, make_org, make_user

pytestmark = pytest.mark.browser

DROP = """() => {
  const transfer = new DataTransfer();
  transfer.items.add(new File(["# Slides\\n\\nOpen questions first.\\n"], "slides.md", {type: "text/markdown"}));
  transfer.items.add(new File(["Handout: sign the chain of custody form.\\n"], "handout.txt", {type: "text/plain"}));
  return transfer;
}"""


def test_editor_uploads_three_files_to_a_new_material(live_app, live_server, browser_page, tmp_path):
    live_app.config["PAN_EXTRACT_SYNC"] = True
    academy = make_org("academy", slug="academy-austria", name="Federal Security Academy of Austria")
    editor = make_user(academy, "editor", email="editor@academy-austria.example")
    module = make_item(academy, kind="module", visibility="public", title="Interviewing witnesses")
    db.session.commit()
    plan = tmp_path / "plan.md"
    plan.write_text("# Lesson plan\n\nNinety minutes of interview practice.\n", encoding="utf-8")
    page, base = browser_page, live_server

    sign_in(page, base, editor.email)
    page.goto(f"{base}/workspace/new/material?parent={module.id}")
    page.get_by_label("Title", exact=True).fill("Witness interview exercise")
    page.locator("input[type=file]#files").set_input_files(str(plan))
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/workspace/items/\d+$"))
    manage_url = page.url
    expect(page.locator(".material-file")).to_have_count(1)

    # Two more files dropped on the drop zone, sent by the script with upload progress.
    zone = page.locator("form.add-files .drop-zone")
    expect(zone.locator(".drop-hint")).to_be_visible()
    zone.dispatch_event("drop", {"dataTransfer": page.evaluate_handle(DROP)})
    expect(page.locator("form.add-files .upload-status")).to_have_text("slides.md, handout.txt")
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/files")) as sent:
        page.get_by_role("button", name="Upload files").click()
    assert sent.value.resource_type == "xhr"
    expect(page.locator(".material-file")).to_have_count(3)
    assert page.url == manage_url
    expect(page.locator(".flash-success")).to_contain_text("2 files uploaded.")
    names = page.locator(".material-file table tbody tr td:nth-child(2) a").all_inner_texts()
    assert names == ["plan.md", "slides.md", "handout.txt"]
    expect(page.locator(".material-file .file-role")).to_have_text(["Other", "Other", "Other"])

    # The second file becomes the slides.
    second = page.locator(".material-file").nth(1)
    second.get_by_label("Role").select_option("slides")
    second.get_by_role("button", name="Save file details").click()
    expect(page.locator(".material-file .file-role")).to_have_text(["Other", "Slides", "Other"])

    material_id = manage_url.rsplit("/", 1)[1]
    page.goto(f"{base}/items/{material_id}")
    expect(page.locator(".material-files .file-role")).to_have_text(["Other", "Slides", "Other"])
    db.session.expire_all()
    item = db.session.get(Item, int(material_id))
    assert [(f.role, f.current.text_status) for f in item.files] == [
        ("other", "done"), ("slides", "done"), ("other", "done")]
