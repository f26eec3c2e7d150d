"""Concurrent writers benchmark: saves lost and searches failed while two processes save
and a third searches.

    .venv/bin/python bench/concurrent_writers.py              # 2 writers x 500 saves
    .venv/bin/python bench/concurrent_writers.py --saves 200

Runs the stress test `tests/search/test_concurrent_writers.py` (which fails on any lost
save or failed search) and prints its figures: saves, searches made meanwhile, seconds,
and what `check()` (`pan check-index`) found missing, out of date or still queued.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=500, help="saves per writer process (default 500)")
    args = parser.parse_args(argv)
    env = {**os.environ, "PAN_STRESS_SAVES": str(args.saves)}
    command = [sys.executable, "-m", "pytest", "tests/search/test_concurrent_writers.py", "-q", "-s",
               "-p", "no:cacheprovider", "-o", "log_cli=false"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    figures = [line for line in done.stdout.splitlines() if " writers x " in line]
    print("\n".join(figures) if figures else done.stdout[-3000:])
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
