"""Concurrent writers in real processes: every save reaches the index with its latest
state, and searches running meanwhile always answer (never a 500, never "failed").

Two writer processes save the same items through the catalogue and sharing operations
(titles, visibility, named shares), each save committing on its own, as gunicorn workers
do; a third process searches through the web page and the API all along. Background
merges run in the writers. Afterwards `check()` (what `pan check-index` runs) must find
the index equal to the database, with nothing queued and no damage.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest

from tests.conftest import ON_POSTGRES, make_app, running

WRITERS = 2
SAVES = int(os.environ.get("PAN_STRESS_SAVES", "500"))  # per writer
ITEMS = 40  # both writers edit the same items: the latest state must win
WORDS = ("patrol", "evidence", "border", "cyber", "training", "forensic")


def _app(tmp: str):
    # SQLite: writers of two processes wait for each other's commits instead of failing.
    options = {} if ON_POSTGRES else {"SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 60}}}
    return make_app(Path(tmp), PAN_API_RATE_LIMIT=10**6, PAN_API_RATE_LIMIT_ANON=10**6, **options)


def _writer(tmp: str, number: int, item_ids: list[int], errors) -> None:
    from pan_platform.accounts.models import User
    from pan_platform.catalogue import operations
    from pan_platform.catalogue.models import Item
    from pan_platform.extensions import db
    from pan_platform.search import merging

    app = _app(tmp)
    with app.app_context():
        editor = db.session.scalars(db.select(User).where(User.email == "editor@example.org")).one()
        partner_id = int(os.environ["PAN_STRESS_PARTNER"])
        for n in range(SAVES):
            item = db.session.get(Item, item_ids[(n * 7 + number) % len(item_ids)])
            try:
                if n % 5 == 4:  # a sharing change: every fifth save
                    visibility = ("network", "public", "private")[n % 3]
                    shares = [partner_id] if n % 2 else []
                    operations.set_sharing(editor, item, visibility, "named", shares)
                else:
                    word = WORDS[(n + number) % len(WORDS)]
                    operations.update_item(editor, item, {"title": f"{word} writer {number} save {n}"})
                db.session.commit()
            except Exception as error:  # counted, never hidden
                db.session.rollback()
                errors.put(f"writer {number} save {n}: {type(error).__name__}: {error}")
        merging.wait()


def _searcher(tmp: str, stop, results) -> None:
    app = _app(tmp)
    client = app.test_client()
    done, bad = 0, []
    with app.app_context():
        while not stop.is_set():
            word = WORDS[done % len(WORDS)]
            for url in (f"/search?q={word}", f"/api/v1/search?q={word}", f"/search/suggest?q={word[:4]}"):
                response = client.get(url)
                done += 1
                if response.status_code != 200 or "could not be completed" in response.get_data(as_text=True):
                    bad.append(f"{url}: {response.status_code}")
            time.sleep(0.05)  # a steady load of searches, leaving the writers CPU
    results.put((done, bad))


@pytest.mark.slow
def test_concurrent_writers_lose_no_save_and_searches_never_fail(tmp_path, monkeypatch):
    from pan_platform import search
    from pan_platform.extensions import db
    from tests.factories import make_item, make_org, make_user

    app = _app(str(tmp_path))
    with running(app):
        if not ON_POSTGRES:  # several processes on one SQLite file: readers need not wait for writers
            db.session.execute(db.text("PRAGMA journal_mode=WAL"))
            db.session.commit()
        academy = make_org("academy", slug="stress-academy", country="AT")
        partner = make_org("partner", slug="stress-partner", country=None)
        make_user(academy, "editor", email="editor@example.org")
        items = [make_item(academy, title=f"training item {i}", visibility="public") for i in range(ITEMS)]
        db.session.commit()
        item_ids = [i.id for i in items]
        search.rebuild()
        ctx = multiprocessing.get_context("spawn")
        errors, results, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
        monkeypatch.setenv("PAN_STRESS_PARTNER", str(partner.id))
        started = time.monotonic()
        searcher = ctx.Process(target=_searcher, args=(str(tmp_path), stop, results))
        writers = [ctx.Process(target=_writer, args=(str(tmp_path), n, item_ids, errors)) for n in range(WRITERS)]
        for proc in [searcher, *writers]:
            proc.start()
        for proc in writers:
            proc.join(timeout=600)
        stop.set()
        searches, failed_searches = results.get(timeout=120)
        searcher.join(timeout=60)
        seconds = time.monotonic() - started
        assert [p.exitcode for p in [*writers, searcher]] == [0] * (WRITERS + 1)
        failed_saves = []
        while not errors.empty():
            failed_saves.append(errors.get())
        report = search.check()
        print(f"\n{WRITERS} writers x {SAVES} saves with {searches} searches meanwhile in {seconds:.1f} s: "
              f"missing {len(report.missing)}, stale {len(report.stale)}, queued {len(report.pending)}, "
              f"failed saves {len(failed_saves)}, failed searches {len(failed_searches)}")
        assert failed_saves == []
        assert failed_searches == []
        assert searches > 0
        assert (report.missing, report.stale, report.extra, report.pending, report.damaged) == ([], [], [], [], [])
        assert report.in_index == report.in_database == ITEMS
