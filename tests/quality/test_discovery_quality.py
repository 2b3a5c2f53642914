"""Stress finds counterexamples on thin and measure-zero sets at least 10x faster than plain Hypothesis.

The planted claims are the discovery benchmark's (``benchmarks/planted/``, user-style files, constants hidden
from Hypothesis's literal mining): (a) a pure claim false only on an irrational curve (1e-9 relative), (b) a
structured GD family false only in a band of relative width 1e-4 of one drawn parameter, (c) a GD claim false
only on saddle-trapped starts, (d) false only near the corner of two drawn ranges.

Per claim: stress on 5 seeds must find it every time, median <= 10 s to the first float64 violation (the
time the check showed it, before the in-search rung re-checks it: that costs both contenders the same). Plain
Hypothesis (generation only) then gets 10.5x stress's median time on 3 seeds; where it misses, its time counts
as that whole budget, so "the median ratio is >= 10" is what is asserted, at the cost of 10x stress's time and
no more.
``python benchmarks/bench_discovery.py`` prints the full table (5 seeds each, plain given 15x).
"""

from __future__ import annotations

import statistics

import pytest

from benchmarks.discovery import CLAIMS, plain_trial, planted, stress_trial

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", CLAIMS)
def test_stress_finds_the_planted_claim_in_under_ten_seconds_and_ten_times_faster_than_plain_hypothesis(name: str) -> None:
    target = planted(name)
    stressed = [stress_trial(target, seed, 30.0) for seed in range(5)]
    assert all(t.found for t in stressed), f"{name}: stress missed on a seed: {stressed}"
    median = statistics.median(t.seconds for t in stressed)
    assert median <= 10.0, f"{name}: stress median {median:.2f} s: {stressed}"
    budget = max(1.0, 10.5 * median)
    plained = [plain_trial(target, seed, budget) for seed in range(3)]
    ratio = statistics.median(t.seconds for t in plained) / median
    assert ratio >= 10.0, f"{name}: plain {plained} vs stress {stressed}: ratio {ratio:.1f}"
