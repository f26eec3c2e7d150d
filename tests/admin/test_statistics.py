"""The query planner's statistics (admin/statistics.py): `pan analyze` and its job.

On SQLite, without statistics the planner reads every published item to find the newest
few; with them it walks the publication-date index. On PostgreSQL nothing is done.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import sqlite

from pan_platform.catalogue.models import Item
from pan_platform.catalogue.queries import published_readable
from pan_platform.extensions import db
from tests.conftest import ON_POSTGRES
from tests.factories import make_item, make_org


def _plan_of_newest_items() -> str:
    stmt = published_readable(None).order_by(Item.published_at.desc(), Item.id.desc()).limit(6)
    sql = str(stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    return " / ".join(row[-1] for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql)))


def test_pan_analyze_lets_sqlite_find_the_newest_items_by_their_index(app):
    academy = make_org("academy")
    for number in range(40):
        make_item(academy, visibility="public", title=f"Material {number}")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["pan", "analyze"])
    assert result.exit_code == 0, result.output
    if ON_POSTGRES:
        assert "Nothing to do" in result.output
        return
    assert "statistics refreshed" in result.output
    assert db.session.scalar(text("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'items'")) > 0
    plan = _plan_of_newest_items()
    assert "ix_items_published_at" in plan and "TEMP B-TREE" not in plan, plan


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite's planner only: PostgreSQL keeps its own statistics")
def test_without_statistics_sqlite_sorts_every_published_item(app):
    """What the job prevents (and what makes the test above able to fail)."""
    make_item(make_org("academy"), visibility="public")
    db.session.commit()
    assert "TEMP B-TREE" in _plan_of_newest_items()
