"""The bulk segment builder writes the same index as Whoosh's own writer."""

from __future__ import annotations

import random
import zlib

import pytest
from whoosh import formats
from whoosh import index as whoosh_index

from pan_platform.search import bulk, whoosh_internals
from pan_platform.search.documents import build_document
from pan_platform.search.schema import build_schema

WORDS = {
    "en": "police training officers investigation evidence victims border the of and".split(),
    "ru": "полиция полицейских расследование обучение сотрудники и в на".split(),
    "de": "Polizei Ermittlungen Ermittlung Ausbildung Beamte und der die".split(),
    "ar": "الشرطة التحقيق التدريب الضباط".split(),
}


def records(count: int) -> list[dict]:
    rng = random.Random(7)
    out = []
    for item_id in range(1, count + 1):
        lang = rng.choice(sorted(WORDS))
        words = WORDS[lang]

        def text(n: int, words=words) -> str:
            return " ".join(rng.choice(words) for _ in range(n))

        out.append({
            "id": item_id, "kind": "material", "language": lang,
            "texts": [{"lang": lang, "title": text(4), "summary": text(12), "outcomes": text(6)}],
            "keywords": [rng.choice(words)], "body": text(rng.randint(0, 300)), "body_lang": lang,
            "academy": f"academy-{item_id % 3}", "country": "AT", "areas": ["cybercrime"],
            "languages": [lang], "type": "handbook", "audience": None, "level": "advanced",
            "state": "published", "published": 1_600_000_000 + item_id,
            "principals": ["public"] if item_id % 2 else ["network", f"org:{item_id % 3}"],
        })
    return out


def contents(path) -> dict:
    """Everything a reader sees, keyed by item id instead of document number."""
    reader = whoosh_index.open_dir(str(path)).reader()
    ids = {docnum: stored["id"] for docnum, stored in reader.iter_docs()}
    postings = {}
    for fieldname, text in reader.all_terms():
        matcher = reader.postings(fieldname, text)
        found = {}
        while matcher.is_active():
            found[ids[matcher.id()]] = (round(matcher.weight(), 4), matcher.value())
            matcher.next()
        postings[(fieldname, text)] = found
    names = reader.schema.scorable_names()
    # Whoosh answers None for a zero length in a segment that has the field, and 0 in
    # one that has not: both mean "no words".
    lengths = {(ids[d], name): reader.doc_field_length(d, name) or 0 for d in ids for name in names}
    stored = {ids[d]: fields for d, fields in reader.iter_docs()}
    columns = {
        name: {ids[d]: value for d, value in enumerate(reader.column_reader(name)) if d in ids}
        for name in ("published", "item_id", "facets")
    }
    reader.close()
    return {"postings": postings, "lengths": lengths, "stored": stored, "columns": columns}


def test_bulk_segments_equal_whoosh_segment(tmp_path):
    docs = [build_document(r) for r in records(40)]
    plain, built = tmp_path / "plain", tmp_path / "bulk"
    plain.mkdir()
    built.mkdir()
    ix = whoosh_index.create_in(str(plain), build_schema())
    writer = ix.writer()
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    whoosh_index.create_in(str(built), build_schema())
    # Several chunks in two worker processes: several segments, in any order.
    assert bulk.build_segments(built, iter(docs), procs=2, chunk_docs=7) == 40
    ix_built = whoosh_index.open_dir(str(built))
    with ix_built.reader() as reader:
        assert len(reader.leaf_readers()) == 6
    expected, actual = contents(plain), contents(built)
    assert actual["postings"] == expected["postings"]
    assert actual["lengths"] == expected["lengths"]
    assert actual["stored"] == expected["stored"]
    assert actual["columns"] == expected["columns"]
    assert not list(built.glob("*.tmp")) and not list(built.glob("chunks-*"))


def test_bulk_build_in_one_process_and_empty_input(tmp_path):
    whoosh_index.create_in(str(tmp_path), build_schema())
    assert bulk.build_segments(tmp_path, iter([]), procs=1) == 0
    assert whoosh_index.open_dir(str(tmp_path)).doc_count() == 0
    docs = [build_document(r) for r in records(5)]
    assert bulk.build_segments(tmp_path, iter(docs), procs=1, chunk_docs=2) == 5
    assert whoosh_index.open_dir(str(tmp_path)).doc_count() == 5


def test_a_failing_document_source_leaves_nothing_behind(tmp_path):
    whoosh_index.create_in(str(tmp_path), build_schema())

    def documents():
        yield from (build_document(r) for r in records(10))
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError, match="went away"):
        bulk.build_segments(tmp_path, documents(), procs=2, chunk_docs=3)
    assert not list(tmp_path.glob("chunks-*"))
    assert whoosh_index.open_dir(str(tmp_path)).doc_count() == 0  # nothing was committed


def test_blocks_under_the_threshold_are_stored_uncompressed(tmp_path):
    """zlib makes a tiny block longer: the bulk writer stores blocks under MIN_COMPRESSED
    bytes as they are (their info says so) and compresses the others; the test above
    shows that both read back as Whoosh's own writer's."""
    whoosh_index.create_in(str(tmp_path), build_schema())
    assert bulk.build_segments(tmp_path, iter([build_document(r) for r in records(40)]), procs=1) == 40
    sizes = {True: [], False: []}  # compressed? -> pickle sizes
    with whoosh_index.open_dir(str(tmp_path)).reader() as reader:
        for fieldname, tbytes in reader.all_terms():
            matcher = whoosh_internals.term_matcher(reader, fieldname, tbytes)
            while not matcher._atend:
                raw = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
                compressed = bool(matcher._compression)
                sizes[compressed].append(len(zlib.decompress(raw) if compressed else raw))
                matcher._next_block()
    assert sizes[False] and max(sizes[False]) < whoosh_internals.MIN_COMPRESSED
    assert sizes[True] and min(sizes[True]) >= whoosh_internals.MIN_COMPRESSED


def test_counted_postings_are_grouped_by_term_in_document_order():
    """Document numbers and frequencies beyond 16 bits keep their value (the arrays widen)."""
    field = whoosh_internals.CountedField()
    documents = [(3, {"b": 2, "a": 1}), (70_000, {"a": 80_000, "c": 1}), (70_001, {}), (70_002, {"c": 5, "b": 1})]
    for docnum, counts in documents:
        field.add(counts, docnum)
    grouped = field.grouped()
    found = {
        term: list(zip(grouped.docs[a:b].tolist(), grouped.freqs[a:b].tolist(), strict=True))
        for term, a, b in zip(grouped.terms, grouped.bounds[:-1], grouped.bounds[1:], strict=True)
    }
    assert found == {b"a": [(3, 1), (70_000, 80_000)], b"b": [(3, 2), (70_002, 1)], b"c": [(70_000, 1), (70_002, 5)]}
    assert list(found) == grouped.terms == sorted(grouped.terms)


def test_counted_fields_written_a_slab_at_a_time_equal_whoosh_segment(tmp_path, monkeypatch):
    """Slabs of one term, of a few and the default: the same index as Whoosh's own, with
    terms of more postings than a block holds (128) in the counted fields."""
    docs = [build_document(r) for r in records(600)]
    plain = tmp_path / "plain"
    plain.mkdir()
    writer = whoosh_index.create_in(str(plain), build_schema()).writer()
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    expected = contents(plain)
    assert max(len(found) for (field, _text), found in expected["postings"].items() if field == "neutral") > 128
    for slab in (1, 5000, whoosh_internals.SLAB_POSTINGS):
        monkeypatch.setattr(whoosh_internals, "SLAB_POSTINGS", slab)
        built = tmp_path / f"slab-{slab}"
        built.mkdir()
        whoosh_index.create_in(str(built), build_schema())
        assert bulk.build_segments(built, iter(docs), procs=1) == 600
        actual = contents(built)
        assert actual["postings"] == expected["postings"]
        assert actual["lengths"] == expected["lengths"]


def test_the_pool_gives_plain_postings_in_field_and_term_order():
    """Whoosh's pool interface (`iter_postings`), for a counted and an added field."""
    pool = whoosh_internals.TermPool()
    pool.add_frequencies("body_en", {"police": 2, "border": 1}, 0)
    pool.add_frequencies("body_en", {"police": 1}, 3)
    pool.add(("academy", b"a-1", 0, 1.0, b""))
    pool.add(("academy", b"a-1", 3, 1.0, b""))
    assert list(pool.iter_postings({"body_en": 0.5})) == [
        ("academy", b"a-1", 0, 1.0, b""),
        ("academy", b"a-1", 3, 1.0, b""),
        ("body_en", b"border", 0, 0.5, formats.pack_uint(1)),
        ("body_en", b"police", 0, 1.0, formats.pack_uint(2)),
        ("body_en", b"police", 3, 0.5, formats.pack_uint(1)),
    ]
    assert list(pool.iter_postings()) == []  # the pool is empty once read
