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
  (`BulkSegmentWriter`, `finish_segment`, `add_segments`, `SealingWriter`);
- `FileIndex._read_toc` and `TOC._pattern` / `TOC._segment_pattern`: the table of contents
  and the file names of a generation (`read_toc`, `toc_file_patterns`).

Where a fast path is optional (lengths, posting blocks), its absence falls back to the
public API (slower, equally correct); `fast_paths_available()` says whether they are on.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable, Iterator

from whoosh import formats
from whoosh.codec import whoosh3
from whoosh.index import TOC
from whoosh.reading import TermNotFound
from whoosh.writing import SegmentWriter

from pan_platform.search.analysis import LanguageTokenizer

_EMPTY = b""

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


class TermPool:
    """Postings grouped by (field name, term bytes), in the order documents are added.

    Per term: document numbers and weights in arrays, and either the frequencies
    (fields of the Frequency format, whose encoded value is just the frequency) or the
    encoded values themselves (positions of the short text fields)."""

    def __init__(self) -> None:
        self.terms: dict[tuple[str, bytes], tuple[array, array, array | list]] = {}

    def add(self, item: tuple) -> None:
        """Whoosh's pool interface: (fieldname, tbytes, docnum, weight, vbytes)."""
        fieldname, tbytes, docnum, weight, vbytes = item
        entry = self.terms.get((fieldname, tbytes))
        if entry is None:
            entry = self.terms[(fieldname, tbytes)] = (array("I"), array("f"), [])
        entry[0].append(docnum)
        entry[1].append(weight)
        entry[2].append(vbytes or _EMPTY)

    def add_frequencies(self, fieldname: str, counts: dict[str, int], docnum: int, boost: float) -> None:
        terms = self.terms
        for text, freq in counts.items():
            key = (fieldname, text.encode("utf-8"))
            entry = terms.get(key)
            if entry is None:
                entry = terms[key] = (array("I"), array("f"), array("I"))
            entry[0].append(docnum)
            entry[1].append(freq * boost)
            entry[2].append(freq)

    def sorted_terms(self) -> Iterator[tuple[str, bytes, tuple]]:
        for key in sorted(self.terms):
            yield key[0], key[1], self.terms[key]

    def iter_postings(self) -> Iterator[tuple]:
        """Whoosh's pool interface, for callers that want plain postings."""
        for fieldname, tbytes, (docs, weights, values) in self.sorted_terms():
            for i, docnum in enumerate(docs):
                value = values[i]
                yield fieldname, tbytes, docnum, weights[i], formats.pack_uint(value) if isinstance(value, int) else value

    def cleanup(self) -> None:
        self.terms.clear()


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
        self._fast = {name for name, field in self.schema.items() if _fast_field(field)}

    def add_document(self, **fields) -> None:
        """Supports the field features our schema uses: indexed, stored, columns."""
        schema, docnum, perdoc, pool = self.schema, self.docnum, self.perdocwriter, self.pool
        perdoc.start_doc(docnum)
        try:
            for fieldname in sorted(fields):
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if fieldname in self._fast:
                    counts = Counter(field.analyzer.terms(value))
                    pool.add_frequencies(fieldname, counts, docnum, field.format.field_boost)
                    length = sum(counts.values()) if field.scorable else 0
                elif field.indexed:
                    for tbytes, freq, weight, vbytes in field.index(value):
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

    def _finish(self) -> None:
        # Whoosh names the temporary folder of every writer of an index "<index>.tmp";
        # a worker removing it would pull it from under the others. The final commit's
        # writer removes it once every segment is written.
        self.is_closed = True

    def _flush_segment(self) -> None:
        """Write the postings term by term through the codec's field writer."""
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        writer = self.fieldwriter
        try:
            current = None
            for fieldname, tbytes, (docs, weights, values) in self.pool.sorted_terms():
                if fieldname != current:
                    if current is not None:
                        writer.finish_field()
                    writer.start_field(fieldname, self.schema[fieldname])
                    current = fieldname
                    field_length = lengths.doc_field_length
                writer.start_term(tbytes)
                frequencies = isinstance(values, array)
                for i, docnum in enumerate(docs):
                    value = formats.pack_uint(values[i]) if frequencies else values[i]
                    writer.add(docnum, weights[i], value, field_length(docnum, fieldname))
                writer.finish_term()
            if current is not None:
                writer.finish_field()
        finally:
            lengths.close()
        writer.close()
