"""GD and gradient flow: exact identities, batching, statuses, schedules, precision agreement."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

import theorycheck as tc
from tests.common.instances import MODELS, instance

MODEL_PARAMS = [pytest.param(factory, id=name) for name, factory in MODELS]
#: both float64 kernels: hand loops and BLAS products (run_gd chooses by shape; tests force each on every model)
KERNELS = ["loops", "blas"]


def _ah(a):
    return np.swapaxes(a, -1, -2).conj()


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("factory", MODEL_PARAMS)
def test_one_kernel_step_equals_w_minus_eta_times_the_analytic_gradient(factory, kernel):
    obj = factory()
    y, w, x = instance(obj, np.random.default_rng(10), batch=5)
    eta = np.array([1e-3, 1e-2, 0.03, 0.05, 0.1])
    run = tc.run_gd(obj, y, w, data=x, step=eta, max_steps=1, kernel=kernel)
    expected = w - eta[:, None] * tc.gradient(obj, y, w, x)
    assert np.all(run.steps == 1)
    assert np.max(np.abs(run.final_params - expected)) <= 1e-14 * np.max(np.abs(w))


@pytest.mark.parametrize("field", ["real", "complex"])
@pytest.mark.parametrize("with_data", [False, True], ids=["identity_data", "with_data"])
def test_gd_changes_each_imbalance_by_exactly_eta_squared_times_the_gradient_gap(field, with_data):
    # theorems.md 0.2: D_j(t+1) = D_j(t) + eta^2 (G_{j+1}^H G_{j+1} - G_j G_j^H), to rounding.
    obj = tc.deep_mf((3, 4, 2, 3, 2), field=field, data_columns=5 if with_data else None)
    rng = np.random.default_rng(11)
    y, w, x = instance(obj, rng, batch=32)
    eta = 0.03
    run = tc.run_gd(obj, y, w, data=x, step=eta, max_steps=1)
    g = obj.split(tc.gradient(obj, y, w, x))
    before = tc.invariants.imbalances(obj, w)
    after = tc.invariants.imbalances(obj, run.final_params)
    for j in range(obj.depth - 1):
        predicted = before[j] + eta**2 * (_ah(g[j + 1]) @ g[j + 1] - g[j] @ _ah(g[j]))
        scale = np.max(np.abs(before[j])) + np.max(np.abs(after[j]))
        assert np.max(np.abs(after[j] - predicted)) <= 1e-13 * scale, f"D_{j + 1} - exact GD recursion"
        drift = np.max(np.abs(after[j] - before[j]))
        assert drift > 1e-6 * scale, "the eta^2 term is visible (F1.3/F2.2/F3.2 are false)"


def test_gd_with_uniform_weight_decay_contracts_the_imbalance_by_one_minus_eta_mu_squared():
    # theorems.md 0.2: objective l + (mu/2) sum ||W_j||^2: D(t+1) = (1 - eta mu)^2 D(t) + eta^2 (...), G without mu.
    mu, eta = 0.3, 0.05
    fit = tc.deep_mf((3, 3, 4, 2))
    obj = fit + tc.WeightDecay((mu,) * 3, coef=0.5)
    y, w, _ = instance(fit, np.random.default_rng(12), batch=16)
    run = tc.run_gd(obj, y, w, step=eta, max_steps=1)
    g = fit.split(tc.gradient(fit, y, w))
    before = tc.invariants.imbalances(fit, w)
    after = tc.invariants.imbalances(fit, run.final_params)
    for j in range(2):
        predicted = (1 - eta * mu) ** 2 * before[j] + eta**2 * (_ah(g[j + 1]) @ g[j + 1] - g[j] @ _ah(g[j]))
        assert np.max(np.abs(after[j] - predicted)) <= 1e-13 * np.max(np.abs(before[j]))


def test_chen_convention_weight_decay_recursion_uses_two_eta_mu():
    # theorems.md 4.4: F = ||W - Y||^2 + mu sum ||W_l||^2: D(t+1) = (1 - 2 eta mu)^2 D(t) + 4 eta^2 (Ghat...).
    mu, eta = 0.4, 0.02
    fit_half = tc.deep_mf((2, 3, 3, 2))
    obj = tc.deep_mf((2, 3, 3, 2), fit_coef=1.0) + tc.WeightDecay((mu,) * 3, coef=1.0)
    y, w, _ = instance(fit_half, np.random.default_rng(13), batch=8)
    run = tc.run_gd(obj, y, w, step=eta, max_steps=1)
    gh = fit_half.split(tc.gradient(fit_half, y, w))
    before = tc.invariants.imbalances(fit_half, w)
    after = tc.invariants.imbalances(fit_half, run.final_params)
    for j in range(2):
        predicted = (1 - 2 * eta * mu) ** 2 * before[j] + 4 * eta**2 * (_ah(gh[j + 1]) @ gh[j + 1] - gh[j] @ _ah(gh[j]))
        assert np.max(np.abs(after[j] - predicted)) <= 1e-13 * np.max(np.abs(before[j]))


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("factory", MODEL_PARAMS)
def test_a_batched_run_equals_the_unbatched_runs_bit_for_bit(factory, kernel):
    obj = factory()
    y, w, x = instance(obj, np.random.default_rng(14), batch=6, scale=0.5)
    eta = np.linspace(0.002, 0.02, 6)
    rec = tc.Recording(every=7, observables=("loss", "grad_norm", "weights"))
    batched = tc.run_gd(obj, y, w, data=x, step=eta, max_steps=60, tol=1e-3, record=rec, kernel=kernel)
    for b in range(6):
        single = tc.run_gd(
            obj,
            y[b],
            w[b],
            data=None if x is None else x[b],
            step=eta[b],
            max_steps=60,
            tol=1e-3,
            record=rec,
            kernel=kernel,
        )
        assert np.array_equal(single.final_params[0], batched.final_params[b])
        assert single.status[0] == batched.status[b]
        assert single.steps[0] == batched.steps[b]
        assert np.array_equal(single.final_loss[0], batched.final_loss[b])
        for key in ("loss", "grad_norm", "weights"):
            assert np.array_equal(single.observable(key, 0), batched.observable(key, b))


@pytest.mark.parametrize("kernel", KERNELS)
def test_a_diverging_trajectory_is_a_status_and_does_not_stop_the_others(kernel):
    # theorems.md F3.1: f(a, b) = 1/2 (ab - y)^2 has no stable minimiser for eta > 1/y.
    obj = tc.deep_mf((1, 1, 1))
    init = np.array([[1.1, 0.9], [3.0, 2.0], [0.9, 0.8]])
    run = tc.run_gd(
        obj, np.ones((1, 1)), init, step=np.array([0.1, 1.5, 0.1]), max_steps=2000, tol=1e-20, kernel=kernel
    )
    assert run.statuses() == (tc.RunStatus.CONVERGED, tc.RunStatus.DIVERGED, tc.RunStatus.CONVERGED)
    assert np.all(np.isfinite(run.final_params))  # the last finite iterate is kept
    assert run.steps[1] < 2000


@pytest.mark.parametrize("kernel", KERNELS)
def test_overflow_in_the_update_is_reported_as_divergence_with_the_last_finite_iterate(kernel):
    obj = tc.deep_mf((1, 1, 1, 1))
    run = tc.run_gd(
        obj,
        np.ones((1, 1)),
        np.array([[1e100, 1e100, 1e100]]),
        step=1.0,
        max_steps=10,
        loss_cap=np.inf if False else 1e308,
        kernel=kernel,
    )
    assert run.statuses() == (tc.RunStatus.DIVERGED,)
    assert np.all(np.isfinite(run.final_params))


@pytest.mark.parametrize("kernel", KERNELS)
@pytest.mark.parametrize("factory", MODEL_PARAMS)
def test_a_run_paused_at_record_steps_ends_on_the_unpaused_runs_weights_bit_for_bit(factory, kernel):
    # The kernels keep W_t in one of two buffers that swap every step; a pause (record step) or a stop after an
    # odd number of steps must hand back the weights of the buffer holding the last accepted iterate.
    obj = factory()
    y, w, x = instance(obj, np.random.default_rng(21), batch=3, scale=0.5)
    rec = tc.Recording(every=7, at=(1, 2, 3), observables=("weights",))
    paused = tc.run_gd(obj, y, w, data=x, step=0.01, max_steps=23, record=rec, kernel=kernel)
    straight = tc.run_gd(obj, y, w, data=x, step=0.01, max_steps=23, kernel=kernel)
    assert np.array_equal(paused.final_params, straight.final_params)
    assert np.array_equal(paused.final_loss, straight.final_loss)
    for k, t in enumerate(paused.record_at):
        alone = tc.run_gd(obj, y, w, data=x, step=0.01, max_steps=int(t), kernel=kernel)
        assert np.array_equal(paused.observables["weights"][k], alone.final_params)


@pytest.mark.parametrize("kernel", KERNELS)
def test_a_diverged_run_keeps_the_iterate_of_the_step_it_stopped_at_after_odd_and_even_step_counts(kernel):
    # as the false variant yedu2021.F3_1: for eta > 1/y the scalar product diverges; the step count at which it does varies
    # with eta, so both parities of the swapping weight buffers are exercised.
    obj = tc.deep_mf((1, 1, 1))
    etas = np.array([2.0, 2.5, 3.0, 5.0])  # diverge at steps 20, 9, 5, 4 (float64)
    init = np.tile(np.array([[1.1, 0.9]]), (etas.size, 1))
    run = tc.run_gd(obj, np.ones((1, 1)), init, step=etas, max_steps=5000, loss_cap=1e6, tol=0.0, kernel=kernel)
    assert set(run.statuses()) == {tc.RunStatus.DIVERGED}
    assert {int(s) % 2 for s in run.steps} == {0, 1}
    for b, s in enumerate(run.steps):
        alone = tc.run_gd(obj, np.ones((1, 1)), init[b], step=etas[b], max_steps=int(s), tol=0.0, kernel=kernel)
        assert np.array_equal(alone.final_params[0], run.final_params[b])


def test_statuses_converged_stationary_and_max_steps_report_the_step_they_stopped_at():
    obj = tc.deep_mf((2, 2, 2))
    rng = np.random.default_rng(15)
    w = 0.5 * rng.standard_normal((1, obj.n_params))
    y = np.diag([1.0, 0.5])
    conv = tc.run_gd(obj, y, w, step=0.1, max_steps=10_000, tol=1e-8)
    assert conv.statuses() == (tc.RunStatus.CONVERGED,)
    assert conv.final_loss[0] <= 1e-8
    before = tc.run_gd(obj, y, w, step=0.1, max_steps=int(conv.steps[0]) - 1)
    assert before.statuses() == (tc.RunStatus.MAX_STEPS,)
    assert before.final_loss[0] > 1e-8
    stat = tc.run_gd(obj, y, w, step=0.1, max_steps=10_000, gtol=1e-6)
    assert stat.statuses() == (tc.RunStatus.STATIONARY,)
    assert stat.final_grad_norm[0] <= 1e-6
    zero = tc.run_gd(obj, y, w, step=0.1, max_steps=0)
    assert np.array_equal(zero.final_params, w)
    assert zero.statuses() == (tc.RunStatus.MAX_STEPS,)


def test_a_power_schedule_matches_a_hand_written_loop():
    obj = tc.deep_mf((2, 3, 2))
    y, w, _ = instance(obj, np.random.default_rng(16))
    sched = tc.Schedule.power(t0=10.0, p=0.75)
    run = tc.run_gd(obj, y, w, step=0.05, max_steps=40, schedule=sched)
    ref = w.copy()
    for t in range(40):
        ref = ref - 0.05 * (1 + t / 10.0) ** -0.75 * tc.gradient(obj, y, ref)
    assert np.max(np.abs(run.final_params[0] - ref)) <= 1e-13


def test_recording_returns_every_requested_observable_at_the_requested_steps():
    obj = tc.deep_mf((3, 3, 2, 3))
    y, w, _ = instance(obj, np.random.default_rng(17), batch=4)
    rec = tc.Recording(every=10, at=(3,), observables=tc.OBSERVABLES)
    run = tc.run_gd(obj, y, w, step=0.01, max_steps=25, record=rec)
    assert list(run.record_at) == [0, 3, 10, 20, 25]
    n = len(run.record_at)
    assert run.observables["loss"].shape == (n, 4)
    assert run.observables["sv_layer2"].shape == (n, 4, 2)
    assert run.observables["sv_product"].shape == (n, 4, 3)
    assert run.observables["imbalance1"].shape == (n, 4, 3, 3)
    assert {k for k in run.observables if k.startswith("det_")} == {"det_layer1", "det_product"}
    assert np.array_equal(run.observables["weights"][0], w)
    assert np.array_equal(run.observables["weights"][-1], run.final_params)
    assert np.allclose(run.observables["loss"][0], tc.loss(obj, y, w), rtol=1e-13)
    assert np.allclose(
        run.observables["sv_product"][2], tc.invariants.product_singular_values(obj, run.observables["weights"][2])
    )


def test_a_run_result_is_immutable():
    obj = tc.deep_mf((2, 2))
    run = tc.run_gd(obj, np.eye(2), np.zeros(4) + 0.1, step=0.1, max_steps=3)
    with pytest.raises(ValueError, match="read-only"):
        run.final_params[0, 0] = 1.0
    with pytest.raises(AttributeError):
        run.method = "gf"  # type: ignore[misc]


@pytest.mark.parametrize("backend", ["flint", "mpmath"])
@pytest.mark.parametrize("field", ["real", "complex"])
def test_high_precision_gd_agrees_with_float64_on_a_short_horizon(backend, field):
    obj = tc.deep_mf((3, 3, 3, 3), field=field) + tc.Balancing(1.0) + tc.WeightDecay((0.1, 0.0, 0.2))
    y, w, _ = instance(obj, np.random.default_rng(18), batch=2, scale=0.6)
    rec = tc.Recording(every=10, observables=("loss", "singular_values"))
    lo = tc.run_gd(obj, y, w, step=0.01, max_steps=30, record=rec)
    hi = tc.run_gd(obj, y, w, step=0.01, max_steps=30, record=rec, precision=tc.Precision(backend, 113))
    assert hi.precision == tc.Precision(backend, 113)
    assert np.max(np.abs(hi.final_params - lo.final_params)) <= 1e-13
    assert np.allclose(hi.observables["loss"], lo.observables["loss"], rtol=1e-13)
    assert np.allclose(hi.observables["sv_product"], lo.observables["sv_product"], rtol=1e-12)
    assert hi.final_params_hp is not None
    assert len(hi.final_params_hp) == 2


def test_flint_and_mpmath_agree_to_far_beyond_float64():
    obj = tc.deep_mf((2, 2, 2, 2)) + tc.Balancing(0.5)
    y, w, _ = instance(obj, np.random.default_rng(19), scale=0.6)
    a = tc.run_gd(obj, y, w, step=0.02, max_steps=40, precision="flint:200")
    b = tc.run_gd(obj, y, w, step=0.02, max_steps=40, precision="mpmath:200")
    ctx = mpmath.MPContext()
    ctx.prec = 200
    for la, lb in zip(a.final_params_hp[0], b.final_params_hp[0], strict=True):
        for i in range(lb.rows):
            for j in range(lb.cols):
                man, exp = la[i, j].mid().man_exp()  # exact: a midpoint is a dyadic rational
                x_flint = ctx.mpf((int(man), int(exp)))
                assert abs(x_flint - lb[i, j]) <= ctx.mpf(2) ** -180


def test_the_flint_backend_restores_the_global_precision_and_mpmath_never_touches_mp():
    import flint

    flint.ctx.prec = 53
    mp_prec = mpmath.mp.prec
    obj = tc.deep_mf((2, 2))
    tc.run_gd(obj, np.eye(2), np.full(4, 0.3), step=0.1, max_steps=5, precision="flint:300")
    tc.run_gd(obj, np.eye(2), np.full(4, 0.3), step=0.1, max_steps=5, precision="mpmath:300")
    assert flint.ctx.prec == 53
    assert mpmath.mp.prec == mp_prec


def test_gradient_flow_agrees_with_small_step_gd():
    obj = tc.deep_mf((3, 3, 3, 3)) + tc.Balancing(1.0)
    y, w, _ = instance(obj, np.random.default_rng(20), batch=2, scale=0.5)
    horizon, eta = 1.0, 1e-4
    flow = tc.run_gf(obj, y, w, t_max=horizon)
    gd = tc.run_gd(obj, y, w, step=eta, max_steps=int(horizon / eta))
    # GD is a first-order discretisation: the gap is O(eta * horizon * curvature)
    assert np.max(np.abs(flow.final_params - gd.final_params)) <= 10 * eta * horizon * max(1.0, np.max(np.abs(w)))
    assert np.max(np.abs(flow.final_params - gd.final_params)) > 0


@pytest.mark.parametrize("field", ["real", "complex"])
def test_gradient_flow_conserves_every_imbalance(field):
    # theorems.md 0.2: dD_j/dt = 0 under GF on l(W_N..W_1).
    obj = tc.deep_mf((3, 2, 4, 3), field=field)
    y, w, _ = instance(obj, np.random.default_rng(21), scale=0.8)
    flow = tc.run_gf(obj, y, w, t_max=2.0, record_times=np.linspace(0, 2, 5), observables=("imbalances", "loss"))
    for j in (1, 2):
        series = flow.observables[f"imbalance{j}"][:, 0]
        assert np.max(np.abs(series - series[0])) <= 1e-8 * np.max(np.abs(series[0]))
    assert np.all(np.diff(flow.observables["loss"][:, 0]) <= 0)


def test_gradient_flow_stops_at_the_loss_tolerance_with_status_converged():
    obj = tc.deep_mf((2, 2, 2))
    _y, w, _ = instance(obj, np.random.default_rng(22), scale=0.5)
    flow = tc.run_gf(obj, np.diag([1.0, 0.5]), w, t_max=200.0, tol=1e-6)
    assert flow.statuses() == (tc.RunStatus.CONVERGED,)
    assert abs(flow.final_loss[0] - 1e-6) <= 1e-8
    assert 0 < flow.final_time[0] < 200.0


def test_run_instances_batches_instances_and_matches_each_instance_run():
    from theorycheck.dynamics.instance import Instance, Target, run_instances

    obj = tc.deep_mf((2, 3, 2))
    rng = np.random.default_rng(23)
    insts = []
    for k in range(3):
        y = rng.standard_normal((2, 2))
        u, s, vh = np.linalg.svd(y)
        insts.append(Instance(obj, Target(y, u, s, vh.T), 0.5 * rng.standard_normal(obj.n_params), 0.01 * (k + 1), 40))
    batch = run_instances(insts)
    for k, inst in enumerate(insts):
        assert np.array_equal(batch.final_params[k], inst.run().final_params[0])
    other = Instance(obj, insts[0].target, insts[0].init, 0.01, 41)
    with pytest.raises(tc.InvalidArgument, match="horizon"):
        run_instances([insts[0], other])
