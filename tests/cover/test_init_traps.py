"""Every promise an init kind makes, checked along float64 GD runs of every model the kind accepts.

Persistent properties (W = 0 at depth >= 2, spectral alignment, the target-orthogonal trap, an exact critical
point) are checked every few steps of runs of thousands of steps; initial ones (semi-orthogonal layers, exact
balance, a determinant sign, a rank deficiency, the size of an imbalance or of a perturbation) at step 0, each
with one run Hypothesis finds where GD breaks it, so that the docstrings' "GD does not preserve it" is
tested too. Models a kind refuses are checked to raise, and to be left out by ``initializations``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import find as hypothesis_find
from hypothesis import strategies as st

import theorycheck as tc
from tests.common import exact
from theorycheck import errors
from theorycheck import strategies as S
from theorycheck.dynamics.instance import Instance, Target
from theorycheck.dynamics.result import RunStatus
from theorycheck.strategies._common import complete_basis, gaussian

# no shrinking for runs of thousands of steps: a failure prints its example, and shrinking it would rerun
# the whole run hundreds of times (minutes)
TRAJECTORIES = settings(
    max_examples=12,
    deadline=None,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow],
)
STEP0 = settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
EPS = float(np.finfo(np.float64).eps)
FIND = settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))

#: every kind of model the engine has; each test picks the ones its strategy accepts (ids explicit for xdist)
MODELS = {
    "asymmetric_mf": tc.asymmetric_mf(3, 4, 2),
    "asymmetric_mf_square": tc.asymmetric_mf(3, 3, 3),
    "deep_mf_depth1": tc.deep_mf((3, 3)),
    "deep_mf_depth3": tc.deep_mf((3, 3, 3, 3)),
    "deep_mf_depth3_rectangular": tc.deep_mf((2, 4, 3, 2)),
    "deep_mf_depth4": tc.deep_mf((3, 3, 3, 3, 3)),
    "balancing": tc.deep_mf((3, 3, 3, 3)) + tc.Balancing(1.0),
    "weight_decay": tc.deep_mf((3, 4, 3)) + tc.WeightDecay((0.05, 0.1)),
    "chen_convention": tc.deep_mf((3, 3, 3, 3), fit_coef=1.0) + tc.WeightDecay((0.02, 0.05, 0.03), coef=1.0),
    "complex_deep_mf": tc.deep_mf((2, 3, 2), field="complex"),
    "complex_balancing": tc.deep_mf((3, 3, 3, 3), field="complex") + tc.Balancing(1.0),
    "complex_weight_decay": tc.deep_mf((3, 3, 3), field="complex") + tc.WeightDecay((0.1, 0.1)),
    "with_data": tc.deep_mf((3, 2, 4), data_columns=5),
    "complex_with_data_and_decay": tc.deep_mf((2, 3, 2), field="complex", data_columns=3) + tc.WeightDecay((0.2, 0.4)),
}
NO_DATA = [k for k, o in MODELS.items() if not o.uses_data]
DEPTH_2_UP = [k for k, o in MODELS.items() if o.depth >= 2]
TRAPPABLE = [k for k in NO_DATA if MODELS[k].depth >= 2]
REAL_SQUARE = [k for k, o in MODELS.items() if not o.is_complex and len(set(o.widths)) == 1]


def _ah(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2).conj()


def _targets(obj: tc.Objective, kind: str = "general") -> st.SearchStrategy[Target]:
    return S.target_matrices(shape=obj.target_shape, field=obj.field, kind=kind, max_condition=20.0)


def _data(obj: tc.Objective) -> st.SearchStrategy[np.ndarray | None]:
    if obj.data_shape is None:
        return st.none()
    rows, columns = obj.data_shape
    return S.data_matrices(rows=rows, columns=columns, max_condition=5.0, field=obj.field)


def _stable_step(obj: tc.Objective, target: Target, weights: np.ndarray, data: np.ndarray | None = None) -> float:
    """A step well inside GD's stability region along the whole run (a rough bound on the Hessian's norm).

    The layers' norms are taken at the start and at the size that fits the target, whichever is larger.
    """
    size = max([1.0, float(target.sigma[0]) ** (1 / obj.depth)] + [np.linalg.norm(w, 2) for w in obj.split(weights)])
    x = 1.0 if data is None else float(np.linalg.norm(data, 2))
    n = obj.depth
    curvature = n * size ** (2 * n - 2) + n * (size**n + float(target.sigma[0])) * size ** max(0, n - 2)
    fit = 2 * obj.fit_coef * x**2 * curvature
    reg = 3 * obj.balancing * size**2 + 2 * obj.decay_coef * max(obj.decay, default=0.0)
    return 0.2 / (fit + reg)


def _run(
    obj: tc.Objective,
    target: Target,
    weights: np.ndarray,
    step: float,
    steps: int,
    *,
    data: np.ndarray | None = None,
    every: int = 5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(recorded steps, weights (T, n_params), loss (T,)) of one float64 run through ``Instance.run``."""
    instance = Instance(obj, target, weights, step, steps, data=data)
    run = instance.run(record=tc.Recording(every=every, observables=("loss", "weights")))
    assert run.statuses()[0] is not RunStatus.DIVERGED, "the test's step size is too large"
    return np.asarray(run.record_at), run.observable("weights", 0), run.observable("loss", 0)


# ---- target_orthogonal: a trap along (u_k, sigma_k, v_k) that GD never leaves ----------------------------------


def _trap_components(obj: tc.Objective, target: Target, k: int, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``||W_1 v_k||`` and ``||u_k^H W_N||`` for weights ``(T, n_params)``."""
    layers = obj.split(weights)
    first = np.linalg.norm(layers[0] @ np.asarray(target.v)[:, k], axis=-1)
    last = np.linalg.norm(np.asarray(target.u)[:, k].conj() @ layers[-1], axis=-1)
    return first, last


def _trapped_value(obj: tc.Objective, target: Target, k: int) -> float:
    """``fit_coef (sigma_k^2 + squares of the other singular values the widths leave out)``: F's floor in the trap.

    In the trap the product lives on the complements of u_k and v_k and has rank <= the smallest hidden width
    (and <= d_0 - 1, d_N - 1), so the best it can do is fit the largest other singular values.
    """
    others = sorted((float(s) for j, s in enumerate(target.sigma) if j != k), reverse=True)
    room = min([*obj.widths[1:-1], obj.widths[0] - 1, obj.widths[-1] - 1])
    return obj.fit_coef * (float(target.sigma[k]) ** 2 + sum(s**2 for s in others[room:]))


@pytest.mark.parametrize("name", TRAPPABLE)
def test_target_orthogonal_start_stays_exactly_trapped_on_diagonal_targets_for_every_step(name):
    """Identity factors: W_1's column k and W_N's row k are exact zeros, and float64 GD keeps them exact.

    3,000 steps recorded every 5: both stay exactly 0 and F never drops below the trapped floor
    fit_coef * sigma_k^2 (sigma_k^2 / 2 in the default convention), whatever the regulariser.
    """
    obj = MODELS[name]

    @TRAJECTORIES
    @given(st.data())
    def check(data):
        target = data.draw(_targets(obj, kind="diagonal"), label="target")
        init = data.draw(S.target_orthogonal_initializations(obj, target, min_scale=0.05, max_scale=1.0))
        k = init.drawn["direction"]
        _, weights, loss = _run(obj, target, init.weights, _stable_step(obj, target, init.weights), 3000)
        first, last = _trap_components(obj, target, k, weights)
        assert np.all(first == 0.0)
        assert np.all(last == 0.0)
        floor = _trapped_value(obj, target, k)
        assert np.all(loss >= floor * (1 - 1e-12)), (loss.min(), floor)

    check()


@pytest.mark.parametrize("name", TRAPPABLE)
def test_target_orthogonal_start_stays_trapped_to_rounding_on_rotated_targets_for_every_step(name):
    """Rotated factors: the zeros are rounding errors (~1e-16 relative), which the trapped saddle amplifies by
    at most ``1 + 2 fit_coef eta sigma_k`` per step (two layers), so the horizon keeps
    ``2 fit_coef eta sigma_1 T <= 6``.

    2,000 steps recorded every 5: both components stay below 1e-11 relative to their layer's largest norm so
    far, F above the floor.
    """
    obj = MODELS[name]

    @TRAJECTORIES
    @given(st.data())
    def check(data):
        target = data.draw(_targets(obj), label="target")
        init = data.draw(S.target_orthogonal_initializations(obj, target, min_scale=0.05, max_scale=1.0))
        k = init.drawn["direction"]
        steps = 2000
        # the saddle's growth rate per step is 1 + 2 fit_coef eta sigma_k (fit_coef = 1/2: 1 + eta sigma_k): keep
        # the total growth at e^6 whatever the loss convention (Chen et al.'s fit_coef = 1 doubles it)
        eta = min(_stable_step(obj, target, init.weights), 6.0 / (2 * obj.fit_coef * float(target.sigma[0]) * steps))
        _, weights, loss = _run(obj, target, init.weights, eta, steps)
        first, last = _trap_components(obj, target, k, weights)
        layers = obj.split(weights)
        # relative to the largest the layer has been so far: a rounding error made at step t is ~eps of the layer
        # then, and the layer itself may decay afterwards (a rank-one target whose only direction is the trapped
        # one: everything else shrinks toward 0, 0.76 -> 9e-6 seen, while the trap's component stays 5e-15)
        scale_first = np.maximum.accumulate(np.linalg.norm(layers[0], axis=(-2, -1)))
        scale_last = np.maximum.accumulate(np.linalg.norm(layers[-1], axis=(-2, -1)))
        assert np.all(first <= 1e-11 * scale_first)
        assert np.all(last <= 1e-11 * scale_last)
        assert np.all(loss >= _trapped_value(obj, target, k) * (1 - 1e-12))

    check()


@pytest.mark.parametrize("name", ["asymmetric_mf_square", "deep_mf_depth3"])
def test_target_orthogonal_start_ends_at_the_trapped_saddle_where_the_plain_gaussian_start_converges(name):
    """The trap is a real one: GD converges to the saddle value fit_coef * sigma_k^2, not to 0.

    And the Gaussian start it was cut from (same seed and scale) converges to the global minimum (two layers:
    from a generic start GD converges; deeper square models may start with the wrong determinant sign).
    """
    obj = MODELS[name]
    sigma = np.array([1.0, 0.7, 0.5])
    target = Target(matrix=np.diag(sigma), u=np.eye(3), sigma=sigma, v=np.eye(3))

    @settings(TRAJECTORIES, max_examples=6)
    @given(S.target_orthogonal_initializations(obj, target, min_scale=0.05, max_scale=0.5))
    def check(init):
        eta = 0.1
        k = init.drawn["direction"]
        _, _, loss = _run(obj, target, init.weights, eta, 6000, every=100)
        saddle = obj.fit_coef * sigma[k] ** 2
        assert loss[-1] == pytest.approx(saddle, rel=1e-9)
        if obj.depth == 2:
            layers = [
                init.drawn["scale"] * gaussian(init.drawn["init_seed"] + j, s, complex_=False)
                for j, s in enumerate(obj.layer_shapes)
            ]
            _, _, plain = _run(obj, target, obj.join(layers), eta, 6000, every=100)
            assert plain[-1] <= 1e-12

    check()


def test_zeroing_only_the_first_layer_is_no_trap_on_asymmetric_mf():
    """The old target-orthogonal start (W_1 v_k = 0 alone): one GD step puts the direction back.

    ``G_1 v_k = -sigma_k W_2^H u_k`` is nonzero whenever U has a component along u_k.
    """
    obj = MODELS["asymmetric_mf_square"]
    sigma = np.array([1.0, 0.7, 0.5])
    target = Target(matrix=np.diag(sigma), u=np.eye(3), sigma=sigma, v=np.eye(3))
    rng = np.random.default_rng(0)
    w1, w2 = 0.1 * rng.standard_normal((3, 3)), 0.1 * rng.standard_normal((3, 3))
    w1[:, 0] = 0.0  # V^T e_1 = 0 only
    _, weights, _ = _run(obj, target, obj.join([w1, w2]), 0.1, 1, every=1)
    first, _ = _trap_components(obj, target, 0, weights)
    assert first[0] == 0.0
    assert first[1] > 1e-3


def _rank_one_target(obj: tc.Objective) -> Target:
    m, n = obj.target_shape
    u, v = np.eye(m, dtype=obj.dtype)[:, :1], np.eye(n, dtype=obj.dtype)[:, :1]
    return Target(matrix=u @ _ah(v), u=u, sigma=np.ones(1), v=v)


@pytest.mark.parametrize(
    ("name", "says"),
    [("deep_mf_depth1", "one layer"), ("with_data", "uses data"), ("complex_with_data_and_decay", "uses data")],
)
def test_target_orthogonal_refuses_models_where_no_start_is_trapped_and_the_mixture_leaves_it_out(name, says):
    obj = MODELS[name]
    target = _rank_one_target(obj)
    with pytest.raises(errors.InvalidArgument) as info:
        S.target_orthogonal_initializations(obj, target)
    assert info.value.argument == "objective"
    assert says in str(info.value)

    usable = {"gaussian", "zero"} | (set() if obj.uses_data else {"spectral"})

    @settings(STEP0, max_examples=30)
    @given(S.initializations(obj, target, kinds=("gaussian", "spectral", "zero", "target_orthogonal")))
    def check(init):
        assert init.kind in usable

    check()


# ---- spectral: aligned with the target's singular vectors at every step ------------------------------------------


@pytest.mark.parametrize("name", NO_DATA)
def test_spectral_start_stays_aligned_with_the_target_for_every_step(name):
    """``U^H W(t) V`` stays diagonal to rounding over 2,000 steps (every 5 recorded), and the outer layers keep
    their form: ``W_1 V = Q_1 D_1`` has orthogonal columns, ``U^H W_N = D_N Q_{N-1}^H`` orthogonal rows, both
    empty beyond the first r = min(rank, widths) slots.
    """
    obj = MODELS[name]

    @TRAJECTORIES
    @given(st.data())
    def check(data):
        target = data.draw(_targets(obj), label="target")
        init = data.draw(S.spectral_initializations(obj, target, min_scale=0.05, max_scale=1.0))
        _, weights, _ = _run(obj, target, init.weights, _stable_step(obj, target, init.weights), 2000)
        u, v = complete_basis(np.asarray(target.u)), complete_basis(np.asarray(target.v))
        coords = _ah(u) @ tc.invariants.product(obj, weights) @ v
        assert _off_diagonal(coords) <= 1e-12
        layers = obj.split(weights)
        first, last = layers[0] @ v, _ah(u) @ layers[-1]
        assert _off_diagonal(_ah(first) @ first) <= 1e-12
        assert _off_diagonal(last @ _ah(last)) <= 1e-12
        r = min(target.rank, *obj.widths)
        assert np.all(np.abs(first[..., r:]) <= 1e-12 * np.max(np.abs(first), axis=(-2, -1), keepdims=True))
        assert np.all(np.abs(last[..., r:, :]) <= 1e-12 * np.max(np.abs(last), axis=(-2, -1), keepdims=True))

    check()


def _off_diagonal(a: np.ndarray) -> float:
    """Largest ``|a_ij|, i != j``, relative to the largest entry, over a stack ``(T, m, n)``."""
    off = np.array(a, copy=True)
    idx = np.arange(min(a.shape[-2:]))
    off[..., idx, idx] = 0
    return float(np.max(np.max(np.abs(off), axis=(-2, -1)) / np.max(np.abs(a), axis=(-2, -1))))


def test_spectral_refuses_models_with_data():
    obj = MODELS["with_data"]
    with pytest.raises(errors.InvalidArgument) as info:
        S.spectral_initializations(obj, _rank_one_target(obj))
    assert info.value.argument == "objective"
    assert "uses data" in str(info.value)


# ---- zero: a critical point at depth >= 2 ------------------------------------------------------------------------


@pytest.mark.parametrize("name", DEPTH_2_UP)
def test_zero_start_stays_exactly_zero_for_every_step_at_depth_two_and_more(name):
    obj = MODELS[name]

    @settings(TRAJECTORIES, max_examples=5)
    @given(_targets(obj), _data(obj), S.zero_initializations(obj))
    def check(target, x, init):
        assert init.weights.dtype == obj.dtype
        _, weights, _ = _run(obj, target, init.weights, 0.1, 2000, data=x)
        assert np.all(weights == 0)

    check()


def test_zero_start_is_an_ordinary_start_at_depth_one():
    """One layer: the gradient at 0 is ``-2 fit_coef Y``, so the first step lands on ``2 fit_coef eta Y``."""
    obj = MODELS["deep_mf_depth1"]
    sigma = np.array([1.0, 0.5])
    target = Target(matrix=np.diag([1.0, 0.5, 0.0]), u=np.eye(3)[:, :2], sigma=sigma, v=np.eye(3)[:, :2])

    @settings(STEP0, max_examples=1)
    @given(S.zero_initializations(obj))
    def check(init):
        _, weights, _ = _run(obj, target, init.weights, 0.1, 1, every=1)
        assert np.all(weights[0] == 0)
        np.testing.assert_allclose(weights[1], 2 * obj.fit_coef * 0.1 * target.matrix.ravel(), rtol=1e-15)

    check()


ZERO_HESSIANS = [
    # (id, model, target, data, expected): what W = 0 is, as zero_initializations' docstring says
    ("two_layers_strict_saddle", tc.deep_mf((2, 2, 2)), np.diag([1.0, 0.5]), None, "strict_saddle"),
    (
        "two_layers_small_decay_strict_saddle",  # sigma_1 = 1 > coef sqrt(lambda_1 lambda_2) / fit_coef = 0.5
        tc.deep_mf((2, 2, 2), fit_coef=1.0) + tc.WeightDecay((0.5, 0.5), coef=1.0),
        np.diag([1.0, 0.5]),
        None,
        "strict_saddle",
    ),
    (
        "two_layers_large_decay_minimum",  # sigma_1 = 1 < 2
        tc.deep_mf((2, 2, 2), fit_coef=1.0) + tc.WeightDecay((2.0, 2.0), coef=1.0),
        np.diag([1.0, 0.5]),
        None,
        "minimum",
    ),
    (
        "two_layers_with_data_strict_saddle",
        tc.deep_mf((2, 3, 2), data_columns=3),
        np.ones((2, 3)),
        np.eye(2, 3),
        "strict_saddle",
    ),
    ("three_layers_degenerate", tc.deep_mf((2, 2, 2, 2)) + tc.Balancing(1.0), np.diag([1.0, 0.5]), None, "degenerate"),
    (
        "three_layers_decay_minimum",
        tc.deep_mf((2, 2, 2, 2)) + tc.WeightDecay((0.1, 0.2, 0.3)),
        np.diag([1.0, 0.5]),
        None,
        "minimum",
    ),
]


@pytest.mark.parametrize(("model", "y", "x", "expected"), [pytest.param(*z[1:], id=z[0]) for z in ZERO_HESSIANS])
def test_the_zero_start_is_the_kind_of_critical_point_the_docstring_says(model, y, x, expected):
    w = np.zeros(model.n_params)
    assert np.all(tc.gradient(model, y, w, data=x) == 0)
    eig = np.linalg.eigvalsh(tc.hessian(model, y, w, data=x))
    if expected == "strict_saddle":
        assert eig[0] < -1e-3
    elif expected == "minimum":
        assert eig[0] > 1e-3
    else:
        assert np.all(eig == 0)


# ---- near_critical: a fixed point of GD, to rounding ------------------------------------------------------------

CRITICAL_MODELS = {
    "depth2": tc.deep_mf((3, 3, 3), fit_coef=1.0) + tc.WeightDecay((0.5, 0.5), coef=1.0),
    "depth2_rectangular_unequal": tc.deep_mf((3, 4, 2), fit_coef=1.0) + tc.WeightDecay((0.3, 0.8), coef=1.0),
    "depth3": tc.deep_mf((3, 3, 3, 3), fit_coef=1.0) + tc.WeightDecay((0.5, 0.5, 0.5), coef=1.0),
    "depth4_unequal": tc.deep_mf((2, 3, 3, 3, 2), fit_coef=1.0) + tc.WeightDecay((0.2, 0.5, 0.4, 0.3), coef=1.0),
    "half_convention": tc.deep_mf((3, 3, 3)) + tc.WeightDecay((0.4, 0.4)),
    "balancing_equal_lambdas": tc.deep_mf((3, 3, 3, 3), fit_coef=1.0)
    + tc.WeightDecay((0.5, 0.5, 0.5), coef=1.0)
    + tc.Balancing(1.0),
    "complex_depth2": tc.deep_mf((3, 3, 3), field="complex", fit_coef=1.0) + tc.WeightDecay((0.5, 0.5), coef=1.0),
    "complex_depth3": tc.deep_mf((2, 3, 3, 2), field="complex", fit_coef=1.0)
    + tc.WeightDecay((0.3, 0.5, 0.4), coef=1.0),
}


def _critical_targets(obj: tc.Objective) -> st.SearchStrategy[Target]:
    return S.target_matrices(shape=obj.target_shape, field=obj.field, min_scale=0.5, max_scale=4.0)


@pytest.mark.parametrize("name", list(CRITICAL_MODELS))
def test_near_critical_start_at_zero_perturbation_stays_put_to_rounding_for_every_step(name):
    """W* is a fixed point of GD; float64 GD drifts from it by rounding, which a saddle amplifies by at most
    ``1 + eta |lambda_min|`` per step (exact Hessian), so the horizon keeps that growth below 1e3.

    Every 5th of up to 2,000 steps: ``max|W(t) - W*| <= 16 eps max(1, max|W*|) (t + 1) (1 + eta |lambda_min|)^t``.
    """
    obj = CRITICAL_MODELS[name]

    @TRAJECTORIES
    @given(st.data())
    def check(data):
        target = data.draw(_critical_targets(obj), label="target")
        init = data.draw(S.near_critical_initializations(obj, target, max_perturbation=0.0))
        assert init.weights.dtype == obj.dtype
        eig = np.linalg.eigvalsh(tc.hessian(obj, target.matrix, init.weights))
        eta = 0.5 / eig[-1]
        growth = math.log1p(eta * max(0.0, -eig[0]))
        steps = 2000 if growth == 0 else max(1, min(2000, int(math.log(1e3) / growth)))
        at, weights, _ = _run(obj, target, init.weights, eta, steps)
        drift = np.max(np.abs(weights - init.weights), axis=-1)
        size = max(1.0, float(np.max(np.abs(init.weights))))
        assert np.all(drift <= 16 * EPS * size * (at + 1) * np.exp(growth * at)), (drift.max(), steps)

    check()


def _critical_point_behind(obj: tc.Objective, init: S.Initialization) -> np.ndarray:
    """W* from ``W_0 = W* + delta max(1, max|W*|) g`` (g the drawn noise): the scalar solves a contraction."""
    g = gaussian(init.drawn["noise_seed"], (obj.n_params,), complex_=obj.is_complex)
    delta = init.drawn["perturbation"]
    c = delta
    for _ in range(200):
        c = delta * max(1.0, float(np.max(np.abs(init.weights - c * g))))
    return np.asarray(init.weights - c * g)


@pytest.mark.parametrize("name", list(CRITICAL_MODELS))
def test_near_critical_start_is_the_drawn_relative_distance_from_a_critical_point_at_step_0(name):
    """An initial property: W_0 - W* is ``delta max(1, max|W*|)`` times the drawn Gaussian, W* critical."""
    obj = CRITICAL_MODELS[name]

    @STEP0
    @given(st.data())
    def check(data):
        target = data.draw(_critical_targets(obj), label="target")
        init = data.draw(S.near_critical_initializations(obj, target, min_perturbation=1e-6, max_perturbation=1e-3))
        point = _critical_point_behind(obj, init)
        grad = tc.gradient(obj, target.matrix, point)
        assert np.linalg.norm(grad) <= 1e-9 * max(1.0, float(np.linalg.norm(point))) ** (2 * obj.depth)

    check()


def test_gd_does_not_keep_a_perturbed_saddle_start_near_its_critical_point():
    """The docstring's "an initial property": from delta <= 1e-3 next to a strict saddle GD moves O(1) away."""
    obj = CRITICAL_MODELS["depth2"]

    @st.composite
    def starts(draw):
        target = draw(_critical_targets(obj))
        return target, draw(S.near_critical_initializations(obj, target, min_perturbation=1e-6, max_perturbation=1e-3))

    def leaves(pair):
        target, init = pair
        point = _critical_point_behind(obj, init)
        run = tc.run_gd(obj, target.matrix, init.weights, step=0.05, max_steps=2000)
        start = np.max(np.abs(init.weights - point))
        return bool(np.max(np.abs(run.final_params[0] - point)) > max(0.1, 1e3 * start))

    _found(starts(), leaves)


NOT_CRITICAL = [
    ("depth1", tc.deep_mf((3, 3), fit_coef=1.0) + tc.WeightDecay((0.5,), coef=1.0), "one layer"),
    ("data", tc.deep_mf((3, 3, 3), fit_coef=1.0, data_columns=4) + tc.WeightDecay((0.5, 0.5), coef=1.0), "uses data"),
    (
        "balancing_unequal_lambdas",
        tc.deep_mf((3, 3, 3), fit_coef=1.0) + tc.WeightDecay((0.5, 0.2), coef=1.0) + tc.Balancing(1.0),
        "unequal lambdas",
    ),
    ("no_decay", tc.deep_mf((3, 3, 3)), "fit_coef == decay_coef"),
]


@pytest.mark.parametrize(("obj", "says"), [pytest.param(*c[1:], id=c[0]) for c in NOT_CRITICAL])
def test_near_critical_refuses_models_it_has_no_critical_points_for(obj, says):
    with pytest.raises(errors.InvalidArgument) as info:
        S.near_critical_initializations(obj, _rank_one_target(obj))
    assert info.value.argument == "objective"
    assert says in str(info.value)


# ---- initial properties: hold at step 0, and GD breaks them -----------------------------------------------------


@pytest.mark.parametrize("name", list(MODELS))
def test_orthogonal_start_has_semi_orthogonal_layers_at_step_0(name):
    obj = MODELS[name]

    @STEP0
    @given(S.orthogonal_initializations(obj))
    def check(init):
        s2 = init.drawn["scale"] ** 2
        for w in obj.split(init.weights):
            gram = w @ _ah(w) if w.shape[0] <= w.shape[1] else _ah(w) @ w
            np.testing.assert_allclose(gram, s2 * np.eye(gram.shape[0]), rtol=0, atol=1e-14 * s2)

    check()


@pytest.mark.parametrize("name", list(MODELS))
def test_balanced_start_is_balanced_to_rounding_at_step_0(name):
    obj = MODELS[name]

    @STEP0
    @given(S.balanced_initializations(obj))
    def check(init):
        size = max(np.linalg.norm(w, 2) ** 2 for w in obj.split(init.weights))
        for d in tc.invariants.imbalances(obj, init.weights):
            assert np.max(np.abs(d)) <= 1e-14 * size

    check()


@pytest.mark.parametrize("name", DEPTH_2_UP)
def test_nearly_balanced_start_has_an_imbalance_of_the_drawn_size_at_step_0(name):
    obj = MODELS[name]

    @STEP0
    @given(S.nearly_balanced_initializations(obj))
    def check(init):
        s2, delta = init.drawn["scale"] ** 2, init.drawn["imbalance"]
        worst = max(np.max(np.abs(d)) for d in tc.invariants.imbalances(obj, init.weights))
        assert 1e-3 * delta * s2 <= worst <= 100 * delta * s2

    check()


@pytest.mark.parametrize("kind", ["gaussian", "balanced"])
@pytest.mark.parametrize("sign", [1, -1])
@pytest.mark.parametrize("name", REAL_SQUARE)
def test_det_sign_is_the_requested_one_at_step_0(name, sign, kind):
    obj = MODELS[name]
    make = {"gaussian": S.gaussian_initializations, "balanced": S.balanced_initializations}[kind]

    @STEP0
    @given(make(obj, det_sign=sign))
    def check(init):
        assert exact.product_det_sign(obj, init.weights) == sign  # float64 det can round a near-singular one to 0

    check()


@pytest.mark.parametrize("name", list(MODELS))
def test_rank_deficient_start_has_the_drawn_rank_at_step_0(name):
    obj = MODELS[name]

    @STEP0
    @given(S.rank_deficient_initializations(obj))
    def check(init):
        k = init.drawn["rank"]
        w1 = obj.split(init.weights)[0]
        prod = tc.invariants.product(obj, init.weights)
        for a in (w1, prod):
            s = np.linalg.svd(a, compute_uv=False)
            assert np.all(s[k:] <= 1e-12 * max(float(s[0]), 1e-300))

    check()


def _found(strategy: st.SearchStrategy, broken) -> None:
    """Hypothesis finds a start whose initial property GD breaks (raises NoSuchExample otherwise)."""
    hypothesis_find(strategy, broken, settings=FIND)


def test_gd_does_not_keep_layers_semi_orthogonal():
    obj = tc.deep_mf((2, 2, 2))
    target = Target(matrix=np.diag([1.0, 0.5]), u=np.eye(2), sigma=np.array([1.0, 0.5]), v=np.eye(2))

    def broken(init):
        w = obj.split(tc.run_gd(obj, target.matrix, init.weights, step=0.1, max_steps=50).final_params[0])[0]
        s = np.linalg.svd(w, compute_uv=False)
        return bool(s[0] - s[-1] > 1e-3 * s[0])

    _found(S.orthogonal_initializations(obj, min_scale=0.1, max_scale=1.0), broken)


def test_gd_does_not_keep_a_balanced_start_balanced():
    obj = tc.deep_mf((2, 2, 2))
    target = Target(matrix=np.diag([1.0, 0.5]), u=np.eye(2), sigma=np.array([1.0, 0.5]), v=np.eye(2))

    def broken(init):
        w = tc.run_gd(obj, target.matrix, init.weights, step=0.2, max_steps=50).final_params[0]
        return bool(np.max(np.abs(tc.invariants.imbalances(obj, w)[0])) > 1e-6)

    _found(S.balanced_initializations(obj, min_scale=0.1, max_scale=1.0), broken)


@pytest.mark.parametrize("kind", ["gaussian", "balanced"])
def test_gd_does_not_keep_a_negative_determinant(kind):
    """Gaussian: an unbalanced start passes through a singular layer; balanced: a large step (eta = 0.5) jumps."""
    obj = tc.deep_mf((2, 2, 2))
    make = {"gaussian": S.gaussian_initializations, "balanced": S.balanced_initializations}[kind]

    def broken(init):
        run = tc.run_gd(obj, np.eye(2), init.weights, step=0.5 if kind == "balanced" else 0.05, max_steps=2000)
        return bool(run.final_loss[0] < 1e-6 and np.linalg.det(tc.invariants.product(obj, run.final_params[0])) > 0)

    _found(make(obj, min_scale=0.1, max_scale=1.0, det_sign=-1), broken)


def test_gd_does_not_keep_a_rank_deficient_start_rank_deficient():
    obj = tc.deep_mf((3, 3, 3))

    def broken(init):
        w = tc.run_gd(obj, np.eye(3), init.weights, step=0.01, max_steps=1).final_params[0]
        s = np.linalg.svd(obj.split(w)[0], compute_uv=False)
        return bool(s[-1] > 1e-6 * s[0])

    _found(S.rank_deficient_initializations(obj, min_scale=0.1, max_scale=1.0), broken)


def test_gd_changes_a_nearly_balanced_start_s_imbalance():
    obj = tc.deep_mf((2, 2, 2))
    target = Target(matrix=np.diag([1.0, 0.5]), u=np.eye(2), sigma=np.array([1.0, 0.5]), v=np.eye(2))

    def broken(init):
        before = tc.invariants.imbalances(obj, init.weights)[0]
        w = tc.run_gd(obj, target.matrix, init.weights, step=0.2, max_steps=50).final_params[0]
        after = tc.invariants.imbalances(obj, w)[0]
        return bool(np.max(np.abs(after - before)) > np.max(np.abs(before)))

    _found(S.nearly_balanced_initializations(obj, min_scale=0.1, max_scale=1.0, max_imbalance=1e-4), broken)
