"""Gradient flow in high precision: mpmath's Taylor-series ODE solver on the same gradient formula as GD.

``dW/dt = -grad F(W)`` is integrated by ``ctx.odefun`` (a Taylor-series method whose local error is set by the
context's precision) in a private ``MPContext`` at ``bits``; the gradient is
:func:`~theorycheck.models.loss_and_grads` on mpmath matrices of that context, so the flow, the GD runs and the
float64 solver share one formula. The start converts exactly (floats are dyadic).

The loss is non-increasing along the flow, so the terminal event "F <= tol" (CONVERGED) is found by scanning a
time grid for its first crossing and solving ``F(W(t)) = tol`` on that interval with a bracketing root finder
(anderson), to the context's precision. "F > cap" cannot happen along an exact flow and is not searched for.

Cost grows quickly with the number of parameters and the horizon (pure Python): seconds for the scalar GF claims
of the catalogue (1 s for P2.6 at 113 bits), 5 s for a 2-layer 2x2 flow and 106 s for a 3-layer 4x4 flow to t = 2
(measured on the loaded 2-core development machine). It runs once per confirmed
violation, on the precision ladder (:mod:`theorycheck.confirm`), never inside a search.

**Budget.** The work is capped, deterministically (the same instance always gets the same answer, whatever the
machine's load): each gradient evaluation costs ``n_params * max(widths)`` units and a trajectory may spend
``max_work`` (:data:`WORK_LIMIT`, about 20 s here: 432 evaluations of a 2-layer 3x3 flow to t = 0.5 are 23,328
units and took 9 s). Beyond it :class:`~theorycheck.errors.BudgetExceeded` is raised, and the ladder reports the
violation undecided, "too large for the Taylor rung", with the numbers.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from theorycheck._validation import check_real
from theorycheck.dynamics import observables as obs
from theorycheck.dynamics._inputs import prepare_flow
from theorycheck.dynamics.result import Ending, RunResult, RunStatus, run_result
from theorycheck.models import Objective, grad_sqnorm, loss_and_grads
from theorycheck.precision import Precision, mpmath_backend

#: Grid points scanned for the first crossing of F <= tol (plus the record times).
SCAN_POINTS = 64

#: Work units (gradient evaluations times ``n_params * max(widths)``) one trajectory may spend (module docstring).
WORK_LIMIT = 60_000


def run_gf_taylor(
    objective: Objective,
    target: Any,
    init: Any,
    *,
    t_max: float,
    bits: int,
    data: Any = None,
    record_times: Any = None,
    observables: tuple[str, ...] = ("loss", "grad_norm"),
    tol: float = 0.0,
    max_work: int | None = None,
) -> RunResult:
    """Integrate gradient flow for each trajectory with mpmath's Taylor solver at ``bits`` bits.

    Args:
        objective: the model (real or complex: mpmath's Taylor solver integrates complex states).
        target: Y, as for :func:`~theorycheck.dynamics.run_gf`.
        init: the starting weights, flat or as layers.
        t_max: final time (> 0).
        bits: working precision (>= 53).
        data: X when the model uses data.
        record_times: times in ``[0, t_max]`` to record at; default ``[0, t_max]``.
        observables: groups from :data:`~theorycheck.dynamics.observables.OBSERVABLES`.
        tol: CONVERGED once F <= tol (the event time is solved for to the context's precision).
        max_work: the work budget per trajectory (module docstring); None for :data:`WORK_LIMIT`.

    Returns:
        A :class:`RunResult` with ``method="gf"``, ``precision=Precision("mpmath", bits)``, ``final_time`` the time
        of the F <= tol event (or ``t_max``) to the context's precision (an object array of mpmath numbers, never
        rounded to float64), and observables as object arrays of mpmath numbers
        (:func:`~theorycheck.dynamics.observables.compute_exact`).

    Raises:
        InvalidArgument: bad times or tolerances.
        BudgetExceeded: a trajectory needs more than ``max_work`` units: too large for the Taylor rung.
    """
    import mpmath

    started = time.perf_counter()
    y, w0, x, t_max, tol, times, names = prepare_flow(
        objective, target, init, data, t_max=t_max, tol=tol, record_times=record_times, observables=observables
    )
    check_real("max_work", WORK_LIMIT if max_work is None else max_work, positive=True)
    ctx = mpmath.MPContext()
    ctx.prec = bits
    xp = mpmath_backend(bits, ctx)
    n = y.shape[0]
    final = w0.copy()
    status = np.zeros(n, dtype=np.int8)
    t_final = np.empty(n, dtype=object)  # the event times as mpmath numbers, to the context's precision
    fvals = np.zeros(n)
    gnorms = np.zeros(n)
    per_b: list[list[dict[str, np.ndarray]]] = []
    for b in range(n):
        yb = xp.from_numpy(y[b])
        xb = None if x is None else xp.from_numpy(x[b])

        def layers_of(vec: list[Any], *, _xp: Any = xp) -> list[Any]:
            out = []
            for j in range(objective.depth):
                lo = objective.offsets[j]
                rows, cols = objective.widths[j + 1], objective.widths[j]
                out.append(_xp.ctx.matrix([[vec[lo + r * cols + c] for c in range(cols)] for r in range(rows)]))
            return out

        budget = _Budget(objective, t_max, WORK_LIMIT if max_work is None else max_work)

        def rhs(_t: Any, vec: list[Any], *, _yb: Any = yb, _xb: Any = xb, _budget: _Budget = budget) -> list[Any]:
            _budget.charge()
            _, grads = loss_and_grads(xp, objective, layers_of(vec), _yb, _xb)
            return [-g[i, j] for g in grads for i in range(g.rows) for j in range(g.cols)]

        def loss_at(vec: list[Any], *, _yb: Any = yb, _xb: Any = xb) -> Any:
            return loss_and_grads(xp, objective, layers_of(vec), _yb, _xb)[0]

        start = [ctx.mpc(v.real, v.imag) if objective.is_complex else ctx.mpf(float(v)) for v in w0[b]]
        sol = ctx.odefun(rhs, 0, start)
        t_end, code = _event(ctx, sol, loss_at, times, t_max, tol)
        end_state = sol(t_end) if t_end > 0 else start
        records = []
        for t in times:
            state = end_state if ctx.mpf(float(t)) >= t_end else (sol(ctx.mpf(float(t))) if t > 0 else start)
            layers = layers_of(state)
            f, grads = loss_and_grads(xp, objective, layers, yb, xb)
            records.append(obs.compute_exact(objective, layers, ctx, names, f, ctx.sqrt(grad_sqnorm(xp, grads))))
        per_b.append(records)
        final[b] = np.array([complex(v) if objective.is_complex else float(v) for v in end_state])
        f_end, grads_end = loss_and_grads(xp, objective, layers_of(end_state), yb, xb)
        fvals[b], gnorms[b] = float(f_end), float(ctx.sqrt(grad_sqnorm(xp, grads_end)))
        status[b] = code
        t_final[b] = t_end
    series = obs.stack(
        [{k: obs.stack_objects([per_b[b][i][k] for b in range(n)]) for k in per_b[0][i]} for i in range(len(times))]
    )
    ending = Ending(final, status, np.zeros(n, dtype=np.int64), fvals, gnorms, series, final_time=t_final)
    precision = Precision("mpmath", bits)
    return run_result(objective, (y, w0, x), ending, method="gf", precision=precision, record_at=times, started=started)

class _Budget:
    """Counts one trajectory's work units; :class:`BudgetExceeded` past ``max_work`` (module docstring)."""

    def __init__(self, objective: Objective, t_max: float, max_work: int) -> None:
        self.objective, self.t_max, self.max_work = objective, t_max, max_work
        self.unit = objective.n_params * max(objective.widths)
        self.spent = 0

    def charge(self) -> None:
        """Charge one gradient evaluation."""
        from theorycheck.errors import BudgetExceeded

        self.spent += self.unit
        if self.spent > self.max_work:
            raise BudgetExceeded(
                f"too large for the Taylor rung: {self.objective.n_params} parameters (widths "
                f"{self.objective.widths}) to t = {self.t_max:g} need more than {self.max_work:,} work units "
                f"({self.max_work // self.unit:,} gradient evaluations); the float64 rungs are all that can run here"
            )


def _event(ctx: Any, sol: Any, loss_at: Any, times: np.ndarray, t_max: float, tol: float) -> tuple[Any, RunStatus]:
    """The first time F(W(t)) <= tol (the loss is non-increasing along the flow), or ``t_max``."""
    grid = sorted({float(t) for t in times} | {float(t) for t in np.linspace(0.0, t_max, SCAN_POINTS + 1)})
    prev = ctx.mpf(0)
    level = ctx.mpf(tol)
    for t in grid:
        tt = ctx.mpf(t)
        f = loss_at(sol(tt)) if t > 0 else loss_at(sol(ctx.mpf(0)))
        if f <= level:
            if t == 0:
                return ctx.mpf(0), RunStatus.CONVERGED
            root = ctx.findroot(lambda s: loss_at(sol(s)) - level, (prev, tt), solver="anderson")
            return ctx.mpf(root), RunStatus.CONVERGED
        prev = tt
    return ctx.mpf(t_max), RunStatus.MAX_STEPS

