"""Several files per material in import manifests (JSON and CSV), and in adapted copies."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from pan_platform.catalogue import operations
from pan_platform.catalogue.importer import ImportFailed, import_archive
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.storage.models import FileVersion, MaterialFile
from tests.storage import samples

FILES = {
    "files/plan.docx": samples.docx_with_text(["Lesson plan for the interview exercise"]),
    "files/slides.pptx": samples.pptx_with_text([("Interviews", "Open questions first")]),
    "files/handout-ru.md": "# Памятка\n\nОткрытые вопросы задают первыми.\n".encode(),
}


def zip_of(name: str, manifest: str, files: dict[str, bytes]) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, manifest)
        for path, data in files.items():
            archive.writestr(path, data)
    out.seek(0)
    return out


def _material(key: str) -> Item:
    return db.session.scalar(select(Item).where(Item.source_key == key))


def _entries(files_value) -> list[dict]:
    return [
        {"key": "mod", "kind": "module", "title": "Interviewing", "priority_areas": ["organized-crime"]},
        {"key": "mat", "kind": "material", "parent": "mod", "title": "Interview exercise", "language": "en",
         "files": files_value},
    ]


def test_json_manifest_with_several_files(app, world):
    listed = [
        {"file": "files/plan.docx", "role": "lesson_plan"},
        {"file": "files/slides.pptx", "role": "slides", "title": "Slides, day 1", "note": "as taught in 2025"},
        {"file": "files/handout-ru.md", "role": "handout", "language": "ru"},
    ]
    report = import_archive(world["editor"], zip_of("manifest.json", json.dumps({"items": _entries(listed)}), FILES))
    assert (report.created, report.files) == (2, 3)
    material = _material("mat")
    assert [(f.role, f.language, f.position, f.title) for f in material.files] == [
        ("lesson_plan", "en", 0, None), ("slides", "en", 1, "Slides, day 1"), ("handout", "ru", 2, None)]
    assert [f.current.original_name for f in material.files] == ["plan.docx", "slides.pptx", "handout-ru.md"]
    assert material.files[1].current.note == "as taught in 2025"
    assert all(f.current.text_status == "done" for f in material.files)


def test_csv_manifest_with_several_files(app, world):
    manifest = (
        "key,kind,parent,title,priority_areas,files\n"
        "mod,module,,Interviewing,organized-crime,\n"
        "mat,material,mod,Interview exercise,,files/plan.docx;lesson_plan|files/slides.pptx|files/handout-ru.md;handout;ru\n"
    )
    report = import_archive(world["editor"], zip_of("manifest.csv", manifest, FILES))
    assert report.files == 3
    assert [(f.role, f.language) for f in _material("mat").files] == [
        ("lesson_plan", "en"), ("other", "en"), ("handout", "ru")]


@pytest.mark.parametrize(("files_value", "message"), [
    ([{"file": "files/plan.docx", "role": "poster"}], "unknown role poster"),
    ([{"file": "files/plan.docx", "language": "xx"}], "unknown language xx"),
    ([{"file": "files/missing.pdf"}], "files/missing.pdf is not in the archive"),
    ([{"role": "slides"}], "each file needs at least its path"),
    ([{"file": "files/plan.docx", "colour": "red"}], "unknown field colour"),
    ("files/plan.docx", "files: must be a list"),
])
def test_bad_file_lists_import_nothing(app, world, files_value, message):
    with pytest.raises(ImportFailed) as failed:
        import_archive(world["editor"], zip_of("manifest.json", json.dumps({"items": _entries(files_value)}), FILES))
    assert any(message in line for line in failed.value.errors), failed.value.errors
    assert db.session.scalar(select(func.count()).select_from(Item)) == 0
    assert db.session.scalar(select(func.count()).select_from(FileVersion)) == 0


def test_file_and_files_together_are_refused(app, world):
    entries = _entries(["files/plan.docx"])
    entries[1]["file"] = "files/slides.pptx"
    with pytest.raises(ImportFailed) as failed:
        import_archive(world["editor"], zip_of("manifest.json", json.dumps({"items": entries}), FILES))
    assert any("either file or files" in line for line in failed.value.errors)


def test_an_adapted_copy_keeps_every_file_with_its_role_and_versions(app, world):
    listed = [{"file": "files/plan.docx", "role": "lesson_plan"}, {"file": "files/handout-ru.md", "role": "handout",
                                                                    "language": "ru"}]
    import_archive(world["editor"], zip_of("manifest.json", json.dumps({"items": _entries(listed)}), FILES))
    module = _material("mod")
    operations.set_state(world["editor"], module, "publish")
    operations.set_sharing(world["editor"], module, "network")
    copy = operations.adapt_item(world["de_editor"], module)
    (copied,) = copy.children
    assert [(f.role, f.language, [v.number for v in f.versions]) for f in copied.files] == [
        ("lesson_plan", "en", [1]), ("handout", "ru", [1])]
    original = _material("mat")
    assert [f.current.sha256 for f in copied.files] == [f.current.sha256 for f in original.files]
    assert db.session.scalar(select(func.count()).select_from(MaterialFile)) == 4
