"""The index on disk: rebuilt equals incremental, concurrent writers lose nothing,
a killed writer's lock blocks nobody, segments do not pile up."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from pathlib import Path

from pan_platform import search
from pan_platform.extensions import db
from pan_platform.search import bulk, engine, merging
from pan_platform.search import index as search_index
from pan_platform.search.documents import build_document
from tests.search.conftest import add_translation, make_text_item

QUERIES = ["training", "полиция", "Ermittlung", '"patrol officers"', "network", ""]


def record(item_id: int, text: str = "common words") -> dict:
    return {
        "id": item_id, "kind": "material", "language": "en",
        "texts": [{"lang": "en", "title": f"Document {item_id} {text}", "summary": text, "outcomes": ""}],
        "keywords": [], "body": "", "body_lang": "en", "academy": "a", "country": "AT",
        "areas": ["cybercrime"], "languages": ["en"], "type": None, "audience": None, "level": None,
        "state": "published", "published": item_id, "principals": ["public"],
    }


def snapshot(users) -> dict:
    searcher = search_index.searcher(search.index_path())
    docs = {d["id"]: d for _n, d in searcher.reader().iter_docs()}
    # Relevance scores may differ (deleted documents count in term statistics until
    # merged), so relevance results compare as sets; date order must be identical.
    results = {
        (name, q): (r.ids if r.sort == "date" else sorted(r.ids), r.total, r.facets)
        for name, user in users.items()
        for q in QUERIES
        for r in [search.search(user, q)]
    }
    return {"docs": docs, "results": results}


def test_rebuilt_index_equals_incremental_index(world):
    academy, other = world["academy"], world["other"]
    items = [
        make_text_item(academy, "Police training", "Basic training for patrol officers"),
        make_text_item(other, "Полиция и общество", "Работа полиции", language="ru", visibility="network"),
        make_text_item(other, "Digitale Ermittlung", "Ermittlung im Netz", language="de", visibility="private"),
        make_text_item(academy, "Draft training", "Draft", state="draft"),
    ]
    db.session.commit()
    search.search(None, "x")  # the index now exists: everything below is incremental
    add_translation(items[0], "de", "Polizeiausbildung", "Ausbildung")
    items[1].visibility = "public"
    gone = make_text_item(academy, "Soon deleted training", "x")
    db.session.commit()
    db.session.delete(gone)
    items[3].state = "published"
    db.session.commit()
    users = {k: world["users"][k] for k in ("anonymous", "other_editor", "partner", "owner_trainer")}
    incremental = snapshot(users)
    assert search.rebuild() == 4
    rebuilt = snapshot(users)
    assert rebuilt["docs"] == incremental["docs"]
    assert rebuilt["results"] == incremental["results"]
    assert search.check().clean


def _writer(index_dir: str, first: int, count: int) -> None:
    base = Path(index_dir)
    for start in range(first, first + count, 2):  # many small commits, as workers do
        search_index.write(base, [build_document(record(i)) for i in (start, start + 1)])


def test_two_processes_writing_at_once_lose_nothing(tmp_path):
    base = tmp_path / "index"
    search_index.create_empty(base)
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(base), first, 100)) for first in (1, 1001)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=300)
        assert proc.exitcode == 0
    ix = search_index.open_index(base)
    with ix.searcher() as searcher:
        ids = {int(d["id"]) for d in searcher.documents()}
    assert ids == set(range(1, 101)) | set(range(1001, 1101))
    # Small segments are merged in the background (the writers' merges may have been cut
    # short when their processes ended): once merges catch up, segments do not pile up.
    merging.merge_until_done(base)
    with search_index.open_index(base).reader() as reader:
        assert len(segment_sizes(reader)) <= most_segments(200)
        assert {int(d["id"]) for d in reader.all_stored_fields()} == ids


def segment_sizes(reader) -> list[int]:
    readers = [reader] if reader.is_atomic() else [r for r, _offset in reader.leaf_readers()]
    return sorted(r.doc_count_all() for r in readers)


def most_segments(docs: int) -> int:
    """At most MERGE_FACTOR - 1 segments per tier, plus the one just written."""
    return (merging.MERGE_FACTOR - 1) * (merging._tier(docs) + 1) + 1


def test_small_commits_merge_in_tiers_and_leave_large_segments_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(merging, "MAX_MERGE_DOCS", 30)
    monkeypatch.setattr(bulk, "CHUNK_DOCS", 40)
    base = tmp_path / "index"
    search_index.rebuild(base, [build_document(record(i)) for i in range(1, 121)])
    for start in range(1001, 1061):  # sixty saves of one item each
        merging.after_write(base, search_index.write(base, [build_document(record(start))]))
        merging.wait()  # background merges, one at a time, as a quiet server would run them
    with search_index.open_index(base).reader() as reader:
        sizes = segment_sizes(reader)
        assert reader.doc_count() == 180
    assert sizes.count(40) == 3  # the rebuild's segments were never merged
    small = [n for n in sizes if n != 40]
    assert sum(small) == 60 and max(small) <= 30 and len(small) <= most_segments(60)


def test_a_merge_keeps_what_changed_while_it_ran(tmp_path, monkeypatch):
    """Saves and removals made while a merge builds its segment are not lost or revived."""
    base = tmp_path / "index"
    search_index.create_empty(base)
    for i in range(1, 5):  # four one-document segments: a full tier
        merging.after_write(base, search_index.write(base, [build_document(record(i))]))
    merging.wait()
    monkeypatch.setattr(merging, "start", lambda base: None)  # this test runs the merge itself
    for i in range(5, 9):  # four more: a full tier again
        search_index.write(base, [build_document(record(i))])
    real_build = merging._build

    def build_then_change(ix, sources, workdir):
        built = real_build(ix, sources, workdir)
        search_index.write(base, [build_document(record(5, "changed words"))], delete_ids=[6])
        return built

    monkeypatch.setattr(merging, "_build", build_then_change)
    assert merging.merge_once(base)
    with search_index.open_index(base).searcher() as searcher:
        stored = {d["id"]: d for d in searcher.documents()}
        assert sorted(stored, key=int) == ["1", "2", "3", "4", "5", "7", "8"]
        assert "changed" in stored["5"]["title_en"]
        assert searcher.doc_count() == 7
def _hold_lock_forever(index_dir: str, ready) -> None:
    with search_index.writer_lock(Path(index_dir)):
        ready.set()
        time.sleep(600)


def test_lock_of_a_killed_writer_does_not_block(tmp_path):
    base = tmp_path / "index"
    search_index.create_empty(base)
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    proc = ctx.Process(target=_hold_lock_forever, args=(str(base), ready))
    proc.start()
    assert ready.wait(60)
    try:
        started = time.monotonic()
        try:
            with search_index.writer_lock(base, timeout=0.3):
                raise AssertionError("the lock is held by the other process")
        except search_index.IndexBusy:
            pass
        assert time.monotonic() - started < 5
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(timeout=30)
    started = time.monotonic()
    search_index.write(base, [build_document(record(7))])
    assert time.monotonic() - started < 5
    with search_index.open_index(base).searcher() as searcher:
        assert searcher.doc_count() == 1


def test_a_busy_index_queues_the_ids(world, monkeypatch):
    item = make_text_item(world["academy"], "Queued item", "x")
    db.session.commit()
    search.search(None, "queued")
    monkeypatch.setattr(search_index, "LOCK_TIMEOUT", 0.2)
    with search_index.writer_lock(search.index_path()):
        item.title = "Queued renamed"
        db.session.commit()
    assert item.id in search_index.pending(search.index_path())
    search.index_items([])  # any later write drains the queue
    assert search.search(None, "renamed").ids == [item.id]


def test_rebuild_swaps_atomically_and_keeps_one_generation(world, monkeypatch):
    make_text_item(world["academy"], "Swap test", "x")
    db.session.commit()
    search.search(None, "swap")
    base = search.index_path()
    first = os.path.realpath(base)
    search.rebuild()
    second = os.path.realpath(base)
    assert first != second and base.is_symlink()
    # The replaced generation stays a while for readers that opened it, then goes.
    generations = sorted(p.name for p in base.parent.glob(base.name + ".gen-*"))
    assert generations == sorted([Path(first).name, Path(second).name])
    monkeypatch.setattr(search_index, "GENERATION_GRACE_SECONDS", 0.0)
    search_index.remove_retired_generations(base)
    assert [p.name for p in base.parent.glob(base.name + ".gen-*")] == [Path(second).name]
    assert search.search(None, "swap").total == 1


def test_writes_during_a_rebuild_are_replayed_and_a_dead_rebuild_is_ignored(tmp_path):
    base = tmp_path / "index"
    search_index.create_empty(base)
    marker = base.with_name(base.name + ".rebuilding")
    marker.write_text(str(os.getpid()))  # a rebuild in progress (this process)
    search_index.write(base, [build_document(record(1))])
    assert search_index.take_queue(base) == {1}  # replayed into the new index after its swap
    marker.write_text("999999999")  # a rebuild that was killed
    search_index.write(base, [build_document(record(2))])
    assert search_index.pending(base) == set() and not marker.exists()


def test_a_rebuild_that_lost_documents_is_not_swapped_in(tmp_path, monkeypatch):
    base = tmp_path / "index"
    search_index.rebuild(base, [build_document(record(1))])
    live = os.path.realpath(base)
    real_build = bulk.build_segments

    def short_build(index_dir, documents, **kwargs):  # a worker's segment went missing
        documents = list(documents)
        real_build(index_dir, documents[:-1], **kwargs)
        return len(documents)

    monkeypatch.setattr(bulk, "build_segments", short_build)
    try:
        search_index.rebuild(base, [build_document(record(i)) for i in (1, 2, 3)])
    except RuntimeError as error:
        assert "2 of 3" in str(error)
    else:
        raise AssertionError("a short rebuild was swapped in")
    monkeypatch.undo()
    assert os.path.realpath(base) == live
    assert [p.name for p in base.parent.glob(base.name + ".gen-*")] == [Path(live).name]


def test_a_tier_whose_documents_were_all_removed_merges_into_nothing(tmp_path, monkeypatch):
    base = tmp_path / "index"
    search_index.create_empty(base)
    monkeypatch.setattr(merging, "start", lambda base: None)
    for i in range(1, 5):
        search_index.write(base, [build_document(record(i))])
    search_index.write(base, [], delete_ids=[1, 2, 3, 4])
    assert merging.merge_once(base)
    with search_index.open_index(base).reader() as reader:
        assert reader.doc_count_all() == 0


def test_warm_up_loads_what_every_search_reads_first_and_builds_nothing(world, app):
    """A worker's warm-up (gunicorn post_worker_init): no index, nothing done (building it
    is `pan reindex`'s job); with one, the searcher's facet and sort columns and the
    thesaurus are loaded, and what a search then finds is unchanged."""
    assert search_index.live_dir(search.index_path()) is None
    assert search.warm_up() is False
    assert search_index.live_dir(search.index_path()) is None
    make_text_item(world["academy"], "Police training", "Basic training")
    db.session.commit()
    expected = search.search(None, "training")
    search_index.reset_searchers()
    app.extensions.pop("pan_thesaurus", None)
    assert search.warm_up() is True
    arrays = engine.arrays_for(search_index.searcher(search.index_path()))
    assert arrays._facets is not None and arrays._sort_keys is not None
    assert "pan_thesaurus" in app.extensions
    found = search.search(None, "training")
    assert (found.ids, found.total, found.facets) == (expected.ids, expected.total, expected.facets)
