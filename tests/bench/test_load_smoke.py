"""bench/load.py --smoke: the real server under a few clients answers every page without error.

No timing is asserted (the host is shared); only that each page was driven, answered every
request with 2xx/3xx, no worker died and that its figures were printed.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["home", "search, 1 word", "search, 2 words", "search, 3 words", "catalogue, area filter",
         "item page", "API search, anonymous", "API search, token"]
# page, req/s, p50, p95, p99, requests, errors, worker deaths, workers' RSS, load average
ROW = re.compile(r"^(?P<page>.+?)\s+(?P<rate>[\d.]+)\s+\d+\s+\d+\s+\d+\s+(?P<requests>\d+)\s+(?P<errors>\d+)\s+(?P<deaths>\d+)\s+"
                 r"(?P<rss>[\d/]+)\s+[\d.]+ [\d.]+ [\d.]+$")


@pytest.mark.slow
def test_every_page_answers_under_load_without_errors(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "load.py"), "--smoke", "--keep", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    rows = {m["page"]: m for m in map(ROW.match, run.stdout.splitlines()) if m}
    assert sorted(rows) == sorted(PAGES), run.stdout
    for page, row in rows.items():
        assert int(row["errors"]) == 0 and int(row["deaths"]) == 0, page
        assert int(row["requests"]) > 0 and float(row["rate"]) > 0, page
        assert row["rss"], page  # the workers' memory was read
    assert "CPUs" in run.stdout and "rate limits raised" in run.stdout
