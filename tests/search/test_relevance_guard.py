"""Relevance guard: the judged benchmark must keep recall@10 at 0.85 or above.

Runs `bench/relevance.py --quick` in-process (a fresh instance, the corpus through the
importer, extraction, the index and every second judged query through the search page's
code, for an anonymous and a signed-in academy viewer). It runs with the suite (about
100 s on two shared cores); alone:

    .venv/bin/python -m pytest tests/search/test_relevance_guard.py -m relevance
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

MIN_RECALL = 0.85
BENCH = Path(__file__).resolve().parents[2] / "bench" / "relevance.py"


def _bench():
    spec = importlib.util.spec_from_file_location("relevance_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


@pytest.mark.relevance
@pytest.mark.slow
def test_quick_benchmark_recall_at_10_stays_above_the_floor():
    bench = _bench()
    summary, outcomes, instance = bench.run(quick=True)
    instance.tmp.cleanup()
    worst = sorted((o for o in outcomes if o.viewer == "academy"), key=lambda o: o.recall)[:10]
    detail = "; ".join(f"{o.query['id']} {o.query['query']!r}: {o.recall:.2f}" for o in worst)
    assert outcomes, "no judged query was run"
    assert bench.overall_recall(summary) >= MIN_RECALL, (
        f"recall@10 {summary['viewers']} is below {MIN_RECALL}; worst: {detail}"
    )
