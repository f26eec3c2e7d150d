"""Every use of Whoosh's private internals, in one place (Whoosh-Reloaded 2.7.x, codec "whoosh3").

The rest of the search package uses Whoosh's public API only. What this module relies on,
each checked by tests/search/test_whoosh_internals.py, so an upgrade of Whoosh-Reloaded
that changes one of them fails a test instead of a search in production:

- `whoosh3.W3PerDocReader._cached_reader`, `_readers`, `whoosh3.LENGTHS_COLUMN` and
  `whoosh3._lenfield`: field lengths loaded once per segment (`install_lengths_in_memory`,
  `length_column`), in one read from the numeric column reader's `_dbfile`, `_basepos`,
  `_count`, `_doccount`, `_default`, `_typecode` and `_fixedlen` (`_stored_values`, for the length
  columns and the sort columns: `_load_lengths`, `numeric_column`);
- `reader._terms.matcher(...)`, and on `whoosh3.W3LeafMatcher`: `_atend`, `_read_data`,
  `_data`, `_blocklength`, `_next_block`: posting lists read a block at a time
  (`term_matcher`, `read_blocks`);
- `SegmentWriter`: `perdocwriter`, `fieldwriter`, `per_document_reader`, `_flush_segment`,
  `_finalize_segment`, `_finish`, `_added`, `is_closed`, `_merge_segments`, `_close_segment`,
  `_commit_toc`: segments built and committed outside Whoosh's sorting pool
  (`BulkSegmentWriter`, `finish_segment`, `add_segments`, `SealingWriter`), and the pool
  interface Whoosh calls on `writer.pool` (`add`, `iter_postings`, `cleanup`: `TermPool`);
- the whoosh3 field writer's `_postwriter`, `_postfile`, `_tindex`, `_fieldid`, and on
  `whoosh3.W3PostingsWriter`: `_blocklimit`, `_compression`, `_ids`, `_weights`, `_values`,
  `_maxweight`, `_minlength`, `_maxlength`, `_write_block`; `whoosh3.WHOOSH3_HEADER_MAGIC`,
  `whoosh3.W3TermInfo`, `whoosh.system.pack_ushort` and `pack_int`, `whoosh.util.numeric.length_to_byte`
  and the block layout (pickled info and delta-coded ids, weights, values; Frequency values
  as big-endian uint32s): postings written a block at a time (`_write_postings`,
  `_write_single_block`), what Whoosh writes (the same pickles; a block under 64 bytes left
  uncompressed, which Whoosh's reader reads from the block's info). There is no fallback here:
  tests/search/test_bulk.py compares the segments with Whoosh's own writer's, and
  tests/search/test_index_content.py the terms of a sample corpus with a fixture;
- `FileIndex._read_toc` and `TOC._pattern` / `TOC._segment_pattern`: the table of contents
  and the file names of a generation (`read_toc`, `toc_file_patterns`).

Where a fast path is optional (lengths, posting blocks), its absence falls back to the
public API (slower, equally correct); `fast_paths_available()` says whether they are on.
"""

from __future__ import annotations

import functools
import operator
import pickle
import sys
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, repeat

import numpy as np
from whoosh import formats
from whoosh.codec import whoosh3
from whoosh.index import TOC
from whoosh.reading import TermNotFound
from whoosh.system import pack_int, pack_ushort
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

from pan_platform.search.analysis import LanguageTokenizer

_EMPTY = b""
_LITTLE_ENDIAN = sys.byteorder == "little"

# -- field lengths in memory -----------------------------------------------------------
# Whoosh asks the per-document reader for a document's field length once per posting while
# writing a segment, and once per matched document and scored field while scoring. Out of
# the box each call seeks and reads one byte from the length column file, and for a field
# without lengths (ids, principals, spelling words) it checks whether the column file
# exists, one `stat()` per posting: about a quarter of segment writing in the bench.
# Segments are immutable once written, so a loaded column never goes stale.

_INSTALLED_FLAG = "_pan_lengths_in_memory"


def install_lengths_in_memory() -> None:
    """Make the per-document reader load a length column once (1 byte per document and
    scored field) and remember a missing one; with any other codec nothing changes."""
    reader_class = getattr(whoosh3, "W3PerDocReader", None)
    original = getattr(reader_class, "_cached_reader", None)
    lengths_column = getattr(whoosh3, "LENGTHS_COLUMN", None)
    if original is None or lengths_column is None or getattr(reader_class, _INSTALLED_FLAG, False):
        return

    def _cached_reader(self, fieldname, column):
        readers = self._readers
        if fieldname in readers:
            return readers[fieldname]
        reader = original(self, fieldname, column)
        if reader is not None and column is lengths_column:
            reader = _load_lengths(reader)  # array('B'): one byte per document
        readers[fieldname] = reader  # None too: the column does not exist in this segment
        return reader

    reader_class._cached_reader = _cached_reader
    setattr(reader_class, _INSTALLED_FLAG, True)


def _stored_values(column, typecode: str, width: int) -> tuple[bytes, int] | None:
    """The bytes a numeric column of `typecode` stores, read in one call, and how many
    values they hold (of its first documents: the rest have the column's default). None
    for another kind of column. Whoosh reads such a column a value per call (about 0.5 s
    for one of 50,000 documents, paid by the first search that needs it in every worker)."""
    if getattr(column, "_typecode", None) != typecode or getattr(column, "_fixedlen", None) != width:
        return None
    stored = min(column._count, column._doccount)
    return column._dbfile.get(column._basepos, width * stored), stored


def _load_lengths(column) -> array:
    """A length column as `array('B')`: what the column's `load()` returns, in one read."""
    found = _stored_values(column, "B", 1)
    if found is None:  # another column class: Whoosh's own way
        return column.load()
    data, stored = found
    lengths = array("B", data)
    lengths.extend(repeat(column._default, column._doccount - stored))
    return lengths


def numeric_column(reader, fieldname: str) -> np.ndarray | None:
    """A column of 8-byte integers of one segment as an int64 array, in one read; None
    when the segment has no such column of Whoosh's numeric kind."""
    if not reader.has_column(fieldname):
        return None
    column = reader.column_reader(fieldname, translate=False)
    found = _stored_values(column, "q", 8)
    if found is None:
        return None
    data, stored = found
    values = np.full(column._doccount, column._default, dtype=np.int64)
    values[:stored] = np.frombuffer(data, dtype=">i8")
    return values


def length_column(reader, fieldname: str):
    """The loaded length column of a field in one segment reader, or None."""
    perdoc = getattr(reader, "_perdoc", None)
    try:
        return perdoc._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
    except AttributeError:
        return None


def fast_paths_available() -> bool:
    """True when the installed Whoosh has what the fast paths above and below use."""
    reader_class = getattr(whoosh3, "W3PerDocReader", None)
    matcher_class = getattr(whoosh3, "W3LeafMatcher", None)
    return (
        getattr(reader_class, _INSTALLED_FLAG, False)
        and callable(getattr(whoosh3, "_lenfield", None))
        and all(callable(getattr(matcher_class, name, None)) for name in ("_read_data", "_next_block"))
    )


# -- posting lists a block at a time ---------------------------------------------------


def term_matcher(reader, fieldname: str, tbytes: bytes):
    """A matcher over the term's postings in one segment, deleted documents included;
    None when the segment lacks the term."""
    try:
        return reader._terms.matcher(fieldname, tbytes, reader.schema[fieldname].format)
    except (KeyError, AttributeError, TermNotFound):
        return None


def read_blocks(matcher) -> list[tuple] | None:
    """The matcher's postings as raw blocks (delta-encoded ids, weights, count), or None
    when it is not the codec's leaf matcher (the caller then walks it with the public API)."""
    if not (isinstance(matcher, whoosh3.W3LeafMatcher) and hasattr(matcher, "_read_data")):
        return None
    blocks = []
    while not matcher._atend:
        matcher._read_data()
        blocks.append((matcher._data[0], matcher._data[1], matcher._blocklength))
        matcher._next_block()
    return blocks


# -- tables of contents ----------------------------------------------------------------


def read_toc(ix) -> TOC:
    """The index's current table of contents (its segments and generation)."""
    return ix._read_toc()


def toc_file_patterns(indexname: str):
    """Regular expressions of a table of contents' file name and of a segment's files."""
    return TOC._pattern(indexname), TOC._segment_pattern(indexname)


class SealingWriter(SegmentWriter):
    """Whoosh's segment writer, committing its table of contents through `commit_toc`
    (storage, indexname, toc) instead of writing it and deleting unused files at once."""

    committed: list | None = None  # the segments of the table of contents written

    def __init__(self, ix, commit_toc: Callable, **kwargs) -> None:
        self._pan_commit_toc = commit_toc
        super().__init__(ix, **kwargs)

    def _commit_toc(self, segments):
        self._pan_commit_toc(self.storage, self.indexname, TOC(self.schema, segments, self.generation))
        self.committed = segments


# -- segments built outside Whoosh's sorting pool (search/bulk.py) -----------------------


def finish_segment(writer: SegmentWriter):
    """Write the writer's segment to disk without committing it; return the segment."""
    segment = writer._finalize_segment()
    writer._finish()
    return segment


def add_segments(ix, segments: list) -> None:
    """Make these written segments part of the index's content, in one new table of contents."""
    writer = SegmentWriter(ix)
    try:
        existing = writer._merge_segments(None, False, False)  # keeps the current ones
        writer._close_segment()
        writer._commit_toc(existing + segments)
    finally:
        writer._finish()


# Postings are written a block at a time. A rebuild's documents arrive in document-number
# order, so postings grouped by term as they come are already sorted (search/bulk.py). The
# segment is written through the codec's field writer, most terms in one step
# (`_write_single_block`, `_write_counted`), producing what Whoosh's own writer produces
# but for tiny blocks left uncompressed (tests/search/test_bulk.py and
# test_index_content.py compare what a reader finds).


class CountedField:
    """A counted field's postings while a segment is built: term -> id in the order first
    seen, and end to end in flat arrays the ids of each document's terms and their
    frequencies (4 bytes each, built in C: no Python step per posting). `grouped` sorts
    them by term when the segment is written."""

    __slots__ = ("ids", "docs", "sizes", "tids", "freqs")

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.docs, self.sizes = array("I"), array("I")  # per document: number, count of terms
        self.tids, self.freqs = array("I"), array("I")  # per posting

    def add(self, counts: dict[str, int], docnum: int) -> None:
        size = len(counts)
        if not size:
            return
        ids = self.ids
        tids = np.fromiter(map(ids.get, counts, repeat(-1)), dtype=np.int64, count=size)
        new = np.flatnonzero(tids < 0)
        if new.size:  # the document's new terms take the next ids
            texts, first = list(counts), len(ids)
            for offset, index in enumerate(new.tolist()):
                ids[texts[index]] = first + offset
            tids[new] = np.arange(first, first + new.size)
        self.docs.append(docnum)
        self.sizes.append(size)
        self.tids.frombytes(tids.astype(np.uint32).tobytes())
        self.freqs.extend(counts.values())

    def grouped(self) -> Grouped:
        """The postings grouped by term in code point order (the order of their UTF-8
        bytes), each term's in document order; the field's arrays are released."""
        terms = sorted(self.ids)
        ids = np.fromiter(map(self.ids.__getitem__, terms), dtype=np.int64, count=len(terms))
        rank = np.empty(len(terms), dtype=np.int64)
        rank[ids] = np.arange(len(terms))
        tids, freqs_in = np.frombuffer(self.tids, dtype=np.uint32), np.frombuffer(self.freqs, dtype=np.uint32)
        bounds = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(np.bincount(tids, minlength=len(terms))[ids], out=bounds[1:])
        # Placed by term in the narrowest type that holds them (a chunk's document numbers
        # and most frequencies fit in 16 bits): the field's peak is 4 to 8 bytes a posting
        # more than the 8 it held while documents were added.
        docs = np.empty(len(tids), dtype=_narrowest(max(self.docs, default=0)))
        freqs = np.empty(len(tids), dtype=_narrowest(int(freqs_in.max(initial=0))))
        # A document holds a term once and documents come in order: each posting goes to
        # the next free place of its term, a document at a time.
        free, start = bounds[:-1].copy(), 0
        for docnum, size in zip(self.docs, self.sizes, strict=True):
            at = rank[tids[start:start + size]]
            places = free[at]
            docs[places] = docnum
            freqs[places] = freqs_in[start:start + size]
            free[at] += 1
            start += size
        del tids, freqs_in  # views of the arrays released below
        self.ids, self.docs, self.sizes, self.tids, self.freqs = {}, array("I"), array("I"), array("I"), array("I")
        return Grouped([text.encode("utf-8") for text in terms], bounds.tolist(), docs, freqs)


def _narrowest(largest: int) -> type:
    return np.uint16 if largest < 1 << 16 else np.uint32


@dataclass
class Grouped:
    """A counted field's postings by term: term i's are docs[bounds[i]:bounds[i + 1]]."""

    terms: list[bytes]
    bounds: list[int]
    docs: np.ndarray
    freqs: np.ndarray


class TermPool:
    """Postings grouped by term, in the order documents are added.

    Counted fields (`add_frequencies`): per field, a `CountedField` (each document's
    term ids and frequencies as arrays, grouped by term when written). Other fields (`add`):
    per field, term bytes -> document numbers and weights in arrays, and the
    encoded values (positions of the short text fields) end to end with their sizes
    (`values_of`)."""

    def __init__(self) -> None:
        self.terms: dict[str, dict[bytes, tuple[array, array, bytearray, array]]] = {}
        self.counted: dict[str, CountedField] = {}

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
        field = self.counted.get(fieldname)
        if field is None:
            field = self.counted[fieldname] = CountedField()
        field.add(counts, docnum)

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

    def take_counted(self, fieldname: str) -> Grouped | None:
        """A counted field's postings grouped by term, leaving the pool; None for another field."""
        field = self.counted.pop(fieldname, None)
        return field.grouped() if field is not None else None

    def field_terms(self, fieldname: str) -> Iterator[tuple[bytes, tuple]]:
        """(term bytes, (docs, weights, values, value sizes)) of an `add` field in term
        order. The field's postings leave the pool (a segment is written field by field,
        so its memory goes down as it is written)."""
        terms = self.terms.pop(fieldname, {})
        for tbytes in sorted(terms):
            yield tbytes, terms[tbytes]

    def iter_postings(self, boosts: dict[str, float] | None = None) -> Iterator[tuple]:
        """Whoosh's pool interface, for callers that want plain postings (empties the pool)."""
        for fieldname in self.fieldnames():
            grouped = self.take_counted(fieldname)
            if grouped is not None:
                boost = (boosts or {}).get(fieldname, 1.0)
                docs, freqs = grouped.docs.tolist(), grouped.freqs.tolist()
                for i, tbytes in enumerate(grouped.terms):
                    for at in range(grouped.bounds[i], grouped.bounds[i + 1]):
                        yield fieldname, tbytes, docs[at], freqs[at] * boost, formats.pack_uint(freqs[at])
                continue
            for tbytes, (docs, weights, data, sizes) in self.field_terms(fieldname):
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


# A block shorter than MIN_COMPRESSED bytes grows when compressed (zlib's header and
# checksum outweigh what it saves): it is stored as it is, its info saying so
# (compression 0), as Whoosh's own writer means to for blocks under 20 bytes.
MIN_COMPRESSED = 64
_length_byte = functools.lru_cache(maxsize=None)(length_to_byte)  # a bisection per call otherwise


def _write_single_block(fieldwriter, tbytes: bytes, ids: array, weights: array, values: list,
                        lengths: list[int], fixedsize: int | None) -> None:
    """A term whose postings fit in one block (most terms): what `start_term`, the
    postings writer's `add_posting` calls, `finish_postings` (`_write_block`) and
    `finish_term` of Whoosh's codec write, in one step without the per-call bookkeeping.
    `values`: the block's non-empty values; `fixedsize`: the format's `fixed_value_size()`."""
    found = list(filter(None, map(lengths.__getitem__, ids)))
    minlength = min(found) if found else None
    maxlength = max(found) if found else 0
    top = max(weights)
    maxweight = top if top > 0 else 0
    first, count = weights[0], len(weights)
    if weights.count(1.0) == count:  # counted in C: a block has up to 128 weights
        mini_weights = None
    elif weights.count(first) == count:
        mini_weights = first
    else:
        mini_weights = tuple(weights)
    if fixedsize is None or fixedsize < 0:  # as W3PostingsWriter._mini_values
        mini_values = tuple(values)
    else:
        mini_values = _EMPTY.join(values) if fixedsize else None
    deltas = tuple(map(operator.sub, ids, chain((0,), ids)))
    _write_block_of(fieldwriter, tbytes, (deltas, mini_weights, mini_values), ids[0], ids[-1],
                    sum(weights), maxweight, minlength, maxlength)


def _write_block_of(fieldwriter, tbytes: bytes, data: tuple, first: int, last: int, weight_sum: float,
                    maxweight: float, minlength: int | None, maxlength: int) -> None:
    """Write a term's only block, `data` being its (delta-coded ids, weights, values) as
    `W3PostingsWriter._write_block` minifies them, and the term's entry."""
    postfile = fieldwriter._postfile
    start = postfile.tell()
    databytes = pickle.dumps(data, 2)
    comp = fieldwriter._postwriter._compression if len(databytes) >= MIN_COMPRESSED else 0
    if comp:
        databytes = zlib.compress(databytes, comp)
    count = len(data[0])
    infobytes = pickle.dumps((count, last, maxweight, comp, _length_byte(minlength),
                              _length_byte(maxlength)), 2)
    # Header, size (negative: the last block), info and data, written in one call.
    block = b"".join((whoosh3.WHOOSH3_HEADER_MAGIC, pack_int(-(len(infobytes) + len(databytes))),
                      infobytes, databytes))
    postfile.write(block)
    terminfo = whoosh3.W3TermInfo(weight_sum, count, minlength, maxlength, maxweight, first, last)
    terminfo.set_extent(start, len(block))
    fieldwriter._tindex.add(pack_ushort(fieldwriter._fieldid) + tbytes, terminfo.to_bytes())


SLAB_POSTINGS = 1 << 18  # a counted field is written a slab of terms at a time: bounded memory
_NO_LENGTH = np.iinfo(np.int64).max


def _write_counted(fieldwriter, grouped: Grouped, boost: float, lengths: list[int]) -> None:
    """A counted field's terms in order, from its grouped postings (Frequency format):
    the same blocks as `_write_single_block` and `_write_postings` write, the work per
    posting (delta-coded ids, weights, field lengths, values) done on whole arrays."""
    bounds, count = grouped.bounds, len(grouped.terms)
    field_lengths = np.fromiter((length or 0 for length in lengths), dtype=np.int64, count=len(lengths))
    first = 0
    while first < count:
        stop = max(first + 1, bisect_right(bounds, bounds[first] + SLAB_POSTINGS, first + 1) - 1)
        _write_counted_slab(fieldwriter, grouped, first, stop, boost, field_lengths, lengths)
        first = stop


def _write_counted_slab(fieldwriter, grouped: Grouped, first: int, stop: int, boost: float,
                        field_lengths: np.ndarray, lengths: list[int]) -> None:
    """Terms first..stop-1 of a counted field (see `_write_counted`)."""
    offset, end = grouped.bounds[first], grouped.bounds[stop]
    docs, freqs = grouped.docs[offset:end], grouped.freqs[offset:end]
    starts = np.asarray(grouped.bounds[first:stop], dtype=np.int64) - offset
    # As array("f", [freq * boost ...]): the product in double, then rounded to float.
    weights = (freqs * boost if boost != 1.0 else freqs).astype(np.float32)
    deltas = docs.astype(np.int64)
    deltas[1:] -= docs[:-1]
    deltas[starts] = docs[starts]
    posting_lengths = field_lengths[docs]
    min_lengths = np.minimum.reduceat(np.where(posting_lengths > 0, posting_lengths, _NO_LENGTH), starts).tolist()
    max_lengths = np.maximum.reduceat(posting_lengths, starts).tolist()
    top_weights = np.maximum.reduceat(weights, starts).tolist()
    low_weights = np.minimum.reduceat(weights, starts).tolist()
    ids, gaps = array("I", docs.astype(np.uint32).tobytes()), array("I", deltas.astype(np.uint32).tobytes())
    weight_list, values = array("f", weights.tobytes()), freqs.astype(">u4").tobytes()
    postwriter = fieldwriter._postwriter
    limit = postwriter._blocklimit
    ends = grouped.bounds[first + 1:stop + 1]
    for index, (tbytes, end_at) in enumerate(zip(grouped.terms[first:stop], ends, strict=True)):
        a, b = grouped.bounds[first + index] - offset, end_at - offset
        if b - a > limit:
            fieldwriter.start_term(tbytes)
            term_freqs = array("I", freqs[a:b].astype(np.uint32).tobytes())
            _write_postings(postwriter, ids[a:b], weight_list[a:b], term_freqs, lengths, True)
            fieldwriter.finish_term()
            continue
        top, low = top_weights[index], low_weights[index]
        if low == top == 1.0:
            mini_weights = None
        elif low == top:
            mini_weights = weight_list[a]
        else:
            mini_weights = tuple(weight_list[a:b])
        minlength = min_lengths[index]
        _write_block_of(fieldwriter, tbytes, (tuple(gaps[a:b]), mini_weights, values[4 * a:4 * b]), ids[a],
                        ids[b - 1], sum(weight_list[a:b]), top if top > 0 else 0,
                        None if minlength == _NO_LENGTH else minlength, max_lengths[index])


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
    """Writes one new segment from many documents, its postings held in a `TermPool`;
    finished by `finish_segment`, committed by `add_segments` (search/bulk.py, merging.py).
    `count_terms` and `postings` say what a document's fields hold; subclasses may answer
    them faster."""

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, _lk=False, compound=False, **kwargs)  # see index.COMPOUND
        self.pool = TermPool()
        self.counted_fields = sorted(name for name, field in self.schema.items() if _fast_field(field))

    def add_document(self, **fields) -> None:
        """Supports the field features our schema uses: indexed, stored, columns."""
        schema, docnum, perdoc, pool = self.schema, self.docnum, self.perdocwriter, self.pool
        perdoc.start_doc(docnum)
        try:
            counted = self.count_terms(fields)
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
                    for tbytes, freq, weight, vbytes in self.postings(fieldname, field, value):
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

    def count_terms(self, fields: dict) -> dict[str, dict[str, int]]:
        """Term -> frequency of the document's counted fields (`counted_fields`), each
        text's words found once and counted in C; search/bulk.py refines it."""
        out = {}
        for fieldname in self.counted_fields:
            value = fields.get(fieldname)
            if value is not None:
                analyzer = self.schema[fieldname].analyzer
                out[fieldname] = analyzer.term_counts(analyzer.words_of(value))
        return out

    def postings(self, fieldname: str, field, value) -> Iterable[tuple]:
        """The postings of a field that is not counted: `field.index(value)`."""
        return field.index(value)

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
                grouped = self.pool.take_counted(fieldname)
                if grouped is not None:
                    _write_counted(writer, grouped, boost, field_lengths)
                for tbytes, (docs, weights, data, sizes) in self.pool.field_terms(fieldname):
                    values = self.pool.values_of(data, sizes)
                    if len(docs) <= block_limit:
                        block_values = [v for v in values if v]
                        _write_single_block(writer, tbytes, docs, weights, block_values, field_lengths, fixedsize)
                        continue
                    writer.start_term(tbytes)
                    _write_postings(postwriter, docs, weights, values, field_lengths, False)
                    writer.finish_term()
                writer.finish_field()
        finally:
            lengths.close()
        writer.close()

