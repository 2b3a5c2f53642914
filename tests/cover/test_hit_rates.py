"""The refutation-budget arithmetic of benchmarks/budgets.py and benchmarks/hit_rates.py on planted numbers."""

from __future__ import annotations

import math

import pytest
from scipy.stats import binomtest

from benchmarks.budgets import Z95, budget_for, needed_budget, verdict, wilson_interval
from benchmarks.hit_rates import HitRate


@pytest.mark.parametrize(
    ("p_lower", "budget"),
    [(1.0, 14), (0.5, 28), (0.1, 139), (0.022, 628), (0.0035, 3948)],
    ids=["certain", "half", "tenth", "the-brief-example", "rare"],
)
def test_the_budget_is_ln_of_a_million_over_the_lower_rate_rounded_up(p_lower, budget):
    assert budget_for(p_lower) == budget == math.ceil(math.log(1e6) / p_lower)


@pytest.mark.parametrize("p_lower", [0.9, 0.3, 0.05, 0.011, 1e-3])
@pytest.mark.parametrize("miss", [1e-2, 1e-6, 1e-9])
def test_the_budget_is_the_smallest_that_keeps_the_miss_chance_below_the_target(p_lower, miss):
    n = budget_for(p_lower, miss=miss)
    assert math.exp(-p_lower * n) <= miss < math.exp(-p_lower * (n - 1))
    assert (1 - p_lower) ** n <= miss  # the exact miss chance of n independent draws is smaller still


@pytest.mark.parametrize("p_lower", [0.0, -0.1, 1.5, math.nan])
def test_a_rate_outside_zero_one_has_no_budget(p_lower):
    with pytest.raises(ValueError, match="p_lower"):
        budget_for(p_lower)


@pytest.mark.parametrize(("hits", "n"), [(0, 10), (3, 30), (10, 10), (81, 263), (1, 1000), (299, 300)])
def test_the_wilson_interval_matches_scipy(hits, n):
    ci = binomtest(hits, n).proportion_ci(confidence_level=0.95, method="wilson")
    lower, upper = wilson_interval(hits, n)
    assert lower == pytest.approx(ci.low, abs=1e-12)
    assert upper == pytest.approx(ci.high, abs=1e-12)


def test_all_hits_give_the_lower_bound_n_over_n_plus_z_squared_and_no_hits_give_zero():
    assert wilson_interval(40, 40)[0] == pytest.approx(40 / (40 + Z95**2), rel=1e-12)
    assert wilson_interval(0, 40) == (0.0, pytest.approx(Z95**2 / (40 + Z95**2), rel=1e-12))
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_the_needed_budget_is_at_least_the_safety_factor_over_seed_zeros_first_violation():
    assert needed_budget(0.9) == budget_for(0.9) == 16
    assert needed_budget(0.9, first_violation=10) == 30
    assert needed_budget(0.9, first_violation=2) == 16
    assert needed_budget(0.9, first_violation=10, safety=5) == 50
    assert needed_budget(0.0) is None  # no hit measured: no finite budget is justified


def test_a_budget_is_ok_only_when_it_covers_the_need():
    assert verdict(30, 30) == "OK"
    assert verdict(29, 30) == "TOO LOW"
    assert verdict(10_000, None) == "TOO LOW"


def test_a_hit_rate_record_derives_its_rates_bound_and_need_from_the_counts():
    # 10 hits in 120 drawn examples (100 applicable); seed 0 of ci first violated at example 90
    r = HitRate("x.F1", "ci", 120, 100, 10, 0, 1.0, 200, first_violation=(90, 4, None), first_violation_budget=300)
    assert r.rate == pytest.approx(10 / 120)
    assert r.rate_applicable == pytest.approx(0.1)
    assert r.lower == pytest.approx(wilson_interval(10, 120)[0])
    assert r.needed == max(budget_for(r.lower), 270) == 302
    assert r.status == "TOO LOW"
    assert HitRate("x.F1", "ci", 120, 100, 10, 0, 1.0, 315, first_violation=(90,)).status == "OK"
    # seed 0 never violated: no safety factor over it can be met
    assert HitRate("x.F1", "ci", 120, 100, 10, 0, 1.0, 10_000, first_violation=(None, 3)).needed is None
    # unseeded profiles: the rate alone
    assert HitRate("x.F1", "default", 120, 100, 10, 0, 1.0, 200).needed == budget_for(r.lower)
