"""Long fuzz run of the device parsers: fabricated rows, misplaced rows, loss accounting.

Usage::

    PYTHONPATH=src nice -n 5 python3 benchmarks/fuzz_parsers.py --cases 100000 --parser cyton
    PYTHONPATH=src nice -n 5 python3 benchmarks/fuzz_parsers.py --cases 100000 --parser framed

Each case (``tests/fuzz/streams.py``) is seed-numbered, so any failure it prints reproduces
with ``cyton_case(seed)`` / ``framed_case(seed)``. The figures in docs/recording.md come from
this script.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fuzz.streams import CASES


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parser", choices=sorted(CASES), required=True)
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--json", type=Path, help="also write the totals here")
    a = ap.parse_args(argv)
    case = CASES[a.parser]
    per_class: collections.Counter[str] = collections.Counter()
    totals = collections.Counter()
    failures: list[int] = []
    t0 = time.perf_counter()
    for seed in range(a.first_seed, a.first_seed + a.cases):
        v = case(seed)
        totals["cases"] += 1
        totals["rows"] += v.rows
        totals["lost"] += v.lost
        totals["fabricated"] += v.fabricated
        totals["misplaced"] += v.misplaced
        totals["accounting_errors"] += v.accounting_errors
        for c in set(v.classes):
            per_class[str(c)] += 1
        if not v.ok:
            failures.append(seed)
            print(
                f"FAIL seed={seed} classes={v.classes} fabricated={v.fabricated} "
                f"misplaced={v.misplaced} accounting={v.accounting_errors} {v.notes[:2]}"
            )
    out = {
        "parser": a.parser,
        **totals,
        "failed_cases": len(failures),
        "cases_per_class": dict(sorted(per_class.items())),
        "seconds": round(time.perf_counter() - t0, 1),
        "first_seed": a.first_seed,
    }
    print(json.dumps(out, indent=1))
    if a.json:
        a.json.write_text(json.dumps(out, indent=1) + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
