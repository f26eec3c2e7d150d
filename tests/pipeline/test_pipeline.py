"""The pipeline runs its steps in the written order, and it alone hooks into the session."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from pan_platform import pipeline, search
from pan_platform.api.models import OaiTombstone
from pan_platform.extensions import db
from pan_platform.history.models import ItemChange
from pan_platform.sharing.models import ItemReader
from tests.factories import make_item, make_org

PACKAGE = Path(pipeline.__file__).resolve().parent
PHASES = ("BEFORE_FLUSH", "READER_ROW_ADDED", "READER_ROW_REMOVED", "FILE_VERSION_REMOVED", "AFTER_FLUSH",
          "AFTER_FLUSH_POSTEXEC", "BEFORE_COMMIT", "AFTER_COMMIT", "AFTER_ROLLBACK")


@pytest.fixture
def recorded(monkeypatch) -> list[str]:
    """Every step still runs; its phase and name are appended here first."""
    seen: list[str] = []

    def wrap(phase: str, step: pipeline.Step) -> pipeline.Step:
        def run(*args):
            seen.append(f"{phase}:{step.name}")
            return step.run(*args)

        return pipeline.Step(step.name, run)

    for phase in PHASES:
        monkeypatch.setattr(pipeline, phase, [wrap(phase, s) for s in getattr(pipeline, phase)])
    return seen


def test_one_commit_runs_the_steps_in_the_written_order(app, recorded):
    item = make_item(make_org("academy"), title="Checkpoint drills", visibility="private")
    db.session.commit()
    recorded.clear()

    item.visibility = "public"
    db.session.commit()

    assert recorded == [
        # the history flushes before the commit, to note every change
        "BEFORE_COMMIT:history.write",
        # first flush: the item; its labels are refreshed once it is written
        "BEFORE_FLUSH:readers.collect",
        "BEFORE_FLUSH:history.collect",
        "AFTER_FLUSH:search.collect",
        "AFTER_FLUSH:counts.note",
        "AFTER_FLUSH_POSTEXEC:readers.refresh",
        # second flush of the same commit: the new `public` label row and the history entry
        "BEFORE_FLUSH:readers.collect",
        "BEFORE_FLUSH:history.collect",
        "READER_ROW_ADDED:oai.public_row_added",
        "AFTER_FLUSH:search.collect",
        "AFTER_FLUSH:counts.note",
        "AFTER_FLUSH_POSTEXEC:readers.refresh",
        "AFTER_COMMIT:history.forget",
        "AFTER_COMMIT:readers.forget_agreements",
        "AFTER_COMMIT:counts.bump",
        "AFTER_COMMIT:files.forget_committed_blobs",
        "AFTER_COMMIT:extract.queue",
        "AFTER_COMMIT:previews.queue",
        "AFTER_COMMIT:previews.remove_images",
        "AFTER_COMMIT:search.update",
    ]
    # ...and each did its work.
    assert "public" in {row.principal for row in db.session.query(ItemReader).filter_by(item_id=item.id)}
    assert search.search(None, "checkpoint").ids == [item.id]
    entry = db.session.scalars(select(ItemChange).where(ItemChange.item_id == item.id).order_by(ItemChange.id)).all()[-1]
    assert entry.changes == [{"field": "visibility", "old": "private", "new": "public"}]


def test_withdrawal_writes_its_tombstone_in_the_same_flush(app, recorded):
    item = make_item(make_org("academy"), title="Roadblock drills")
    db.session.commit()
    recorded.clear()

    item.visibility = "private"
    db.session.commit()

    assert "READER_ROW_REMOVED:oai.public_row_removed" in recorded
    assert recorded.index("READER_ROW_REMOVED:oai.public_row_removed") < recorded.index("AFTER_COMMIT:search.update")
    assert db.session.get(OaiTombstone, item.id) is not None
    assert search.search(None, "roadblock").ids == []


def test_a_rollback_runs_only_the_rollback_steps(app, recorded):
    item = make_item(make_org("academy"), title="Evidence drills")
    db.session.commit()
    item.title = "Renamed drills"
    db.session.flush()
    recorded.clear()

    db.session.rollback()

    assert recorded == ["AFTER_ROLLBACK:readers.forget", "AFTER_ROLLBACK:extract.forget",
                        "AFTER_ROLLBACK:previews.forget", "AFTER_ROLLBACK:search.forget",
                        "AFTER_ROLLBACK:history.forget", "AFTER_ROLLBACK:counts.forget"]
    assert search.search(None, "renamed").ids == []


def test_a_step_added_to_a_list_takes_part(app, monkeypatch):
    calls = []
    extra = pipeline.Step("later.feature", lambda session: calls.append(session))
    monkeypatch.setattr(pipeline, "AFTER_COMMIT", [*pipeline.AFTER_COMMIT, extra])
    make_item(make_org("academy"))
    db.session.commit()
    assert calls == [db.session()]


def test_only_the_pipeline_registers_session_events():
    """After-save work has one home. The one other hook allowed sets up each new database
    connection (extensions.py: SQLite's journal mode), which no save goes through."""
    hooks = re.compile(r"listens_for|event\.listen\b")
    connection_setup = re.compile(r'@event\.listens_for\(Engine, "connect"\)')
    found = sorted(
        str(path.relative_to(PACKAGE)) for path in PACKAGE.rglob("*.py")
        if hooks.search(connection_setup.sub("", path.read_text()))
    )
    assert found == ["pipeline.py"]
