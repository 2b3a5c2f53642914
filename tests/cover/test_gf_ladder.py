"""Gradient-flow claims on the precision ladder: tighter tolerances, then mpmath's Taylor solver (issue 12)."""

from __future__ import annotations

import math
from typing import Any

import attrs
import numpy as np
import pytest

from theorycheck.catalogue import CATALOGUE
from theorycheck.claims import check
from theorycheck.confirm import confirm
from theorycheck.dynamics.flow_hp import run_gf_taylor
from theorycheck.dynamics.instance import Instance, Target
from theorycheck.models import deep_mf

SKETCH = CATALOGUE["yedu2021.P2_6.gf_time_bound_as_sketched"].claim
EXACT = CATALOGUE["yedu2021.cor1_2.gf_time_exact"].claim


def _scalar(sigma: float = 1.0, a0: float = 0.1, delta: float = 0.1) -> Instance:
    """da/dt = (sigma - a^2) a from a0; |sigma - a^2| <= delta at t_exact = ln(c (sigma/delta - 1)) / (2 sigma)."""
    target = Target(np.array([[sigma]]), np.eye(1), np.array([sigma]), np.eye(1))
    c = sigma / a0**2 - 1
    t_exact = math.log(c * (sigma / delta - 1)) / (2 * sigma)
    params = {"a0": a0, "delta": delta, "t_exact": t_exact}
    return Instance(deep_mf((1, 1, 1)), target, np.array([a0, a0]), 1.0, 0, tol=delta**2 / 2, params=params)


def test_a_planted_gf_violation_is_confirmed_and_the_taylor_rung_matches_the_closed_form() -> None:
    inst = _scalar()
    verdict = check(SKETCH, inst)
    assert verdict.violated
    conf = confirm(SKETCH, verdict)
    assert conf.status == "confirmed", conf.reason
    assert [r.precision for r in conf.rungs] == ["float64", "float64 (DOP853, rtol 1e-13)", "mpmath:113 (Taylor ODE)"]
    sigma, a0, delta = 1.0, 0.1, 0.1
    bound = math.log(sigma * (sigma / a0**2 - 1) / delta) / (2 * sigma)
    exact_margin = (inst.params["t_exact"] - bound) / bound + 1e-6
    assert conf.rungs[-1].margin == pytest.approx(exact_margin, rel=1e-12)
    assert abs(conf.rungs[0].margin - exact_margin) > abs(conf.rungs[-1].margin - exact_margin)


def test_the_taylor_rung_resolves_a_gf_margin_far_below_the_float64_solvers_tolerance() -> None:
    # planted: the event time against t_exact (1 + 1e-12): the true margin is -1e-12 relative (plus t_exact's own
    # rounding), below what the float64 solver resolves; the Taylor rung gets it to ~1e-28, the solvers do not
    import mpmath

    from theorycheck.precision import Precision

    claim = attrs.evolve(
        EXACT,
        conclusion=lambda inst, run: attrs.evolve(EXACT.conclusion(inst, run), margin=float(_gap(inst, run) - 1e-12)),
    )
    inst = _scalar()
    mp = mpmath.MPContext()
    mp.prec = 200
    sigma, a0, delta = mp.mpf(1.0), mp.mpf(0.1), mp.sqrt(2 * mp.mpf(inst.tol))  # the event as the instance states it
    exact_t = mp.log((sigma / a0**2 - 1) * (sigma / delta - 1)) / (2 * sigma)
    want = (exact_t - inst.params["t_exact"]) / inst.params["t_exact"] - mp.mpf(1e-12)
    taylor = check(claim, inst, precision=Precision("mpmath", 113)).margin
    tight = check(claim, inst, precision=Precision("float64")).margin  # DOP853 at rtol 1e-13
    default = check(claim, inst).margin  # DOP853 at rtol 1e-10
    assert abs(taylor - want) < 1e-25
    assert abs(tight - want) > 1e3 * abs(taylor - want) + 1e-16
    assert abs(default - want) > 1e-13  # the search's own solver cannot even tell the sign
    assert taylor < 0


def _gap(inst: Instance, run: object) -> Any:
    t_star = run.final_time[0]  # type: ignore[attr-defined]
    return (t_star - inst.params["t_exact"]) / inst.params["t_exact"]


def test_the_taylor_solver_finds_the_event_time_to_high_precision() -> None:
    inst = _scalar(sigma=2.0, a0=0.3, delta=0.05)
    run = run_gf_taylor(
        inst.objective, inst.target.matrix, inst.init, t_max=10.0, bits=113, tol=inst.tol, record_times=[0.0, 1.0]
    )
    assert int(run.status[0]) == 1  # CONVERGED
    assert float(run.final_time[0]) == pytest.approx(inst.params["t_exact"], rel=1e-14)
    loss = run.observable("loss", 0)
    assert loss.dtype == object  # kept in the run's arithmetic
    assert loss[1] < loss[0]


def test_a_complex_flow_on_the_taylor_rung_matches_the_tight_float64_solver() -> None:
    from theorycheck.dynamics import run_gf

    obj = deep_mf((2, 2, 2), field="complex")
    rng = np.random.default_rng(0)
    w = 0.3 * (rng.standard_normal(obj.n_params) + 1j * rng.standard_normal(obj.n_params))
    tight = run_gf(obj, np.eye(2), w, t_max=0.5, rtol=1e-13, atol=1e-15, observables=("imbalances",))
    taylor = run_gf_taylor(obj, np.eye(2), w, t_max=0.5, bits=113, observables=("imbalances",))
    assert np.max(np.abs(taylor.final_params - tight.final_params)) < 1e-12
    drift = taylor.observable("imbalance1", 0)[-1] - taylor.observable("imbalance1", 0)[0]
    assert max(abs(complex(x)) for x in drift.ravel()) < 1e-25  # GF conserves D_1: exactly, up to 113-bit rounding


def test_the_in_search_rung_sets_aside_a_gf_solver_artifact_and_keeps_a_real_gf_violation() -> None:
    # the instance refinement found under the default profile: DOP853 at rtol 1e-10 puts the event 1.5e-7
    # (relative) early, beyond the claim's 1e-6 slack less the gap; at rtol 1e-13 it holds
    from theorycheck.confirm import confirm_cheaply
    from theorycheck.precision import Precision

    rung = Precision("flint", 113)  # what the profile names: a GF claim re-checks with its tight solve instead
    inst = _scalar(sigma=0.390625, a0=float.fromhex("0x1.9d899c73910c0p-9"), delta=float.fromhex("0x1.a36e2eb1c432cp-22"))
    verdict = check(EXACT, inst)
    assert verdict.violated  # the solver's error on this instance, as the search saw it
    assert not confirm_cheaply(EXACT, verdict, rung)
    planted = attrs.evolve(
        EXACT, conclusion=lambda i, r: attrs.evolve(EXACT.conclusion(i, r), margin=_gap(i, r) - 1e-3)
    )
    real = check(planted, _scalar())
    assert real.violated
    assert confirm_cheaply(planted, real, rung)


def test_the_taylor_solver_stops_at_its_work_budget_with_a_clear_reason() -> None:
    from theorycheck.errors import BudgetExceeded

    obj = deep_mf((3, 3, 3, 3))
    w = 0.3 * np.random.default_rng(0).standard_normal(obj.n_params)
    with pytest.raises(BudgetExceeded, match="too large for the Taylor rung: 27 parameters"):
        run_gf_taylor(obj, np.eye(3), w, t_max=2.0, bits=113, max_work=5_000)


def test_the_taylor_solver_refuses_record_times_outside_its_horizon_as_the_float64_solver_does() -> None:
    from theorycheck.dynamics import run_gf
    from theorycheck.errors import InvalidArgument

    obj = deep_mf((2, 2, 2))
    w = np.full(obj.n_params, 0.1)
    for solve in (run_gf, lambda *a, **k: run_gf_taylor(*a, bits=113, **k)):
        with pytest.raises(InvalidArgument, match=r"record_times=.*must be finite times in \[0, t_max=1.0\]"):
            solve(obj, np.eye(2), w, t_max=1.0, record_times=[0.5, 2.0])


def test_a_gf_violation_too_large_for_the_taylor_rung_is_undecided_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    from theorycheck.dynamics import flow_hp

    monkeypatch.setattr(flow_hp, "WORK_LIMIT", 100)  # the scalar flow needs ~380 gradient evaluations of 2 units
    inst = _scalar()
    verdict = check(SKETCH, inst)
    assert verdict.violated
    conf = confirm(SKETCH, verdict)
    assert conf.status == "undecided", conf.reason
    assert "mpmath:113 (Taylor ODE) rung was error: too large for the Taylor rung" in conf.reason


def test_the_taylor_event_time_is_kept_at_the_contexts_precision_not_rounded_to_float64() -> None:
    import mpmath

    inst = _scalar(sigma=2.0, a0=0.3, delta=0.05)
    run = run_gf_taylor(inst.objective, inst.target.matrix, inst.init, t_max=10.0, bits=113, tol=inst.tol)
    t_star = run.final_time[0]
    mp = mpmath.MPContext()
    mp.prec = 200
    sigma, a0 = mp.mpf(2.0), mp.mpf(0.3)
    delta = mp.sqrt(2 * mp.mpf(inst.tol))  # the event F = (sigma - a^2)^2 / 2 = tol, with tol as stored
    exact = mp.log((sigma / a0**2 - 1) * (sigma / delta - 1)) / (2 * sigma)
    assert abs(mp.mpf(t_star) - exact) < 1e-28 * exact  # to ~113 bits
    assert abs(mp.mpf(float(t_star)) - exact) > 1e-28 * exact  # which its float64 rounding is not


def test_the_gf_time_margin_is_taken_from_the_high_precision_event_time() -> None:
    from theorycheck.precision import Precision

    inst = _scalar()
    high = check(EXACT, inst, precision=Precision("mpmath", 113))
    t_star = run_gf_taylor(
        inst.objective, inst.target.matrix, inst.init, t_max=2.0 * inst.params["t_exact"] + 1.0, bits=113,
        tol=inst.tol, record_times=np.linspace(0.0, 2.0 * inst.params["t_exact"] + 1.0, 3),
    ).final_time[0]
    b = inst.params["t_exact"]
    assert high.margin == float((t_star - b) / b + 1e-6)
