"""Building a fresh index fast: segments of many documents, in parallel processes.

Whoosh's own writer collects every posting as a tuple in a sorting pool, spills sorted
runs to disk and merges them back with a heap when the segment is written. Profiling a
rebuild showed that machinery at about half of the indexing time. A rebuild does not
need it: documents arrive in document-number order, so when postings are grouped by
term as they come, each term's list is already sorted. `BulkSegmentWriter` keeps them
that way in compact arrays and writes the segment through Whoosh's codec, so the
files are exactly those Whoosh writes and every reader reads them as usual.

The body fields and the neutral field (most postings) take a shorter path still: a
text's words are found once (`LanguageTokenizer.words_of`), the body's list serves
the neutral field too (its text ends with the body), and the words are mapped to terms
and counted in C (`term_counts`), without a token object or a Python step per word.
Segments are written a block of postings at a time rather than one `add_posting`
call per posting; the bytes are the same (tests/search/test_index_content.py holds the
expected terms of a sample corpus).

`build_segments()` cuts the documents into chunks of `CHUNK_DOCS`, builds one segment
per chunk (in `procs` worker processes when asked), and commits them all at once.
A chunk bounds a worker's memory; a few large segments keep queries fast.

The segment writer itself uses Whoosh's internals; it lives in whoosh_internals.py
(`BulkSegmentWriter`); `ChunkWriter` adds what it knows of our documents."""

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
from pan_platform.search.analysis import LanguageTokenizer
from pan_platform.search.schema import AREA_FIELD, NEUTRAL_FIELD
from pan_platform.search.whoosh_internals import BulkSegmentWriter

# Documents per segment. At ~16 KB of text per document a chunk holds ~15 million
# postings: a worker peaked at ~570 MB in the 50,000-material rebuild benchmark
# (bench/reindex_bench.py); 50,000 documents make four segments. The neutral field
# (schema version 2) repeats the body's postings: one chunk of 12,500 peaked at 780 MB,
# 489 MB since postings are held more compactly (bench/search_bench.py --n 12500 --procs 1).
CHUNK_DOCS = 12_500
# From this many documents a rebuild is worth worker processes (starting one takes ~1 s).
PARALLEL_FROM = 4_000
# Distinct area-label texts whose postings a writer keeps (one per area set and labels).
_REPEATED_LIMIT = 512


class ChunkWriter(BulkSegmentWriter):
    """The bulk segment writer, with two shortcuts that rest on how documents are built."""

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        self._repeated: dict[str, list[tuple]] = {}

    def count_terms(self, fields: dict) -> dict[str, dict[str, int]]:
        """Term frequencies of the document's counted fields (body and neutral).

        The neutral field's text ends with the body (documents.build_document): the
        body's words are counted once and serve both fields when the two analysers
        lowercase alike. A newline cannot be inside a word or a joined form, so the
        counts of "<before>\n<body>" are those of its two parts added up."""
        out: dict[str, dict[str, int]] = {}
        body_words: tuple[str, LanguageTokenizer, list[str]] | None = None
        for fieldname in self.counted_fields:
            value = fields.get(fieldname)
            if value is None or fieldname == NEUTRAL_FIELD:
                continue
            analyzer = self.schema[fieldname].analyzer
            words = analyzer.words_of(value)
            out[fieldname] = analyzer.term_counts(words)
            if body_words is None or len(value) > len(body_words[0]):
                body_words = (value, analyzer, words)
        neutral_text = fields.get(NEUTRAL_FIELD)
        if neutral_text is not None and NEUTRAL_FIELD in self.counted_fields:
            neutral = self.schema[NEUTRAL_FIELD].analyzer
            words = None
            if body_words is not None:
                body, analyzer, body_list = body_words
                cut = len(neutral_text) - len(body) - 1
                if (cut >= 0 and neutral_text.endswith(body) and neutral_text[cut] == "\n"
                        and neutral.lowercases_like(analyzer)):
                    words = neutral.words_of(neutral_text[:cut]) + body_list
            out[NEUTRAL_FIELD] = neutral.term_counts(words if words is not None else neutral.words_of(neutral_text))
        return out

    def postings(self, fieldname: str, field, value) -> Iterable[tuple]:
        """`field.index(value)`; an item's area labels are analysed once per distinct
        text (the same few area sets and labels recur in every chunk)."""
        if fieldname != AREA_FIELD:
            return field.index(value)
        postings = self._repeated.get(value)
        if postings is None:
            if len(self._repeated) >= _REPEATED_LIMIT:
                self._repeated.clear()
            postings = self._repeated[value] = list(field.index(value))
        return postings


def _build_segment(index_dir: str, docs: Iterator[dict], limit: int | None = None):
    """One segment from `docs` (at most `limit` of them), written into the index directory
    but not yet committed; None when `docs` is exhausted."""
    ix = whoosh_index.open_dir(index_dir)
    writer = ChunkWriter(ix)
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
