"""An editor builds a curriculum with two modules and a PDF material and publishes it shared
with CEPOL; a CEPOL user sees and downloads the PDF; INTERPOL and the public get "not found"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from pan_platform.extensions import db
from tests.browser.conftest import sign_in
from tests.factories import make_org, make_user
from tests.storage import samples

pytestmark = pytest.mark.browser
PDF_TEXT = "Trafficking indicators for border guards"


def sign_out(page, base: str) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{base}/")


def create(page, title: str, area: str | None = None) -> None:
    page.get_by_label("Title", exact=True).fill(title)
    if area:
        page.get_by_label(area, exact=True).check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/workspace/items/\d+$"))


def test_editor_publishes_for_cepol_only(live_app, live_server, browser_page, tmp_path):
    live_app.config["PAN_EXTRACT_SYNC"] = True
    academy = make_org("academy", slug="academy-austria", name="Federal Security Academy of Austria")
    cepol = make_org("partner", slug="cepol", name="European Union Agency for Law Enforcement Training",
                     acronym="CEPOL", country=None)
    interpol = make_org("partner", slug="interpol", name="International Criminal Police Organization",
                        acronym="INTERPOL", country=None)
    editor = make_user(academy, "editor", email="editor@academy-austria.example")
    cepol_user = make_user(cepol, "trainer", email="user@cepol.example")
    interpol_user = make_user(interpol, "trainer", email="user@interpol.example")
    db.session.commit()
    pdf = tmp_path / "indicators.pdf"
    pdf.write_bytes(samples.pdf_with_text([PDF_TEXT]))
    page, base = browser_page, live_server

    sign_in(page, base, editor.email)
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Workspace").click()
    page.get_by_role("link", name="New curriculum").click()
    create(page, "Trafficking in Human Beings for Border Police", area="Trafficking in human beings")
    curriculum_url = page.url

    page.get_by_role("link", name="Add a new module").click()
    create(page, "Recognising victims at the border")
    first_module_url = page.url
    page.goto(curriculum_url)
    page.get_by_role("link", name="Add a new module").click()
    create(page, "Referral and victim support")

    page.goto(first_module_url)
    page.get_by_role("link", name="Add a new material").click()
    create(page, "Indicator card")
    material_manage_url = page.url
    page.locator("input[type=file]#files").set_input_files(str(pdf))
    page.get_by_role("button", name="Upload files").click()
    expect(page.locator(".material-file")).to_contain_text("indicators.pdf")
    assert page.url == material_manage_url

    page.goto(curriculum_url)
    page.get_by_label("Academies and partner organisations").check()
    page.get_by_label("Only the partners ticked below").check()
    page.get_by_label(re.compile("CEPOL")).check()
    page.get_by_role("button", name="Save sharing").click()
    page.wait_for_url(curriculum_url)
    page.get_by_role("button", name="Publish with its contents").click()
    page.wait_for_url(curriculum_url)
    assert "Published: 4 item(s)." in page.content()
    material_id = material_manage_url.rstrip("/").rsplit("/", 1)[1]
    sign_out(page, base)

    sign_in(page, base, cepol_user.email)
    response = page.goto(f"{base}/items/{material_id}")
    assert response.status == 200
    assert page.get_by_role("heading", level=1).inner_text() == "Indicator card"
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download").first.click()
    download = download_info.value
    assert download.suggested_filename == "indicators.pdf"
    assert download.path().read_bytes() == pdf.read_bytes()
    curriculum_page = page.goto(curriculum_url.replace("/workspace/items/", "/items/"))
    assert curriculum_page.status == 200
    sign_out(page, base)

    sign_in(page, base, interpol_user.email)
    hidden = page.goto(f"{base}/items/{material_id}")
    assert hidden.status == 404
    assert "Page not found" in page.locator("main").inner_text()
    assert "Indicator card" not in page.content()
    sign_out(page, base)

    anonymous = page.goto(f"{base}/items/{material_id}")
    assert anonymous.status == 404
    assert "Page not found" in page.locator("main").inner_text()
