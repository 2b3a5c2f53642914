"""Discovery benchmark: time to the first violation of planted false claims, stress against plain Hypothesis.

    python benchmarks/bench_discovery.py [--seeds 5] [--claims curve_pure,band_structured,trap,corner]

The planted claims (``benchmarks/planted/``) are written as a user would, each hiding its constants from
Hypothesis's literal mining: (a) a pure claim false only on the curve b = sqrt(2) a (1e-9 relative), (b) a GD
claim on a structured family (sigma_1 I target, balanced start, step tied to sigma_1) false only in a band
of relative width 1e-4 of the step factor, (c) a GD claim false only on saddle-trapped starts (a measure-zero
set the target-orthogonal init produces), (d) a GD claim false only near the corner of two drawn ranges.
The bar (issue: search inside the claim's structure): stress <= 10 s median and >= 10x faster than plain
Hypothesis wherever plain finds it. Then the refutation-budget table of the catalogue's false variants.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.discovery import CLAIMS, measure, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--claims", default=",".join(CLAIMS))
    parser.add_argument("--stress-budget", type=float, default=30.0)
    parser.add_argument("--no-budgets", action="store_true", help="skip the refutation-budget table")
    args = parser.parse_args()
    rows = []
    for name in args.claims.split(","):
        rows.append(measure(name, range(args.seeds), stress_budget=args.stress_budget))
        print(table(rows[-1:]).splitlines()[2], flush=True)
    print()
    print(table(rows))
    if not args.no_budgets:
        try:
            from benchmarks import hit_rates
        except ImportError:
            return
        print()
        hit_rates.main([])


if __name__ == "__main__":
    main()
