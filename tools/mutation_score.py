"""Print the mutation score of `make mutation`, counting the listed equivalent mutants apart.

    mutmut results | python tools/mutation_score.py docs/mutation-equivalent.txt

`mutmut results` prints one line per mutant that was not killed ("name: survived"). A mutant
is left out of the score only when it is named in the equivalents file, each with its reason
(the long reasons are in docs/mutation.md). A listed mutant that was killed, or that no longer
exists, is reported so that the list cannot go stale silently.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

STATS = Path("mutants/mutmut-cicd-stats.json")


def listed_equivalents(path: Path) -> dict[str, str]:
    """name -> reason, from lines `name  reason`; '#' starts a comment line."""
    listed = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, reason = line.strip().partition(" ")
            listed[name] = reason.strip()
    return listed


def not_killed(lines: list[str]) -> dict[str, str]:
    """name -> status, from the output of `mutmut results`."""
    found = {}
    for line in lines:
        name, sep, status = line.strip().rpartition(": ")
        if sep and name.startswith("pan_platform."):
            found[name] = status.strip()
    return found


def main() -> int:
    stats = json.loads(STATS.read_text())
    killed, total = stats["killed"], stats["total"]
    listed = listed_equivalents(Path(sys.argv[1]))
    survivors = not_killed(sys.stdin.read().splitlines())
    equivalent = sorted(n for n in survivors if n in listed)
    unexplained = sorted(n for n in survivors if n not in listed)
    stale = sorted(n for n in listed if n not in survivors)
    judged = total - len(equivalent)
    print(f"Mutants: {total}; killed {killed}; listed as equivalent {len(equivalent)}; "
          f"not killed and not listed {len(unexplained)}.")
    for name in unexplained:
        print(f"  not killed: {name} ({survivors[name]})")
    for name in stale:
        print(f"  listed as equivalent but killed or gone: {name}")
    print(f"Mutation score: {killed}/{judged} killed ({100 * killed / judged:.1f}%) "
          f"leaving out the {len(equivalent)} listed equivalent mutants; raw {100 * killed / total:.1f}%.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
