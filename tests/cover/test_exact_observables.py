"""Observables of high-precision runs are computed and kept in the run's arithmetic (issue 12, deliverable 2)."""

from __future__ import annotations

import numpy as np
import pytest

import theorycheck as tc
from theorycheck.claims import Claim, Procedure, Source, check, monotone

ALL = ("loss", "grad_norm", "singular_values", "imbalances", "determinants", "weights")


def _run(precision: str, step: float) -> tc.RunResult:
    obj = tc.deep_mf((2, 2, 2))
    w = np.array([0.9, 0.2, -0.1, 0.7, 0.5, 0.3, 0.1, 0.8])
    return tc.run_gd(
        obj, np.eye(2), w, step=step, max_steps=2, precision=precision, record=tc.Recording(every=1, observables=ALL)
    )


@pytest.mark.parametrize("precision", ["flint:256", "mpmath:256"])
def test_a_change_below_1e_20_survives_in_a_256_bit_runs_observables_and_vanishes_in_their_float64_roundings(
    precision: str,
) -> None:
    run = _run(precision, step=1e-22)  # one step moves the weights by ~1e-22: nothing a float64 can hold
    for name in ("loss", "grad_norm", "sv_layer1", "sv_product", "imbalance1", "det_product", "weights"):
        series = run.observable(name, 0)
        assert series.dtype == object, name
        exact = np.asarray(series[1] - series[0], dtype=object).ravel()
        rounded = np.asarray(series[1], dtype=float) - np.asarray(series[0], dtype=float)
        assert any(0 < abs(float(x)) < 1e-20 for x in exact), name  # the planted change, kept
        assert not np.any(rounded), name  # gone after rounding to float64
    loss = run.observable("loss", 0)
    assert loss[1] < loss[0]  # GD with a tiny step decreases the loss, visibly only before rounding


def test_exact_observables_agree_with_the_float64_ones_to_rounding() -> None:
    hi, lo = _run("flint:256", step=0.05), _run("float64", step=0.05)
    for name in ("loss", "sv_layer2", "sv_product", "imbalance1", "det_layer1", "weights"):
        assert np.allclose(np.asarray(hi.observable(name, 0), dtype=float), lo.observable(name, 0), rtol=1e-12, atol=1e-14)


def test_a_conclusion_takes_its_margin_in_the_runs_arithmetic() -> None:
    claim = Claim(
        id="test.loss_decreases_strictly",
        statement="the loss decreases strictly at every step",
        source=Source("Tests", 2026, "planted", "reconstructed"),
        procedure=Procedure(record=tc.Recording(every=1, observables=("loss",))),
        conclusion=monotone("loss", lambda _i, r: r.observable("loss", 0), tol=0.0),
    )
    obj = tc.deep_mf((2, 2, 2))
    w = np.array([0.9, 0.2, -0.1, 0.7, 0.5, 0.3, 0.1, 0.8])
    target = tc.dynamics.instance.Target(np.eye(2), np.eye(2), np.ones(2), np.eye(2))
    inst = tc.dynamics.instance.Instance(obj, target, w, 1e-22, 2)
    high = check(claim, inst, precision=tc.Precision("flint", 256))
    assert 0 < high.margin < 1e-20  # the decrease, resolved
    assert check(claim, inst).margin == 0.0  # float64 sees no change at all


@pytest.mark.parametrize("bits", [113, 256])
def test_the_imbalance_recursion_residual_of_a_high_precision_run_is_at_its_own_rounding(bits: int) -> None:
    import attrs

    from tests.common.claims import overshoot_instance
    from theorycheck.catalogue._helpers import RECORD_WEIGHTS, fit_part, recursion_residuals

    inst = attrs.evolve(overshoot_instance(step=0.01), max_steps=3)
    run = inst.run(precision=tc.Precision("flint", bits), record=RECORD_WEIGHTS)
    residuals = recursion_residuals(inst, run, fit_part(inst.objective))
    assert residuals.size == 3
    assert max(float(r) for r in residuals) < 2.0 ** (8 - bits)  # G, eta^2 in the run's arithmetic, not float64


def test_loss_and_gradient_norm_are_computed_without_the_weights_and_every_other_group_reads_them() -> None:
    import mpmath

    from theorycheck.dynamics import observables as obs

    assert not obs.reads_weights(("loss", "grad_norm"))
    assert all(obs.reads_weights((name,)) for name in obs.OBSERVABLES if name not in ("loss", "grad_norm"))
    ctx = mpmath.MPContext()
    out = obs.compute_exact(tc.deep_mf((2, 2, 2)), [], ctx, ("loss", "grad_norm"), ctx.mpf(3), ctx.mpf(4))
    assert (out["loss"].item(), out["grad_norm"].item()) == (3, 4)


@pytest.mark.parametrize("precision", ["flint:113", "mpmath:113"])
def test_loss_and_gradient_norm_recorded_alone_equal_those_recorded_with_the_weights(precision: str) -> None:
    obj = tc.deep_mf((3, 2, 3))
    w = np.random.default_rng(4).standard_normal((2, obj.n_params)) * 0.5
    runs = [
        tc.run_gd(obj, np.eye(3), w, step=0.05, max_steps=12, precision=precision, record=tc.Recording(every=3, observables=names))
        for names in (("grad_norm", "loss"), ("loss", "grad_norm", "weights"))
    ]
    for name in ("loss", "grad_norm"):
        alone, with_weights = (run.observables[name] for run in runs)
        assert alone.shape == with_weights.shape == (5, 2)
        assert alone.dtype == with_weights.dtype == object
        assert [repr(v) for v in alone.ravel()] == [repr(v) for v in with_weights.ravel()]
    assert list(runs[0].observables) == ["grad_norm", "loss"]


@pytest.mark.parametrize("observables", [("loss", "grad_norm"), ALL])
def test_a_flint_run_whose_loss_overflows_records_infinity_as_the_mpmath_run_does_instead_of_raising(
    observables: tuple[str, ...],
) -> None:
    import mpmath

    # decay_coef * lambda = 1e350 overflows to an infinite float constant: F is infinite at step 0
    obj = tc.deep_mf((2, 2)) + tc.WeightDecay((1e150,), coef=1e200)
    w = np.array([0.3, 0.1, 0.0, 0.2])
    record = tc.Recording(every=1, observables=observables)
    runs = [
        tc.run_gd(obj, np.eye(2), w, step=0.01, max_steps=3, precision=p, record=record)
        for p in ("flint:113", "mpmath:113")
    ]
    for run in runs:
        assert run.status[0] == tc.RunStatus.DIVERGED
        assert run.observable("loss", 0)[0] == mpmath.inf
    flint_run, mpmath_run = runs
    assert [repr(v) for v in flint_run.observable("loss", 0)] == [repr(v) for v in mpmath_run.observable("loss", 0)]
