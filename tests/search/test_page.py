"""The search page, suggestions endpoint, navigation, CLI and the bench smoke run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pan_platform import search
from pan_platform.extensions import db
from pan_platform.search import index as search_index
from pan_platform.search import merging
from tests.conftest import sign_in
from tests.search.conftest import add_translation, make_text_item

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def corpus(app, world):
    items = [
        make_text_item(world["academy"], f"Cybercrime investigation {n}", "Digital evidence and <b>seizure</b>",
                       areas=("cybercrime",), resource_type="handbook", audience="investigators", level="advanced")
        for n in range(25)
    ]
    de = make_text_item(world["other"], "Digitale Ermittlung", "Die Ermittlung im Netz", language="de",
                        areas=("cybercrime", "organized-crime"))
    add_translation(de, "en", "Digital investigation", "Investigating online")
    private = make_text_item(world["academy"], "Cybercrime private notes", "Internal", visibility="private")
    db.session.commit()
    return {"items": items, "de": de, "private": private}


def test_search_page_shows_facets_snippets_and_pages(client, corpus):
    response = client.get("/search?q=investigation")
    html = response.data.decode()
    assert response.status_code == 200
    assert "26 results" in html
    assert "<mark>investigation</mark>" in html or "<mark>Investigation</mark>" in html
    assert "&lt;b&gt;seizure&lt;/b&gt;" in html  # stored text is escaped, only <mark> is markup
    assert "Cybercrime private notes" not in html
    assert "Page 1 of 2" in html and 'rel="next"' in html
    for facet in ("Priority area", "Language", "Country", "Academy", "Resource type", "Audience", "Level"):
        assert facet in html
    assert "Cyber-crime" in html
    page2 = client.get("/search?q=investigation&page=2").data.decode()
    assert "Page 2 of 2" in page2 and 'rel="prev"' in page2


def test_facet_filter_sort_and_language_rendering(client, corpus):
    html = client.get("/search?q=investigation&area=organized-crime").data.decode()
    assert "1 result" in html and "Digital <mark>investigation</mark>" in html
    html = client.get("/de/search?q=Ermittlungen").data.decode()
    assert "<mark>Ermittlung</mark>" in html  # shown in German, the interface language
    html = client.get("/search?q=investigation&sort=date").data.decode()
    assert "Newest first</strong>" in html


def test_browsing_an_area_without_a_query(client, corpus):
    html = client.get("/search?area=organized-crime").data.decode()
    assert "1 result" in html and "Digital investigation" in html
    html = client.get("/search").data.decode()
    assert "browse a priority area" in html


def test_empty_results_help_and_did_you_mean(client, corpus):
    html = client.get("/search?q=investigatoin").data.decode()
    assert "Showing results for" in html and "<strong>investigation</strong>" in html
    assert "/search?q=investigatoin&amp;literal=1" in html  # the words as typed, one click away
    html = client.get("/search?q=investigatoin&literal=1").data.decode()
    assert "Did you mean" in html and "investigation" in html and "Showing results for" not in html
    html = client.get("/search?q=nothingmatcheszz&area=cybercrime").data.decode()
    assert "Nothing found that you have access to." in html and "Search again without filters" in html


def test_signed_in_owner_finds_private_items(client, corpus, world):
    sign_in(client, world["users"]["owner_trainer"])
    html = client.get("/search?q=internal").data.decode()
    assert "Cybercrime private notes" in html


def test_suggestions_endpoint(client, corpus):
    data = client.get("/search/suggest?q=digit").json
    assert [s["title"] for s in data["suggestions"]] == ["Digital investigation"]
    assert all("private" not in s["title"] for s in client.get("/search/suggest?q=cyber").json["suggestions"])
    assert client.get("/search/suggest?q=").json == {"suggestions": []}


def test_navigation_and_home_search_box(client, app):
    html = client.get("/").data.decode()
    assert 'action="/search"' in html and 'href="/search"' in html


def test_cli_reindex_and_check_index(app, corpus):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["pan", "reindex"])
    assert result.exit_code == 0 and "27" in result.output
    result = runner.invoke(args=["pan", "reindex", "--if-missing"])
    assert result.exit_code == 0 and "nothing to do" in result.output
    result = runner.invoke(args=["pan", "check-index"])
    assert result.exit_code == 0 and "matches the database" in result.output
    assert "still held on disk" not in result.output
    # Drift: the index loses a document behind the portal's back (a restored old copy, say).
    merging.after_write(search.index_path(), search_index.write(search.index_path(), [], delete_ids=[corpus["de"].id]))
    result = runner.invoke(args=["pan", "check-index"])
    assert result.exit_code == 1 and "Missing from the index: 1" in result.output
    assert "Removed documents still held on disk: 1" in result.output
    result = runner.invoke(args=["pan", "check-index", "--repair"])
    assert result.exit_code == 0 and "Repaired." in result.output
    runner.invoke(args=["pan", "reindex"])
    result = runner.invoke(args=["pan", "check-index"])
    assert result.exit_code == 0 and "still held on disk" not in result.output


def test_bench_smoke(tmp_path):
    """The bench runs end to end on a small corpus (figures printed, not asserted)."""
    corpus = tmp_path / "corpus.jsonl"
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "search_bench.py"), "--n", "2000", "--body-kb", "2",
         "--queries", "30", "--dump", str(corpus)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert "materials/s" in result.stdout and "p95" in result.stdout and "peak RSS" in result.stdout
    with corpus.open(encoding="utf-8") as lines:
        assert sum(1 for _ in lines) == 2000
