"""The import page: a CSV template to download, the field guide, errors that list the valid values."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pan_platform.catalogue.importer import COLUMNS, ImportFailed, csv_template, import_archive
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from tests.catalogue.test_importer import item_count, zip_bytes
from tests.conftest import sign_in
from tests.storage import samples


def test_template_downloads_and_imports_as_it_is(app, client, world):
    sign_in(client, world["editor"])
    response = client.get("/workspace/import/manifest-template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.splitlines()[0].split(",") == list(COLUMNS)
    archive = zip_bytes("manifest.csv", text, {"files/handbook.pdf": samples.pdf_with_text(["Example"])})
    report = import_archive(world["editor"], archive)
    assert (report.created, report.files) == (3, 1)
    assert db.session.scalar(select(Item.title).where(Item.source_key == "mat-1")) == "Example handbook"


def test_template_is_for_editors_only(app, client, world):
    sign_in(client, world["trainer"])
    assert client.get("/workspace/import/manifest-template.csv").status_code in (403, 404)


def test_import_page_shows_the_field_guide(app, client, world):
    sign_in(client, world["editor"])
    page = client.get("/workspace/import").get_data(as_text=True)
    assert "Field guide" in page and "/workspace/import/manifest-template.csv" in page
    assert "<code>priority_areas</code>" in page and "<code>cybercrime</code>" in page


@pytest.mark.parametrize(("column", "value", "listed"), [
    ("priority_areas", "x", "valid: police-reform, organized-crime"),
    ("level", "expert", "valid: introductory, intermediate, advanced, specialist"),
    ("visibility", "secret", "valid: private, network, partners, public, inherit"),
])
def test_errors_list_the_valid_values(app, world, column, value, listed):
    row = {"key": "c1", "kind": "curriculum", "title": "T", "priority_areas": "cybercrime", column: value}
    manifest = ",".join(row) + "\r\n" + ",".join(row.values()) + "\r\n"
    with pytest.raises(ImportFailed) as failed:
        import_archive(world["editor"], zip_bytes("manifest.csv", manifest, {}))
    (line,) = [e for e in failed.value.errors if e.startswith(f"line 2: {column}")]
    assert listed in line and f"{value}" in line
    assert item_count() == 0


def test_the_template_names_every_column():
    assert csv_template().splitlines()[0] == ",".join(COLUMNS)
