"""Field lengths held in memory per segment reader.

Whoosh (2.7.x, codec "whoosh3") asks the per-document reader for a document's field
length once per posting while writing a segment, and once per matched document and
scored field while scoring. Out of the box each call seeks and reads one byte from the
length column file, and for a field without lengths (not scorable: ids, principals,
spelling words) it checks whether the column file exists on disk, i.e. one `stat()` per
posting. Profiling the bench showed these calls at about a quarter of segment writing.

`install()` makes the reader load a length column once (1 byte per document and scored
field) and remember a missing one. Segments are immutable once written, so neither can
go stale. Applied only to the codec class it was written for; with any other Whoosh the
original behaviour stays (slower, equally correct).
"""

from __future__ import annotations

from whoosh.codec import whoosh3

_INSTALLED_FLAG = "_pan_lengths_in_memory"


def install() -> None:
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
