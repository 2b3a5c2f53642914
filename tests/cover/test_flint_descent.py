"""Compiled high-precision GD (precision/_arb_descent, _arb_loop, _libflint): same bits as stepping in Python."""

from __future__ import annotations

import sys
import threading

import flint
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import theorycheck as tc
from tests.common.instances import MODELS, instance
from theorycheck.dynamics import gd
from theorycheck.models import grad_sqnorm, loss_and_grads
from theorycheck.precision import _arb_descent
from theorycheck.precision._flint import FlintBackend, working_precision
from theorycheck.precision._libflint import libflint


@pytest.fixture
def compiled(monkeypatch):
    """Runs take the compiled descent from their first step on; yields the list of (start, stop) of its calls."""
    calls: list[tuple[int, int]] = []
    original = _arb_descent.ArbDescent.advance

    def advance(self, layers, target, data, steps, t, *rest, **kwargs):
        out = original(self, layers, target, data, steps, t, *rest, **kwargs)
        calls.append((t, out[3]))
        return out

    monkeypatch.setattr(_arb_descent.ArbDescent, "advance", advance)
    monkeypatch.setattr(gd, "_COMPILED", gd._CompiledDescents())
    monkeypatch.setattr(gd._COMPILED, "loaded", True)
    monkeypatch.setattr(gd._COMPILED, "BUILD_FROM_STEPS", 0)  # even short runs build one
    return calls


def _python_only(monkeypatch):
    monkeypatch.setattr(gd, "_COMPILED", gd._CompiledDescents())
    monkeypatch.setattr(gd._COMPILED, "FROM_STEPS", 10**18)


def _balls(m: flint.arb_mat) -> list[tuple[flint.arb, flint.arb]]:
    """A matrix's entries as exact (midpoint, radius) pairs (``==`` of two inexact arbs is never true)."""
    return [(e.mid(), e.rad()) for e in m.entries()]


def _assert_same_run(a: tc.RunResult, b: tc.RunResult) -> None:
    assert np.array_equal(a.status, b.status)
    assert np.array_equal(a.steps, b.steps)
    assert np.array_equal(a.final_params, b.final_params)
    assert np.array_equal(a.final_loss, b.final_loss, equal_nan=True)
    assert np.array_equal(a.final_grad_norm, b.final_grad_norm, equal_nan=True)
    for layers_a, layers_b in zip(a.final_params_hp, b.final_params_hp, strict=True):
        for x, y in zip(layers_a, layers_b, strict=True):  # midpoints and radii
            assert _balls(x) == _balls(y)
    assert a.observables.keys() == b.observables.keys()
    for name in a.observables:
        assert [repr(v) for v in np.ravel(a.observables[name])] == [repr(v) for v in np.ravel(b.observables[name])]


def _both(monkeypatch, compiled_calls, *args, **kwargs) -> tuple[tc.RunResult, tc.RunResult]:
    fast = tc.run_gd(*args, **kwargs)
    assert compiled_calls, "the compiled descent did not run"
    _python_only(monkeypatch)
    return fast, tc.run_gd(*args, **kwargs)


@pytest.mark.parametrize(("name", "make"), MODELS, ids=[n for n, _ in MODELS])
def test_a_compiled_run_equals_the_python_loop_bit_for_bit_on_every_model(name, make, compiled, monkeypatch):
    obj = make()
    y, w, x = instance(obj, np.random.default_rng(len(name)), batch=2, scale=0.6)
    record = tc.Recording(every=7, observables=("loss", "grad_norm", "weights"))
    fast, slow = _both(
        monkeypatch, compiled, obj, y, w, data=x, step=0.03, max_steps=40, precision="flint:113", record=record
    )
    _assert_same_run(fast, slow)
    assert sum(stop - start for start, stop in compiled) > 30  # it took the runs of usual steps


def test_a_compiled_run_at_size_8_or_more_uses_the_midpoint_product_and_equals_the_python_loop(compiled, monkeypatch):
    obj = tc.deep_mf((9, 12, 10)) + tc.Balancing(0.5)
    y, w, _ = instance(obj, np.random.default_rng(3), batch=1, scale=0.3)
    fast, slow = _both(monkeypatch, compiled, obj, y, w, step=0.01, max_steps=25, precision="flint:200")
    _assert_same_run(fast, slow)


@pytest.mark.parametrize(
    ("rule", "status"),
    [
        ({"tol": 0.2}, tc.RunStatus.CONVERGED),
        ({"gtol": 0.3}, tc.RunStatus.STATIONARY),
        ({"loss_cap": 3.0}, tc.RunStatus.DIVERGED),
        ({}, tc.RunStatus.MAX_STEPS),
    ],
)
def test_a_compiled_run_stops_at_the_same_step_with_the_same_status(rule, status, compiled, monkeypatch):
    obj = tc.deep_mf((3, 3, 3, 3))
    rng = np.random.default_rng(5)
    y = np.diag([2.0, 1.0, 0.5])
    w = 0.3 * rng.standard_normal((1, obj.n_params))
    step = 0.9 if "loss_cap" in rule else 0.05  # a step size past the edge of stability blows the loss up
    fast, slow = _both(monkeypatch, compiled, obj, y, w, step=step, max_steps=300, precision="flint:113", **rule)
    _assert_same_run(fast, slow)
    assert fast.status[0] == status


def test_a_compiled_run_follows_a_step_size_schedule(compiled, monkeypatch):
    obj = tc.deep_mf((2, 3, 2)) + tc.WeightDecay((0.1, 0.2))
    y, w, _ = instance(obj, np.random.default_rng(8), batch=2)
    schedule = tc.Schedule.power(4.0, 0.5)
    fast, slow = _both(monkeypatch, compiled, obj, y, w, step=0.1, max_steps=60, schedule=schedule, precision="flint:53")
    _assert_same_run(fast, slow)


@settings(max_examples=25, deadline=None)
@given(
    widths=st.lists(st.integers(1, 6), min_size=2, max_size=5),
    field=st.sampled_from(["real", "complex"]),
    fit_coef=st.sampled_from([0.5, 1.0, 0.3]),
    balancing=st.sampled_from([0.0, 0.4]),
    decay=st.booleans(),
    columns=st.sampled_from([None, 1, 4]),
    bits=st.sampled_from([53, 113, 150]),
    every=st.sampled_from([None, 1, 5]),
    seed=st.integers(0, 2**16),
)
def test_any_deep_mf_runs_to_the_same_bits_compiled_or_in_python(
    widths, field, fit_coef, balancing, decay, columns, bits, every, seed
):
    obj = tc.deep_mf(tuple(widths), field=field, fit_coef=fit_coef, data_columns=columns)
    obj = obj + tc.Balancing(balancing) if balancing else obj
    obj = obj + tc.WeightDecay(tuple(0.1 * (j + 1) for j in range(len(widths) - 1))) if decay else obj
    y, w, x = instance(obj, np.random.default_rng(seed), batch=1, scale=0.5)
    record = tc.Recording(every=every, observables=("loss", "grad_norm")) if every else None
    kwargs = {"data": x, "step": 0.05, "max_steps": 30, "precision": tc.Precision("flint", bits), "record": record}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(gd, "_COMPILED", gd._CompiledDescents())
        patch.setattr(gd._COMPILED, "loaded", True)
        patch.setattr(gd._COMPILED, "BUILD_FROM_STEPS", 0)
        fast = tc.run_gd(obj, y, w, **kwargs)
        _python_only(patch)
        slow = tc.run_gd(obj, y, w, **kwargs)
    _assert_same_run(fast, slow)


def _descent(backend: FlintBackend, obj: tc.Objective, layers, target, data=None):
    def formula(xp, ls, t, d):
        return loss_and_grads(xp, obj, ls, t, d)

    return backend.compiled_descent(formula, grad_sqnorm, layers, target, data)


def test_real_and_complex_models_get_a_compiled_descent_and_entrywise_norms_or_mixed_types_do_not():
    backend = FlintBackend(113)
    with working_precision(113):
        square = [flint.arb_mat(3, 3, [0.5 * (i + 1) for i in range(9)]) for _ in range(2)]
        assert _descent(backend, tc.deep_mf((3, 3, 3)), square, flint.arb_mat(3, 3, 1.0)) is not None
        cplx = [flint.acb_mat(3, 3, [0.5j + 0.1 * i for i in range(9)]) for _ in range(2)]
        complex_model = tc.deep_mf((3, 3, 3), field="complex")
        assert _descent(backend, complex_model, cplx, flint.acb_mat(3, 3, 1.0)) is not None
        # a real target for complex layers: python-flint converts it inside `-`, which the tape does not record
        assert _descent(backend, complex_model, cplx, flint.arb_mat(3, 3, 1.0)) is None
        # both dimensions above 20: FlintBackend sums the squares entry by entry, which the tape does not record
        wide = [flint.arb_mat(21, 21, [0.01] * 441)]
        assert _descent(backend, tc.deep_mf((21, 21)), wide, flint.arb_mat(21, 21, 1.0)) is None


def test_a_formula_using_an_operation_the_tape_does_not_record_gets_no_compiled_descent():
    def formula(xp, layers, target, data):
        f, grads = loss_and_grads(xp, tc.deep_mf((2, 2)), layers, target)
        return f, [xp.round(g) for g in grads]  # round is not a recorded operation

    with working_precision(113):
        layers, target = [flint.arb_mat(2, 2, [1.0, 2.0, 3.0, 4.0])], flint.arb_mat(2, 2, 1.0)
        assert FlintBackend(113).compiled_descent(formula, grad_sqnorm, layers, target, None) is None


def test_python_flint_s_structs_and_float_rounding_are_found():
    lib = libflint()
    assert lib is not None, "the bundled libflint or python-flint's struct layout was not recognised"
    assert lib.mat_offset > 0
    assert lib.arb_offset > 0
    assert _arb_descent._nearest(lib) >= 0


def test_a_compiled_descent_leaves_its_inputs_unchanged_and_returns_new_objects():
    backend = FlintBackend(113)
    obj = tc.deep_mf((3, 3, 3))
    with working_precision(113):
        layers = [flint.arb_mat(3, 3, [0.1 * (i + j) for i in range(9)]) for j in range(2)]
        target = flint.arb_mat(3, 3, 1.0)
        before = [_balls(w) for w in layers]
        descent = _descent(backend, obj, layers, target)
        steps = descent.step_table([flint.arb(0.01)])
        out, f, _, t = descent.advance(layers, target, None, steps, 0, 10, 0.0, np.inf, 0.0)
        grads = descent.gradients()
        assert t == 10
        assert [_balls(w) for w in layers] == before
        again, f_again, _, _ = descent.advance(layers, target, None, steps, 0, 10, 0.0, np.inf, 0.0)
        grads_again = descent.gradients()
        assert f is not f_again
        assert f.mid() == f_again.mid()
        pairs = zip([*out, *grads], [*again, *grads_again], strict=True)
        assert all(a is not b and _balls(a) == _balls(b) for a, b in pairs)


@pytest.mark.parametrize("numba_imported", [True, False])
def test_short_runs_step_in_python_until_enough_steps_make_loading_the_compiled_loop_worth_it(
    numba_imported, monkeypatch
):
    monkeypatch.setattr(gd, "_COMPILED", gd._CompiledDescents())
    monkeypatch.setattr(gd, "_numba_imported", lambda: numba_imported)  # False: nothing ran in float64 yet
    obj = tc.deep_mf((2, 2, 2))
    y, w, _ = instance(obj, np.random.default_rng(2), batch=1)
    tiers = gd._COMPILED
    threshold = tiers.FROM_STEPS_NUMBA_IMPORTED if numba_imported else tiers.FROM_STEPS
    tc.run_gd(obj, y, w, step=0.01, max_steps=100, precision="flint:113")
    assert (tiers.loaded, tiers.python_steps) == (False, 100)
    tiers.python_steps = threshold - 101  # as if many short runs had stepped in Python
    tc.run_gd(obj, y, w, step=0.01, max_steps=100, precision="flint:113")
    assert not tiers.loaded
    tc.run_gd(obj, y, w, step=0.01, max_steps=100, precision="flint:113")
    assert tiers.loaded
    assert tiers.python_steps == threshold - 1  # the compiled steps are not counted


def test_a_run_too_short_to_pay_for_building_a_descent_steps_in_python_unless_one_is_kept(compiled, monkeypatch):
    monkeypatch.setattr(gd._COMPILED, "BUILD_FROM_STEPS", gd._CompiledDescents.BUILD_FROM_STEPS)
    obj = tc.deep_mf((2, 2, 2))
    y, w, _ = instance(obj, np.random.default_rng(2), batch=1)
    tc.run_gd(obj, y, w, step=0.01, max_steps=gd._COMPILED.BUILD_FROM_STEPS - 1, precision="flint:113")
    assert not compiled
    tc.run_gd(obj, y, w, step=0.01, max_steps=gd._COMPILED.BUILD_FROM_STEPS, precision="flint:113")
    compiled.clear()
    tc.run_gd(obj, y, w, step=0.01, max_steps=3, precision="flint:113")
    assert compiled  # kept from the longer run


def test_resuming_from_layers_the_descent_did_not_return_is_refused():
    backend = FlintBackend(113)
    obj = tc.deep_mf((2, 2))
    with working_precision(113):
        layers, target = [flint.arb_mat(2, 2, [0.5, 0.1, 0.2, 0.3])], flint.arb_mat(2, 2, 1.0)
        descent = _descent(backend, obj, layers, target)
        steps = descent.step_table([flint.arb(0.01)])
        out, *_ = descent.advance(layers, target, None, steps, 0, 3, 0.0, np.inf, 0.0)
        with pytest.raises(ValueError, match="resume"):
            descent.advance([flint.arb_mat(m) for m in out], target, None, steps, 3, 6, 0.0, np.inf, 0.0, resume=True)
        *_, t = descent.advance(out, target, None, steps, 3, 6, 0.0, np.inf, 0.0, resume=True)
        assert t == 6


def test_a_built_descent_is_kept_per_thread_for_later_runs_of_the_same_model(compiled):
    obj = tc.deep_mf((3, 3, 3))
    y, w, _ = instance(obj, np.random.default_rng(1), batch=1)
    for _ in range(2):
        tc.run_gd(obj, y, w, step=0.01, max_steps=20, precision="flint:113")
    kept = list(gd._COMPILED._kept.values())
    assert len(kept) == 1
    assert kept[0] is not None
    other = threading.Thread(target=tc.run_gd, args=(obj, y, w), kwargs={"step": 0.01, "max_steps": 20, "precision": "flint:113"})
    other.start()
    other.join()
    assert len(gd._COMPILED._kept) == 2  # another thread builds its own (a descent's structs are reused)


def test_kept_descents_stay_within_their_count_and_memory_budget(compiled, monkeypatch):
    kept = gd._COMPILED
    small, large = tc.deep_mf((2, 2)), tc.deep_mf((6, 6, 6))
    runs = {obj: instance(obj, np.random.default_rng(0), batch=1) for obj in (small, large)}

    def run(obj):
        y, w, _ = runs[obj]
        tc.run_gd(obj, y, w, step=0.01, max_steps=5, precision="flint:113")

    run(small)
    small_bytes = next(iter(kept._kept.values())).nbytes
    monkeypatch.setattr(kept, "KEPT_BYTES", small_bytes + 10)  # room for the small one only
    run(large)
    assert not kept._kept  # the small one went first, then the large one alone was over the budget
    run(small)
    assert [key[2] for key in kept._kept] == [small]
    monkeypatch.setattr(kept, "KEPT_BYTES", 10**12)
    monkeypatch.setattr(kept, "KEPT", 1)
    run(large)
    assert [key[2] for key in kept._kept] == [large]


def test_a_descent_refuses_inputs_of_another_shape_or_type_instead_of_reading_past_its_structs():
    backend = FlintBackend(113)
    obj = tc.deep_mf((3, 4))
    with working_precision(113):
        layers, target = [flint.arb_mat(4, 3, [0.1] * 12)], flint.arb_mat(4, 3, 1.0)
        descent = _descent(backend, obj, layers, target)
        steps = descent.step_table([flint.arb(0.01)])
        wrong = [
            ([flint.arb_mat(1, 1)], target, None),  # a smaller layer: libflint would read past its entries
            (layers, flint.arb_mat(3, 4), None),  # the target transposed
            ([flint.acb_mat(4, 3)], target, None),  # complex entries are twice as large
            (layers, target, flint.arb_mat(3, 3)),  # data for a descent built without
            ([], target, None),
        ]
        for given_layers, given_target, given_data in wrong:
            with pytest.raises(ValueError, match="shapes"):
                descent.advance(given_layers, given_target, given_data, steps, 0, 3, 0.0, np.inf, 0.0)
        with pytest.raises(ValueError, match="arb"):
            descent.step_table([0.01])
        *_, t = descent.advance(layers, target, None, steps, 0, 3, 0.0, np.inf, 0.0)  # still usable
        assert t == 3



def test_a_first_run_starting_beyond_double_range_does_not_keep_later_runs_of_its_model_from_the_compiled_descent(
    compiled,
):
    obj = tc.deep_mf((3, 3, 3))
    y, w, _ = instance(obj, np.random.default_rng(1), batch=1, scale=0.5)
    # F(W_0) ~ 1e400 (a given cap: the default one computes F(W_0) in float64, which overflows)
    diverged = tc.run_gd(obj, y, w * 1e100, step=0.01, max_steps=40, loss_cap=1e10, precision="flint:113")
    assert diverged.status[0] == tc.RunStatus.DIVERGED
    assert list(gd._COMPILED._kept.values()) != [None]  # the check ran on moderate values of the same shapes
    compiled.clear()
    tc.run_gd(obj, y, w, step=0.01, max_steps=40, precision="flint:113")
    assert compiled


@pytest.mark.parametrize("rule", [{}, {"tol": 0.3}, {"gtol": 0.4}, {"loss_cap": 3.0}])
def test_a_long_compiled_run_comes_back_to_python_every_few_steps_and_still_equals_the_python_loop(
    rule, compiled, monkeypatch
):
    # the loop holds the GIL: between its calls Python handles Ctrl-C and other threads (a worker's parent watch) run
    monkeypatch.setattr(gd._COMPILED, "STEPS_PER_CALL", 7)
    obj = tc.deep_mf((3, 3, 3))
    y = np.diag([2.0, 1.0, 0.5])
    w = 0.3 * np.random.default_rng(5).standard_normal((2, obj.n_params))
    record = tc.Recording(every=10, at=(3, 200), observables=("loss", "grad_norm"))
    step = 0.9 if "loss_cap" in rule else 0.05
    kwargs = {"step": step, "max_steps": 100, "precision": "flint:113", "record": record, **rule}
    fast, slow = _both(monkeypatch, compiled, obj, y, w, **kwargs)
    _assert_same_run(fast, slow)
    assert max(stop - start for start, stop in compiled) <= 7


@pytest.mark.parametrize("path", ["python", "compiled"])
def test_high_precision_runs_in_threads_at_different_precisions_equal_the_same_runs_one_after_another(
    path, monkeypatch
):
    # python-flint's precision is one value per process: without a lock, one thread's products rounded at another
    # thread's precision (the Python path differed from the sequential runs in every thread)
    monkeypatch.setattr(gd, "_COMPILED", gd._CompiledDescents())
    if path == "compiled":
        monkeypatch.setattr(gd._COMPILED, "loaded", True)
    else:
        monkeypatch.setattr(gd._COMPILED, "FROM_STEPS", 10**18)
        monkeypatch.setattr(gd._COMPILED, "FROM_STEPS_NUMBA_IMPORTED", 10**18)
    rng = np.random.default_rng(0)
    obj = tc.deep_mf((4, 5, 4)) + tc.Balancing(0.3)
    jobs = [
        (rng.standard_normal((4, 4)), 0.4 * rng.standard_normal((1, obj.n_params)), f"flint:{bits}")
        for bits in (113, 200, 64, 113)
    ]

    def run(job):
        y, w, precision = job
        return tc.run_gd(obj, y, w, step=0.02, max_steps=60, precision=precision, record=tc.Recording(every=20))

    alone = [run(job) for job in jobs]
    together: list[tc.RunResult | None] = [None] * len(jobs)

    def go(i):
        together[i] = run(jobs[i])

    threads = [threading.Thread(target=go, args=(i,)) for i in range(len(jobs))]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # threads switch often: overlapping scopes would show
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    for a, b in zip(alone, together, strict=True):
        assert b is not None
        _assert_same_run(a, b)
