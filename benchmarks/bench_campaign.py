"""Campaign throughput: one worker against two, locally and on a Dask LocalCluster (issue 6).

    python benchmarks/bench_campaign.py [--budget SECONDS] [--claim ID]

Runs ``theorycheck stress`` on a true catalogue claim (no early stop) for the same wall-time budget on
each executor and prints instances per second; then times one ``theorycheck scale`` sweep on each.
Timings on shared machines vary 25-40%: compare the rows of one run, not runs of different days.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import attrs

from theorycheck.campaign import resolve
from theorycheck.config import PROFILES
from theorycheck.parallel import open_executor
from theorycheck.stress import stress
from theorycheck.sweep import plan, sweep

EXECUTORS = {
    "1 worker (this process)": {"workers": 1},
    "2 local processes": {"workers": 2},
    "Dask LocalCluster, 2 workers": {"dask_local": 2},
}


def main() -> None:
    """Print the stress and scale tables."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--budget", type=float, default=30.0, help="seconds of stress per executor")
    p.add_argument("--claim", default="luo2025.thm5.hermitian_term_nondecreasing")
    p.add_argument("--points", type=int, default=24, help="kappa values of the scale sweep")
    p.add_argument("--repeats", type=int, default=16, help="seeds per point of the scale sweep")
    args = p.parse_args()
    profile = attrs.evolve(PROFILES["default"], seed=0, database=None)
    (target,) = resolve(args.claim)
    print(f"stress {args.claim}, {args.budget:.0f} s each")
    base = None
    for label, options in EXECUTORS.items():
        executor = open_executor(**options)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                out = stress(target, budget=args.budget, executor=executor, profile=profile, report_dir=tmp)
        finally:
            executor.close()
        rate = out.tally.examples / out.tally.seconds
        base = base or rate
        print(f"  {label:<32} {out.tally.examples:>8,} instances  {rate:8.1f}/s  {rate / base:4.2f}x")
    (sweep_target,) = resolve("yedu2021.thm1_1.converges_within_t_total")
    assert sweep_target.entry.scaling is not None
    varies = plan(sweep_target.entry.scaling, ["kappa=1..1000", "eps=1e-14,1e-12,1e-10"], args.points)
    print(f"scale yedu2021.thm1_1 kappa=1..1000 x 3 eps, {args.points} points x {args.repeats} repeats")
    base_s = None
    for label, options in EXECUTORS.items():
        executor = open_executor(**options)
        try:
            with tempfile.TemporaryDirectory() as tmp:
                t0 = time.perf_counter()
                sweep(sweep_target, varies, repeats=args.repeats, executor=executor, report_dir=tmp)
                seconds = time.perf_counter() - t0
        finally:
            executor.close()
        base_s = base_s or seconds
        print(f"  {label:<32} {seconds:8.2f} s  {base_s / seconds:4.2f}x")


if __name__ == "__main__":
    main()
