"""Stress finds counterexamples on thin and measure-zero sets with at least 10x less work than plain Hypothesis.

The planted claims are the discovery benchmark's (``benchmarks/planted/``, user-style files, constants hidden
from Hypothesis's literal mining): (a) a pure claim false only on an irrational curve (1e-9 relative), (b) a
structured GD family false only in a band of relative width 1e-4 of one drawn parameter, (c) a GD claim false
only on saddle-trapped starts, (d) false only near the corner of two drawn ranges.

Per claim: stress on 5 seeds must find it every time. Plain Hypothesis (generation only) then gets 10.5x the
median number of instances stress checked before its first violation, on 3 seeds; where it misses, it counts
as that whole budget, so "the median ratio is >= 10" is what is asserted. Work is counted in instances checked
(both contenders run the same claim on the same strategy, so an instance costs the same), not in seconds: the
assertion does not depend on the machine or its load, and both searches are seeded, so it is deterministic.
``python benchmarks/bench_discovery.py`` prints the wall-time table the issue's bar is stated in (5 seeds,
stress <= 10 s median and >= 10x faster), measured in one run on the same machine.
"""

from __future__ import annotations

import statistics

import pytest

from benchmarks.discovery import CLAIMS, plain_trial, planted, stress_trial

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", CLAIMS)
def test_stress_finds_the_planted_claim_every_time_with_a_tenth_of_the_instances_plain_hypothesis_needs(
    name: str,
) -> None:
    target = planted(name)
    # 60 s is a timeout, not the bar: chunks are sized by wall time, so on a loaded machine a seed's search takes
    # another path (one band seed took 824 instances and 15 s while the suite and two builds shared the cores)
    stressed = [stress_trial(target, seed, 60.0) for seed in range(5)]
    assert all(t.found for t in stressed), f"{name}: stress missed on a seed: {stressed}"
    median = statistics.median(t.examples for t in stressed)
    budget = max(10, int(10.5 * median))
    plained = [plain_trial(target, seed, 600.0, examples=budget) for seed in range(3)]
    ratio = statistics.median(t.examples if t.found else budget for t in plained) / median
    assert ratio >= 10.0, f"{name}: plain {plained} vs stress {stressed}: ratio {ratio:.1f}"
