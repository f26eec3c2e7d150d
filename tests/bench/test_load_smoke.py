"""bench/load.py --smoke: the real server under a few clients answers every page without error.

No timing is asserted (the host is shared); only that each page was driven, answered every
request with 2xx/3xx, no worker died and that its figures were printed.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["home", "search, 1 word", "search, 2 words", "search, 3 words", "catalogue, area filter",
         "item page", "API search, anonymous", "API search, token"]
# page, req/s, p50, p95, p99, requests, server CPU per request, errors, worker deaths,
# workers' RSS, load average
ROW = re.compile(r"^(?P<page>.+?)\s+(?P<rate>[\d.]+)\s+\d+\s+\d+\s+\d+\s+(?P<requests>\d+)\s+(?P<cpu>[\d.]+)\s+"
                 r"(?P<errors>\d+)\s+(?P<deaths>\d+)\s+(?P<rss>[\d/]+)\s+[\d.]+ [\d.]+ [\d.]+$")


@pytest.fixture(scope="module")
def instance(tmp_path_factory) -> Path:
    """One smoke instance for both kinds of clients (the second run reuses it)."""
    return tmp_path_factory.mktemp("load")


def _smoke(instance: Path, client: str) -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "load.py"), "--smoke", "--keep", str(instance), "--client", client],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    rows = {m["page"]: m for m in map(ROW.match, run.stdout.splitlines()) if m}
    assert sorted(rows) == sorted(PAGES), run.stdout
    for page, row in rows.items():
        assert int(row["errors"]) == 0 and int(row["deaths"]) == 0, page
        assert int(row["requests"]) > 0 and float(row["rate"]) > 0, page
        assert float(row["cpu"]) > 0, page  # the workers' CPU was read
        assert row["rss"], page  # the workers' memory was read
    assert "CPUs" in run.stdout and "rate limits raised" in run.stdout


@pytest.mark.slow
def test_every_page_answers_under_load_without_errors(instance):
    _smoke(instance, "python")


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("wrk") is None, reason="Debian's wrk is not installed (.ci/run installs it)")
def test_every_page_answers_under_wrk_without_errors(instance):
    _smoke(instance, "wrk")
