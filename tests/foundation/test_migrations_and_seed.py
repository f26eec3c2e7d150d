"""Migrations run both ways and match the models; the demo catalogue loads twice without change."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, func, inspect, select, text

from config import BASE_DIR
from pan_platform.access import can
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.organisations.models import Country, Organisation
from pan_platform.seeding import seed_all
from tests.conftest import ON_POSTGRES, PG_URL, make_app


@pytest.fixture
def empty_database_url(tmp_path):
    """A database with no tables: a new SQLite file, or a new PostgreSQL database."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    name = f"pan_migrations_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_matches_models_and_downgrades_to_nothing(tmp_path, empty_database_url):
    app = make_app(tmp_path, SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade(directory=str(BASE_DIR / "migrations"))
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(directory=str(BASE_DIR / "migrations"), revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_demo_catalogue_loads_idempotently(app):
    seed_dir = Path(BASE_DIR / "seed_data")
    first = seed_all(seed_dir)
    assert first["countries"] == 68
    assert first["items"] >= 60
    assert first["events"] >= 20
    assert first["collections"] >= 4 and first["saved_searches"] >= 4
    second = seed_all(seed_dir)
    assert first["experts"] >= 25
    assert first["adaptations"] > 0 and first["usage"] > 0
    assert second == {"countries": 0, "organisations": 0, "users": 0, "items": 0, "events": 0, "country_profiles": 0,
                      "experts": 0, "collections": 0, "saved_searches": 0, "adaptations": 0, "usage": 0}
    participating = db.session.scalar(select(func.count()).where(Country.kind == "participating"))
    assert participating == 57
    academies = db.session.scalars(select(Organisation).where(Organisation.kind == "academy")).all()
    assert len(academies) >= 30 and len({a.country_code for a in academies}) >= 20
    items = db.session.scalars(select(Item)).all()
    assert len({i.language for i in items}) >= 5
    assert {c for i in items for c in i.area_codes} >= {
        "police-reform", "organized-crime", "terrorism", "illicit-drugs", "human-trafficking",
        "cybercrime", "state-cooperation", "partner-cooperation",
    }
    assert sum(1 for i in items if i.file_versions) >= 6
    # Anonymous visitors see some but not all of it.
    readable = [i for i in items if can(None, "read", i)]
    assert 0 < len(readable) < len(items)


def test_cli_create_user_and_token(app):
    from pan_platform.accounts.models import ApiToken, User

    seed_all(Path(BASE_DIR / "seed_data"))
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["pan", "create-user", "--email", "New.Trainer@Example.org", "--org", "academy-austria",
              "--role", "trainer", "--password", "a long enough passphrase"]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "new.trainer@example.org"))
    assert user is not None and user.check_password("a long enough passphrase")
    result = runner.invoke(args=["pan", "create-token", "--email", "new.trainer@example.org"])
    assert result.exit_code == 0
    clear = result.output.strip()
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert clear.startswith("pan_") and token.token_hash == ApiToken.hash_token(clear) and clear not in token.token_hash
    bad = runner.invoke(args=["pan", "create-user", "--email", "x@example.org", "--org", "nowhere", "--password", "p" * 20])
    assert bad.exit_code != 0 and "nowhere" in bad.output
