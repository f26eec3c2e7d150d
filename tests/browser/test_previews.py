"""A trainer of another academy reads a network PDF's first pages in the item page, drawn from
the preview images, without downloading the file."""

from __future__ import annotations

import io

import pytest

from pan_platform.catalogue import operations
from pan_platform.extensions import db
from tests.browser.conftest import sign_in
from tests.factories import make_item, make_org, make_user
from tests.storage import samples

pytestmark = pytest.mark.browser


def test_trainer_of_another_academy_sees_the_pdf_pages(live_app, live_server, browser_page):
    live_app.config["PAN_EXTRACT_SYNC"] = True
    owner = make_org("academy", slug="academy-austria")
    editor = make_user(owner, "editor")
    trainer = make_user(make_org("academy", slug="academy-germany", country="DE"), "trainer")
    item = make_item(owner, visibility="network", title="Handbook on border checks")
    db.session.commit()
    pages = [[f"Border checks, page {n}"] for n in range(1, 4)]
    version = operations.add_file_version(editor, item, io.BytesIO(samples.pdf_with_pages(pages)), "handbook.pdf")
    operations.commit()

    page, base = browser_page, live_server
    sign_in(page, base, trainer.email)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{base}/items/{item.id}")
    first = page.get_by_role("img", name="Page 1", exact=True)
    first.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=first.element_handle())
    assert first.evaluate("img => img.naturalWidth") == 1000
    assert page.get_by_role("img", name="Thumbnail of the first page").evaluate("img => img.naturalWidth") == 320
    assert f"/files/{version.id}/pages/1" in " ".join(requested)
    assert not [url for url in requested if "/download" in url], "the preview downloaded the file"
