"""Merging small segments in the background, without holding up writers.

Every save writes a small segment (index.write commits without merging: it must be
visible within moments). Segments are grouped in tiers of similar size, powers of
MERGE_FACTOR documents; when a tier holds MERGE_FACTOR segments, a background thread
merges them into one segment of the next tier, so each document is rewritten about
log4(n) times over its life and the count of segments stays small.

A merge of a few thousand documents takes a minute in Python, so it must not hold the
writer lock: the merged segment is built aside, in a temporary folder, from the
immutable source segments. Then, under the writer lock and in moments, documents deleted
from the sources meanwhile (removed or re-indexed items) are deleted from the merged
segment too, its files move into the index folder, and a new table of contents replaces
the sources with it. If the sources changed otherwise (a rebuild swapped the index),
the merge is dropped. One merge runs at a time across processes (a second flock).

Segments of MAX_MERGE_DOCS documents or more (a rebuild writes up to 12,500 per segment)
are never merged here; `pan reindex` compacts them.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import TOC
from whoosh.reading import SegmentReader

from pan_platform.search import index as _index
from pan_platform.search import integrity, whoosh_internals
from pan_platform.search.whoosh_internals import BulkSegmentWriter

log = logging.getLogger(__name__)

MERGE_FACTOR = 4
MAX_MERGE_DOCS = 5_000
_thread_lock = threading.Lock()
_thread: threading.Thread | None = None


def _tier(doc_count: int) -> int:
    tier, size = 0, MERGE_FACTOR
    while doc_count >= size:
        tier, size = tier + 1, size * MERGE_FACTOR
    return tier


def due(segments: list) -> list:
    """The segments of the smallest full tier (at most MAX_MERGE_DOCS documents), or []."""
    tiers: dict[int, list] = {}
    for segment in segments:
        if segment.doc_count_all() < MAX_MERGE_DOCS:
            tiers.setdefault(_tier(segment.doc_count_all()), []).append(segment)
    for tier in sorted(tiers):
        chosen, total = [], 0
        for segment in sorted(tiers[tier], key=lambda s: s.doc_count_all()):
            if total + segment.doc_count_all() <= MAX_MERGE_DOCS:
                chosen.append(segment)
                total += segment.doc_count_all()
        if len(tiers[tier]) >= MERGE_FACTOR and len(chosen) >= 2:
            return chosen
    return []


@contextmanager
def _merge_lock(base: Path):
    """Yields True when this process may merge now (no other merge runs anywhere)."""
    fd = os.open(base.with_name(base.name + ".merge-lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _build(ix, sources: list, workdir: Path):
    """The merged segment, written in `workdir`, and the (source segment id, document
    number) each of its documents was copied from."""
    scratch = whoosh_index.create_in(str(workdir), ix.schema, indexname=ix.indexname)
    writer = BulkSegmentWriter(scratch)
    origin: list[tuple[str, int]] = []
    try:
        for segment in sources:
            reader = SegmentReader(ix.storage, ix.schema, segment)
            try:
                # add_reader copies the live documents in document-number order.
                deleted = set(segment.deleted_docs())
                origin += [(segment.segment_id(), d) for d in range(segment.doc_count_all()) if d not in deleted]
                writer.add_reader(reader)
            finally:
                reader.close()
    except BaseException:
        writer.cancel()
        raise
    if not writer.doc_count():  # every source document was removed: the sources just go
        writer.cancel()
        return None, origin
    return whoosh_internals.finish_segment(writer), origin


def merge_once(base: Path) -> bool:
    """Merge one full tier of small segments. False when nothing was due, another merge
    runs, or the index changed under the merge (it is then dropped)."""
    with _merge_lock(base) as allowed:
        if not allowed:
            return False
        for stale in base.parent.glob(base.name + ".merge-*"):  # left by a killed merge
            shutil.rmtree(stale, ignore_errors=True)
        live = _index.live_dir(base)
        if live is None:
            return False
        ix = whoosh_index.open_dir(str(live))
        sources = due(whoosh_internals.read_toc(ix).segments)
        if not sources:
            return False
        workdir = Path(tempfile.mkdtemp(prefix=base.name + ".merge-", dir=base.parent))
        try:
            merged, origin = _build(ix, sources, workdir)
            if merged is not None:
                integrity.seal(workdir, merged)  # checksums outside the writer lock
            return _install(base, live, sources, merged, origin, workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


def _install(base: Path, live: Path, sources: list, merged, origin, workdir: Path) -> bool:
    with _index.writer_lock(base):
        if _index.live_dir(base) != live:
            return False  # a rebuild swapped the index in the meantime
        ix = whoosh_index.open_dir(str(live))
        toc = whoosh_internals.read_toc(ix)
        current = {s.segment_id(): s for s in toc.segments}
        source_ids = {s.segment_id() for s in sources}
        if not source_ids <= set(current):
            return False
        segments = [s for s in toc.segments if s.segment_id() not in source_ids]
        if merged is not None:
            for docnum, (segment_id, source_docnum) in enumerate(origin):
                if current[segment_id].is_deleted(source_docnum):  # removed or re-indexed meanwhile
                    merged.delete_document(docnum)
            for path in workdir.glob(f"{ix.indexname}_{merged.segid}*"):
                os.replace(path, live / path.name)
            segments.append(merged)
        # Source segments stay on disk for readers that opened them (index.commit_toc).
        _index.commit_toc(ix.storage, ix.indexname, TOC(toc.schema, segments, toc.generation + 1))
    return True


def merge_until_done(base: Path) -> None:
    try:
        while merge_once(base):
            pass
    except Exception:
        log.exception("merging index segments failed; the index is unchanged")


def after_write(base: Path, segments: list) -> None:
    """After a save's commit (index.write/update return its segments): merge a full tier
    in the background, so the save itself never waits for a merge."""
    if due(segments):
        start(base)


def start(base: Path) -> None:
    """Merge in a background thread of this process, unless one is already at it."""
    global _thread
    with _thread_lock:
        if _thread is not None and _thread.is_alive():
            return
        _thread = threading.Thread(target=merge_until_done, args=(base,), name="search-merge", daemon=True)
        _thread.start()


def wait() -> None:
    """Wait for this process's background merge (tests, scripts that exit)."""
    thread = _thread
    if thread is not None:
        thread.join()
