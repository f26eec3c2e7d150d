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
Segments are written a block of postings at a time (`_write_postings`) rather than
one `add_posting` call per posting; the bytes are the same
(tests/search/test_index_content.py holds the expected terms of a sample corpus).

`build_segments()` cuts the documents into chunks of `CHUNK_DOCS`, builds one segment
per chunk (in `procs` worker processes when asked), and commits them all at once.
A chunk bounds a worker's memory; a few large segments keep queries fast.

Written for Whoosh-Reloaded 2.7.x (codec "whoosh3"), whose internals it uses the way
Whoosh's own multi-process writer does (`_finalize_segment`, `_commit_toc`).
"""

from __future__ import annotations

import operator
import os
import pickle
import sys
import tempfile
import zlib
from array import array
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from itertools import chain
from multiprocessing import get_context
from pathlib import Path

from whoosh import formats
from whoosh import index as whoosh_index
from whoosh.codec import whoosh3
from whoosh.system import pack_ushort
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

from pan_platform.search.analysis import LanguageTokenizer
from pan_platform.search.schema import AREA_FIELD, NEUTRAL_FIELD

# Documents per segment. At ~16 KB of text per document a chunk holds ~15 million
# postings: a worker peaked at ~570 MB in the 50,000-material rebuild benchmark
# (bench/reindex_bench.py); 50,000 documents make four segments. The neutral field
# (schema version 2) repeats the body's postings: one chunk of 12,500 peaked at 780 MB,
# 489 MB since postings are held more compactly (bench/search_bench.py --n 12500 --procs 1).
CHUNK_DOCS = 12_500
# From this many documents a rebuild is worth worker processes (starting one takes ~1 s).
PARALLEL_FROM = 4_000
_EMPTY = b""
_LITTLE_ENDIAN = sys.byteorder == "little"
# Distinct area-label texts whose postings a writer keeps (one per area set and labels).
_REPEATED_LIMIT = 512


class TermPool:
    """Postings grouped by term, in the order documents are added.

    Counted fields (`add_frequencies`): per field, term -> one array of document
    numbers and frequencies, interleaved (8 bytes a posting; the weight is the
    frequency times the field's boost, computed when written). Other fields (`add`):
    per field, term bytes -> document numbers and weights in arrays, and the
    encoded values (positions of the short text fields) end to end with their sizes
    (`values_of`)."""

    def __init__(self) -> None:
        self.terms: dict[str, dict[bytes, tuple[array, array, bytearray, array]]] = {}
        self.counted: dict[str, dict[str, array]] = {}

    def add(self, item: tuple) -> None:
        """Whoosh's pool interface: (fieldname, tbytes, docnum, weight, vbytes)."""
        fieldname, tbytes, docnum, weight, vbytes = item
        terms = self.terms.get(fieldname)
        if terms is None:
            terms = self.terms[fieldname] = {}
        entry = terms.get(tbytes)
        if entry is None:
            entry = terms[tbytes] = (array("I"), array("f"), bytearray(), array("I"))
        entry[0].append(docnum)
        entry[1].append(weight)
        if vbytes:  # values (positions) end to end, and their sizes: no bytes object each
            entry[2].extend(vbytes)
        entry[3].append(len(vbytes) if vbytes else 0)

    def add_frequencies(self, fieldname: str, counts: dict[str, int], docnum: int) -> None:
        terms = self.counted.get(fieldname)
        if terms is None:
            terms = self.counted[fieldname] = {}
        for text, freq in counts.items():
            entry = terms.get(text)
            if entry is None:
                terms[text] = array("I", (docnum, freq))
            else:
                entry.append(docnum)
                entry.append(freq)

    @staticmethod
    def values_of(data: bytearray, sizes: array) -> list[bytes]:
        """The encoded values of an `add` term, one per posting (empty: no value)."""
        values, start = [], 0
        for size in sizes:
            values.append(bytes(data[start:start + size]))
            start += size
        return values

    def fieldnames(self) -> list[str]:
        return sorted(set(self.terms) | set(self.counted))

    def field_terms(self, fieldname: str) -> Iterator[tuple[bytes, tuple]]:
        """(term bytes, postings) of one field in term order: (docs, weights, values,
        value sizes) of an `add` field, or the interleaved array of a counted one. The
        field's postings leave the pool (a segment is written field by field, so its
        memory goes down as it is written)."""
        if fieldname in self.counted:
            terms = self.counted.pop(fieldname)
            # Code point order is the order of the UTF-8 bytes.
            for text in sorted(terms):
                yield text.encode("utf-8"), terms[text]
        else:
            terms = self.terms.pop(fieldname, {})
            for tbytes in sorted(terms):
                yield tbytes, terms[tbytes]

    def iter_postings(self, boosts: dict[str, float] | None = None) -> Iterator[tuple]:
        """Whoosh's pool interface, for callers that want plain postings (empties the pool)."""
        for fieldname in self.fieldnames():
            for tbytes, postings in self.field_terms(fieldname):
                if isinstance(postings, array):
                    boost = (boosts or {}).get(fieldname, 1.0)
                    for docnum, freq in zip(postings[0::2], postings[1::2], strict=True):
                        yield fieldname, tbytes, docnum, freq * boost, formats.pack_uint(freq)
                else:
                    docs, weights, data, sizes = postings
                    values = self.values_of(data, sizes)
                    for i, docnum in enumerate(docs):
                        yield fieldname, tbytes, docnum, weights[i], values[i]

    def cleanup(self) -> None:
        self.terms.clear()
        self.counted.clear()


def _frequency_bytes(freqs: array) -> bytes:
    """The Frequency format's values of a block, as Whoosh joins them: big-endian uint32s."""
    if _LITTLE_ENDIAN:
        freqs = array("I", freqs)
        freqs.byteswap()
    return freqs.tobytes()


def _fill_block(postwriter, ids: array, weights: array, values: list, lengths: list[int]) -> None:
    """Put one block of postings into Whoosh's postings writer, with the statistics its
    `add_posting` would have gathered one posting at a time."""
    postwriter._ids = ids
    postwriter._weights = weights
    top = max(weights)
    postwriter._maxweight = top if top > 0 else 0
    postwriter._values = values
    found = [length for length in map(lengths.__getitem__, ids) if length]
    postwriter._minlength = min(found) if found else None
    postwriter._maxlength = max(found) if found else 0


def _write_single_block(fieldwriter, tbytes: bytes, ids: array, weights: array, values: list,
                        lengths: list[int], fixedsize: int | None) -> None:
    """A term whose postings fit in one block (most terms): what `start_term`, the
    postings writer's `add_posting` calls, `finish_postings` (`_write_block`) and
    `finish_term` of Whoosh's codec write, byte for byte, in one step without the
    per-call bookkeeping. `values`: the block's non-empty values; `fixedsize`: the
    format's `fixed_value_size()`."""
    postwriter = fieldwriter._postwriter
    postfile = fieldwriter._postfile
    start = postfile.tell()
    found = [length for length in map(lengths.__getitem__, ids) if length]
    minlength = min(found) if found else None
    maxlength = max(found) if found else 0
    top = max(weights)
    maxweight = top if top > 0 else 0
    first = weights[0]
    if all(w == 1.0 for w in weights):
        mini_weights = None
    elif all(w == first for w in weights):
        mini_weights = first
    else:
        mini_weights = tuple(weights)
    if fixedsize is None or fixedsize < 0:  # as W3PostingsWriter._mini_values
        mini_values = tuple(values)
    else:
        mini_values = _EMPTY.join(values) if fixedsize else None
    data = (tuple(map(operator.sub, ids, chain((0,), ids))), mini_weights, mini_values)
    comp = postwriter._compression
    databytes = zlib.compress(pickle.dumps(data, 2), comp) if comp else pickle.dumps(data, 2)
    last = ids[-1]
    infobytes = pickle.dumps((len(ids), last, maxweight, comp, length_to_byte(minlength),
                              length_to_byte(maxlength)), 2)
    postfile.write(whoosh3.WHOOSH3_HEADER_MAGIC)
    postfile.write_int(-(len(infobytes) + len(databytes)))  # negative: the last block
    postfile.write(infobytes)
    postfile.write(databytes)
    terminfo = whoosh3.W3TermInfo(sum(weights), len(ids), minlength, maxlength, maxweight, ids[0], last)
    terminfo.set_extent(start, postfile.tell() - start)
    fieldwriter._tindex.add(pack_ushort(fieldwriter._fieldid) + tbytes, terminfo.to_bytes())


def _write_postings(postwriter, docs: array, weights: array, values, lengths: list[int], fixed: bool) -> None:
    """One term's postings, block by block, as `W3PostingsWriter.add_posting` would
    buffer them (a block is written when the next posting arrives): the same bytes.
    `values`: per posting encoded values, or for a fixed-size format their uint32s."""
    limit = postwriter._blocklimit
    for start in range(0, len(docs), limit):
        if start:
            postwriter._write_block()
        stop = start + limit
        if fixed:
            block_values = [_frequency_bytes(values[start:stop])]
        else:
            block_values = [v for v in values[start:stop] if v]
        _fill_block(postwriter, docs[start:stop], weights[start:stop], block_values, lengths)


def _fast_field(field) -> bool:
    """Fields whose postings can be counted directly: Frequency format, our analyser,
    nothing stored, no column or vector."""
    return (
        type(field.format) is formats.Frequency
        and isinstance(field.analyzer, LanguageTokenizer)
        and not field.stored
        and field.column_type is None
        and not field.vector
        and not field.separate_spelling()
    )


class BulkSegmentWriter(SegmentWriter):
    """Writes one new segment from many documents; committed by `build_segments`."""

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, _lk=False, compound=False, **kwargs)  # see index.COMPOUND
        self.pool = TermPool()
        self._fast = sorted(name for name, field in self.schema.items() if _fast_field(field))
        self._repeated: dict[str, list[tuple]] = {}

    def add_document(self, **fields) -> None:
        """Supports the field features our schema uses: indexed, stored, columns."""
        schema, docnum, perdoc, pool = self.schema, self.docnum, self.perdocwriter, self.pool
        perdoc.start_doc(docnum)
        try:
            counted = self._counted_terms(fields)
            for fieldname in sorted(fields):
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if fieldname in counted:
                    terms = counted[fieldname]
                    pool.add_frequencies(fieldname, terms, docnum)
                    length = sum(terms.values()) if field.scorable else 0
                elif field.indexed:
                    for tbytes, freq, weight, vbytes in self._postings(fieldname, field, value):
                        if field.scorable:
                            length += freq
                        pool.add((fieldname, tbytes, docnum, weight, vbytes))
                perdoc.add_field(fieldname, field, value if field.stored else None, length)
                if field.column_type is not None:
                    perdoc.add_column_value(fieldname, field.column_type, field.to_column_value(value))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _counted_terms(self, fields: dict) -> dict[str, dict[str, int]]:
        """Term frequencies of the document's counted fields (body and neutral).

        The neutral field's text ends with the body (documents.build_document): the
        body's words are counted once and serve both fields when the two analysers
        lowercase alike. A newline cannot be inside a word or a joined form, so the
        counts of "<before>\n<body>" are those of its two parts added up."""
        out: dict[str, dict[str, int]] = {}
        body_words: tuple[str, LanguageTokenizer, list[str]] | None = None
        for fieldname in self._fast:
            value = fields.get(fieldname)
            if value is None or fieldname == NEUTRAL_FIELD:
                continue
            analyzer = self.schema[fieldname].analyzer
            words = analyzer.words_of(value)
            out[fieldname] = analyzer.term_counts(words)
            if body_words is None or len(value) > len(body_words[0]):
                body_words = (value, analyzer, words)
        neutral_text = fields.get(NEUTRAL_FIELD)
        if neutral_text is not None and NEUTRAL_FIELD in self._fast:
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

    def _postings(self, fieldname: str, field, value) -> list[tuple]:
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

    def _finish(self) -> None:
        # Whoosh names the temporary folder of every writer of an index "<index>.tmp";
        # a worker removing it would pull it from under the others. The final commit's
        # writer removes it once every segment is written.
        self.is_closed = True

    def _flush_segment(self) -> None:
        """Write the postings term by term through the codec's field writer, a block
        of postings at a time (see `_write_postings`)."""
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        writer = self.fieldwriter
        doc_count = self.docnum
        try:
            for fieldname in self.pool.fieldnames():
                field = self.schema[fieldname]
                writer.start_field(fieldname, field)
                field_lengths = [lengths.doc_field_length(d, fieldname) for d in range(doc_count)]
                boost = field.format.field_boost
                postwriter = writer._postwriter
                block_limit = postwriter._blocklimit
                fixedsize = field.format.fixed_value_size()
                for tbytes, postings in self.pool.field_terms(fieldname):
                    if isinstance(postings, array):  # counted: docs and frequencies interleaved
                        docs, values, fixed = postings[0::2], postings[1::2], True
                        weights = array("f", [freq * boost for freq in values])
                    else:
                        docs, weights, data, sizes = postings
                        values, fixed = self.pool.values_of(data, sizes), False
                    if len(docs) <= block_limit:
                        block_values = [_frequency_bytes(values)] if fixed else [v for v in values if v]
                        _write_single_block(writer, tbytes, docs, weights, block_values, field_lengths, fixedsize)
                        continue
                    writer.start_term(tbytes)
                    _write_postings(postwriter, docs, weights, values, field_lengths, fixed)
                    writer.finish_term()
                writer.finish_field()
        finally:
            lengths.close()
        writer.close()


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
    segment = writer._finalize_segment()
    writer._finish()
    return segment


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
    ix = whoosh_index.open_dir(index_dir)
    writer = SegmentWriter(ix)
    try:
        existing = writer._merge_segments(None, False, False)  # keeps the current ones
        writer._close_segment()
        writer._commit_toc(existing + [s for s in segments if s is not None])
    finally:
        writer._finish()


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
