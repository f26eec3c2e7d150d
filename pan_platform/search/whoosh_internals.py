"""Every use of Whoosh's private internals, in one place (Whoosh-Reloaded 2.7.x, codec "whoosh3").

The rest of the search package uses Whoosh's public API only. What this module relies on,
each checked by tests/search/test_whoosh_internals.py, so an upgrade of Whoosh-Reloaded
that changes one of them fails a test instead of a search in production:

- `whoosh3.W3PerDocReader._cached_reader`, `_readers`, `whoosh3.LENGTHS_COLUMN` and
  `whoosh3._lenfield`: field lengths loaded once per segment (`install_lengths_in_memory`,
  `length_column`);
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
from collections.abc import Callable, Iterable, Iterator
from itertools import chain

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
            reader = reader.load()  # array('B'): one byte per document
        readers[fieldname] = reader  # None too: the column does not exist in this segment
        return reader

    reader_class._cached_reader = _cached_reader
    setattr(reader_class, _INSTALLED_FLAG, True)


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


# Postings are written a block at a time. A rebuild's documents arrive in document-number order, so postings grouped by term as
# they come are already sorted (search/bulk.py). The segment is written through the codec's
# field writer, most terms in one step (`_write_single_block`), producing the bytes Whoosh's
# own writer produces (tests/search/test_bulk.py and test_index_content.py compare them).


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


# A block shorter than MIN_COMPRESSED bytes grows when compressed (zlib's header and
# checksum outweigh what it saves): it is stored as it is, its info saying so
# (compression 0), as Whoosh's own writer means to for blocks under 20 bytes.
MIN_COMPRESSED = 64
_length_byte = functools.lru_cache(maxsize=None)(length_to_byte)  # a bisection per call otherwise


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
    data = (tuple(map(operator.sub, ids, chain((0,), ids))), mini_weights, mini_values)
    databytes = pickle.dumps(data, 2)
    comp = postwriter._compression if len(databytes) >= MIN_COMPRESSED else 0
    if comp:
        databytes = zlib.compress(databytes, comp)
    last = ids[-1]
    infobytes = pickle.dumps((len(ids), last, maxweight, comp, _length_byte(minlength),
                              _length_byte(maxlength)), 2)
    # Header, size (negative: the last block), info and data, written in one call.
    block = b"".join((whoosh3.WHOOSH3_HEADER_MAGIC, pack_int(-(len(infobytes) + len(databytes))),
                      infobytes, databytes))
    postfile.write(block)
    terminfo = whoosh3.W3TermInfo(sum(weights), len(ids), minlength, maxlength, maxweight, ids[0], last)
    terminfo.set_extent(start, len(block))
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
                for tbytes, postings in self.pool.field_terms(fieldname):
                    if isinstance(postings, array):  # counted: docs and frequencies interleaved
                        docs, values, fixed = postings[0::2], postings[1::2], True
                        weights = array("f", values if boost == 1.0 else [freq * boost for freq in values])
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

