"""Query evaluation over arrays: matching, BM25F scores, access and facet filters,
counts, facet counts and ordering, with numpy.

Whoosh stays the index: its files, term dictionary, posting lists, stored fields and
query parser. Its matchers walk a posting list one document at a time in Python; at
50,000 materials a common word in 15,000 bodies made a query cost a third of a second,
most of it there. Here a posting list is read a block at a time into arrays, and a
query becomes array operations over every document of the index at once:

- a term gives (matched mask, BM25F score) — the same formula, statistics and field
  lengths as Whoosh's own `BM25F` weighting;
- And / Or / Not / AndNot / AndMaybe / Require / DisjunctionMax combine them as Whoosh's
  matchers do (sums of the matching parts; the maximum for DisjunctionMax);
- AtLeast (defined here: "most of these words") counts the matching parts per document;
- anything else (phrases: they need positions) is matched by Whoosh itself.

The access filter is a query object, Or(Term("principals", p) for the user's principals),
built by query.restriction() from the access module's principals and evaluated here
into a mask with the facet filters; every count, facet count, page, snippet, suggestion
and correction is computed within it, so a document the user may not read never shows.

`IndexArrays` belongs to one Whoosh searcher (one index version). Per-segment data
(posting lists, facet pairs, sort keys, field lengths) is cached by segment id and
survives small commits, which add a segment or delete documents but never change one.
"""

from __future__ import annotations

import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable

import numpy as np
from whoosh import query as wq
from whoosh.util.numeric import byte_to_length

from pan_platform.search import whoosh_internals
from pan_platform.search.schema import FACET_SEPARATOR, FACETS

_BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
_EMPTY_DOCS = np.zeros(0, dtype=np.int64)
_EMPTY_WEIGHTS = np.zeros(0, dtype=np.float64)


class _LRU:
    """A small thread-safe LRU cache bounded by the summed size of its values."""

    def __init__(self, budget: int) -> None:
        self.budget, self.used = budget, 0
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._items.get(key)
            if entry is None:
                return None
            self._items.move_to_end(key)
            return entry[0]

    def put(self, key, value, size: int) -> None:
        with self._lock:
            if key in self._items:
                return
            self._items[key] = (value, size)
            self.used += size
            while self.used > self.budget and len(self._items) > 1:
                _key, (_value, old) = self._items.popitem(last=False)
                self.used -= old

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.used = 0


# Shared by all searchers of the process; keyed by segment id, which never changes content.
_postings = _LRU(64 * 1024 * 1024)  # (segment, field, term) -> (local docnums, weights)
_segment_data = _LRU(128 * 1024 * 1024)  # (segment, what) -> arrays


def _segment_key(reader) -> str | None:
    segment = getattr(reader, "segment", None)
    return segment().segment_id() if callable(segment) else None


def _read_postings(reader, fieldname: str, tbytes: bytes) -> tuple[np.ndarray, np.ndarray]:
    """All (docnum, weight) of a term in one segment, deleted documents included."""
    matcher = whoosh_internals.term_matcher(reader, fieldname, tbytes)
    if matcher is None:
        return _EMPTY_DOCS, _EMPTY_WEIGHTS
    blocks = whoosh_internals.read_blocks(matcher)
    if blocks is not None:
        return _from_blocks(blocks)
    docs, weights = [], []  # Whoosh's public matcher API: one posting at a time
    while matcher.is_active():
        docs.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return np.array(docs, dtype=np.int64), np.array(weights, dtype=np.float64)


def _from_blocks(blocks: list[tuple]) -> tuple[np.ndarray, np.ndarray]:
    """Block by block: ids are delta-encoded (a cumulative sum), weights an array, one
    float for a block of equal weights, or None for all 1.0 (see W3PostingsWriter)."""
    ids, weights = [], []
    for raw_ids, raw_weights, count in blocks:
        ids.append(np.cumsum(np.asarray(raw_ids, dtype=np.int64)))
        if raw_weights is None:
            weights.append(np.ones(count))
        elif isinstance(raw_weights, float):
            weights.append(np.full(count, raw_weights))
        else:
            weights.append(np.asarray(raw_weights, dtype=np.float64))
    if not ids:
        return _EMPTY_DOCS, _EMPTY_WEIGHTS
    return np.concatenate(ids), np.concatenate(weights)


def _segment_lengths(reader, fieldname: str, size: int) -> np.ndarray:
    """Field length per document of one segment (Whoosh's byte-quantised lengths)."""
    column = whoosh_internals.length_column(reader, fieldname)
    if isinstance(column, array) and len(column) == size:  # loaded whole (whoosh_internals)
        return _BYTE_TO_LENGTH[np.frombuffer(column, dtype=np.uint8)]
    return np.array([reader.doc_field_length(d, fieldname, 0) or 0 for d in range(size)], dtype=np.float64)


class IndexArrays:
    """Array views of one searcher's index: see the module docstring."""

    def __init__(self, searcher) -> None:
        self.searcher = searcher
        self.leaves = [(sub.reader(), offset) for sub, offset in searcher.leaf_searchers()]
        self.size = searcher.reader().doc_count_all()
        self.live = np.ones(self.size, dtype=bool)
        for reader, offset in self.leaves:
            if reader.has_deletions():
                deleted = np.fromiter(reader.deleted_docs_set, dtype=np.int64)
                self.live[deleted + offset] = False
        self._masks: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lengths: dict[str, np.ndarray] = {}
        self._facets: tuple[list[str], np.ndarray, np.ndarray] | None = None
        self._sort_keys: tuple[np.ndarray, np.ndarray] | None = None

    # -- per-segment data ----------------------------------------------------------------

    def _cached(self, reader, what: str, build):
        key = _segment_key(reader)
        value = _segment_data.get((key, what)) if key else None
        if value is None:
            value = build()
            if key:
                _segment_data.put((key, what), value, _nbytes(value))
        return value

    def postings(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Global docnums and weights of a term, live documents only."""
        field = self.searcher.schema[fieldname] if fieldname in self.searcher.schema else None
        if field is None:
            return _EMPTY_DOCS, _EMPTY_WEIGHTS
        tbytes = field.to_bytes(text) if isinstance(text, str) else text
        parts_d, parts_w = [], []
        for reader, offset in self.leaves:
            key = (_segment_key(reader), fieldname, tbytes)
            found = _postings.get(key) if key[0] else None
            if found is None:
                found = _read_postings(reader, fieldname, tbytes) if (fieldname, tbytes) in reader else (
                    _EMPTY_DOCS, _EMPTY_WEIGHTS)
                if key[0]:
                    _postings.put(key, found, found[0].nbytes + found[1].nbytes + 64)
            if len(found[0]):
                parts_d.append(found[0] + offset)
                parts_w.append(found[1])
        if not parts_d:
            return _EMPTY_DOCS, _EMPTY_WEIGHTS
        docs, weights = np.concatenate(parts_d), np.concatenate(parts_w)
        keep = self.live[docs]
        return docs[keep], weights[keep]

    def lengths(self, fieldname: str) -> np.ndarray:
        found = self._lengths.get(fieldname)
        if found is None:
            parts = [
                self._cached(reader, f"len:{fieldname}",
                             lambda r=reader: _segment_lengths(r, fieldname, r.doc_count_all()))
                for reader, _offset in self.leaves
            ]
            found = self._lengths[fieldname] = np.concatenate(parts) if parts else np.zeros(0)
        return found

    def term_mask(self, fieldname: str, text: str) -> np.ndarray:
        """Live documents containing a term (filter fields: principals, areas, ...)."""
        key = (fieldname, text)
        mask = self._masks.get(key)
        if mask is None:
            mask = np.zeros(self.size, dtype=bool)
            mask[self.postings(fieldname, text)[0]] = True
            self._masks[key] = mask
            while len(self._masks) > 256:
                self._masks.popitem(last=False)
        else:
            self._masks.move_to_end(key)
        return mask

    def vocabulary(self, fieldname: str) -> list[dict[tuple[str, int], list[str]]]:
        """A field's words per segment, by (first character, length): spelling candidates
        are looked up here, not by walking the term dictionary for every misspelt word."""
        return [
            self._cached(reader, f"vocab:{fieldname}", lambda r=reader: _read_vocabulary(r, fieldname))
            for reader, _offset in self.leaves
        ]

    # -- facets and ordering -------------------------------------------------------------

    def facet_pairs(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """("facet=value" names, docnum per pair, name index per pair), over the index."""
        if self._facets is None:
            names: dict[str, int] = {}
            docs, codes = [], []
            for reader, offset in self.leaves:
                seg_names, seg_docs, seg_codes = self._cached(reader, "facets", lambda r=reader: _read_facets(r))
                remap = np.array([names.setdefault(n, len(names)) for n in seg_names], dtype=np.int32)
                docs.append(seg_docs + offset)
                codes.append(remap[seg_codes] if len(seg_codes) else seg_codes)
            self._facets = (
                list(names), np.concatenate(docs) if docs else _EMPTY_DOCS,
                np.concatenate(codes) if codes else np.zeros(0, dtype=np.int32),
            )
        return self._facets

    def sort_keys(self) -> tuple[np.ndarray, np.ndarray]:
        """(published, item id) per document."""
        if self._sort_keys is None:
            parts = [self._cached(reader, "sort", lambda r=reader: _read_sort_keys(r)) for reader, _o in self.leaves]
            self._sort_keys = (
                np.concatenate([p[0] for p in parts]) if parts else _EMPTY_DOCS,
                np.concatenate([p[1] for p in parts]) if parts else _EMPTY_DOCS,
            )
        return self._sort_keys


def _nbytes(value) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (tuple, list)):
        return sum(_nbytes(v) for v in value) + 64
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values()) + 64 * len(value)
    if isinstance(value, str):
        return len(value) + 50
    return 64


def _read_vocabulary(reader, fieldname: str) -> dict[tuple[str, int], list[str]]:
    words: dict[tuple[str, int], list[str]] = {}
    for term in reader.lexicon(fieldname) if fieldname in reader.schema else ():
        word = term.decode("utf-8") if isinstance(term, bytes) else term
        words.setdefault((word[:1], len(word)), []).append(word)
    return words


def _read_facets(reader) -> tuple[list[str], np.ndarray, np.ndarray]:
    names: dict[str, int] = {}
    docs, codes = [], []
    if reader.has_column("facets"):
        for docnum, raw in enumerate(reader.column_reader("facets")):
            if raw:
                for pair in raw.decode("utf-8").split(FACET_SEPARATOR):
                    docs.append(docnum)
                    codes.append(names.setdefault(pair, len(names)))
    return list(names), np.array(docs, dtype=np.int64), np.array(codes, dtype=np.int32)


def _read_sort_keys(reader) -> tuple[np.ndarray, np.ndarray]:
    size = reader.doc_count_all()
    out = []
    for name in ("published", "item_id"):
        values = whoosh_internals.numeric_column(reader, name)  # read whole; else value by value
        if values is None and reader.has_column(name):
            values = np.fromiter(reader.column_reader(name), dtype=np.int64, count=size)
        out.append(values if values is not None else np.zeros(size, dtype=np.int64))
    return out[0], out[1]


def arrays_for(searcher) -> IndexArrays:
    """The arrays of this searcher, built on first use (a searcher is one index version)."""
    arrays = searcher.__dict__.get("_pan_arrays")
    if arrays is None:
        arrays = searcher.__dict__["_pan_arrays"] = IndexArrays(searcher)
    return arrays


# -- evaluating a query --------------------------------------------------------------------

# Added per matching subquery of an AtLeast: a document matching more of the query's
# words ranks above one matching fewer, whatever their BM25F scores (which stay far below).
MATCHED_WORD_RANK = 1_000_000.0


class AtLeast(wq.CompoundQuery):
    """At least `minimum` of the subqueries match ("most of these words"). Scored as the
    sum of the matching subqueries plus MATCHED_WORD_RANK per matching one, so documents
    matching all of them come first; normalised to an And when all are needed. Whoosh's own `Or(minmatch=...)` is not implemented,
    and a subclass of Or would be merged into an enclosing Or by `normalize()`."""

    JOINT = " MIN "
    intersect_merge = False

    def __init__(self, subqueries, boost: float = 1.0, minimum: int = 1) -> None:
        super().__init__(subqueries, boost=boost)
        self.minimum = minimum

    def __eq__(self, other) -> bool:
        return super().__eq__(other) and self.minimum == other.minimum

    def __hash__(self) -> int:
        return super().__hash__() ^ hash(self.minimum)

    def __unicode__(self) -> str:
        return f"MIN{self.minimum}({', '.join(str(q) for q in self.subqueries)})"

    __str__ = __unicode__

    def apply(self, fn):
        return self.__class__([fn(q) for q in self.subqueries], boost=self.boost, minimum=self.minimum)

    def normalize(self):
        subs = [q.normalize() for q in self.subqueries]
        subs = [q for q in subs if q is not wq.NullQuery]
        if not subs:
            return wq.NullQuery
        if self.minimum >= len(subs):  # all of them: an And, scored as Whoosh scores it
            return wq.And(subs, boost=self.boost).normalize()
        return self.__class__(subs, boost=self.boost, minimum=max(1, self.minimum))

    def _matcher(self, subs, searcher, context):
        # Whoosh's own searcher never sees this query: the array engine evaluates it.
        raise TypeError("AtLeast is evaluated by engine.Evaluator, not by Whoosh's matchers")



class Evaluator:
    """(mask, scores) of a Whoosh query over all documents of one searcher."""

    def __init__(self, arrays: IndexArrays) -> None:
        self.arrays = arrays
        self.searcher = arrays.searcher
        weighting = self.searcher.weighting
        self.K1 = getattr(weighting, "K1", 1.2)
        self.B = getattr(weighting, "B", 0.75)
        self.field_B = getattr(weighting, "_field_B", {})

    def mask(self, q: wq.Query) -> np.ndarray:
        """Matched documents only, for filters: term masks are cached per index version."""
        if isinstance(q, wq.Term):
            return self.arrays.term_mask(q.fieldname, q.text)
        if isinstance(q, (wq.And, wq.Or)) and not getattr(q, "minmatch", 0) and q.subqueries:
            parts = [self.mask(sub) for sub in q.subqueries]
            combined = parts[0].copy()
            for part in parts[1:]:
                if isinstance(q, wq.And):
                    combined &= part
                else:
                    combined |= part
            return combined
        return self.evaluate(q)[0]

    def nothing(self) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(self.arrays.size, dtype=bool), np.zeros(self.arrays.size)

    def evaluate(self, q: wq.Query) -> tuple[np.ndarray, np.ndarray]:
        mask, scores = self._evaluate(q)
        boost = getattr(q, "boost", 1.0)
        if boost != 1.0 and not isinstance(q, wq.Term):
            scores = scores * boost
        return mask, scores

    def _evaluate(self, q: wq.Query) -> tuple[np.ndarray, np.ndarray]:
        if q is wq.NullQuery or isinstance(q, type(wq.NullQuery)):
            return self.nothing()
        if isinstance(q, wq.Term):
            return self._term(q)
        if isinstance(q, wq.Every):
            return self.arrays.live.copy(), np.zeros(self.arrays.size)
        if isinstance(q, wq.Not):  # Whoosh's InverseMatcher scores each document 1.0
            mask, _scores = self.evaluate(q.query)
            mask = self.arrays.live & ~mask
            return mask, mask.astype(np.float64)
        if isinstance(q, wq.DisjunctionMax):
            return self._combine(q.subqueries, union=True, maximum=True)
        if isinstance(q, AtLeast):
            return self._at_least(q)
        if isinstance(q, wq.Or) and not getattr(q, "minmatch", 0):
            return self._combine(q.subqueries, union=True)
        if isinstance(q, wq.And):
            return self._combine(q.subqueries, union=False)
        if isinstance(q, wq.AndNot):
            mask, scores = self.evaluate(q.a)
            excluded, _ = self.evaluate(q.b)
            mask = mask & ~excluded
            return mask, np.where(mask, scores, 0.0)
        if isinstance(q, wq.AndMaybe):
            mask, scores = self.evaluate(q.a)
            extra_mask, extra = self.evaluate(q.b)
            return mask, scores + np.where(mask & extra_mask, extra, 0.0)
        if isinstance(q, wq.Require):
            mask, scores = self.evaluate(q.a)
            required, _ = self.evaluate(q.b)
            mask = mask & required
            return mask, np.where(mask, scores, 0.0)
        return self._with_whoosh(q)

    def _combine(self, subqueries: Iterable[wq.Query], union: bool, maximum: bool = False):
        mask, scores = None, None
        for sub in subqueries:
            sub_mask, sub_scores = self.evaluate(sub)
            if mask is None:
                mask, scores = sub_mask.copy(), sub_scores.copy()
            elif maximum:
                mask |= sub_mask
                np.maximum(scores, sub_scores, out=scores)
            else:
                mask = (mask | sub_mask) if union else (mask & sub_mask)
                scores += sub_scores
        if mask is None:
            return self.nothing()
        return mask, np.where(mask, scores, 0.0)

    def _at_least(self, q: AtLeast) -> tuple[np.ndarray, np.ndarray]:
        """Documents matching at least `q.minimum` subqueries: one count per document."""
        counts = np.zeros(self.arrays.size, dtype=np.int16)
        scores = np.zeros(self.arrays.size)
        for sub in q.subqueries:
            sub_mask, sub_scores = self.evaluate(sub)
            counts += sub_mask
            scores += np.where(sub_mask, sub_scores, 0.0)
        mask = counts >= q.minimum
        return mask, np.where(mask, scores + MATCHED_WORD_RANK * counts, 0.0)

    def _term(self, q: wq.Term) -> tuple[np.ndarray, np.ndarray]:
        arrays, searcher = self.arrays, self.searcher
        mask, scores = self.nothing()
        if q.fieldname not in searcher.schema:
            return mask, scores
        field = searcher.schema[q.fieldname]
        text = q.text
        try:
            text = field.to_bytes(text) if isinstance(text, str) else text
        except ValueError:
            return mask, scores
        docs, weights = arrays.postings(q.fieldname, text)
        if not len(docs):
            return mask, scores
        mask[docs] = True
        if field.scorable:
            idf = searcher.idf(q.fieldname, text)
            avgfl = searcher.avg_field_length(q.fieldname) or 1
            B = self.field_B.get(q.fieldname, self.B)
            lengths = arrays.lengths(q.fieldname)[docs]
            values = idf * ((weights * (self.K1 + 1)) / (weights + self.K1 * ((1 - B) + B * lengths / avgfl)))
        else:
            values = weights
        scores[docs] = values * q.boost
        return mask, scores

    def _with_whoosh(self, q: wq.Query) -> tuple[np.ndarray, np.ndarray]:
        """Queries that need positions (phrases): matched by Whoosh, segment by segment."""
        mask, scores = self.nothing()
        context = self.searcher.context()
        for sub, offset in self.searcher.leaf_searchers():
            matcher = q.matcher(sub, context)
            while matcher.is_active():
                docnum = offset + matcher.id()
                mask[docnum] = True
                scores[docnum] = matcher.score()
                matcher.next()
        mask &= self.arrays.live
        return mask, np.where(mask, scores, 0.0)


# -- the pieces a search needs -----------------------------------------------------------------


def allowed_mask(arrays: IndexArrays, restrict: wq.Query | None) -> np.ndarray:
    """Live documents matching `restrict`: the access filter (a query on the user's
    principals) and the facet filters, built by query.restriction(); None: no restriction
    (platform administrators, explicitly)."""
    if restrict is None:
        return arrays.live.copy()
    return Evaluator(arrays).mask(restrict) & arrays.live


def top(arrays: IndexArrays, mask: np.ndarray, scores: np.ndarray | None, limit: int) -> list[int]:
    """The first `limit` matched docnums: by score (newest first among equal scores),
    or newest first when `scores` is None."""
    docs = np.flatnonzero(mask)
    if not len(docs) or limit <= 0:
        return []
    published, item_ids = arrays.sort_keys()
    if scores is None:
        order = np.lexsort((-item_ids[docs], -published[docs]))
    else:
        order = np.lexsort((-item_ids[docs], -published[docs], -scores[docs]))
    return [int(d) for d in docs[order[:limit]]]


def facet_counts(arrays: IndexArrays, mask: np.ndarray) -> dict[str, list[tuple[str, int]]]:
    names, docs, codes = arrays.facet_pairs()
    out: dict[str, list[tuple[str, int]]] = {name: [] for name in FACETS}
    if not len(docs):
        return out
    counts = np.bincount(codes[mask[docs]], minlength=len(names))
    for index in np.flatnonzero(counts):
        name, _, value = names[index].partition("=")
        if name in out and value:
            out[name].append((value, int(counts[index])))
    for name in out:
        out[name].sort(key=lambda vc: (-vc[1], vc[0]))
    return out


def count(mask: np.ndarray) -> int:
    return int(np.count_nonzero(mask))
