"""Thesaurus lookup benchmark: the cost of `related_terms` per search, and of a reload.

    .venv/bin/python bench/thesaurus_bench.py               # 200 rounds of the queries below
    .venv/bin/python bench/thesaurus_bench.py --rounds 50

The seed thesaurus is loaded into a temporary SQLite database; each call includes the
version check against the database that every search pays.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = [
    "drug trafficking", "наркоторговли", "Cyber-Crime", "ransomware attack on hospitals", "JIT",
    "police training on human rights", "la traite des êtres humains", "Menschenhandel", "الاتجار بالمخدرات",
    "APAAN", "I-24/7", "community policing", "use of force", "evidence", "handbook for border police",
    "curriculum for investigators of online child sexual exploitation",
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args(argv)

    from pan_platform.thesaurus import lookup, operations
    from tests.conftest import make_app, running

    workdir = Path(tempfile.mkdtemp(prefix="pan-thesaurus-bench-"))
    try:
        with running(make_app(workdir)):
            operations.import_csv((ROOT / "seed_data" / "thesaurus.csv").read_bytes(), None)
            reloads = []
            for _ in range(5):
                lookup.clear_cache()
                start = time.perf_counter()
                lookup.related_terms("x")
                reloads.append((time.perf_counter() - start) * 1000)
            timings = []
            for _ in range(args.rounds):
                for query in QUERIES:
                    start = time.perf_counter()
                    lookup.related_terms(query)
                    timings.append((time.perf_counter() - start) * 1000)
            timings.sort()
            print(f"reload of the whole thesaurus: median {statistics.median(reloads):.1f} ms")
            print(f"related_terms, {len(timings)} calls: median {statistics.median(timings):.2f} ms, "
                  f"p95 {timings[int(len(timings) * 0.95)]:.2f} ms, max {timings[-1]:.2f} ms")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
