"""Gradient flow dW/dt = -grad F(W) through ``scipy.integrate.solve_ivp``, one trajectory at a time.

Tolerances are explicit (defaults rtol=1e-10, atol=1e-12 with DOP853, an 8th-order explicit Runge-Kutta
method that accepts complex states). Terminal events stop a trajectory once F <= tol (CONVERGED) or
F > cap (DIVERGED); a solver failure (step size underflow on a blow-up) is also DIVERGED.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from theorycheck._validation import check_choice, check_real
from theorycheck.dynamics import observables as obs
from theorycheck.dynamics._inputs import prepare_flow
from theorycheck.dynamics.gd import default_cap
from theorycheck.dynamics.result import Ending, RunResult, RunStatus, run_result
from theorycheck.errors import InvalidArgument
from theorycheck.models import Objective, gradient, loss, loss_and_grad_norm
from theorycheck.precision import FLOAT64

GF_METHODS = ("DOP853", "RK45", "Radau", "BDF", "LSODA")


def run_gf(
    objective: Objective,
    target: Any,
    init: Any,
    *,
    t_max: float,
    data: Any = None,
    record_times: Any = None,
    observables: tuple[str, ...] = ("loss", "grad_norm"),
    tol: float = 0.0,
    loss_cap: float | None = None,
    rtol: float = 1e-10,
    atol: float = 1e-12,
    method: str = "DOP853",
    seed: int | None = None,
) -> RunResult:
    """Integrate gradient flow for each trajectory of a batch up to time ``t_max``.

    Args:
        objective: the model, as for :func:`~theorycheck.dynamics.run_gd`.
        target: Y, ``(d_N, m)`` or ``(B, d_N, m)``.
        init: flat ``(B, n_params)`` or a list of layers.
        t_max: final time (> 0).
        data: X when the model uses data.
        record_times: times in ``[0, t_max]`` to record at; default ``[0, t_max]``.
        observables: groups from :data:`~theorycheck.dynamics.observables.OBSERVABLES`.
        tol: CONVERGED once F <= tol.
        loss_cap: DIVERGED above it (default 1e8 max(1, F(0))).
        rtol: solve_ivp relative tolerance.
        atol: solve_ivp absolute tolerance.
        method: a solve_ivp method; implicit ones need real models.
        seed: carried into the result for reports.

    Returns:
        A :class:`RunResult` with ``method="gf"``, ``record_at`` the times, ``final_time`` per trajectory and
        ``steps`` the solver's accepted steps. A trajectory stopped by an event shows its stopping state at
        later record times.
    """
    started = time.perf_counter()
    y, w0, x, t_max, tol, times, names = prepare_flow(
        objective, target, init, data, t_max=t_max, tol=tol, record_times=record_times, observables=observables
    )
    rtol = check_real("rtol", rtol, positive=True)
    atol = check_real("atol", atol, positive=True)
    check_choice("method", method, GF_METHODS)
    if objective.is_complex and method not in ("DOP853", "RK45"):
        raise InvalidArgument("method", method, "does not integrate complex states", "use 'DOP853' or 'RK45'")
    n = y.shape[0]
    cap = (
        default_cap(objective, y, w0, x)
        if loss_cap is None
        else np.full(n, check_real("loss_cap", loss_cap, positive=True))
    )
    states = np.empty((len(times), n, objective.n_params), dtype=w0.dtype)
    final = w0.copy()
    status = np.zeros(n, dtype=np.int8)
    nsteps = np.zeros(n, dtype=np.int64)
    t_final = np.zeros(n)
    for b in range(n):
        yb, xb = y[b], None if x is None else x[b]

        def rhs(_t: float, w: np.ndarray, yb: np.ndarray = yb, xb: np.ndarray | None = xb) -> np.ndarray:
            return -gradient(objective, yb, w, xb)

        def converged(_t: float, w: np.ndarray, yb: np.ndarray = yb, xb: np.ndarray | None = xb) -> float:
            return float(loss(objective, yb, w, xb)) - tol

        def blown(
            _t: float, w: np.ndarray, yb: np.ndarray = yb, xb: np.ndarray | None = xb, c: float = cap[b]
        ) -> float:
            value = float(loss(objective, yb, w, xb))
            return c - value if np.isfinite(value) else -1.0

        converged.terminal = True  # type: ignore[attr-defined]
        blown.terminal = True  # type: ignore[attr-defined]
        with np.errstate(over="ignore", invalid="ignore"):
            sol = _solve_ivp()(
                rhs,
                (0.0, t_max),
                w0[b],
                method=method,
                t_eval=times,
                events=[converged, blown],
                rtol=rtol,
                atol=atol,
                dense_output=False,
            )
        got = sol.y.T  # (len(t_eval reached), P)
        k = got.shape[0]
        end_state = (
            sol.y_events[0][0]
            if sol.status == 1 and len(sol.t_events[0])
            else (sol.y_events[1][0] if sol.status == 1 and len(sol.t_events[1]) else (got[-1] if k else w0[b]))
        )
        states[:k, b] = got
        states[k:, b] = end_state
        final[b] = end_state
        t_final[b] = (
            sol.t[-1] if sol.status != 1 else (sol.t_events[0][0] if len(sol.t_events[0]) else sol.t_events[1][0])
        )
        nsteps[b] = max(len(sol.t) - 1, 0) if sol.t_events is None else sol.nfev
        if sol.status == 1 and len(sol.t_events[0]):
            status[b] = RunStatus.CONVERGED
        elif sol.status in (1, -1) or not np.all(np.isfinite(end_state)):
            status[b] = RunStatus.DIVERGED
        else:
            status[b] = RunStatus.MAX_STEPS
    fl, gn = loss_and_grad_norm(objective, y, final, x)
    records = []
    for i in range(len(times)):
        lv, gv = loss_and_grad_norm(objective, y, states[i], x)
        records.append(obs.compute(objective, states[i], names, lv, gv))
    ending = Ending(final, status, nsteps, fl, gn, obs.stack(records), final_time=t_final)
    return run_result(
        objective, (y, w0, x), ending, method="gf", precision=FLOAT64, record_at=times, started=started, seed=seed
    )


def _solve_ivp() -> Any:
    """``scipy.integrate.solve_ivp``, imported on first use (it is ~0.3 s of ``import theorycheck`` otherwise)."""
    from scipy.integrate import solve_ivp

    return solve_ivp
