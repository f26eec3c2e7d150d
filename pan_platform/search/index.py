"""The index on disk: open, write under a cross-process lock, rebuild aside and swap.

Layout next to the configured index path `<dir>`:
- `<dir>` is a symlink to the live generation `<dir>.gen-<stamp>`; a rebuild writes a
  new generation and swaps the symlink atomically (`os.replace`), so searches never see
  a half-built index and a failed rebuild leaves the live one untouched;
- `<dir>.lock` serialises writers of all processes (fcntl: the OS drops the lock of a
  killed process, so a stale lock never blocks indexing);
- `<dir>.queue` holds ids whose index write failed or happened during a rebuild; they
  are re-indexed by the next write, `pan check-index` or the end of the rebuild. It is
  appended to and fsynced, and ids leave it only after a write that included them.
  Every save queues its ids and the lock holder writes the queue; `<dir>.writer` says
  whether the holder is a save's writer that will read the queue again (see update());
- files a commit or merge no longer needs (old tables of contents, merged segments) and
  replaced generations stay a grace period before they are deleted: a reader that opened
  a generation just before the change keeps reading it (Whoosh opens some segment files
  lazily, and a vanished column file reads as "no column", i.e. silently wrong results).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack, contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.writing import LockError

from pan_platform.search import bulk, integrity, whoosh_internals
from pan_platform.search.schema import build_schema, mark_version

log = logging.getLogger(__name__)

LOCK_TIMEOUT = 30.0  # seconds a writer waits for another writer before queueing its ids
# Segment files stay separate: Whoosh reads a sub-file of a compound segment by copying
# it into memory whole (BytesIO over the mapped file), which made a serving process at
# 50,000 materials hold its posting lists twice, ~700 MB. Separate files are read as needed.
COMPOUND = False
# How long unused index files stay on disk for readers that opened the generation they
# belong to just before a commit or merge replaced it. A searcher serves one request and
# is reopened when the index changed; a search takes milliseconds, and one that still
# meets a vanished file is retried once (search()). Kept short: every file counts in the
# directory listings Whoosh makes on each open, and saves may come many a second.
GRACE_SECONDS = 10.0
# A replaced generation (after `pan reindex`) is one directory: it may stay longer.
GENERATION_GRACE_SECONDS = 120.0
RETIRED_FILE = ".retired.json"  # in a generation: unused file -> when it became unused
RETIRED_MARK = ".retired-at"  # in a replaced generation: when it was replaced
# Writes a save's writer makes for the ids other saves handed over while it held the lock,
# before it lets them wait for the lock instead (so no save waits on others for long).
HANDOVER_ROUNDS = 4
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
    pause = 0.001  # short at first: a save holds the lock for some tens of milliseconds
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexBusy(str(base)) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.02)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


# -- pending ids --------------------------------------------------------------------


@contextmanager
def _queue_lock(base: Path):
    """The queue file is replaced atomically, so it is locked through a file of its own."""
    base.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(_sibling(base, ".queue.lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield _sibling(base, ".queue")
    finally:
        os.close(fd)


def _read_queue(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii")
    except FileNotFoundError:
        return ""


def _parse_ids(text: str) -> set[int]:
    return {int(line) for line in text.split() if line.isdigit()}


def enqueue(base: Path, ids: Iterable[int]) -> None:
    """Append ids for a later write; on disk (fsynced) before this returns."""
    lines = "".join(f"{int(i)}\n" for i in ids)
    if lines:
        with _queue_lock(base) as path, open(path, "a", encoding="ascii") as fh:
            fh.write(lines)
            fh.flush()
            os.fsync(fh.fileno())


def queued(base: Path) -> tuple[set[int], int]:
    """Pending ids and the queue's length now: pass it to `drop_queued` once written."""
    with _queue_lock(base) as path:
        text = _read_queue(path)
    return _parse_ids(text), len(text)


def drop_queued(base: Path, length: int) -> None:
    """Remove the first `length` characters (what `queued` returned); ids queued since
    stay. Only writers holding the writer lock call this, so prefixes never overlap."""
    if not length:
        return
    with _queue_lock(base) as path:
        rest = _read_queue(path)[length:]
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w", encoding="ascii") as fh:
            fh.write(rest)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)


def take_queue(base: Path) -> set[int]:
    """Pending ids, removed from the queue (the caller indexes or re-queues them)."""
    ids, length = queued(base)
    drop_queued(base, length)
    return ids


def pending(base: Path) -> set[int]:
    return queued(base)[0]


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
    remove_retired_generations(base)


def remove_retired_generations(base: Path) -> None:
    """Mark replaced generations; delete those replaced GENERATION_GRACE_SECONDS ago
    (readers that resolved the old link keep reading until then)."""
    live = os.path.realpath(base) if base.exists() else None
    now = time.time()
    for old in base.parent.glob(base.name + ".gen-*"):
        if str(old.resolve()) == live:
            continue
        mark = old / RETIRED_MARK
        try:
            since = float(mark.read_text())
        except (FileNotFoundError, ValueError):
            since = now
            try:
                mark.write_text(repr(now))
            except OSError:
                continue
        if now - since >= GENERATION_GRACE_SECONDS:
            shutil.rmtree(old, ignore_errors=True)


def create_empty(base: Path) -> None:
    with writer_lock(base):
        _create_empty_locked(base)


def _create_empty_locked(base: Path) -> None:
    if live_dir(base) is None:
        new_dir = _new_generation(base)
        whoosh_index.create_in(str(new_dir), build_schema())
        mark_version(new_dir)
        _swap(base, new_dir)


def open_index(base: Path):
    """The live generation, opened by its real path: a reader keeps reading the generation
    it opened even after a rebuild swaps the link (its files stay GRACE_SECONDS)."""
    if live_dir(base) is None:
        create_empty(base)
    return whoosh_index.open_dir(os.path.realpath(base))


# -- writing ----------------------------------------------------------------------------


def commit_toc(storage, indexname: str, toc) -> None:
    """Make `toc` the index's content (under the writer lock): checksums of its new
    segments first, then the table of contents, then unused files are retired."""
    folder = Path(storage.folder)
    for segment in toc.segments:
        integrity.seal(folder, segment)
    toc.write(storage, indexname)
    retire_unused_files(folder, indexname, toc)


def retire_unused_files(folder: Path, indexname: str, toc) -> None:
    """Delete files unused by `toc` for GRACE_SECONDS; remember when the others became
    unused (by table of contents or segment: a segment has some twenty files)."""
    registry = folder / RETIRED_FILE
    try:
        retired = json.loads(registry.read_text())
    except (FileNotFoundError, ValueError):
        retired = {}
    in_use = {s.segment_id() for s in toc.segments}
    toc_name, segment_name = whoosh_internals.toc_file_patterns(indexname)
    unused: dict[str, list[str]] = {}
    for name in os.listdir(folder):
        if name.startswith("."):
            continue
        toc_match = toc_name.match(name)
        if toc_match:
            if int(toc_match.group(1)) != toc.generation:
                unused.setdefault(name, []).append(name)
            continue
        segment_match = segment_name.match(name)
        if segment_match and segment_match.group(1) not in in_use:
            unused.setdefault(segment_match.group(1), []).append(name)
    now, still = time.time(), {}
    for key, names in unused.items():
        since = float(retired.get(key, now))
        if now - since < GRACE_SECONDS:
            still[key] = since
            continue
        for name in names:
            (folder / name).unlink(missing_ok=True)
    if still != retired:
        tmp = folder / (RETIRED_FILE + ".tmp")
        tmp.write_text(json.dumps(still))
        os.replace(tmp, registry)


def write(base: Path, documents: list[dict], delete_ids: Iterable[int] = ()) -> list:
    """Replace `documents` (by id) and delete `delete_ids`, in one commit, under the lock.

    Returns the segments of the index after the commit: the caller decides whether they
    are worth merging (merging.after_write), outside the lock."""
    with writer_lock(base):
        _create_empty_locked(base)
        segments = _write_locked(base, documents, delete_ids)
    remove_retired_generations(base)
    return segments


def update(base: Path, ids: set[int], documents_for: Callable[[set[int]], tuple[list[dict], set[int]]]) -> list:
    """Bring `ids` and every queued id up to date.

    The ids are queued first (on disk); whoever holds the writer lock writes the queue:
    `documents_for(ids)` reads the items' current state (documents, ids gone) inside the
    lock, so no writer overwrites a newer state another one wrote, and ids leave the queue
    only once written. A save that finds the lock held by another save's writer does not
    wait: that writer reads the queue again before it lets go (see _drain). Before the
    first index exists nothing is written (the first search or `pan reindex` builds it
    from the database); while a rebuild runs the ids stay queued for its replay.

    Returns the segments after the last commit written here ([] when none was)."""
    enqueue(base, ids)
    with ExitStack() as stack:
        try:
            stack.enter_context(writer_lock(base, timeout=0.0))
        except IndexBusy:
            if _handed_over(base):
                return []
            stack.enter_context(writer_lock(base))  # a merge, a rebuild or a closing writer: wait
        segments = _drain(base, documents_for)
    remove_retired_generations(base)
    return segments


def _drain(base: Path, documents_for) -> list:
    """Write the queue, under the writer lock. While the holder file says "saving",
    other saves hand their ids over; before letting go it says "closing" (newcomers then
    wait for the lock) and reads the queue a last time, so no handed-over id is left."""
    if live_dir(base) is None:
        if not rebuild_running(base):
            drop_queued(base, queued(base)[1])  # the first build reads everything anyway
        return []
    segments: list = []
    try:
        _set_holder(base, "saving")
        for _round in range(HANDOVER_ROUNDS):
            written = _write_queued(base, documents_for)
            if written is None:
                break
            segments = written
        _set_holder(base, "closing")
        segments = _write_queued(base, documents_for) or segments
    finally:
        _set_holder(base, "")
    return segments


def _write_queued(base: Path, documents_for) -> list | None:
    """Write the queued ids; the segments after the commit, or None when none were queued."""
    waiting, length = queued(base)
    if not waiting:
        return None
    documents, gone = documents_for(waiting)
    segments = _write_locked(base, documents, gone)
    drop_queued(base, length)
    return segments


def _set_holder(base: Path, state: str) -> None:
    _sibling(base, ".writer").write_text(f"{state} {os.getpid()}" if state else "")


def _handed_over(base: Path) -> bool:
    """True while a living save's writer holds the lock and will read the queue again."""
    try:
        state, pid = _sibling(base, ".writer").read_text().split()
    except (FileNotFoundError, ValueError):
        return False
    if state != "saving":
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False  # left by a killed writer: wait for the lock instead
    except PermissionError:
        pass
    return True


def _write_locked(base: Path, documents: list[dict], delete_ids: Iterable[int] = ()) -> list:
    delete_ids = list(delete_ids)
    ix = whoosh_index.open_dir(os.path.realpath(base))
    try:
        writer = whoosh_internals.SealingWriter(ix, commit_toc, timeout=5.0, compound=COMPOUND)
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
    # are merged by a background thread, outside this lock (merging.after_write).
    writer.commit(merge=False)
    if rebuild_running(base):
        # A rebuild is reading the database right now and may have read the old
        # state: replay these ids into the new index after its swap.
        enqueue(base, [int(d["id"]) for d in documents] + [int(i) for i in delete_ids])
    return writer.committed or []


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
        mark_version(new_dir)
        count = bulk.build_segments(new_dir, documents, procs=procs, chunk_docs=bulk.chunk_size(expected, procs))
        # Never swap in a short index, whatever went wrong in a worker.
        built = whoosh_index.open_dir(str(new_dir))
        integrity.seal_all(built)
        indexed = built.doc_count()
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
