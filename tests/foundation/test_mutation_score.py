"""tools/mutation_score.py leaves out only the listed equivalent mutants and reports the rest."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _score(tmp_path: Path, results: str, listed: str) -> str:
    (tmp_path / "mutants").mkdir()
    (tmp_path / "mutants" / "mutmut-cicd-stats.json").write_text(json.dumps({"killed": 8, "total": 10}))
    (tmp_path / "equivalent.txt").write_text(listed)
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "mutation_score.py"), "equivalent.txt"],
        input=results, capture_output=True, text=True, cwd=tmp_path, check=True,
    )
    return done.stdout


def test_listed_equivalents_are_left_out_and_the_rest_are_named(tmp_path):
    results = "    pan_platform.access.a.x_f__mutmut_1: survived\n    pan_platform.access.a.x_f__mutmut_2: survived\n"
    listed = "# comment\npan_platform.access.a.x_f__mutmut_1  the default is never used\npan_platform.access.a.x_g__mutmut_3  gone\n"
    out = _score(tmp_path, results, listed)
    assert "Mutation score: 8/9 killed (88.9%)" in out
    assert "not killed: pan_platform.access.a.x_f__mutmut_2 (survived)" in out
    assert "listed as equivalent but killed or gone: pan_platform.access.a.x_g__mutmut_3" in out


def test_nothing_listed_gives_the_raw_score(tmp_path):
    out = _score(tmp_path, "    pan_platform.access.a.x_f__mutmut_1: survived\n", "")
    assert "Mutation score: 8/10 killed (80.0%)" in out
