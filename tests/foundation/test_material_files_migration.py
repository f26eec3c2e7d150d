"""The material-files migration on a database with rows written at the previous revision:
every item with file versions gets one file holding all its versions in order."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from config import BASE_DIR
from pan_platform.extensions import db
from tests.conftest import make_app
from tests.foundation.test_migrations_and_seed import empty_database_url  # noqa: F401 (fixture)

MIGRATIONS = str(BASE_DIR / "migrations")
BEFORE = "a9c3e5f7b2d4"  # the revision before material files
REVISION = "a8c3e5f1d2b4"
NOW = "2026-01-05 10:00:00"


def _item(conn, item_id: int, language: str) -> None:
    conn.execute(text(
        "INSERT INTO items (id, kind, owner_id, position, title, language, keywords, state, visibility, "
        "partner_scope, created_at, updated_at) VALUES (:id, 'material', 1, 0, :title, :language, '[]', "
        "'published', 'public', 'named', :now, :now)"
    ), {"id": item_id, "title": f"Material {item_id}", "language": language, "now": NOW})


def _version(conn, version_id: int, item_id: int, number: int, name: str) -> None:
    conn.execute(text(
        "INSERT INTO file_versions (id, item_id, number, sha256, size, mime_type, original_name, uploaded_at, "
        "text, text_status) VALUES (:id, :item, :number, :sha, 10, 'text/plain', :name, :at, :text, 'done')"
    ), {"id": version_id, "item": item_id, "number": number, "sha": f"{version_id:064x}", "name": name,
        "at": f"2026-01-0{number} 09:00:00", "text": f"text of {name}"})


def _populate(conn) -> None:
    conn.execute(text("INSERT INTO organisations (id, slug, kind, name, active, created_at) "
                      "VALUES (1, 'academy-x', 'academy', 'Academy X', :yes, :now)"), {"yes": True, "now": NOW})
    _item(conn, 1, "ru")
    _item(conn, 2, "fr")
    _item(conn, 3, "en")  # no files
    _version(conn, 11, 1, 1, "plan-v1.txt")
    _version(conn, 12, 1, 2, "plan-v2.txt")
    _version(conn, 13, 1, 3, "plan-v3.txt")
    _version(conn, 21, 2, 1, "deck.txt")


def test_existing_versions_become_one_file_per_material(tmp_path, empty_database_url):  # noqa: F811
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision=BEFORE)
        with db.engine.begin() as conn:
            _populate(conn)
        upgrade(directory=MIGRATIONS, revision=REVISION)
        with db.engine.connect() as conn:
            files = conn.execute(text(
                "SELECT id, item_id, role, language, position, title FROM material_files ORDER BY item_id")).all()
            versions = conn.execute(text(
                "SELECT id, item_id, file_id, number, original_name FROM file_versions ORDER BY id")).all()
        assert [(f.item_id, f.role, f.language, f.position, f.title) for f in files] == [
            (1, "other", "ru", 0, None), (2, "other", "fr", 0, None)]
        file_of = {f.item_id: f.id for f in files}
        assert [(v.id, v.file_id, v.number) for v in versions] == [
            (11, file_of[1], 1), (12, file_of[1], 2), (13, file_of[1], 3), (21, file_of[2], 1)]

        # The models read the migrated rows: the latest version is the file's current one.
        from pan_platform.catalogue.models import Item

        item = db.session.get(Item, 1)
        assert [f.current.original_name for f in item.files] == ["plan-v3.txt"]
        assert [v.number for v in item.files[0].versions] == [1, 2, 3]
        assert item.current_file.id == 13 and db.session.get(Item, 3).files == []
        db.session.remove()

        # A second file of material 1, numbered from 1 on its own.
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO material_files (id, item_id, role, language, position, created_at) "
                              "VALUES (99, 1, 'handout', 'ru', 1, :now)"), {"now": NOW})
            conn.execute(text(
                "INSERT INTO file_versions (id, item_id, file_id, number, sha256, size, mime_type, original_name, "
                "uploaded_at, text_status) VALUES (14, 1, 99, 1, :sha, 5, 'text/plain', 'handout.txt', :now, 'none')"
            ), {"sha": "e" * 64, "now": NOW})

        # Back down: one history per item again (in upload order), nothing lost.
        downgrade(directory=MIGRATIONS, revision=BEFORE)
        with db.engine.connect() as conn:
            rows = conn.execute(text("SELECT id, item_id, number FROM file_versions ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(11, 1, 1), (12, 1, 2), (13, 1, 3), (14, 1, 4), (21, 2, 1)]
        downgrade(directory=MIGRATIONS, revision="base")
        db.engine.dispose()
