"""Index damage is visible: `pan check-index` reports it and fails, /healthz answers 503,
and `pan check-index --repair` rebuilds the index."""

from __future__ import annotations

import os

from pan_platform import search
from pan_platform.extensions import db
from pan_platform.search import index as search_index
from pan_platform.search import integrity
from tests.search.conftest import make_text_item


def _items(world, n: int = 6) -> list:
    items = [make_text_item(world["academy"], f"Patrol lesson {i}", "Foot patrol") for i in range(n)]
    db.session.commit()
    return items


def _largest(suffix: str):
    live = search_index.live_dir(search.index_path())
    return max(live.glob(f"MAIN_*{suffix}"), key=lambda p: p.stat().st_size)


def test_a_sound_index_is_healthy_and_checks_clean(world, client):
    _items(world)
    search.rebuild()
    make_text_item(world["academy"], "One more", "x")
    db.session.commit()
    assert search.ping() == "ok"
    assert client.get("/healthz").status_code == 200
    report = search.check()
    assert report.clean and report.damaged == [] and report.unsealed == 0


def test_a_truncated_segment_file_is_reported_and_repaired(world, client, app):
    items = _items(world)
    search.rebuild()
    assert search.search(None, "patrol").total == len(items)
    postings = _largest(".pst")
    with open(postings, "r+b") as fh:
        fh.truncate(os.path.getsize(postings) // 2)
    assert search.ping() == "error"
    response = client.get("/healthz")
    assert response.status_code == 503 and response.get_json()["checks"]["index"] == "error"
    report = search.check()
    assert not report.clean and any(postings.name in problem for problem in report.damaged)
    result = app.test_cli_runner().invoke(args=["pan", "check-index"])
    assert result.exit_code == 1
    assert "Damaged index files: " in result.output and "matches the database" not in result.output
    # Repair rebuilds the index from the database.
    result = app.test_cli_runner().invoke(args=["pan", "check-index", "--repair"])
    assert result.exit_code == 0 and "Repaired." in result.output
    assert search.ping() == "ok" and client.get("/healthz").status_code == 200
    assert search.search(None, "patrol").total == len(items)


def test_changed_bytes_of_the_same_size_are_found_by_check_index(world):
    _items(world)
    search.rebuild()
    stored = _largest("._stored.col")
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0xFF
    stored.write_bytes(bytes(data))
    assert search.ping() == "ok"  # /healthz compares sizes only: it must stay cheap
    report = search.check()
    assert any(stored.name in problem and "checksum" in problem for problem in report.damaged)


def test_checksums_are_written_for_saves_merges_and_rebuilds(world):
    _items(world, 2)
    search.rebuild()
    for i in range(8):  # small segments, and a background merge of a full tier
        make_text_item(world["academy"], f"Saved {i}", "x")
        db.session.commit()
    from pan_platform.search import merging

    merging.wait()
    ix = search_index.open_index(search.index_path())
    segments = ix._read_toc().segments
    assert len(segments) >= 2
    problems, unsealed = integrity.full_problems(ix)
    assert problems == [] and unsealed == 0
