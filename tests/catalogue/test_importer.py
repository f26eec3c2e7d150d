"""Bulk import: the example manifest imports; a manifest with errors reports them all and imports nothing."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from config import BASE_DIR
from pan_platform.access import can
from pan_platform.audit.models import AuditEvent
from pan_platform.catalogue.importer import ImportFailed, build_zip, import_archive
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.storage.models import FileVersion
from tests.conftest import sign_in
from tests.storage import samples
from tests.storage.conftest import assert_store_consistent, blobs_on_disk

EXAMPLE = BASE_DIR / "seed_data" / "example_import"


def item_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Item))


def zip_bytes(manifest_name: str, manifest: str, files: dict[str, bytes]) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(manifest_name, manifest)
        for name, data in files.items():
            archive.writestr(name, data)
    out.seek(0)
    return out


def test_example_manifest_imports(app, world, tmp_path):
    archive = build_zip(EXAMPLE, tmp_path / "example.zip")
    seen = []
    report = import_archive(world["editor"], archive, progress=lambda done, total: seen.append((done, total)))
    assert (report.created, report.files) == (5, 3)
    assert seen[-1] == (5, 5)
    curriculum = db.session.scalar(select(Item).where(Item.source_key == "example-public-order-curriculum"))
    assert curriculum.owner_id == world["austria"].id and curriculum.state == "draft"
    assert [s.organisation.slug for s in curriculum.shares] == ["cepol"]
    (module,) = curriculum.children
    assert [m.title for m in module.children] == [
        "Trainer briefing: de-escalation exercise", "Role play: a spontaneous demonstration", "Observer checklist",
    ]
    texts = {m.current_file.original_name: m.current_file for m in module.children}
    assert "create distance and time" in texts["de-escalation-briefing.pdf"].text
    assert "lawful alternative route" in texts["observer-checklist.docx"].text
    assert texts["role-play-scenario.md"].mime_type.startswith("text/markdown")
    assert all(v.text_status == "done" for v in texts.values())
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import"))
    assert event.details["items"] == 5 and event.user_id == world["editor"].id
    assert_store_consistent(app)

    with pytest.raises(ImportFailed) as again:  # keys are stable: a second import is refused
        import_archive(world["editor"], archive)
    assert len(again.value.errors) == 5 and "already exists" in again.value.errors[0]
    assert item_count() == 5


def test_manifest_with_three_errors_reports_all_and_imports_nothing(app, world):
    manifest = json.loads((EXAMPLE / "manifest.json").read_text())
    manifest["items"][1]["kind"] = "chapter"  # entry 2
    manifest["items"][0]["priority_areas"] = ["fraud"]  # entry 1
    manifest["items"][4]["file"] = "files/missing.pdf"  # entry 5
    files = {f"files/{p.name}": p.read_bytes() for p in (EXAMPLE / "files").iterdir()}
    with pytest.raises(ImportFailed) as error:
        import_archive(world["editor"], zip_bytes("manifest.json", json.dumps(manifest), files))
    problems = error.value.errors
    assert len(problems) == 3, problems
    assert problems[0].startswith("entry 1: priority_areas")
    assert problems[1].startswith("entry 2: kind")
    assert problems[2].startswith("entry 5: file") and "files/missing.pdf" in problems[2]
    assert item_count() == 0
    assert blobs_on_disk(app) == set()


def test_csv_manifest_with_line_numbers(app, world):
    header = "key,kind,parent,title,priority_areas,visibility,shares,state,file\n"
    good = header + (
        "c1,curriculum,,Border checks,police-reform|organized-crime,partners,cepol|interpol,published,\n"
        "m1,module,c1,Document fraud,,,,published,\n"
        "x1,material,m1,Forged passport examples,,,,published,files/passports.pdf\n"
    )
    pdf = samples.pdf_with_text(["Forged passport examples for border guards"])
    report = import_archive(world["editor"], zip_bytes("manifest.csv", good, {"files/passports.pdf": pdf}))
    assert report.created == 3
    material = db.session.scalar(select(Item).where(Item.source_key == "x1"))
    assert can(world["cepol"], "download", material) and can(world["interpol"], "read", material)

    bad = header + (
        "c2,curriculum,,No areas,,private,,draft,\n"
        "m2,module,nowhere,Orphan,,,,draft,\n"
        "x2,material,c2,Wrong parent,,,unodc,draft,files/passports.pdf\n"
    )
    with pytest.raises(ImportFailed) as error:
        import_archive(world["editor"], zip_bytes("manifest.csv", bad, {"files/passports.pdf": pdf}))
    lines = [p.split(":")[0] for p in error.value.errors]
    assert lines == ["line 2", "line 3", "line 4", "line 4"], error.value.errors
    assert item_count() == 3


def test_import_refuses_disguised_files_and_non_editors(app, world):
    manifest = {"items": [{"key": "m", "kind": "material", "title": "Evil", "priority_areas": ["terrorism"],
                           "file": "evil.pdf"}]}
    archive = zip_bytes("manifest.json", json.dumps(manifest), {"evil.pdf": samples.HTML_AS_PDF})
    with pytest.raises(ImportFailed) as error:
        import_archive(world["editor"], archive)
    assert error.value.errors[0].startswith("entry 1: file: evil.pdf")
    with pytest.raises(ImportFailed):
        import_archive(world["trainer"], zip_bytes("manifest.json", "{}", {}))
    assert item_count() == 0 and blobs_on_disk(app) == set()


def test_failure_half_way_rolls_back_items_and_files(app, world, tmp_path, monkeypatch):
    from pan_platform.catalogue import importer

    real = importer._import_entry
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "_import_entry", failing)
    with pytest.raises(RuntimeError):
        import_archive(world["editor"], build_zip(EXAMPLE, tmp_path / "e.zip"))
    assert item_count() == 0
    assert db.session.scalar(select(func.count()).select_from(FileVersion)) == 0
    assert blobs_on_disk(app) == set()


def test_cli_import_with_progress(app, world, tmp_path):
    copy = tmp_path / "example"
    shutil.copytree(EXAMPLE, copy)
    result = app.test_cli_runner().invoke(args=["pan", "import", str(copy), "--user", world["editor"].email])
    assert result.exit_code == 0, result.output
    assert "Imported 5 items and 3 files." in result.output
    bad = copy / "manifest.json"
    bad.write_text(bad.read_text().replace('"kind": "module"', '"kind": "unit"'))
    result = app.test_cli_runner().invoke(args=["pan", "import", str(copy), "--user", world["editor"].email])
    assert result.exit_code == 1
    assert "entry 2: kind" in result.output


def test_workspace_import_form(app, world, client, tmp_path):
    sign_in(client, world["editor"])
    data = Path(build_zip(EXAMPLE, tmp_path / "e.zip")).read_bytes()
    broken = zip_bytes("manifest.json", '{"items": [{"kind": "material"}]}', {})
    response = client.post("/workspace/import", data={"archive": (broken, "broken.zip")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Nothing was imported" in body and "entry 1: key" in body and "entry 1: title" in body
    response = client.post("/workspace/import", data={"archive": (io.BytesIO(data), "example.zip")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    assert item_count() == 5
