"""What runs after a save: the one place that hooks into the database session.

Operations only change rows and commit. Everything derived from those rows is kept up
to date here, for every session and every commit, so no operation can forget it. The
feature packages expose plain functions; this module alone registers SQLAlchemy events.

The order, and why:

Before each flush (`BEFORE_FLUSH`)
  1. reader labels: note changed items   access/readers.py
     Must run first: only now do session.new/dirty/deleted show what the operation did.
  2. item history: note old -> new        history/changes.py
     Before the flush: only now does each attribute still hold its old value.

During each flush, as each `item_readers` row is written (`READER_ROW_ADDED`/`_REMOVED`)
  3. OAI tombstones                       api/models.py
     A removed `public` label is exactly "no longer public"; the tombstone is written in
     the same transaction as the label, so a harvester never misses a withdrawal.

After each flush, while session.new/dirty/deleted still list what it wrote (`AFTER_FLUSH`)
  4. search: note changed item ids        search/handlers.py
     Sees every flushed object, including the reader rows written by step 6 of the
     previous round, so a label change alone re-indexes its item.
  5. cached counts: note a change         catalogue/counts.py
     Items, areas, languages, reader rows, shares, agreements or organisations written.

After each flush, in its final state (`AFTER_FLUSH_POSTEXEC`)
  6. reader labels: refresh noted items   access/readers.py
     New items have ids only now. Rows written here go out with the next flush: a
     commit flushes until the session is clean, so they commit with the operation.

Before the commit (`BEFORE_COMMIT`)
  7. item history: write the entries      history/changes.py
     Flushes first, so every change of the unit of work is noted; by now the operation
     has recorded its audit event, which names the acting user. The entries commit with
     the change (the commit's own flush writes them), or not at all.

After the commit (`AFTER_COMMIT`)
  8. item history: forget what it noted     history/changes.py
  9. reader labels: drop cached agreements  access/readers.py
  10. cached counts: bump the generation    catalogue/counts.py
     Right after the commit (cheap), so every worker's next request counts afresh.
  11. file clean-up: new blobs are in use   storage/files.py
  12. queue text extraction                 storage/extract.py
     Before the index: queueing is instant, and the extraction's own commit re-indexes
     the item with its text.
  13. queue previews                        storage/previews.py
     After step 12: the same thread makes them, after the text (search needs it first).
  14. delete images of deleted versions     storage/previews.py
     Only now: a rolled-back deletion keeps its images.
  15. update the search index               search/handlers.py
     Last: the slowest step, and only committed rows may reach the index. A failure is
     logged and queued for retry; it never undoes the commit.

As each `file_versions` row is deleted (`FILE_VERSION_REMOVED`)
  -  previews: note the version            storage/previews.py   (for step 14)

After a rollback (`AFTER_ROLLBACK`): every step drops what it noted, so nothing of a
failed transaction is refreshed, extracted, previewed, indexed or kept in an item's history.

A later feature plugs in by adding a `Step` to the list of the moment it needs, at the
place its order requires, and a line to the list above. Scheduled work (sweeps,
merges) lives in `pan_platform/scheduler.py`, not here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.orm import Session

from pan_platform.access import readers
from pan_platform.api import models as api_models
from pan_platform.catalogue import counts
from pan_platform.history import changes as history
from pan_platform.search import handlers as search_handlers
from pan_platform.sharing.models import ItemReader
from pan_platform.storage import extract, files, previews
from pan_platform.storage.models import FileVersion


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable  # (session) for session steps; (connection, row) for row steps


BEFORE_FLUSH: list[Step] = [
    Step("readers.collect", readers.collect_changed),
    Step("history.collect", history.collect_changes),
]
READER_ROW_ADDED: list[Step] = [
    Step("oai.public_row_added", api_models.public_row_added),
]
READER_ROW_REMOVED: list[Step] = [
    Step("oai.public_row_removed", api_models.public_row_removed),
]
FILE_VERSION_REMOVED: list[Step] = [
    Step("previews.note_removed_version", previews.note_removed_version),
]
AFTER_FLUSH: list[Step] = [
    Step("search.collect", search_handlers.collect_changes),
    Step("counts.note", counts.note_changes),
]
AFTER_FLUSH_POSTEXEC: list[Step] = [
    Step("readers.refresh", readers.refresh_collected),
]
BEFORE_COMMIT: list[Step] = [
    Step("history.write", history.write_entries),
]
AFTER_COMMIT: list[Step] = [
    Step("history.forget", history.forget),
    Step("readers.forget_agreements", readers.forget_agreements),
    Step("counts.bump", counts.bump_after_commit),
    Step("files.forget_committed_blobs", files.forget_committed_blobs),
    Step("extract.queue", extract.queue_after_commit),
    Step("previews.queue", previews.queue_after_commit),
    Step("previews.remove_images", previews.remove_images_after_commit),
    Step("search.update", search_handlers.update_after_commit),
]
AFTER_ROLLBACK: list[Step] = [
    Step("readers.forget", readers.forget_collected),
    Step("extract.forget", extract.forget_requests),
    Step("previews.forget", previews.forget_requests),
    Step("search.forget", search_handlers.forget_changes),
    Step("history.forget", history.forget),
    Step("counts.forget", counts.forget_changes),
]


# The listeners read the lists when they run, so a step added later takes part.
def _before_flush(session: Session, flush_context, instances) -> None:
    for step in BEFORE_FLUSH:
        step.run(session)


def _after_flush(session: Session, flush_context) -> None:
    for step in AFTER_FLUSH:
        step.run(session)


def _after_flush_postexec(session: Session, flush_context) -> None:
    for step in AFTER_FLUSH_POSTEXEC:
        step.run(session)


def _before_commit(session: Session) -> None:
    for step in BEFORE_COMMIT:
        step.run(session)


def _after_commit(session: Session) -> None:
    for step in AFTER_COMMIT:
        step.run(session)


def _after_rollback(session: Session) -> None:
    for step in AFTER_ROLLBACK:
        step.run(session)


def _reader_row_added(mapper, connection, row: ItemReader) -> None:
    for step in READER_ROW_ADDED:
        step.run(connection, row)


def _reader_row_removed(mapper, connection, row: ItemReader) -> None:
    for step in READER_ROW_REMOVED:
        step.run(connection, row)


def _file_version_removed(mapper, connection, row: FileVersion) -> None:
    for step in FILE_VERSION_REMOVED:
        step.run(connection, row)


_LISTENERS = (
    (Session, "before_flush", _before_flush),
    (Session, "after_flush", _after_flush),
    (Session, "after_flush_postexec", _after_flush_postexec),
    (Session, "before_commit", _before_commit),
    (Session, "after_commit", _after_commit),
    (Session, "after_rollback", _after_rollback),
    (ItemReader, "after_insert", _reader_row_added),
    (ItemReader, "after_delete", _reader_row_removed),
    (FileVersion, "after_delete", _file_version_removed),
)


def install() -> None:
    """Register the listeners once per process (the app factory calls this)."""
    for target, name, listener in _LISTENERS:
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)


install()  # importing the pipeline is enough: no session can run without it
