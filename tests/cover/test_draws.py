"""Refinement over the draws: recording and replaying choice sequences (Hypothesis internals, pinned), the
float line, Brent to float resolution, boundary search, and structure kept by refinement."""

from __future__ import annotations

import itertools
import math

import hypothesis
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import theorycheck.strategies as tcs
from theorycheck.claims import Case, Claim, Outcome, Procedure, Source, pure
from theorycheck.config import PROFILES
from theorycheck.dynamics.instance import Instance, Target
from theorycheck.models import deep_mf
from theorycheck.search.boundary import bisect, from_ordinal, midpoint, neighbours, ordinal
from theorycheck.search.descent import Budget, Found, brent, refine_draw, scan_points
from theorycheck.search.draws import Draw, PrimedDatabase, current_draw, current_phase, replay
from theorycheck.search.hypothesis import Refinement, SearchStats, search

PROFILE = PROFILES["default"]
SOURCE = Source("Tests", 2026, "planted", "reconstructed")


@st.composite
def mixed(draw):
    a = draw(tcs.finite_floats(1.0, 10.0))
    n = draw(st.integers(1, 3))
    xs = draw(st.lists(tcs.finite_floats(0.0, 1.0), min_size=n, max_size=n))
    flag = draw(st.booleans())
    return (a, xs, flag)


def _recorded(strategy, examples=5):
    seen = []

    @settings(max_examples=examples, database=None)
    @given(strategy)
    def record(value):
        seen.append((value, current_draw(), current_phase()))

    record()
    return seen


def test_a_recorded_draw_replays_to_the_same_example() -> None:
    for value, draw, _ in _recorded(mixed(), 20):
        assert draw is not None
        again = replay(mixed(), draw.choices)
        assert again is not None
        assert again.example == value
        assert again.draw.choices == draw.choices


def test_an_edited_draw_rebuilds_through_the_strategy_and_is_clamped_to_its_constraints() -> None:
    _, draw, _ = _recorded(mixed(), 1)[0]
    (i_a,) = [i for i, c in enumerate(draw.constraints) if c.get("max_value") == 10.0]
    edited = draw.with_choices({i_a: 50.0})  # outside [1, 10]: clamped, not replaced by the simplest value
    assert edited[i_a] == 10.0
    rebuilt = replay(mixed(), edited)
    assert rebuilt is not None
    assert rebuilt.example[0] == 10.0


def test_an_integer_edit_that_makes_the_strategy_draw_more_is_extended_with_simple_values() -> None:
    _, draw, _ = _recorded(mixed(), 1)[0]
    (i_n,) = draw.positions("integer")
    longer = draw.with_choices({i_n: 3})
    rebuilt = replay(mixed(), longer, extend=8)
    assert rebuilt is not None
    assert len(rebuilt.example[1]) == 3


def test_a_draw_round_trips_through_json_bit_for_bit() -> None:
    for _, draw, _ in _recorded(mixed(), 10):
        assert draw is not None
        back = Draw.from_data(draw.to_data())
        assert back.choices == draw.choices
        assert [type(c) for c in back.choices] == [type(c) for c in draw.choices]
        assert back.kinds == draw.kinds


def test_the_phase_is_named_inside_a_search_and_explicit_outside() -> None:
    phases = {p for _, _, p in _recorded(mixed(), 30)}
    assert phases <= {"generate", "target", "reuse", "shrink"}
    assert "generate" in phases
    assert current_phase() == "explicit"


def test_a_primed_secondary_failure_is_replayed_and_shrunk_by_hypothesis() -> None:
    # a failure on the far side of a threshold, handed in as choices: Hypothesis must re-find and shrink it
    failing = []

    @settings(max_examples=50, database=PrimedDatabase(None, secondary=[(7.5,)]),
              phases=[hypothesis.Phase.reuse, hypothesis.Phase.shrink])
    @given(tcs.finite_floats(0.0, 10.0))
    def test(x):
        if x > 5.0:
            failing.append(x)
            raise AssertionError(x)

    with pytest.raises(AssertionError):
        test()
    assert failing[0] == 7.5
    assert 5.0 < failing[-1] < 7.5  # shrunk toward the simplest failing value


def test_the_float_line_is_monotone_and_adjacent_floats_are_adjacent_integers() -> None:
    for x in [0.0, 1.0, -1.0, 1e-300, -2.5, 5e-324, 1.7e308, -5e-324, math.pi]:
        assert from_ordinal(ordinal(x)) == x
        assert from_ordinal(ordinal(x) + 1) == math.nextafter(x, math.inf)
    xs = sorted(np.random.default_rng(0).uniform(-10, 10, 500).tolist())
    assert all(ordinal(a) <= ordinal(b) for a, b in itertools.pairwise(xs))
    assert neighbours(1.0, 1) == [math.nextafter(1.0, 0.0), math.nextafter(1.0, 2.0)]
    assert 1.0 < midpoint(1.0, 2.0) < 2.0


def test_bisection_corners_an_irrational_threshold_to_two_adjacent_floats() -> None:
    t = math.sqrt(2.0)
    seen: dict[float, bool] = {}

    def state(x: float) -> bool:
        return seen.setdefault(x, x < t)

    state(1.0)
    state(2.0)
    a, b = bisect(1.0, 2.0, lambda x, y: seen[x] != seen[y], state)
    assert ordinal(b) - ordinal(a) == 1
    assert a < t <= b
    assert len(seen) <= 70


def test_brent_localises_the_tip_of_a_v_to_a_few_ulps() -> None:
    tip = math.sqrt(2.0) * 3.0
    x = brent(lambda y: abs(y - tip), 0.5, 20.0, 3.0)
    assert abs(x - tip) <= 8 * math.ulp(tip)


def test_scan_points_include_the_bounds_and_go_geometric_over_decades() -> None:
    pts = scan_points(0.3, 1e-3, 1.0)
    assert pts[0] == 1e-3
    assert pts[-1] == 1.0
    assert 0.3 in pts
    assert any(1e-3 < p < 1e-2 for p in pts)


def _curve_claim() -> tuple[Claim, st.SearchStrategy]:
    ratio = math.sqrt(math.exp(math.log(3.0)))

    @st.composite
    def cases(draw):
        return Case({"a": draw(tcs.finite_floats(1.0, 10.0)), "b": draw(tcs.finite_floats(0.5, 40.0))})

    def distance(case):
        return abs(case["b"] - ratio * case["a"]) / (1e-10 * case["b"]) - 1.0, ""

    claim = Claim(id="test.curve", statement="b is never sqrt(3) a", source=SOURCE,
                  conclusion=pure("distance", distance), expect="refuted")
    return claim, cases()


def test_refinement_finds_a_pure_claim_that_fails_only_on_an_irrational_curve() -> None:
    claim, strategy = _curve_claim()
    profile = hypothesis_profile(seed=1)
    plain, _ = search(claim, strategy, max_examples=300, profile=profile, targeting=False, shrinking=False)
    assert plain is None  # 1e-10 relative: random draws do not land there
    found, stats = search(claim, strategy, max_examples=100, profile=profile, refinement=Refinement(1.0))
    assert found is not None
    assert found.violated
    assert stats.first_violation_stage in {"refine", "boundary"}
    assert abs(found.instance["b"] / found.instance["a"] - math.sqrt(3.0)) < 1e-9


def hypothesis_profile(seed: int):
    import attrs

    return attrs.evolve(PROFILE, database=None, seed=seed)


def test_boundary_search_finds_a_violation_that_lives_only_on_the_last_float_below_a_threshold() -> None:
    # holds vacuously (not applicable) above sqrt(2); below it the margin is 1 except at the very last float
    t = math.sqrt(2.0)
    last = math.nextafter(t, 0.0)

    def conclude(case, _run):
        x = case["x"]
        if x >= t:
            return Outcome(1.0, "edge", None, "", applicable=False)
        return Outcome(-1.0 if x == last else 1.0, "edge", None, f"x={x!r}")

    claim = Claim(id="test.edge", statement="holds up to the edge", source=SOURCE, conclusion=conclude,
                  expect="refuted")
    strategy = st.builds(lambda x: Case({"x": x}), tcs.finite_floats(0.0, 4.0))
    found, stats = search(claim, strategy, max_examples=60, profile=hypothesis_profile(seed=0),
                          refinement=Refinement(1.0))
    assert found is not None
    assert found.instance["x"] == last
    assert stats.first_violation_stage == "boundary"


def test_refinement_keeps_the_structure_the_strategy_imposes() -> None:
    # a sigma_1 I target with a step tied to sigma_1: every refined candidate must still be one
    obj = deep_mf((2, 2, 2))

    @st.composite
    def instances(draw):
        s1 = draw(tcs.finite_floats(0.5, 2.0))
        eye = np.eye(2)
        init = draw(tcs.balanced_initializations(obj, min_scale=1e-2, max_scale=0.3))
        c = draw(tcs.finite_floats(0.01, 0.5))
        return Instance(obj, Target(s1 * eye, eye, np.full(2, s1), eye), init.weights, c / s1, 5)

    seen = []

    def conclude(instance, _run):
        seen.append(instance)
        return Outcome(instance.step * float(instance.target.sigma[0]), "c", None, "")  # minimised toward 0.01

    claim = Claim(id="test.structure", statement="", source=SOURCE, procedure=Procedure(), conclusion=conclude)
    strategy = instances()
    _, stats = search(claim, strategy, max_examples=5, profile=hypothesis_profile(seed=0),
                      refinement=Refinement(1.0, min_evals=150))
    assert stats.refine_evals > 50
    for inst in seen:
        sigma = np.asarray(inst.target.sigma)
        assert np.all(sigma == sigma[0])
        assert np.array_equal(inst.target.matrix, sigma[0] * np.eye(2))
        assert 0.01 <= inst.step * sigma[0] <= 0.5 * (1 + 1e-15)
    assert min(i.step * float(i.target.sigma[0]) for i in seen) == pytest.approx(0.01, rel=1e-12)


def test_refine_draw_reports_the_stage_and_choices_of_the_violation() -> None:
    _, draw, _ = _recorded(tcs.finite_floats(0.0, 1.0).map(lambda x: Case({"x": x})), 1)[0]
    assert draw is not None

    def probe(choices, _stage):
        rebuilt = replay(tcs.finite_floats(0.0, 1.0), choices)
        assert rebuilt is not None
        x = rebuilt.example
        claim = Claim(id="t", statement="", source=SOURCE, conclusion=pure("x", lambda c: (0.9 - c["x"], "")))
        from theorycheck.claims import check

        return check(claim, Case({"x": x})), rebuilt.draw

    with pytest.raises(Found) as found:
        refine_draw(draw, 1.0, probe, Budget(100))
    assert found.value.stage == "refine"
    assert found.value.choices[0] > 0.9


def test_search_stats_keep_the_draw_of_each_elite_example() -> None:
    claim, strategy = _curve_claim()
    stats = SearchStats(keep=3)
    search(claim, strategy, max_examples=20, profile=hypothesis_profile(seed=2), stats=stats, targeting=False)
    assert len(stats.elite) == 3
    for e in stats.elite:
        assert e.draw is not None
        assert replay(strategy, e.draw.choices).example.values == e.instance.values


def _refine_pure(strategy, margin, budget):
    """Refine the first recorded draw of ``strategy`` on the pure claim ``margin(case) -> float``."""
    _, draw, _ = _recorded(strategy, 1)[0]
    assert draw is not None
    claim = Claim(id="t", statement="", source=SOURCE, conclusion=pure("m", lambda c: (margin(c), "")))

    def probe(choices, _stage):
        rebuilt = replay(strategy, choices)
        assert rebuilt is not None
        from theorycheck.claims import check

        return check(claim, rebuilt.example), rebuilt.draw

    with pytest.raises(Found) as found:
        refine_draw(draw, 1.0, probe, Budget(budget))
    return found.value


def test_refinement_finds_a_violation_on_the_tip_float_of_a_v_that_is_not_the_scans_lowest_point() -> None:
    # the margin has a deep basin near 0.9 (the scan's lowest point, never violating) and a V whose tip
    # t = 1/sqrt(7) is the only violating float: Brent from the scan's second local minimum, then the floats
    # around where it stopped, must find t itself
    t = 1.0 / math.sqrt(7.0)

    def margin(case):
        x = case["x"]
        if x == t:
            return -1.0
        return min(0.5 + 0.02 * math.log10(abs(x - t)), 0.1 + abs(x - 0.9))

    strategy = tcs.finite_floats(0.0, 1.0).map(lambda x: Case({"x": x}))
    found = _refine_pure(strategy, margin, 400)
    assert found.choices[0] == t


def test_refinement_tries_every_bounded_float_at_its_upper_end_at_once_first() -> None:
    # false only at the corner where all three drawn floats sit at their upper ends: one evaluation
    strategy = st.tuples(tcs.finite_floats(0.0, 1.0), tcs.finite_floats(2.0, 3.0), tcs.finite_floats(-1.0, 5.0)).map(
        lambda xs: Case({"x": xs[0], "y": xs[1], "z": xs[2]}))
    found = _refine_pure(strategy, lambda c: -1.0 if (c["x"], c["y"], c["z"]) == (1.0, 3.0, 5.0) else 1.0, 1)
    assert found.choices == (1.0, 3.0, 5.0)
