"""Writers, merges and readers meeting on the index: nothing is lost, no reader fails.

Each test stages one interleaving that concurrent processes produce now and then: a
table of contents replaced between listing and opening it, a merge removing segments a
reader still holds, an index write failing before it started, ids queued meanwhile.
"""

from __future__ import annotations

import pytest
from whoosh.index import TOC

from pan_platform import search
from pan_platform.extensions import db
from pan_platform.search import engine, merging
from pan_platform.search import index as search_index
from pan_platform.search.documents import build_document
from tests.search.conftest import make_text_item
from tests.search.test_index import record


@pytest.fixture
def quiet_merges(monkeypatch):
    """Merges run only when a test runs them."""
    monkeypatch.setattr(merging, "start", lambda base: None)


def test_a_write_that_cannot_open_the_index_queues_its_ids(world, monkeypatch):
    """A commit or merge of another process removed the table of contents this write was
    about to open: the ids must be queued, and the next write must index them."""
    item = make_text_item(world["academy"], "Checkpoint basics", "x")
    db.session.commit()
    search.search(None, "checkpoint")  # the index exists
    real_live_dir = search_index.live_dir

    def vanished(base):
        raise FileNotFoundError("_MAIN_7.toc")

    monkeypatch.setattr(search_index, "live_dir", vanished)
    item.title = "Roadblock basics"
    db.session.commit()  # the save stands
    base = search.index_path()
    assert search_index.pending(base) == {item.id}
    monkeypatch.setattr(search_index, "live_dir", real_live_dir)
    assert search.check().pending == [item.id]  # what `pan check-index` lists
    other = make_text_item(world["academy"], "Unrelated", "x")
    db.session.commit()  # any write retries the queue
    assert search_index.pending(base) == set()
    assert search.search(None, "roadblock").ids == [item.id]
    assert other.id in search.search(None, "unrelated").ids
    assert search.check().clean


def test_ids_leave_the_queue_only_once_written(tmp_path, monkeypatch):
    base = tmp_path / "index"
    search_index.create_empty(base)
    search_index.enqueue(base, [5])

    def broken(*args, **kwargs):
        raise OSError("disk full")

    real_write = search_index._write_locked
    monkeypatch.setattr(search_index, "_write_locked", broken)
    with pytest.raises(OSError):
        search_index.update(base, {6}, lambda ids: ([build_document(record(i)) for i in ids], set()))
    assert search_index.pending(base) == {5, 6}  # still there for the next writer
    monkeypatch.setattr(search_index, "_write_locked", real_write)

    def read_while_another_save_hands_over(ids):
        if 9 not in ids:
            search_index.enqueue(base, [9])  # another save, finding the lock held, queues its id
        return [build_document(record(i)) for i in ids], set()

    search_index.update(base, {7}, read_while_another_save_hands_over)
    assert search_index.pending(base) == set()  # the writer wrote the handed-over id too
    with search_index.open_index(base).searcher() as searcher:
        assert {d["id"] for d in searcher.documents()} == {"5", "6", "7", "9"}
    # What is queued after a writer read the queue stays when it drops what it read.
    search_index.enqueue(base, [1, 2])
    _ids, length = search_index.queued(base)
    search_index.enqueue(base, [3])
    search_index.drop_queued(base, length)
    assert search_index.pending(base) == {3}


def test_a_save_finding_another_save_writing_hands_its_ids_over(tmp_path):
    base = tmp_path / "index"
    search_index.create_empty(base)
    other_save_done = []

    def documents_for(ids):
        if not other_save_done:  # while this writer holds the lock, another save comes
            other_save_done.append(True)
            search_index.update(base, {2}, lambda ids: pytest.fail("it must not wait and write itself"))
        return [build_document(record(i)) for i in ids], set()

    search_index.update(base, {1}, documents_for)
    assert search_index.pending(base) == set()
    with search_index.open_index(base).searcher() as searcher:
        assert {d["id"] for d in searcher.documents()} == {"1", "2"}


def test_an_old_table_of_contents_stays_for_readers_that_listed_it(tmp_path):
    base = tmp_path / "index"
    search_index.create_empty(base)
    search_index.write(base, [build_document(record(1))])
    ix = search_index.open_index(base)
    listed = ix.latest_generation()  # a reader lists the directory ...
    search_index.write(base, [build_document(record(2))])  # ... a writer commits ...
    toc = TOC.read(ix.storage, ix.indexname, gen=listed)  # ... and the reader opens what it listed
    assert toc.generation == listed


def test_a_reader_keeps_working_while_a_merge_replaces_its_segments(tmp_path, monkeypatch, quiet_merges):
    base = tmp_path / "index"
    search_index.create_empty(base)
    for i in range(1, 5):  # four one-document segments: a full tier
        search_index.write(base, [build_document(record(i))])
    searcher = search_index.open_index(base).searcher()
    assert merging.merge_once(base)  # the sources are replaced by one merged segment
    # The old searcher opens its column and stored-field files only now.
    arrays = engine.IndexArrays(searcher)
    names, _docs, _codes = arrays.facet_pairs()
    assert "academy=a" in names
    assert engine.count(arrays.live) == 4
    assert sorted(int(searcher.stored_fields(d)["id"]) for d in range(4)) == [1, 2, 3, 4]
    assert sorted(engine.top(arrays, arrays.live, None, 10)) == [0, 1, 2, 3]
    searcher.close()
    # After the grace period the next commit deletes them.
    monkeypatch.setattr(search_index, "GRACE_SECONDS", 0.0)
    search_index.write(base, [build_document(record(5))])
    live = search_index.live_dir(base)
    ix = search_index.open_index(base)
    in_use = {s.segment_id() for s in ix._read_toc().segments}
    on_disk = {p.name.split(".")[0] for p in live.iterdir() if p.name.startswith("MAIN_") and "." in p.name}
    assert on_disk == in_use and len(in_use) == 2


def test_a_search_that_meets_a_vanished_file_retries_and_never_raises(world, client, monkeypatch):
    item = make_text_item(world["academy"], "Evidence basics", "x")
    db.session.commit()
    assert search.search(None, "evidence").ids == [item.id]
    real_arrays_for = engine.arrays_for
    failures = {"left": 1}

    def flaky(searcher):
        if failures["left"]:
            failures["left"] -= 1
            raise FileNotFoundError("MAIN_x.facets.col")
        return real_arrays_for(searcher)

    monkeypatch.setattr(engine, "arrays_for", flaky)
    assert search.search(None, "evidence").ids == [item.id]  # retried with a fresh searcher
    failures["left"] = 2
    result = search.search(None, "evidence")
    assert result.ids == [] and "failed" in result.notices  # told, not a 500
    failures["left"] = 2
    response = client.get("/search?q=evidence")
    assert response.status_code == 200 and "could not be completed" in response.get_data(as_text=True)
