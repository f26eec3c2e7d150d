"""Building a fresh index fast: segments of many documents, in parallel processes.

Whoosh's own writer collects every posting as a tuple in a sorting pool, spills sorted
runs to disk and merges them back with a heap when the segment is written. Profiling a
rebuild showed that machinery at about half of the indexing time. A rebuild does not
need it: documents arrive in document-number order, so when postings are grouped by
term as they come, each term's list is already sorted. `BulkSegmentWriter` keeps them
that way in compact arrays and writes the segment through Whoosh's codec, so the
files are exactly those Whoosh writes and every reader reads them as usual.

The body fields (most postings) take a shorter path still: their words are counted
with `Counter` over the analyser's terms instead of one token object per word.

`build_segments()` cuts the documents into chunks of `CHUNK_DOCS`, builds one segment
per chunk (in `procs` worker processes when asked), and commits them all at once.
A chunk bounds a worker's memory; a few large segments keep queries fast.

The segment writer itself uses Whoosh's internals; it lives in whoosh_internals.py.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing import get_context
from pathlib import Path

from whoosh import index as whoosh_index

from pan_platform.search import whoosh_internals
from pan_platform.search.whoosh_internals import BulkSegmentWriter

# Documents per segment. At ~16 KB of text per document a chunk holds ~15 million
# postings: a worker peaked at ~570 MB in the 50,000-material rebuild benchmark
# (bench/reindex_bench.py); 50,000 documents make four segments. The neutral field
# (schema version 2) repeats the body's postings: one chunk of 12,500 peaked at 780 MB
# (bench/search_bench.py --n 12500 --procs 1).
CHUNK_DOCS = 12_500
# From this many documents a rebuild is worth worker processes (starting one takes ~1 s).
PARALLEL_FROM = 4_000


def _build_segment(index_dir: str, docs: Iterator[dict], limit: int | None = None):
    """One segment from `docs` (at most `limit` of them), written into the index directory
    but not yet committed; None when `docs` is exhausted."""
    ix = whoosh_index.open_dir(index_dir)
    writer = BulkSegmentWriter(ix)
    try:
        for doc in docs:
            writer.add_document(**doc)
            if limit is not None and writer.doc_count() >= limit:
                break
    except BaseException:
        writer.cancel()
        raise
    if not writer.doc_count():
        writer.cancel()
        return None
    return whoosh_internals.finish_segment(writer)


def _read_chunk(path: str) -> Iterator[dict]:
    with open(path, "rb") as fh:
        while True:
            try:
                yield pickle.load(fh)
            except EOFError:
                return


def _build_segment_from_file(index_dir: str, path: str):
    try:
        return _build_segment(index_dir, _read_chunk(path))
    finally:
        os.unlink(path)


def _commit(index_dir: str, segments: list) -> None:
    """Make the built segments the index's content, in one new table of contents."""
    whoosh_internals.add_segments(whoosh_index.open_dir(index_dir), [s for s in segments if s is not None])


def chunk_size(expected: int | None, procs: int) -> int:
    """Documents per segment: CHUNK_DOCS, or fewer so that every process gets a share
    when the count is known (10,000 documents in two processes: two chunks of 5,000)."""
    if not expected or procs <= 1:
        return CHUNK_DOCS
    return min(CHUNK_DOCS, max(1_000, -(-expected // procs)))


def build_segments(index_dir: Path, documents: Iterable[dict], procs: int = 1, chunk_docs: int | None = None) -> int:
    """Add `documents` to the (new, empty) index in `index_dir`. Returns the count."""
    chunk_docs = chunk_docs or CHUNK_DOCS
    if procs <= 1:
        segments, docs = [], iter(documents)
        while (segment := _build_segment(str(index_dir), docs, limit=chunk_docs)) is not None:
            segments.append(segment)
        _commit(str(index_dir), segments)
        return sum(s.doc_count_all() for s in segments)
    return _build_in_processes(index_dir, documents, procs, chunk_docs)


def _build_in_processes(index_dir: Path, documents: Iterable[dict], procs: int, chunk_docs: int) -> int:
    """Chunks go to worker processes through files (pickled documents, streamed), so
    neither the parent nor a pipe holds a chunk; at most 2 x `procs` chunks are on disk."""
    count, segments = 0, []
    pending: set[Future] = set()
    spool = Path(tempfile.mkdtemp(prefix="chunks-", dir=index_dir))
    fh, path, in_chunk = None, None, 0
    # "spawn": the parent may hold database connections and threads that a fork would copy.
    with ProcessPoolExecutor(max_workers=procs, mp_context=get_context("spawn")) as pool:
        try:
            for doc in documents:
                if fh is None:
                    handle, path = tempfile.mkstemp(suffix=".docs", dir=spool)
                    fh = os.fdopen(handle, "wb")
                pickle.dump(doc, fh, protocol=pickle.HIGHEST_PROTOCOL)
                in_chunk += 1
                count += 1
                if in_chunk >= chunk_docs:
                    fh.close()
                    pending.add(pool.submit(_build_segment_from_file, str(index_dir), path))
                    fh, in_chunk = None, 0
                    while len(pending) >= 2 * procs:
                        done, pending = wait(pending, return_when=FIRST_COMPLETED)
                        segments += [f.result() for f in done]
            if fh is not None:
                fh.close()
                pending.add(pool.submit(_build_segment_from_file, str(index_dir), path))
            done, pending = wait(pending)
            segments += [f.result() for f in done]
        except BaseException:
            for future in pending:
                future.cancel()
            raise
        finally:
            if fh is not None and not fh.closed:
                fh.close()
            for leftover in spool.glob("*"):
                leftover.unlink(missing_ok=True)
            spool.rmdir()
    _commit(str(index_dir), segments)
    return count
