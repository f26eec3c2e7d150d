"""Merge benchmark: how long a save takes when it fills a tier of segments, and how long
the background merge it starts runs.

    .venv/bin/python bench/merge_bench.py                  # 4 segments of 1,200 materials
    .venv/bin/python bench/merge_bench.py --segment 500

An index of four segments of `--segment` materials (~16 KB of text each, the corpus of
search_bench.py) is built; one more material is then saved through the same write as
the portal's, which finds a full tier and starts the background merge.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--segment", type=int, default=1_200, help="materials per segment (default 1200)")
    args = parser.parse_args(argv)

    from search_bench import generate

    from pan_platform.search import bulk, merging
    from pan_platform.search import index as search_index
    from pan_platform.search.documents import build_document

    docs = [build_document(r) for r in generate(4 * args.segment + 1)]
    workdir = Path(tempfile.mkdtemp(prefix="pan-merge-bench-"))
    base = workdir / "index"
    try:
        bulk.CHUNK_DOCS = args.segment
        search_index.rebuild(base, docs[:-1], procs=1)
        started = time.perf_counter()
        merging.after_write(base, search_index.write(base, docs[-1:]))
        saved = time.perf_counter() - started
        merging.wait()
        merged = time.perf_counter() - started
        with search_index.open_index(base).reader() as reader:
            sizes = sorted(r.doc_count_all() for r, _offset in reader.leaf_readers())
        print(f"save that fills a tier of 4 x {args.segment}: {saved:.2f} s; background merge done "
              f"{merged:.1f} s after the save; segments now {sizes}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
