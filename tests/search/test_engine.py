"""The array engine matches and scores as Whoosh's own matchers do."""

from __future__ import annotations

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.query import And, Or, Term

from pan_platform.search import bulk, engine
from pan_platform.search.documents import build_document
from pan_platform.search.query import parse_user_query, query_languages, restriction
from pan_platform.search.schema import build_schema
from tests.search.test_bulk import records

QUERIES = [
    "police", "police training", '"police training"', "police OR полиция", "police NOT training",
    "police ANDNOT border", "training ANDMAYBE evidence", "Ermittlungen", "полицейских",
    "title:police", "keyword:Polizei", "(police OR officers) victims", "NOT police", "الشرطة",
    '"Ermittlung Ausbildung"', "nosuchword", "police nosuchword", "police OR nosuchword",
]


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    """Several segments (bulk chunks) and deleted documents, as a live index has."""
    path = tmp_path_factory.mktemp("engine")
    whoosh_index.create_in(str(path), build_schema())
    bulk.build_segments(path, [build_document(r) for r in records(60)], procs=1, chunk_docs=25)
    ix = whoosh_index.open_dir(str(path))
    writer = ix.writer()
    for item_id in (3, 30, 55):
        writer.delete_by_term("id", str(item_id))
    writer.commit(merge=False)
    with ix.searcher() as s:
        assert len(s.reader().leaf_readers()) == 3 and s.reader().has_deletions()
        yield s


@pytest.mark.parametrize("text", QUERIES)
def test_matches_and_scores_equal_whoosh(searcher, text):
    for lang in ("en", "ru", "de"):
        q = parse_user_query(text, query_languages(lang, None, text), searcher.schema)
        if q is None:
            continue
        expected = {hit.docnum: hit.score for hit in searcher.search(q, limit=None)}
        mask, scores = engine.Evaluator(engine.IndexArrays(searcher)).evaluate(q)
        assert set(np.flatnonzero(mask).tolist()) == set(expected), (text, lang)
        for docnum, score in expected.items():
            assert scores[docnum] == pytest.approx(score, rel=1e-5), (text, lang, docnum)


def test_the_access_mask_is_the_principals_query(searcher):
    arrays = engine.IndexArrays(searcher)
    for principals in ({"public"}, {"network", "org:1"}, {"org:2"}, set()):
        expected = set(searcher.docs_for_query(Or([Term("principals", p) for p in principals])))
        mask = engine.allowed_mask(arrays, restriction(frozenset(principals), {}))
        assert set(np.flatnonzero(mask).tolist()) == expected
        with_filter = engine.allowed_mask(arrays, restriction(frozenset(principals), {"academy": "academy-1"}))
        academy = set(searcher.docs_for_query(Term("academy", "academy-1")))
        assert set(np.flatnonzero(with_filter).tolist()) == expected & academy
    everything = engine.allowed_mask(arrays, None)
    assert engine.count(everything) == searcher.doc_count() == 57


def test_facet_counts_and_order(searcher):
    arrays = engine.IndexArrays(searcher)
    mask = engine.allowed_mask(arrays, None)
    facets = engine.facet_counts(arrays, mask)
    # Items 3 and 30 (academy-0) and 55 (academy-1) were deleted.
    assert facets["academy"] == [("academy-2", 20), ("academy-1", 19), ("academy-0", 18)]
    half = mask & engine.allowed_mask(arrays, restriction(frozenset({"public"}), {}))
    assert dict(engine.facet_counts(arrays, half)["academy"]) == {
        value: len(set(searcher.docs_for_query(Term("academy", value))) & set(np.flatnonzero(half).tolist()))
        for value in ("academy-0", "academy-1", "academy-2")
    }
    newest = engine.top(arrays, mask, None, 5)
    published = [searcher.stored_fields(d)["id"] for d in newest]
    assert published == ["60", "59", "58", "57", "56"]


def test_at_least_counts_matching_parts_and_ranks_by_that_count(searcher):
    """"Most of these words", checked against each part as Whoosh matches and scores it."""
    words = ["police", "training", "evidence", "border"]
    parts = [Or([Term("title_en", w), Term("body_en", w)]) for w in ["polic", "train", "evid", "border"]]
    q = engine.AtLeast(parts, minimum=3)
    per_part = [{hit.docnum: hit.score for hit in searcher.search(p, limit=None)} for p in parts]
    mask, scores = engine.Evaluator(engine.IndexArrays(searcher)).evaluate(q)
    counts = {d: sum(d in found for found in per_part) for found in per_part for d in found}
    expected = {d for d, n in counts.items() if n >= 3}
    assert expected and set(np.flatnonzero(mask).tolist()) == expected, words
    for docnum in expected:
        bm25 = scores[docnum] - engine.MATCHED_WORD_RANK * counts[docnum]
        assert bm25 == pytest.approx(sum(found.get(docnum, 0.0) for found in per_part), rel=1e-5)
    # All of them needed: an And, which Whoosh itself evaluates.
    assert isinstance(engine.AtLeast(parts, minimum=4).normalize(), And)
    assert engine.AtLeast(parts[:1], minimum=1).normalize() == parts[0]
