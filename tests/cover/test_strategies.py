"""Every strategy yields valid engine inputs, exactly as requested; bad arguments fail at construction."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st
from hypothesis.strategies._internal import core as hypothesis_core

import theorycheck as tc
from tests.common import exact
from theorycheck import errors
from theorycheck import strategies as S
from theorycheck.dynamics.instance import Target
from theorycheck.models import critical_points as cp

FAST = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def _is_orthonormal(q):
    return np.allclose(q.conj().T @ q, np.eye(q.shape[1]), atol=1e-12)


@pytest.mark.parametrize("field", ["real", "complex"])
@pytest.mark.parametrize("kind", ["general", "scaled_unitary", "diagonal"])
def test_targets_have_exactly_the_requested_rank_spectrum_and_condition_number(field, kind):
    @FAST
    @given(S.target_matrices(max_dim=5, field=field, kind=kind, min_condition=2.0, max_condition=300.0))
    def check(t):
        m, n = t.shape
        assert t.matrix.dtype == (np.complex128 if field == "complex" else np.float64)
        assert np.all(np.isfinite(t.matrix))
        assert _is_orthonormal(t.u)
        assert _is_orthonormal(t.v)
        assert np.all(np.diff(t.sigma) <= 0)
        svd = np.linalg.svd(t.matrix, compute_uv=False)[: len(t.sigma)]
        assert np.allclose(svd, t.sigma, rtol=1e-12, atol=1e-14)
        assert np.linalg.matrix_rank(t.matrix, tol=1e-10 * t.sigma[0]) == t.rank
        assert t.rank <= min(m, n)
        if kind == "scaled_unitary":
            assert np.all(t.sigma == t.sigma[0])
        elif t.rank > 1:
            assert 2.0 * (1 - 1e-12) <= t.condition <= 300.0 * (1 + 1e-12)

    check()


def test_fixed_shape_and_rank_targets_respect_them_and_include_places_thresholds_exactly():
    threshold = cp.existence_threshold(1.0, 3)

    @FAST
    @given(S.target_matrices(shape=(3, 4), rank=2, include=(threshold,), max_condition=5.0))
    def check(t):
        assert t.shape == (3, 4)
        assert t.rank == 2
        assert threshold in t.sigma

    check()


def test_scaled_identity_targets_are_exact_multiples_of_the_identity():
    @FAST
    @given(S.target_matrices(kind="scaled_identity", max_dim=4))
    def check(t):
        assert np.array_equal(t.matrix, t.sigma[0] * np.eye(t.shape[0]))

    check()


def _no_ties_floor(rank, min_gap, included=0):
    """The stated smallest kappa for ``ties=False``: ``exp((rank-1) g)`` with the widened log gap
    ``g = -log(1 - min_gap)(1 + 1e-9) + 1e-12``, cubed with includes."""
    import math

    return math.exp((rank - 1) * (3 if included else 1) * (-math.log1p(-min_gap) * (1 + 1e-9) + 1e-12))


def _assert_distinct(sig, min_gap):
    assert np.all(sig > 0)
    assert np.all(np.diff(sig) < 0)  # strictly decreasing
    assert np.all((sig[:-1] - sig[1:]) / sig[:-1] >= min_gap)


@settings(FAST, max_examples=600)
@given(st.data())
def test_singular_values_without_ties_are_strictly_decreasing_with_the_stated_relative_gap(data):
    rank = data.draw(st.integers(1, 8), label="rank")
    min_gap = data.draw(st.sampled_from([1e-3, 1e-6, 1e-2, 0.1, 0.3]), label="min_gap")
    floor = _no_ties_floor(rank, min_gap)
    kmin = data.draw(st.sampled_from([1.0, 1.0 + 1e-9, 1.5, floor]) | st.floats(1.0, 1e3), label="kmin")
    low = max(kmin, floor * (1 + 1e-8))  # the lowest max_condition with room for the gaps
    kmax = data.draw(st.sampled_from([low, 10 * low]) | st.floats(low, max(low, 1e4)), label="kmax")
    sig = data.draw(S.singular_values(rank=rank, min_condition=kmin, max_condition=kmax, ties=False, min_gap=min_gap))
    assert sig.shape == (rank,)
    _assert_distinct(sig, min_gap)
    if rank > 1:  # exact condition number, from the range raised to the floor
        kappa = sig[0] / sig[-1]
        assert max(kmin, floor) * (1 - 1e-12) <= kappa <= kmax * (1 + 1e-12)


@settings(FAST, max_examples=300)
@given(st.data())
def test_singular_values_without_ties_keep_the_gap_with_included_values(data):
    rank = data.draw(st.integers(1, 6), label="rank")
    pool = st.sampled_from([1.0, 0.999, 0.5, 2.0]) | st.floats(0.01, 10.0)
    extra = data.draw(st.lists(pool, max_size=rank, unique=True), label="include")
    extra = [v for i, v in enumerate(extra) if all(abs(v - w) / max(v, w) >= 1e-3 for w in extra[:i])]
    sig = data.draw(S.singular_values(rank=rank, min_scale=1.0, max_scale=1.0, ties=False, include=extra))
    _assert_distinct(sig, 1e-3)
    for value in extra:
        assert value in sig


@pytest.mark.parametrize("field", ["real", "complex"])
@pytest.mark.parametrize("kind", ["general", "diagonal"])
def test_targets_without_ties_have_distinct_singular_values_and_exact_condition_numbers(field, kind):
    @settings(FAST, max_examples=150)
    @given(S.target_matrices(max_dim=5, field=field, kind=kind, ties=False, min_condition=1.0, max_condition=30.0))
    def check(t):
        _assert_distinct(t.sigma, 1e-3)
        svd = np.linalg.svd(t.matrix, compute_uv=False)[: t.rank]
        np.testing.assert_allclose(svd, t.sigma, rtol=1e-12)
        if t.rank > 1:
            assert _no_ties_floor(t.rank, 1e-3) * (1 - 1e-12) <= t.condition <= 30.0 * (1 + 1e-12)

    check()


# the draws behind the reported ties: t = 0 put an interior value on sigma_1 (diag(1, 1, 0.5)), and kappa = 1
# (min_condition's default) made every value equal
NO_TIES_EDGES = [
    ("rank_2_default_range", lambda: S.singular_values(rank=2, ties=False)),
    ("rank_3_default_range", lambda: S.singular_values(rank=3, ties=False)),
    ("rank_3_kappa_up_to_1_5", lambda: S.singular_values(rank=3, ties=False, min_condition=1.0, max_condition=1.5)),
    ("rank_6", lambda: S.singular_values(rank=6, ties=False, max_condition=2.0)),
    (
        "kappa_exactly_at_the_floor",
        lambda: S.singular_values(rank=4, ties=False, min_condition=1.0, max_condition=_no_ties_floor(4, 1e-3)),
    ),
    ("included_sigma_1", lambda: S.singular_values(rank=3, ties=False, min_scale=1.0, max_scale=1.0, include=(1.0,))),
    (
        "included_next_to_sigma_1",
        lambda: S.singular_values(rank=3, ties=False, min_scale=1.0, max_scale=1.0, include=(0.9995,)),
    ),
    (
        "diagonal_target_3x3",  # Luo et al. P1.4's targets
        lambda: S.target_matrices(shape=(3, 3), kind="diagonal", rank=3, ties=False, min_condition=1.5).map(
            lambda t: t.sigma
        ),
    ),
]


@pytest.mark.parametrize("make", [pytest.param(e[1], id=e[0]) for e in NO_TIES_EDGES])
def test_the_simplest_spectra_without_ties_are_distinct(make):
    """The minimal example (every draw shrunk: t = 0, kappa at the low end) and a few hundred others."""
    minimal = find(make(), lambda _: True, settings=settings(database=None))
    _assert_distinct(minimal, 1e-3)

    @settings(FAST, max_examples=200)
    @given(make())
    def check(sig):
        _assert_distinct(sig, 1e-3)

    check()


def test_spectra_without_ties_shrink_to_sigma_1_one_an_integer_kappa_and_values_bunched_below_sigma_1():
    sig = find(S.singular_values(rank=4, ties=False), lambda _: True, settings=settings(database=None))
    assert sig[0] == 1.0
    kappa = sig[0] / sig[-1]
    assert kappa == round(kappa)
    np.testing.assert_allclose(sig[1:3], [0.999, 0.999**2], rtol=1e-8)  # one minimum gap apart: the nearest to a tie


def test_data_matrices_have_full_row_rank_and_bounded_condition():
    @FAST
    @given(S.data_matrices(rows=3, columns=5, max_condition=50.0))
    def check(x):
        s = np.linalg.svd(x, compute_uv=False)
        assert x.shape == (3, 5)
        assert s[-1] > 0
        assert s[0] / s[-1] <= 50.0 * (1 + 1e-12)

    check()


MODELS = [
    pytest.param(tc.deep_mf((3, 3, 3, 3)), id="square_real"),
    pytest.param(tc.deep_mf((2, 4, 3)), id="rectangular_real"),
    pytest.param(tc.deep_mf((3, 3, 3, 3, 3), field="complex") + tc.Balancing(1.0), id="square_complex"),
    pytest.param(tc.deep_mf((3, 2, 4), field="complex"), id="rectangular_complex"),
]


@pytest.mark.parametrize("objective", MODELS)
def test_every_initialization_kind_gives_finite_weights_of_the_model_shape(objective):
    complex_ = objective.is_complex
    targets = S.target_matrices(shape=objective.target_shape, field=objective.field)

    @FAST
    @given(st.data())
    def check(data):
        target = data.draw(targets)
        init = data.draw(S.initializations(objective, target, kinds=S.INIT_KINDS[:-1]))
        assert init.weights.shape == (objective.n_params,)
        assert init.weights.dtype == (np.complex128 if complex_ else np.float64)
        assert np.all(np.isfinite(init.weights))
        run = tc.run_gd(objective, target.matrix, init.weights, step=1e-3, max_steps=2)
        assert np.all(np.isfinite(run.final_params))

    check()


@pytest.mark.parametrize("objective", MODELS)
def test_balanced_initializations_are_balanced_to_rounding(objective):
    @FAST
    @given(S.balanced_initializations(objective, min_scale=1e-3, max_scale=2.0))
    def check(init):
        scale = init.drawn["scale"]
        for d in tc.invariants.imbalances(objective, init.weights):
            assert np.max(np.abs(d)) <= 1e-13 * max(1.0, scale**2 * 25)

    check()


def test_nearly_balanced_initializations_have_an_imbalance_of_the_drawn_size():
    obj = tc.deep_mf((3, 3, 3, 3))

    @FAST
    @given(S.nearly_balanced_initializations(obj, min_scale=0.5, max_scale=1.0, min_imbalance=1e-6, max_imbalance=1e-2))
    def check(init):
        worst = max(np.max(np.abs(d)) for d in tc.invariants.imbalances(obj, init.weights))
        delta = init.drawn["imbalance"]
        assert 1e-3 * delta <= worst <= 100 * delta

    check()


@pytest.mark.parametrize("sign", [1, -1])
@pytest.mark.parametrize("kind", ["balanced", "gaussian"])
def test_determinant_sign_is_the_requested_one(sign, kind):
    obj = tc.deep_mf((3, 3, 3, 3, 3))
    make = {"balanced": S.balanced_initializations, "gaussian": S.gaussian_initializations}[kind]

    @FAST
    @given(make(obj, det_sign=sign))
    def check(init):
        assert exact.product_det_sign(obj, init.weights) == sign  # float64 det can round a near-singular one to 0

    check()


def test_spectral_initializations_are_aligned_with_the_target():
    obj = tc.deep_mf((3, 3, 3))

    @FAST
    @given(st.data())
    def check(data):
        t = data.draw(S.target_matrices(shape=(3, 3)))
        init = data.draw(S.spectral_initializations(obj, t))
        prod = tc.invariants.product(obj, init.weights)
        expected = init.drawn["scale"] ** 2 * (t.u[:, : t.rank] @ t.v[:, : t.rank].T)
        assert np.allclose(prod, expected, atol=1e-12)

    check()


def test_target_orthogonal_initializations_annihilate_a_target_direction():
    obj = tc.deep_mf((3, 4, 2))

    @FAST
    @given(st.data())
    def check(data):
        t = data.draw(S.target_matrices(shape=(2, 3)))
        init = data.draw(S.target_orthogonal_initializations(obj, t))
        w1 = obj.split(init.weights)[0]
        k = init.drawn["direction"]
        assert np.linalg.norm(w1 @ t.v[:, k]) <= 1e-12 * max(1.0, np.linalg.norm(w1))

    check()


def test_rank_deficient_initializations_have_the_drawn_rank():
    obj = tc.deep_mf((4, 4, 3))

    @FAST
    @given(S.rank_deficient_initializations(obj))
    def check(init):
        w1 = obj.split(init.weights)[0]
        assert np.linalg.matrix_rank(w1, tol=1e-9 * max(1e-300, np.max(np.abs(w1)))) <= init.drawn["rank"]

    check()


@pytest.mark.parametrize("depth", [2, 3, 4])
def test_near_critical_initializations_at_zero_perturbation_are_critical_points(depth):
    obj = tc.deep_mf((3,) * (depth + 1), fit_coef=1.0) + tc.WeightDecay((0.5,) * depth, coef=1.0)

    @FAST
    @given(st.data())
    def check(data):
        t = data.draw(S.target_matrices(shape=(3, 3), min_scale=0.5, max_scale=4.0))
        init = data.draw(S.near_critical_initializations(obj, t, max_perturbation=0.0))
        grad = tc.gradient(obj, t.matrix, init.weights)
        assert np.linalg.norm(grad) <= 1e-9 * max(1.0, np.linalg.norm(init.weights)) ** (2 * depth)

    check()


def test_step_sizes_fall_in_their_regime_relative_to_the_bound():
    @FAST
    @given(st.sampled_from(S.REGIMES).flatmap(lambda r: st.tuples(st.just(r), S.step_sizes(bound=0.25, regimes=(r,)))))
    def check(pair):
        regime, eta = pair
        assert {
            "below": lambda: 0.25e-3 <= eta <= 0.25,
            "at": lambda: eta == 0.25,
            "above": lambda: 0.25 < eta <= 25.0,
        }[regime]()

    check()


def test_instances_assemble_a_runnable_problem_with_its_drawn_parameters():
    @FAST
    @given(
        S.instances(
            objective=S.depths(max_depth=3).flatmap(lambda n: S.widths(depth=n, max_width=3)).map(tc.deep_mf),
            target=lambda o: S.target_matrices(shape=o.target_shape),
            init=lambda o, t: S.initializations(o, t),
            step=lambda o, t: S.step_sizes(bound=0.1 / t.sigma[0]),
            max_steps=S.horizons(max_steps=50),
        )
    )
    def check(inst):
        assert inst.init.shape == (inst.objective.n_params,)
        assert 0 < inst.step <= 0.1 / inst.target.sigma[0]
        assert "init" in inst.params
        run = inst.run()
        assert run.batch_size == 1
        assert inst.describe()

    check()


_WD = tc.deep_mf((3, 4, 3)) + tc.WeightDecay((0.05, 0.1))
_Y = Target(matrix=np.diag([2.0, 1.0, 0.5]), u=np.eye(3), sigma=np.array([2.0, 1.0, 0.5]), v=np.eye(3))
# one call per public strategy function of theorycheck.strategies (the test checks this covers __all__)
_PUBLIC_CALLS = {
    "finite_floats": lambda: S.finite_floats(0.0, 1.0),
    "log_uniform": lambda: S.log_uniform(1e-3, 1.0),
    "seeds": S.seeds,
    "rotations": lambda: S.rotations(3),
    "step_sizes": lambda: S.step_sizes(bound=1.0, regimes=S.REGIMES),
    "regularization_weights": S.regularization_weights,
    "depths": S.depths,
    "widths": lambda: S.widths(depth=2),
    "horizons": S.horizons,
    "singular_values": lambda: S.singular_values(rank=3, ties=False, include=(0.7,), max_condition=50.0),
    "target_matrices": S.target_matrices,
    "data_matrices": lambda: S.data_matrices(rows=2, columns=3),
    "gaussian_initializations": lambda: S.gaussian_initializations(_WD),
    "orthogonal_initializations": lambda: S.orthogonal_initializations(_WD),
    "balanced_initializations": lambda: S.balanced_initializations(_WD),
    "nearly_balanced_initializations": lambda: S.nearly_balanced_initializations(_WD),
    "spectral_initializations": lambda: S.spectral_initializations(_WD, _Y),
    "zero_initializations": lambda: S.zero_initializations(_WD),
    "rank_deficient_initializations": lambda: S.rank_deficient_initializations(_WD),
    "target_orthogonal_initializations": lambda: S.target_orthogonal_initializations(_WD, _Y),
    "near_critical_initializations": lambda: S.near_critical_initializations(_WD, _Y),
    "initializations": lambda: S.initializations(_WD, _Y, kinds=S.INIT_KINDS),
    "instances": lambda: S.instances(
        objective=_WD,
        target=S.target_matrices(shape=(3, 3)),
        init=lambda o, t: S.initializations(o, t),
        step=lambda o, t: S.step_sizes(bound=0.1 / t.sigma[0]),
        max_steps=5,
    ),
}


NOT_STRATEGIES = {"complete_basis"}  # exported helpers that build arrays, not strategies


def test_public_strategy_functions_never_apply_the_composite_decorator_per_call_or_per_draw(monkeypatch):
    # st.composite reads and tokenises the function's source each time it decorates one (milliseconds):
    # a composite defined inside a public function paid that on every call, i.e. once per drawn example
    # in user composites that build an initialisation from a drawn target
    public = {name for name in S.__all__ if callable(getattr(S, name)) and not isinstance(getattr(S, name), type)}
    assert set(_PUBLIC_CALLS) == public - NOT_STRATEGIES
    decorations = []
    original = hypothesis_core.is_first_param_referenced_in_function

    def counting(f):
        decorations.append(f.__qualname__)
        return original(f)

    monkeypatch.setattr(hypothesis_core, "is_first_param_referenced_in_function", counting)
    strategies = [make() for make in _PUBLIC_CALLS.values() for _ in range(2)]
    assert decorations == []

    @settings(FAST, max_examples=3)
    @given(st.data())
    def check(data):
        for strategy in strategies:
            data.draw(strategy)

    check()
    assert decorations == []


BAD = [
    ("rank_above_dimensions", lambda: S.target_matrices(shape=(2, 3), rank=3), "rank", "exceeds"),
    ("rank_above_max_dim", lambda: S.target_matrices(max_dim=2, rank=3), "rank", "exceeds"),
    (
        "empty_condition_range",
        lambda: S.target_matrices(min_condition=10.0, max_condition=2.0),
        "min_condition",
        "empty range",
    ),
    ("condition_below_one", lambda: S.singular_values(rank=2, min_condition=0.5), "min_condition", "below 1"),
    ("negative_scale", lambda: S.gaussian_initializations(tc.deep_mf((2, 2)), min_scale=-1.0), "min_scale", "> 0"),
    (
        "empty_scale_range",
        lambda: S.balanced_initializations(tc.deep_mf((2, 2)), min_scale=2.0, max_scale=1.0),
        "min_scale",
        "empty range",
    ),
    ("data_without_full_row_rank", lambda: S.data_matrices(rows=4, columns=3), "columns", "full row rank"),
    ("unknown_field", lambda: S.target_matrices(field="quaternion"), "field", "not a known name"),
    (
        "unknown_init_kind",
        lambda: S.initializations(tc.deep_mf((2, 2)), kinds=("gausian",)),
        "kinds",
        "did you mean 'gaussian'",
    ),
    (
        "det_sign_on_rectangular",
        lambda: S.balanced_initializations(tc.deep_mf((2, 3)), det_sign=-1),
        "det_sign",
        "square",
    ),
    (
        "target_of_wrong_shape",
        lambda: S.spectral_initializations(tc.deep_mf((2, 2)), S.target_matrices(shape=(3, 3)).example()),
        "target",
        "shape",
    ),
    (
        "near_critical_without_decay",
        lambda: S.near_critical_initializations(tc.deep_mf((2, 2, 2)), S.target_matrices(shape=(2, 2)).example()),
        "objective",
        "fit_coef == decay_coef",
    ),
    (
        "rank_deficiency_impossible",
        lambda: S.rank_deficient_initializations(tc.deep_mf((2, 2)), rank=2),
        "rank",
        "not below",
    ),
    ("empty_depth_range", lambda: S.depths(min_depth=4, max_depth=2), "min_depth", "empty range"),
    ("step_bound_not_positive", lambda: S.step_sizes(bound=0.0), "bound", "> 0"),
    (
        "no_room_for_distinct_values",
        lambda: S.singular_values(rank=3, ties=False, max_condition=1.001),
        "max_condition",
        "leaves no room",
    ),
    (
        "distinct_targets_no_room_at_the_largest_rank",
        lambda: S.target_matrices(shape=(4, 4), ties=False, max_condition=1.002),
        "max_condition",
        "leaves no room",
    ),
    (
        "included_values_too_close_without_ties",
        lambda: S.singular_values(rank=3, ties=False, include=(1.0, 0.9999)),
        "include",
        "closer than min_gap",
    ),
    (
        "no_ties_with_equal_spectrum",
        lambda: S.target_matrices(kind="scaled_unitary", ties=False),
        "ties",
        "contradicts",
    ),
    ("min_gap_too_large", lambda: S.singular_values(rank=2, ties=False, min_gap=0.5), "min_gap", "below 0.5"),
    ("unknown_regime", lambda: S.step_sizes(bound=1.0, regimes=("bellow",)), "regimes", "did you mean 'below'"),
]


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
@pytest.mark.parametrize(("make", "argument", "says"), [pytest.param(*b[1:], id=b[0]) for b in BAD])
def test_bad_strategy_arguments_fail_at_construction_with_a_clear_error(make, argument, says):
    with pytest.raises((errors.InvalidArgument, errors.InvalidType)) as info:
        make()
    assert info.value.argument == argument
    assert says in str(info.value)
    assert "Fix: " in str(info.value)
