"""Is the index on disk whole? Checksums written at commit, checked cheaply and fully.

A segment's files never change once written (deletions live in the table of contents),
so each commit writes, next to every new segment, `<segment>.sums`: the size and CRC-32
of each of its files. Whoosh reads a truncated or overwritten file without complaint and
answers wrong counts, so damage must be looked for:

- `quick_problems()` (for /healthz): every file of the live segments is present with its
  recorded size; a few `stat()` calls, the checksums are read once per segment and process;
- `full_problems()` (for `pan check-index`): the CRC-32 of every file, then every posting
  list, field length, column and stored document of every segment is read.

The `.sums` file matches Whoosh's segment file pattern, so it is kept and removed with
its segment. Segments written before checksums existed have none: they are read fully
by check-index, and `pan reindex` writes them anew.
"""

from __future__ import annotations

import json
import os
import threading
import zlib
from pathlib import Path

from whoosh.reading import SegmentReader

from pan_platform.search import whoosh_internals
from pan_platform.search.engine import _read_postings, _segment_lengths

SUMS_EXT = ".sums"
_CHUNK = 1 << 20
_sums_cache: dict[tuple[str, str], dict | None] = {}  # (folder, segment id) -> sums
_cache_lock = threading.Lock()


def _prefix(segment) -> str:
    return segment.make_filename(".")


def _sums_path(folder: Path, segment) -> Path:
    return folder / segment.make_filename(SUMS_EXT)


def _crc(path: Path) -> int:
    crc = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            crc = zlib.crc32(chunk, crc)
    return crc


def seal(folder: Path, segment) -> None:
    """Record the size and checksum of each file of `segment`, once (before its commit)."""
    path = _sums_path(folder, segment)
    if path.exists():
        return
    prefix = _prefix(segment)
    sums = {
        name: [os.path.getsize(folder / name), _crc(folder / name)]
        for name in sorted(os.listdir(folder))
        if name.startswith(prefix) and name != path.name
    }
    tmp = folder / ("." + path.name + ".tmp")
    with open(tmp, "w", encoding="ascii") as fh:
        json.dump(sums, fh)  # no fsync: a segment whose sums were lost counts as unsealed
    os.replace(tmp, path)


def seal_all(ix) -> None:
    folder = Path(ix.storage.folder)
    for segment in whoosh_internals.read_toc(ix).segments:
        seal(folder, segment)


def _sums(folder: Path, segment) -> dict | None:
    """The recorded sums of a segment (cached: a segment never changes), None if absent."""
    key = (str(folder), segment.segment_id())
    with _cache_lock:
        if key in _sums_cache:
            return _sums_cache[key]
    try:
        sums = json.loads(_sums_path(folder, segment).read_text(encoding="ascii"))
    except FileNotFoundError:
        return None
    except ValueError:
        sums = {"": [-1, 0]}  # an unreadable checksum file is damage too
    with _cache_lock:
        if len(_sums_cache) > 10_000:
            _sums_cache.clear()
        _sums_cache[key] = sums
    return sums


def quick_problems(ix) -> list[str]:
    """Files of the live segments missing or of another size than when written."""
    folder = Path(ix.storage.folder)
    problems = []
    for segment in whoosh_internals.read_toc(ix).segments:
        sums = _sums(folder, segment)
        for name, (size, _crc32) in (sums or {}).items():
            try:
                actual = os.path.getsize(folder / name)
            except OSError:
                actual = None
            if actual != size:
                problems.append(f"{name}: {actual} bytes, {size} written")
    return problems


def full_problems(ix) -> tuple[list[str], int]:
    """Checksums and a complete read of every segment: (problems, segments without sums)."""
    folder = Path(ix.storage.folder)
    toc = whoosh_internals.read_toc(ix)
    problems, unsealed = quick_problems(ix), 0
    for segment in toc.segments:
        sums = _sums(folder, segment)
        if sums is None:
            unsealed += 1
        for name, (size, crc32) in (sums or {}).items():
            path = folder / name
            if path.exists() and path.stat().st_size == size and _crc(path) != crc32:
                problems.append(f"{name}: checksum differs")
        try:
            _read_segment(ix.storage, toc.schema, segment)
        except Exception as error:  # any failure to read is damage
            problems.append(f"{segment.segment_id()}: {type(error).__name__}: {error}")
    return problems, unsealed


def _read_segment(storage, schema, segment) -> None:
    """Read everything a search may read from one segment; raise on anything wrong."""
    reader = SegmentReader(storage, schema, segment)
    try:
        size = segment.doc_count_all()
        for fieldname, tbytes in reader.all_terms():
            docs, _weights = _read_postings(reader, fieldname, tbytes)
            if len(docs) and (docs.min() < 0 or docs.max() >= size):
                raise ValueError(f"posting of {fieldname!r} beyond the segment's {size} documents")
        for fieldname, field in schema.items():
            if field.scorable:
                lengths = _segment_lengths(reader, fieldname, size)
                if len(lengths) != size:
                    raise ValueError(f"{len(lengths)} lengths of {fieldname!r} for {size} documents")
            if field.column_type is not None and reader.has_column(fieldname):
                if sum(1 for _value in reader.column_reader(fieldname)) != size:
                    raise ValueError(f"column {fieldname!r} does not hold {size} values")
        for docnum in range(size):
            reader.stored_fields(docnum)
    finally:
        reader.close()

