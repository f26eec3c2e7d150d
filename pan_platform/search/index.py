"""The index on disk: open, write under a cross-process lock, rebuild aside and swap.

Layout next to the configured index path `<dir>`:
- `<dir>` is a symlink to the live generation `<dir>.gen-<stamp>`; a rebuild writes a
  new generation and swaps the symlink atomically (`os.replace`), so searches never see
  a half-built index and a failed rebuild leaves the live one untouched;
- `<dir>.lock` serialises writers of all processes (fcntl: the OS drops the lock of a
  killed process, so a stale lock never blocks indexing);
- `<dir>.queue` holds ids whose index write failed or happened during a rebuild; they
  are re-indexed by the next write, `pan check-index` or the end of the rebuild.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.writing import LockError

from pan_platform.search import bulk
from pan_platform.search.schema import build_schema

log = logging.getLogger(__name__)

LOCK_TIMEOUT = 30.0  # seconds a writer waits for another writer before queueing its ids
# Segment files stay separate: Whoosh reads a sub-file of a compound segment by copying
# it into memory whole (BytesIO over the mapped file), which made a serving process at
# 50,000 materials hold its posting lists twice, ~700 MB. Separate files are read as needed.
COMPOUND = False
_local = threading.local()


class IndexBusy(Exception):
    """Another process held the writer lock for longer than the timeout."""


def _sibling(base: Path, suffix: str) -> Path:
    return base.with_name(base.name + suffix)


@contextmanager
def writer_lock(base: Path, timeout: float = LOCK_TIMEOUT):
    """Exclusive across processes and threads (flock is per open file description)."""
    base.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(_sibling(base, ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusy(str(base)) from None
                time.sleep(0.02)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


# -- pending ids --------------------------------------------------------------------


@contextmanager
def _queue_file(base: Path):
    base.parent.mkdir(parents=True, exist_ok=True)
    with open(_sibling(base, ".queue"), "a+", encoding="ascii") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield fh
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def enqueue(base: Path, ids: Iterable[int]) -> None:
    lines = "".join(f"{int(i)}\n" for i in ids)
    if lines:
        with _queue_file(base) as fh:
            fh.write(lines)


def take_queue(base: Path) -> set[int]:
    """Pending ids, removed from the queue (the caller indexes or re-queues them)."""
    with _queue_file(base) as fh:
        fh.seek(0)
        ids = {int(line) for line in fh.read().split() if line.isdigit()}
        fh.seek(0)
        fh.truncate()
    return ids


def pending(base: Path) -> set[int]:
    with _queue_file(base) as fh:
        fh.seek(0)
        return {int(line) for line in fh.read().split() if line.isdigit()}


# -- generations ----------------------------------------------------------------------


def live_dir(base: Path) -> Path | None:
    """The directory holding the live index, or None before the first build."""
    if base.exists() and whoosh_index.exists_in(str(base)):
        return Path(os.path.realpath(base))
    return None


def _new_generation(base: Path) -> Path:
    path = _sibling(base, f".gen-{time.strftime('%Y%m%d%H%M%S')}-{os.getpid()}-{time.monotonic_ns()}")
    path.mkdir(parents=True)
    return path


def _swap(base: Path, new_dir: Path) -> None:
    """Point `base` at `new_dir` atomically, then remove older generations."""
    if base.exists() and not base.is_symlink():  # an index directory from before generations
        os.rename(base, _sibling(base, f".gen-legacy-{time.monotonic_ns()}"))
    tmp = _sibling(base, f".swap-{os.getpid()}")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(new_dir.name, tmp)
    os.replace(tmp, base)
    for old in base.parent.glob(base.name + ".gen-*"):
        if old.resolve() != new_dir.resolve():
            # Other processes may still read the old files: POSIX keeps them until closed.
            shutil.rmtree(old, ignore_errors=True)


def create_empty(base: Path) -> None:
    with writer_lock(base):
        if live_dir(base) is None:
            new_dir = _new_generation(base)
            whoosh_index.create_in(str(new_dir), build_schema())
            _swap(base, new_dir)


def open_index(base: Path):
    if live_dir(base) is None:
        create_empty(base)
    return whoosh_index.open_dir(str(base))


# -- writing ----------------------------------------------------------------------------


def write(base: Path, documents: list[dict], delete_ids: Iterable[int] = ()) -> None:
    """Replace `documents` (by id) and delete `delete_ids`, in one commit, under the lock."""
    from pan_platform.search import merging  # it builds on this module

    with writer_lock(base):
        ix = open_index(base)
        try:
            writer = ix.writer(timeout=5.0, compound=COMPOUND)
        except LockError as error:  # only if something bypassed our lock
            raise IndexBusy(str(base)) from error
        try:
            for item_id in delete_ids:
                writer.delete_by_term("id", str(item_id))
            for doc in documents:
                writer.update_document(**doc)
        except BaseException:
            writer.cancel()
            raise
        # No merge here: a save must be visible at once. Full tiers of small segments
        # are merged by a background thread, outside this lock (merging.py).
        writer.commit(merge=False)
        if merging.due(ix._read_toc().segments):
            merging.start(base)
        if rebuild_running(base):
            # A rebuild is reading the database right now and may have read the old
            # state: replay these ids into the new index after its swap.
            enqueue(base, [int(d["id"]) for d in documents] + [int(i) for i in delete_ids])


def rebuild_running(base: Path) -> bool:
    """True while a rebuild process is alive; a marker left by a killed one is removed."""
    marker = _sibling(base, ".rebuilding")
    try:
        pid = int(marker.read_text().strip())
    except (FileNotFoundError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        marker.unlink(missing_ok=True)
        return False
    except PermissionError:
        pass
    return True


def rebuild(
    base: Path,
    documents: Iterable[dict],
    procs: int = 1,
    after_swap: Callable[[], None] | None = None,
    expected: int | None = None,
) -> int:
    """Build a complete index aside from `documents` (about `expected` of them, when
    known), then swap it in. Returns the count."""
    marker = _sibling(base, ".rebuilding")
    base.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(str(os.getpid()))
    new_dir = _new_generation(base)
    count = 0
    try:
        whoosh_index.create_in(str(new_dir), build_schema())
        count = bulk.build_segments(new_dir, documents, procs=procs, chunk_docs=bulk.chunk_size(expected, procs))
        # Never swap in a short index, whatever went wrong in a worker.
        indexed = whoosh_index.open_dir(str(new_dir)).doc_count()
        if indexed != count:
            raise RuntimeError(f"rebuild wrote {indexed} of {count} documents; the live index is unchanged")
        with writer_lock(base):
            _swap(base, new_dir)
            marker.unlink(missing_ok=True)
    except BaseException:
        marker.unlink(missing_ok=True)
        shutil.rmtree(new_dir, ignore_errors=True)
        raise
    if after_swap is not None:
        after_swap()
    reset_searchers()
    return count


# -- reading --------------------------------------------------------------------------


class _ThreadSearchers(dict):
    """One thread's searchers by index path. A threaded server ends a thread per request:
    its searchers close with it, rather than leaving their files open for the collector."""

    def __del__(self) -> None:
        for _path, current in self.values():
            current.close()


def searcher(base: Path):
    """A per-thread searcher, refreshed when the index changed or was swapped."""
    cache = getattr(_local, "searchers", None)
    if cache is None:
        cache = _local.searchers = _ThreadSearchers()
    key = str(base)
    real = os.path.realpath(base) if base.exists() else None
    entry = cache.get(key)
    if entry is not None:
        path, current = entry
        if path == real and current.up_to_date():
            return current
        # Not Searcher.refresh(): it reuses segment readers by segment id, and a segment
        # whose deletions changed keeps its id, so replaced documents would reappear.
        current.close()
    current = open_index(base).searcher()
    cache[key] = (os.path.realpath(base), current)
    return current


def reset_searchers() -> None:
    cache = getattr(_local, "searchers", None) or {}
    for _path, current in cache.values():
        current.close()
    cache.clear()
