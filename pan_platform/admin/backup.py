"""Backup and restore: every table as JSON, the file store's blobs, and a manifest, in one tar.gz.

Portable between SQLite and PostgreSQL: rows are written per column type (dates as ISO
text, binary as base64), tables in dependency order (metadata.sorted_tables).

Consistent while the portal runs: all tables are read from one snapshot (a REPEATABLE
READ transaction on PostgreSQL, an online-backup copy on SQLite), and exactly the blobs
that snapshot refers to are copied. Blobs are content-addressed and never rewritten, so a
blob read after the snapshot is still the one the snapshot names.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from pathlib import Path

from sqlalchemy import Date, DateTime, LargeBinary, Table, Time, create_engine, func, inspect, select, text
from sqlalchemy.engine import Connection

from pan_platform.admin import index_health
from pan_platform.extensions import db
from pan_platform.storage import store
from pan_platform.util import utcnow

FORMAT = "pan-backup"
FORMAT_VERSION = 1


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


# --- values ---------------------------------------------------------------------------

def _dump_value(column, value):
    if value is None:
        return None
    if isinstance(column.type, LargeBinary):
        return base64.b64encode(value).decode()
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return value


def _load_value(column, value):
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, LargeBinary):
        return base64.b64decode(value)
    if isinstance(kind, DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, Time):
        return time.fromisoformat(value)
    return value


def _tables() -> list[Table]:
    return list(db.metadata.sorted_tables)


# --- snapshot -------------------------------------------------------------------------------

@contextmanager
def _snapshot() -> Iterator[Connection]:
    """A connection that sees one consistent state of the database.

    PostgreSQL: one REPEATABLE READ, READ ONLY transaction (writers are never blocked).
    SQLite: the online backup API copies the database into a temporary file page by page
    (restarting if a writer intervenes), holding the read lock only for that copy; all
    tables are then read from the copy while the portal keeps writing to the original.
    """
    if db.engine.dialect.name == "sqlite":
        with tempfile.TemporaryDirectory(prefix="pan-backup-") as tmp:
            copy_path = Path(tmp) / "snapshot.sqlite"
            source = db.engine.raw_connection()
            try:
                target = sqlite3.connect(copy_path)
                source.driver_connection.backup(target)
                target.close()
            finally:
                source.close()
            engine = create_engine(f"sqlite:///{copy_path}")
            try:
                with engine.connect() as conn:
                    yield conn
            finally:
                engine.dispose()
    else:
        options = {"isolation_level": "REPEATABLE READ"}
        if db.engine.dialect.name == "postgresql":
            options["postgresql_readonly"] = True
        with db.engine.connect().execution_options(**options) as conn:
            with conn.begin():
                # PostgreSQL takes the snapshot at the first statement, not at BEGIN.
                conn.execute(select(1))
                yield conn


def _self_referencing(table: Table) -> list[tuple[str, str]]:
    return [(fk.parent.name, fk.column.name) for fk in table.foreign_keys if fk.column.table is table]


def _ordered_rows(table: Table, rows: list[dict]) -> list[dict]:
    """Rows whose foreign key points into the same table (items.parent_id) come after their target."""
    links = _self_referencing(table)
    if not links:
        return rows
    ordered, placed, pending = [], set(), rows
    while pending:
        progress, later = [], []
        for row in pending:
            ready = all(row[col] is None or (target, row[col]) in placed or row[col] == row[target]
                        for col, target in links)
            (progress if ready else later).append(row)
        if not progress:  # a cycle: keep the remaining order, the database will say if it minds
            progress, later = later, []
        for row in progress:
            ordered.append(row)
            placed.update((target, row[target]) for _, target in links)
        pending = later
    return ordered


def _read_tables(conn: Connection) -> dict[str, list[dict]]:
    data = {}
    for table in _tables():
        pk = list(table.primary_key.columns)
        result = conn.execute(select(table).order_by(*pk))
        rows = [{c.name: _dump_value(c, row._mapping[c]) for c in table.columns} for row in result]
        data[table.name] = _ordered_rows(table, rows)
    return data


def _alembic_revision(conn: Connection) -> list[str]:
    if not inspect(conn).has_table("alembic_version"):  # an instance made with create_all
        return []
    return sorted(r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version")))


def _referenced_blobs(data: dict[str, list[dict]]) -> list[str]:
    return sorted({row["sha256"] for row in data.get("file_versions", []) if row.get("sha256")})


# --- backup ----------------------------------------------------------------------------------

def backup(path: Path) -> dict:
    """Write a backup archive to `path` (atomically); returns the manifest."""
    path = Path(path)
    with _snapshot() as conn:
        data = _read_tables(conn)
        revisions = _alembic_revision(conn)
    blobs = _referenced_blobs(data)
    missing = [sha for sha in blobs if not store.exists(sha)]
    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "created_at": utcnow().replace(microsecond=0).isoformat() + "Z",
        "dialect": db.engine.dialect.name,
        "alembic_revisions": revisions,
        "tables": {name: len(rows) for name, rows in data.items()},
        "files": {sha: store.path_for(sha).stat().st_size for sha in blobs if sha not in missing},
        "missing_files": missing,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".backup-", suffix=".tar.gz")
    os.close(fd)
    try:
        with tarfile.open(tmp_name, "w:gz") as tar:
            _add_bytes(tar, "manifest.json", json.dumps(manifest, indent=1).encode())
            for name, rows in data.items():
                _add_bytes(tar, f"tables/{name}.json", json.dumps(rows, ensure_ascii=False).encode())
            for sha in manifest["files"]:
                tar.add(store.path_for(sha), arcname=f"files/{sha[:2]}/{sha}", recursive=False)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return manifest


def _add_bytes(tar: tarfile.TarFile, name: str, payload: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(payload)
    info.mtime = int(datetime.now().timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(payload))


# --- restore ----------------------------------------------------------------------------------

def _non_empty_tables() -> list[str]:
    return [t.name for t in _tables() if db.session.scalar(select(func.count()).select_from(t))]


def _members(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    for member in tar.getmembers():
        # Only plain files with the names we write: no links, no absolute or ../ paths.
        if not member.isfile() or member.name.startswith("/") or ".." in member.name.split("/"):
            raise BackupError(f"unexpected entry in the archive: {member.name!r}")
        yield member


def _read_json(tar: tarfile.TarFile, name: str):
    try:
        handle = tar.extractfile(name)
    except KeyError as error:
        raise BackupError(f"the archive has no {name}") from error
    return json.load(handle)


def restore(path: Path, rebuild_index: bool = True) -> dict:
    """Load a backup into an empty instance (schema created, no rows); returns the manifest."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no such file: {path}")
    occupied = _non_empty_tables()
    if occupied:
        raise BackupError("the database is not empty (tables with rows: " + ", ".join(occupied) + ")")
    db.session.rollback()  # end the session's read before writing on another connection
    with tarfile.open(path, "r:gz") as tar:
        names = {m.name for m in _members(tar)}
        manifest = _read_json(tar, "manifest.json")
        if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
            raise BackupError("not a PAN Platform backup of a known version")
        _restore_files(tar, manifest, names)
        _restore_tables(tar, manifest, names)
    if rebuild_index:
        index_health.rebuild()
    return manifest


def _restore_files(tar: tarfile.TarFile, manifest: dict, names: set[str]) -> None:
    for sha in manifest.get("files", {}):
        arcname = f"files/{sha[:2]}/{sha}"
        if arcname not in names:
            raise BackupError(f"the archive lacks the file {sha}")
        stored, _ = store.put_stream(tar.extractfile(arcname))
        if stored != sha:  # content-addressed: the name is the checksum
            raise BackupError(f"the file {sha} is damaged in the archive")


def _restore_tables(tar: tarfile.TarFile, manifest: dict, names: set[str]) -> None:
    tables = {t.name: t for t in _tables()}
    unknown = set(manifest.get("tables", {})) - set(tables)
    if unknown:
        raise BackupError("the backup holds tables this version does not know: " + ", ".join(sorted(unknown)))
    with db.engine.begin() as conn:
        for table in _tables():
            if f"tables/{table.name}.json" not in names:
                continue  # a table added after the backup was made: stays empty
            rows = _read_json(tar, f"tables/{table.name}.json")
            columns = {c.name: c for c in table.columns}
            batch = [{k: _load_value(columns[k], v) for k, v in row.items() if k in columns} for row in rows]
            for start in range(0, len(batch), 500):
                conn.execute(table.insert(), batch[start:start + 500])
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn)


def _reset_sequences(conn: Connection) -> None:
    """Explicit ids were inserted: move each serial sequence past the highest id."""
    for table in _tables():
        for column in table.primary_key.columns:
            if column.autoincrement is True or (column.autoincrement == "auto" and column.type.python_type is int
                                                and len(table.primary_key.columns) == 1):
                seq = conn.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": column.name})
                if seq:
                    conn.execute(text(f"SELECT setval('{seq}', COALESCE((SELECT MAX({column.name}) FROM "
                                      f'"{table.name}"), 0) + 1, false)'))


def digest_of_tables() -> dict[str, str]:
    """A SHA-256 per table over its rows as a backup writes them (to compare two instances)."""
    with db.engine.connect() as conn:
        data = _read_tables(conn)
    return {name: hashlib.sha256(json.dumps(rows, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
            for name, rows in data.items()}
