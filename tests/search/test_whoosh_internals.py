"""The Whoosh-internals boundary (search/whoosh_internals.py).

The fast paths must be on with the Whoosh-Reloaded we pin: an upgrade that renames one of
the internals they use fails here. And the public-API fallbacks, which production never
runs while the fast paths are on, must give the same matches and scores.
"""

from __future__ import annotations

import os
from array import array
from pathlib import Path

import numpy as np
import pytest
from whoosh import columns, fields
from whoosh import index as whoosh_index
from whoosh.codec import whoosh3
from whoosh.util.numeric import byte_to_length

from pan_platform.search import bulk, engine, whoosh_internals
from pan_platform.search.documents import build_document
from pan_platform.search.query import parse_user_query, query_languages
from pan_platform.search.schema import build_schema
from tests.search.test_bulk import records
from tests.search.test_engine import QUERIES, searcher  # noqa: F401  (the module's fixture)


def test_the_fast_paths_are_on_with_the_installed_whoosh(searcher):  # noqa: F811
    assert whoosh_internals.fast_paths_available()
    for reader, _offset in searcher.reader().leaf_readers():
        matcher = whoosh_internals.term_matcher(reader, "principals", b"public")
        assert isinstance(matcher, whoosh3.W3LeafMatcher)
        blocks = whoosh_internals.read_blocks(matcher)
        assert blocks and sum(count for _ids, _weights, count in blocks) > 0
        column = whoosh_internals.length_column(reader, "body_en")
        assert isinstance(column, array) and len(column) == reader.doc_count_all()
        assert whoosh_internals.term_matcher(reader, "principals", b"no-such-principal") is None


def _evaluate_all(searcher) -> dict:  # noqa: F811
    results = {}
    for text in QUERIES:
        for lang in ("en", "ru", "de"):
            q = parse_user_query(text, query_languages(lang, None, text), searcher.schema)
            if q is not None:
                mask, scores = engine.Evaluator(engine.IndexArrays(searcher)).evaluate(q)
                results[(text, lang)] = (np.flatnonzero(mask).tolist(), scores[mask])
    return results


def test_the_public_api_fallbacks_give_the_same_results(searcher, monkeypatch):  # noqa: F811
    fast = _evaluate_all(searcher)
    calls = {"blocks": 0, "lengths": 0}

    def no_blocks(matcher):
        calls["blocks"] += 1
        return None

    def no_lengths(reader, fieldname):
        calls["lengths"] += 1
        return None

    monkeypatch.setattr(whoosh_internals, "read_blocks", no_blocks)
    monkeypatch.setattr(whoosh_internals, "length_column", no_lengths)
    # Nothing cached by the fast run may answer the slow one.
    monkeypatch.setattr(engine, "_segment_data", engine._LRU(1 << 30))
    monkeypatch.setattr(engine, "_postings", engine._LRU(1 << 30))
    slow = _evaluate_all(searcher)
    assert calls["blocks"] > 0 and calls["lengths"] > 0  # the fallbacks ran
    assert slow.keys() == fast.keys()
    for key, (docs, scores) in fast.items():
        assert slow[key][0] == docs, key
        assert slow[key][1] == pytest.approx(scores, rel=1e-6), key


def test_toc_file_patterns_name_every_file_of_an_index(tmp_path):
    whoosh_index.create_in(str(tmp_path), build_schema())
    bulk.build_segments(tmp_path, [build_document(r) for r in records(30)], procs=1, chunk_docs=10)
    ix = whoosh_index.open_dir(str(tmp_path))
    assert len(whoosh_internals.read_toc(ix).segments) == 3
    toc_name, segment_name = whoosh_internals.toc_file_patterns(ix.indexname)
    names = [n for n in os.listdir(tmp_path) if not n.startswith(".") and not n.endswith("WRITELOCK")]
    assert any(toc_name.match(n) for n in names)
    assert names and [n for n in names if not (toc_name.match(n) or segment_name.match(n))] == []


def _names_used_by(cls) -> set[str]:
    return {name for f in vars(cls).values() if callable(f) and hasattr(f, "__code__") for name in f.__code__.co_names}


def test_the_block_writer_finds_the_codec_internals_it_writes_through():
    """The names `_write_single_block` and `_write_postings` use; that their bytes equal
    Whoosh's own is checked by test_bulk.py and test_index_content.py."""
    assert {"_blocklimit", "_compression", "_ids", "_weights", "_values", "_maxweight", "_minlength",
            "_maxlength"} <= _names_used_by(whoosh3.W3PostingsWriter)
    assert callable(whoosh3.W3PostingsWriter._write_block)
    assert {"_postwriter", "_postfile", "_tindex", "_fieldid"} <= _names_used_by(whoosh3.W3FieldWriter)
    assert isinstance(whoosh3.WHOOSH3_HEADER_MAGIC, bytes) and callable(whoosh3.W3TermInfo.set_extent)


PRIVATE_NAMES = ("_read_toc", "_finalize_segment", "_commit_toc", "_merge_segments", "_close_segment",
                 "_cached_reader", "._terms", "._perdoc", "_blocklength", "_read_data", "_next_block", "_atend",
                 "TOC._", "_lenfield", "whoosh.codec", "whoosh.writing import SegmentWriter",
                 "_postwriter", "_postfile", "_tindex", "_blocklimit", "_write_block", "pack_ushort",
                 "length_to_byte", "perdocwriter", "fieldwriter")


def test_no_other_module_touches_whoosh_internals():
    folder = Path(whoosh_internals.__file__).parent
    found = [
        (path.name, name)
        for path in sorted(folder.glob("*.py")) if path.name != "whoosh_internals.py"
        for name in PRIVATE_NAMES if name in path.read_text()
    ]
    assert found == []


def test_columns_read_whole_equal_whoosh_reading_them_value_by_value(tmp_path):
    """Length and sort columns are read in one call: the same values as Whoosh's own
    reading, also when the last documents have none (a column stores fewer values than
    the segment has documents, the rest being its default)."""
    schema = fields.Schema(id=fields.ID(stored=True), body=fields.TEXT,
                           published=fields.COLUMN(columns.NumericColumn("q", default=0)))
    writer = whoosh_index.create_in(str(tmp_path), schema).writer()
    writer.add_document(id="1", body="alpha beta gamma", published=5)
    writer.add_document(id="2", body=" ".join(["word"] * 300), published=-7)
    writer.add_document(id="3")
    writer.add_document(id="4")
    writer.commit()
    with whoosh_index.open_dir(str(tmp_path)).reader() as reader:
        assert whoosh_internals.numeric_column(reader, "published").tolist() == [5, -7, 0, 0]
        assert list(reader.column_reader("published")) == [5, -7, 0, 0]
        raw = reader._perdoc.column_reader(whoosh3._lenfield("body"), whoosh3.LENGTHS_COLUMN)
        assert raw._count < raw._doccount == 4
        loaded = whoosh_internals._load_lengths(raw)
        assert isinstance(loaded, array) and loaded.tolist() == list(raw.load())
        assert [byte_to_length(code) for code in loaded] == [reader.doc_field_length(d, "body", 0) or 0 for d in range(4)]
        assert whoosh_internals.numeric_column(reader, "id") is None  # not a numeric column
