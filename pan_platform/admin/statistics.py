"""The query planner's statistics of the database.

SQLite chooses an index without knowing how many rows a condition keeps unless ANALYZE
has written its statistics (`sqlite_stat1`). Without them it took `state = 'published'`
for a selective condition: the newest readable items (home page) and a catalogue page
then read every published item and sorted them (10,000 materials: 9-12 ms a query),
where with statistics it walks the publication-date index and stops after one page
(0.2 ms). ANALYZE reads each index once; it runs after `pan reindex` in `make run` and
`make serve`, and every PAN_ANALYZE_SECONDS as a scheduled job, so statistics follow a
growing catalogue. PostgreSQL keeps its own statistics (autovacuum): nothing is done there.
"""

from __future__ import annotations

from pan_platform.extensions import db


def refresh() -> bool:
    """ANALYZE on SQLite; True when it ran."""
    if db.engine.dialect.name != "sqlite":
        return False
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    return True
