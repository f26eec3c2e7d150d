"""Full-text search. The only package that touches Whoosh; everything else uses this interface:

- `index_items(ids)`: bring these items up to date in the index, removing those deleted
  (called automatically after every commit, see pan_platform/pipeline.py);
- `search(user, query, filters, page, sort, lang)`: a `SearchResult` (ids in rank order,
  total, facets, snippets, corrected query, page info). Callers reload the rows from the
  database by id, in that order;
- `suggest(user, prefix, lang)`: ids of readable items whose title words start so;
- `rebuild()`: rebuild from the database aside, then swap; `check(repair)`: drift report;
- `retry_queued()` / `merge_segments()`: periodic tidying run by the scheduler;
- `warm_up()`: load what every search reads first (each web worker, before serving).

Every item is indexed, drafts too: their principals hold only the owner academy, which
is exactly who may read them, so owners find their drafts and a state change is an
ordinary update. Read access is always decided by the principals filter.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from pan_platform.access import can, user_principals
from pan_platform.catalogue.models import Item
from pan_platform.extensions import db
from pan_platform.search import bulk, engine, integrity, labels, merging
from pan_platform.search import index as _index
from pan_platform.search import query as _query
from pan_platform.search.documents import build_document, item_record
from pan_platform.search.query import SORTS, SearchResult
from pan_platform.search.schema import SCHEMA_VERSION, version_of
from pan_platform.storage.models import MaterialFile
from pan_platform.thesaurus import lookup as thesaurus_lookup

__all__ = [
    "SORTS", "SearchResult", "check", "index_items", "ping", "rebuild", "rebuild_running", "schema_outdated",
    "search", "suggest", "retry_queued", "merge_segments", "warm_up",
]

log = logging.getLogger(__name__)
BATCH = 200


def index_path() -> Path:
    return Path(current_app.config["PAN_INDEX_DIR"])


def _load_options():
    return (
        selectinload(Item.translations), selectinload(Item.area_rows), selectinload(Item.language_rows),
        selectinload(Item.shares), selectinload(Item.files).selectinload(MaterialFile.versions),
        selectinload(Item.owner),
    )


def _descendant_ids(session: Session, ids: set[int]) -> set[int]:
    found, frontier = set(ids), set(ids)
    while frontier:
        children = set(session.scalars(select(Item.id).where(Item.parent_id.in_(sorted(frontier)))))
        frontier = children - found
        found |= children
    return found


def _documents_for(session: Session, ids: set[int]) -> tuple[list[dict], set[int]]:
    """Documents of the items that exist, and the ids that no longer do."""
    docs, seen = [], set()
    ordered = sorted(ids)
    for start in range(0, len(ordered), BATCH):
        chunk = ordered[start : start + BATCH]
        for item in session.scalars(select(Item).where(Item.id.in_(chunk)).options(*_load_options())):
            docs.append(build_document(item_record(item)))
            seen.add(item.id)
    return docs, ids - seen


def index_items(
    ids: Iterable[int], with_descendants: bool = True, owners: Iterable[int] = ()
) -> bool:
    """Re-index these items (deleting those gone from the database), and every id queued
    by an earlier failed write. True on success; on failure the ids are queued (on disk)
    and retried by the next write or `pan check-index --repair`.

    Before the first index exists there is nothing to update: the first search or
    `pan reindex` builds it from the database.
    """
    base = index_path()
    wanted = {int(i) for i in ids}
    owners = sorted({int(o) for o in owners})
    try:
        if schema_outdated():  # the old index lacks newer fields: the rebuild replays these ids
            _index.enqueue(base, wanted)
            return False
        with Session(db.engine) as session:
            if owners:
                wanted |= set(session.scalars(select(Item.id).where(Item.owner_id.in_(owners))))
            if with_descendants and wanted:
                wanted = _descendant_ids(session, wanted)

        def documents_for(todo: set[int]) -> tuple[list[dict], set[int]]:
            # Called inside the writer lock: the state written is never older than the
            # state another writer wrote before.
            with Session(db.engine) as session:
                return _documents_for(session, todo)

        merging.after_write(base, _index.update(base, wanted, documents_for))
        return True
    except Exception:
        log.exception("indexing %d items failed; queued for retry", len(wanted))
        _queue_for_retry(base, wanted)
        return False


def _queue_for_retry(base: Path, ids: set[int]) -> None:
    try:
        _index.enqueue(base, ids)
    except Exception:
        # Nothing left to do here: `pan check-index --repair` finds the drift by digest.
        log.exception("queueing %d ids for the search index failed", len(ids))


def retry_queued() -> int:
    """Write the ids queued by failed index writes (they are retried by the next save too;
    this catches them up when no save comes). Returns how many ids were waiting."""
    waiting = _index.pending(index_path())
    if waiting:
        index_items((), with_descendants=False)
    return len(waiting)


def merge_segments() -> None:
    """Merge full tiers of small segments. A save starts such a merge at once in a
    background thread; this catches up merges cut short (a process that ended, another
    merge holding the lock)."""
    base = index_path()
    if _index.live_dir(base) is not None:
        merging.merge_until_done(base)


def _all_documents(session: Session, batch: int = BATCH) -> Iterator[dict]:
    last = 0
    while True:
        items = list(session.scalars(
            select(Item).where(Item.id > last).order_by(Item.id).limit(batch).options(*_load_options())
        ))
        if not items:
            return
        for item in items:
            yield build_document(item_record(item))
        last = items[-1].id
        session.expunge_all()  # keep memory flat over 50,000 items


def item_count() -> int:
    return db.session.scalar(select(func.count(Item.id))) or 0


def rebuild(progress=None, procs: int | None = 1) -> int:
    """Rebuild the whole index from the database aside, then swap it in atomically.

    `progress`: an optional callable wrapping the document iterator (the CLI's tqdm).
    `procs`: indexing processes; None: one per core from bulk.PARALLEL_FROM items on.
    Changes committed meanwhile are replayed after the swap.
    """
    expected = item_count()
    if procs is None:
        procs = (os.cpu_count() or 1) if expected >= bulk.PARALLEL_FROM else 1
    base = index_path()
    with Session(db.engine) as session:
        docs = _all_documents(session)
        if progress is not None:
            docs = progress(docs)
        count = _index.rebuild(base, docs, procs=procs, expected=expected)
    if _index.pending(base):
        index_items((), with_descendants=False)  # replays what was written meanwhile
    return count


def schema_outdated() -> bool:
    """True when the live index was built with another schema version: `pan reindex`
    must rebuild it (searches still run on it meanwhile, without the newer fields)."""
    live = _index.live_dir(index_path())
    return live is not None and version_of(live) != SCHEMA_VERSION


def rebuild_running() -> bool:
    """True while a rebuild (from any process) is writing the next index generation."""
    return _index.rebuild_running(index_path())


def ping() -> str:
    """For /healthz (cheap): "ok", "not built" (the first search or `pan reindex` builds
    it) or "error" when the live index cannot be opened or a file of one of its segments
    is missing or of another size than when it was written (integrity.quick_problems)."""
    base = index_path()
    try:
        if _index.live_dir(base) is None:
            return "not built"
        problems = integrity.quick_problems(_index.open_index(base))
    except Exception:
        log.exception("the search index cannot be opened")
        return "error"
    if problems:
        log.error("the search index is damaged (`pan reindex` rebuilds it): %s", "; ".join(problems[:5]))
        return "error"
    return "ok"


def warm_up() -> bool:
    """Load what every search of a process reads first, before the process serves anyone:
    the facet and sort columns of every segment and the thesaurus (at 50,000 materials
    about half a second, otherwise paid by a worker's first visitor and everyone queued
    behind). Called by each web worker before it accepts connections (gunicorn.conf.py).
    Without an index it does nothing and says so (building one is `pan reindex`'s job)."""
    base = index_path()
    if _index.live_dir(base) is None:
        return False
    arrays = engine.arrays_for(_index.searcher(base))
    arrays.facet_pairs()
    arrays.sort_keys()
    thesaurus_lookup.current()
    return True


def _ensure_index() -> Path:
    base = index_path()
    if _index.live_dir(base) is None:
        log.info("no search index yet: building it from the database")
        rebuild()
    return base


def index_version() -> tuple[str, int] | None:
    """Which state of the index a search made now reads: the live generation's directory
    and its table of contents' number (both change with every write, merge and rebuild).
    None when the index cannot be opened."""
    try:
        reader = _index.searcher(_ensure_index()).reader()
        return os.path.realpath(index_path()), reader.generation()
    except Exception:  # noqa: BLE001 (no version: the caller keeps nothing)
        log.warning("index version unreadable", exc_info=True)
        return None


def _principals_for(user, searcher) -> frozenset[str] | None:
    """The index terms that let `user` read now (labels.live_terms: a label granted
    until a date counts until then, whether or not the expiry sweep ran). None for
    platform administrators: they bypass the filter, explicitly."""
    if can(user, "administer"):
        return None
    return labels.live_terms(searcher.reader(), user_principals(user))


def search(
    user,
    query: str | None = "",
    filters: dict[str, str | None] | None = None,
    page: int = 1,
    sort: str = "relevance",
    lang: str = "en",
    per_page: int = 20,
    literal: bool = False,
) -> SearchResult:
    """Search what `user` may read. Never raises for any user input, nor because a
    commit, merge or rebuild changed the index meanwhile (a vanished file: one retry
    with a fresh searcher).

    Unless `literal`, a query that finds fewer than `FEW_RESULTS` also searches near
    spellings of its words that no readable document contains (the result says so in
    `corrected`), and every query also searches the thesaurus terms related to it
    (`also_searched`), both at lower weights than the literal words."""
    args = (user, query, filters, page, sort, lang, per_page, literal)
    try:
        return _search(*args)
    except OSError:
        log.warning("the index changed under a search; retrying once", exc_info=True)
        _index.reset_searchers()
    try:
        return _search(*args)
    except OSError:
        log.exception("search failed twice on files of the index")
        text, notices = _query.clean_text(query)
        return SearchResult(query=text, per_page=per_page, notices=[*notices, "failed"])


def _search(user, query, filters, page, sort, lang, per_page, literal) -> SearchResult:
    text, notices = _query.clean_text(query)
    filters = {k: v for k, v in (filters or {}).items() if v}
    page = max(1, min(int(page or 1), _query.MAX_PAGE))
    sort = sort if sort in SORTS else "relevance"
    result = SearchResult(query=text, page=page, per_page=per_page, sort=sort, notices=notices)
    searcher = _index.searcher(_ensure_index())
    principals = _principals_for(user, searcher)
    langs = _query.query_languages(lang, filters.get("language"), text)
    try:
        user_q = _query.parse_user_query(text, langs, searcher.schema)
    except Exception:  # the parser is restricted; this is belt and braces
        log.warning("unparsable query %r", text, exc_info=True)
        result.notices.append("unparsable")
        text = " ".join(_query.plain_words(text))
        user_q = _query.parse_user_query(text, langs, searcher.schema)
    if text and user_q is None:
        result.notices.append("no_words")
        return result
    if user_q is None:
        result.sort = sort = "date"
    try:
        arrays = engine.arrays_for(searcher)
        allowed = engine.allowed_mask(arrays, _query.restriction(principals, filters))
        if user_q is None:
            matched, scores = allowed, None
        else:
            matched, scores = _widened(result, arrays, allowed, text, langs, literal, user_q)
        top = engine.top(arrays, matched, scores if sort == "relevance" else None, page * per_page)
    except OSError:
        raise  # a file of the index vanished: search() retries
    except Exception:
        log.warning("search failed for %r", text, exc_info=True)
        result.notices.append("failed")
        return result
    result.total = engine.count(matched)
    result.facets = engine.facet_counts(arrays, matched)
    words = _query.positive_words(result.corrected if result.corrected_applied else text)
    words += [w for term, _lang in result.also_searched for w in _query.plain_words(term)]
    for docnum in top[(page - 1) * per_page : page * per_page]:
        stored = searcher.stored_fields(docnum)
        item_id = int(stored["id"])
        result.ids.append(item_id)
        result.snippets[item_id] = _query.snippet(stored, lang, words)
    return result


def _widened(result: SearchResult, arrays, allowed, text: str, langs: list[str], literal: bool, user_q):
    """(matched, scores) of the query, widened with near spellings when it finds little
    (or only proposing them, when `literal`) and with related thesaurus terms. Every
    candidate is checked against `allowed`: nothing hidden is searched or shown."""
    schema = arrays.searcher.schema
    evaluator = engine.Evaluator(arrays)

    def run(widening=None):
        q = user_q if widening is None else _query.parse_user_query(text, langs, schema, widening)
        matched, scores = evaluator.evaluate(q)
        return matched & allowed, scores

    matched, scores = run()
    found = engine.count(matched)
    widening = _query.Widening()
    if found < _query.FEW_RESULTS:
        try:
            spelling = _query.spelling(arrays, text, allowed)
            splits = {} if literal else _query.compound_splits(arrays, text, allowed)
        except Exception:
            log.warning("spelling correction failed for %r", text, exc_info=True)
            spelling, splits = None, {}
        if spelling is not None and literal:
            result.corrected = spelling.text if found == 0 else None
        alternatives = dict(spelling.alternatives) if spelling is not None and not literal else {}
        for word, apart in splits.items():
            alternatives[word] = [*alternatives.get(word, [(word, 1.0)]), (apart, _query.COMPOUND_WEIGHT)]
        if alternatives:
            widening.alternatives = alternatives
            widened, widened_scores = run(widening)
            if engine.count(widened) > found:
                matched, scores = widened, widened_scores
                if spelling is not None:
                    result.corrected, result.corrected_applied = spelling.text, True
            else:
                widening.alternatives = {}
    if literal:
        return matched, scores
    widening.related, result.also_searched = _query.readable_related(
        evaluator, result.corrected if result.corrected_applied else text, langs, allowed)
    if widening.related is not None:
        matched, scores = run(widening)
    return matched, scores


def suggest(user, prefix: str | None, limit: int = 8) -> list[int]:
    """Ids of readable items whose title words start with the typed words."""
    text, _notices = _query.clean_text(prefix)
    words = [w[:15] for w in _query.plain_words(text) if len(w) >= 2][:4]
    if not words:
        return []
    try:
        searcher = _index.searcher(_ensure_index())
        arrays = engine.arrays_for(searcher)
        matched, scores = engine.Evaluator(arrays).evaluate(_query.completion_query(words))
        matched &= engine.allowed_mask(arrays, _query.access_filter(_principals_for(user, searcher)))
        return [int(searcher.stored_fields(d)["id"]) for d in engine.top(arrays, matched, scores, limit)]
    except Exception:
        log.warning("suggestions failed for %r", text, exc_info=True)
        return []


@dataclass
class CheckReport:
    in_database: int = 0
    in_index: int = 0
    missing: list[int] = field(default_factory=list)  # in the database, not in the index
    extra: list[int] = field(default_factory=list)  # in the index, not in the database
    stale: list[int] = field(default_factory=list)  # indexed, but differs from the database
    pending: list[int] = field(default_factory=list)  # queued after a failed write (or, for moments, on their way)
    deleted: int = 0  # removed documents still held by segments: `pan reindex` compacts them
    schema_outdated: bool = False  # built with another schema version: only `pan reindex` helps
    damaged: list[str] = field(default_factory=list)  # segment files unreadable or changed on disk
    unsealed: int = 0  # segments written without checksums (read fully all the same)
    repaired: bool = False
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return not (self.missing or self.extra or self.stale or self.pending or self.damaged
                    or self.schema_outdated)


def check(repair: bool = False) -> CheckReport:
    """Compare every item's document with the index (by digest); optionally repair."""
    started = time.monotonic()
    base = _ensure_index()
    report = CheckReport(pending=sorted(_index.pending(base)))
    if schema_outdated():  # every document would differ; a repair cannot change the schema
        report.schema_outdated = True
        report.seconds = time.monotonic() - started
        return report
    try:
        report.damaged, report.unsealed = integrity.full_problems(_index.open_index(base))
    except Exception as error:  # not even the table of contents reads
        report.damaged = [f"{type(error).__name__}: {error}"]
    indexed: dict[int, str] = {}
    try:
        searcher = _index.searcher(base)
        for _docnum, stored in searcher.reader().iter_docs():
            indexed[int(stored["id"])] = stored.get("stamp", "")
        report.deleted = searcher.reader().doc_count_all() - searcher.reader().doc_count()
    except Exception as error:  # unreadable: damaged, whatever the checksums say
        report.damaged.append(f"{type(error).__name__}: {error}")
    report.in_index = len(indexed)
    seen: set[int] = set()
    with Session(db.engine) as session:
        for doc in _all_documents(session):
            item_id = int(doc["id"])
            seen.add(item_id)
            if item_id not in indexed:
                report.missing.append(item_id)
            elif indexed[item_id] != doc["stamp"]:
                report.stale.append(item_id)
    report.in_database = len(seen)
    report.extra = sorted(set(indexed) - seen)
    if repair and report.damaged:
        rebuild()  # a damaged segment cannot be patched: build the index anew
        report.repaired = True
    elif repair and not report.clean:
        todo = set(report.missing) | set(report.stale) | set(report.pending)
        index_items(todo | set(report.extra), with_descendants=False)
        report.repaired = True
    report.seconds = time.monotonic() - started
    return report

