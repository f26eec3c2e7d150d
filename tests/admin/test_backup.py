"""Backup, then restore into an empty instance: same rows, same files, a working portal."""

from __future__ import annotations

import io
import tarfile
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, func, select, text

from pan_platform.accounts.models import User
from pan_platform.accounts.operations import invite
from pan_platform.admin import backup as backup_module
from pan_platform.audit.models import record
from pan_platform.catalogue.models import Item, ItemTranslation
from pan_platform.catalogue.overrides import LabelOverride
from pan_platform.extensions import db
from pan_platform.storage import store
from pan_platform.storage.files import add_version
from tests.conftest import ON_POSTGRES, PG_URL, make_app, sign_in
from tests.factories import make_item, make_org, make_user


@contextmanager
def empty_instance(tmp_path):
    """A second, empty instance: its own SQLite file, or its own PostgreSQL database
    (dropped WITH (FORCE) afterwards, so no connection left open can block the clean-up)."""
    overrides, admin, name = {}, None, None
    if ON_POSTGRES:
        name = f"pan_restore_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        overrides["SQLALCHEMY_DATABASE_URI"] = PG_URL.rsplit("/", 1)[0] + "/" + name
    other = make_app(tmp_path, **overrides)
    try:
        with other.app_context():
            db.create_all()
            try:
                yield other
            finally:
                db.session.remove()
                db.engine.dispose()
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def _populate():
    academy = make_org(name="Академия МВД", slug="academy-by", country="BY")
    partner = make_org("partner", slug="cepol", country=None)
    editor = make_user(academy, "editor", email="editor@academy.example")
    make_user(academy, "org_admin", email="admin@academy.example")
    material = make_item(academy, kind="material", title="Handbook", visibility="private")
    curriculum = make_item(academy, kind="curriculum", title="Curriculum", shares=(partner,),
                           visibility="partners", partner_scope="named")
    material.parent = curriculum  # a parent with a higher id than its child: order matters on restore
    material.visibility = "inherit"
    material.translations.append(ItemTranslation(language="ru", title="Пособие", summary="Кратко"))
    add_version(material, io.BytesIO(b"%PDF-1.4 first version\n"), "handbook.pdf", "application/pdf", user=editor)
    add_version(material, io.BytesIO(b"%PDF-1.4 second version \xff\x00\n"), "handbook-2.pdf", "application/pdf")
    db.session.add(LabelOverride(vocabulary="priority_area", code="cybercrime", language="en", label="Cyber"))
    record("item.edit", editor, material, note="ünïcödé")
    db.session.commit()
    return editor, material


def test_backup_and_restore_into_an_empty_instance(app, tmp_path, tmp_path_factory):
    editor, material = _populate()
    invite(None, editor.organisation, "newcomer@example.org", "trainer", check=False)
    archive = tmp_path / "backups" / "pan.tar.gz"
    manifest = backup_module.backup(archive)
    digests = backup_module.digest_of_tables()
    counts = {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}
    blobs = {v.sha256: store.path_for(v.sha256).read_bytes() for v in material.file_versions}
    assert manifest["tables"] == counts and len(manifest["files"]) == 2 and manifest["missing_files"] == []

    material_id, editor_email = material.id, editor.email
    # Flask-SQLAlchemy binds a session to the *current* app's engine at query time: an object
    # of this session touched inside the other instance would open a connection there.
    db.session.close()
    other = tmp_path_factory.mktemp("restored")
    with empty_instance(other) as restored:
        backup_module.restore(archive)
        assert backup_module.digest_of_tables() == digests
        assert {t.name: db.session.scalar(select(func.count()).select_from(t))
                for t in db.metadata.sorted_tables} == counts
        for sha, content in blobs.items():
            assert store.path_for(sha).read_bytes() == content
        assert str(other) in str(store.path_for(next(iter(blobs))))
        copy = db.session.get(Item, material_id)
        assert copy.parent.title == "Curriculum" and copy.translation("ru").title == "Пособие"
        client = restored.test_client()
        assert sign_in(client, db.session.scalar(select(User).where(User.email == editor_email))).status_code == 302
        assert client.get(f"/items/{material_id}").status_code == 200
        # New rows get new ids after a restore (sequences moved on PostgreSQL).
        db.session.add(User(email="after@example.org", name="After", organisation=copy.owner, role="trainer"))
        db.session.commit()
        with pytest.raises(backup_module.BackupError, match="not empty"):
            backup_module.restore(archive)


def test_backup_reads_one_snapshot_while_the_portal_writes(app, tmp_path, monkeypatch):
    editor, _ = _populate()
    read_tables = backup_module._read_tables

    def write_meanwhile(conn):
        # The portal goes on writing after the snapshot was taken.
        make_user(editor.organisation, "trainer", email="late@example.org")
        record("user.join", editor)
        db.session.commit()
        return read_tables(conn)

    monkeypatch.setattr(backup_module, "_read_tables", write_meanwhile)
    before = db.session.scalar(select(func.count(User.id)))
    manifest = backup_module.backup(tmp_path / "b.tar.gz")
    assert manifest["tables"]["users"] == before
    assert db.session.scalar(select(func.count(User.id))) == before + 1


def test_restore_refuses_a_damaged_or_foreign_archive(app, tmp_path, tmp_path_factory):
    _populate()
    good = tmp_path / "good.tar.gz"
    manifest = backup_module.backup(good)
    sha = next(iter(manifest["files"]))
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(good, "r:gz") as src, tarfile.open(damaged, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name.endswith(sha):
                data = b"tampered"
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as dst:
        info = tarfile.TarInfo("../outside.txt")
        info.size = 1
        dst.addfile(info, io.BytesIO(b"x"))
    with empty_instance(tmp_path_factory.mktemp("empty")):
        with pytest.raises(backup_module.BackupError, match="damaged"):
            backup_module.restore(damaged, rebuild_index=False)
        with pytest.raises(backup_module.BackupError, match="unexpected entry"):
            backup_module.restore(evil, rebuild_index=False)
        assert db.session.scalar(select(func.count(User.id))) == 0


def test_cli_backup_and_restore(app, tmp_path, tmp_path_factory):
    _populate()
    archive = tmp_path / "cli.tar.gz"
    result = app.test_cli_runner().invoke(args=["pan", "backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output and archive.exists()
    with empty_instance(tmp_path_factory.mktemp("cli-restore")) as target:
        result = target.test_cli_runner().invoke(args=["pan", "restore", str(archive)])
        assert result.exit_code == 0, result.output
        assert db.session.scalar(select(func.count(Item.id))) == 2
        again = target.test_cli_runner().invoke(args=["pan", "restore", str(archive)])
        assert again.exit_code != 0 and "not empty" in again.output
