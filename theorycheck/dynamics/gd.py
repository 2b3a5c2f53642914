"""Gradient descent on a batch of trajectories, in float64 (compiled kernel) or high precision.

``W_j(t+1) = W_j(t) - eta_b * m(t) * G_j(t)`` for each trajectory b, with per-trajectory stopping
(see :mod:`theorycheck.dynamics._kernel` for the exact order of checks). A diverging trajectory is an
outcome (status DIVERGED), never an exception, and does not stop the others.
"""

from __future__ import annotations

import functools
import math
import sys
import threading
import time
from typing import Any, NamedTuple

import numpy as np

from theorycheck._validation import check_choice, check_int, check_real
from theorycheck.dynamics import observables as obs
from theorycheck.dynamics._inputs import per_trajectory, prepare
from theorycheck.dynamics.result import Ending, RunResult, RunStatus, run_result
from theorycheck.dynamics.schedule import Schedule
from theorycheck.errors import InvalidType
from theorycheck.models import Objective, grad_sqnorm, loss, loss_and_grads
from theorycheck.precision import FLOAT64, Descent, Precision, get_backend, mp_context

#: The largest step budget: step counters are 64-bit integers in the compiled loops.
MAX_STEPS = 1 << 62

#: Default divergence cap: loss above this factor times max(1, F(W_0)) counts as diverged.
DEFAULT_CAP_FACTOR = 1e8


def run_gd(
    objective: Objective,
    target: Any,
    init: Any,
    *,
    step: Any,
    max_steps: int,
    data: Any = None,
    tol: float = 0.0,
    gtol: float = 0.0,
    loss_cap: float | None = None,
    schedule: Schedule | None = None,
    record: obs.Recording | None = None,
    precision: Precision | str = FLOAT64,
    seed: int | None = None,
    kernel: str = "auto",
) -> RunResult:
    """Run GD on B trajectories at once.

    Args:
        objective: the model (:func:`~theorycheck.models.deep_mf` and friends).
        target: Y, ``(d_N, m)`` shared or ``(B, d_N, m)`` per trajectory.
        init: ``W_1..W_N`` as a list of ``(B, d_j, d_{j-1})`` (or unbatched) arrays, or flat ``(B, n_params)``.
        step: eta, a float or ``(B,)`` floats, each > 0.
        max_steps: step budget (>= 0).
        data: X ``(d_0, m)`` or ``(B, d_0, m)`` when the model uses data.
        tol: stop CONVERGED once F <= tol (0 never triggers unless F is exactly 0).
        gtol: stop STATIONARY once ||grad F|| <= gtol.
        loss_cap: stop DIVERGED once F exceeds it; default ``1e8 * max(1, F(W_0))`` per trajectory.
        schedule: multipliers on eta per step; constant by default.
        record: what to record and when; by default nothing but the final values.
        precision: ``FLOAT64`` (compiled kernel) or e.g. ``Precision("flint", 113)`` / ``"mpmath:113"``.
        seed: carried into the result for reports (the run itself draws no random numbers).
        kernel: float64 only: ``"auto"`` (default: :func:`choose_kernel`, from the shapes), ``"loops"`` (hand-written
            loops, bit-exact across batch sizes and machines with the same numba build) or ``"blas"`` (products
            by BLAS; faster from d ~ 8; equal to the loops to rounding, bit-exact across batch sizes and replays on
            one machine).

    Returns:
        A :class:`RunResult`; ``status`` per trajectory.

    Raises:
        InvalidArgument, InvalidType: bad inputs (NaN/inf, shapes, eta <= 0, unknown backend, bits < 53, ...).
    """
    started = time.perf_counter()
    prec = Precision.parse(precision) if isinstance(precision, str) else precision
    if not isinstance(prec, Precision):
        raise InvalidType(
            "precision", precision, "is not a Precision", "pass FLOAT64, Precision('flint', 113) or 'mpmath:113'"
        )
    y, w0, x = prepare(objective, target, init, data)
    n = y.shape[0]
    eta = per_trajectory("step", step, n, positive=True)
    max_steps = check_int("max_steps", max_steps, min_value=0, max_value=MAX_STEPS)
    tol = check_real("tol", tol, nonnegative=True)
    gtol = check_real("gtol", gtol, nonnegative=True)
    if schedule is not None and not isinstance(schedule, Schedule):
        raise InvalidType("schedule", schedule, "is not a Schedule", "pass Schedule.power(t0, p) or None")
    mult = (schedule or Schedule()).multipliers(max_steps)
    recording = record if record is not None else obs.Recording(observables=())
    if not isinstance(recording, obs.Recording):
        raise InvalidType("record", record, "is not a Recording", "pass Recording(every=..., observables=(...))")
    if loss_cap is None:
        cap = default_cap(objective, y, w0, x)
    else:
        cap = np.full(n, check_real("loss_cap", loss_cap, positive=True))
    record_at = recording.steps(max_steps)
    check_choice("kernel", kernel, KERNELS)
    if kernel == "auto":
        kernel = choose_kernel(objective, y.shape[2])
    plan = _Plan(objective, y, w0, x, eta, mult, max_steps, tol, gtol, cap, record_at, recording.observables, kernel)
    ending = _run_float64(plan) if prec.is_float64 else _run_high_precision(prec, plan)
    return run_result(
        objective,
        (y, w0, x),
        ending,
        method="gd",
        precision=prec,
        record_at=record_at,
        started=started,
        step_size=eta,
        schedule=mult,
        seed=seed,
    )


class _Plan(NamedTuple):
    """Validated inputs of one run, shared by the float64 and high-precision runners."""

    objective: Objective
    y: np.ndarray
    w0: np.ndarray
    x: np.ndarray | None
    eta: np.ndarray
    mult: np.ndarray
    max_steps: int
    tol: float
    gtol: float
    cap: np.ndarray
    record_at: np.ndarray
    names: tuple[str, ...]
    kernel: str = "loops"


def default_cap(objective: Objective, y: np.ndarray, w0: np.ndarray, x: np.ndarray | None) -> np.ndarray:
    """The divergence cap when none is given: ``1e8 * max(1, F(W_0))`` per trajectory."""
    return np.asarray(DEFAULT_CAP_FACTOR * np.maximum(1.0, loss(objective, y, w0, x)))


#: Kernels of the float64 path: hand-written loops, or BLAS products (same step, see ``_kernel_blas``).
KERNELS = ("auto", "loops", "blas")

#: The BLAS kernel from this product size on: the cube root of the largest product's multiply-adds in a step
#: (d for d x d layers). Measured crossover on a 2-core AVX-512 machine, depth 4, B = 1024 (benchmarks/
#: bench_gd.py --crossover): loops 2.6M vs BLAS 0.9M trajectory-steps/s at d = 4, about equal at d = 8,
#: loops 0.23M vs BLAS 0.47M at d = 12.
BLAS_FROM = 8.0


def choose_kernel(objective: Objective, data_columns: int) -> str:
    """``"loops"`` or ``"blas"`` for this model, from its shapes only (never from the batch size).

    Because the choice ignores B, a batched run and its single runs take the same kernel, so they stay
    equal bit for bit; because it depends only on the shapes, a replay on the same machine takes it again.
    """
    w = objective.widths
    largest = max(w[j + 1] * w[j] * data_columns for j in range(len(w) - 1))
    return "blas" if largest >= BLAS_FROM**3 else "loops"


def _run_float64(plan: _Plan) -> Ending:
    """The numba kernel (loops or BLAS), with no more threads than trajectories.

    The kernel is parallel over the batch only; a single trajectory dispatched to a thread pool waits on idle
    threads at every call (measured on a loaded 2-core machine: 40-380 ms against 8 ms for 200 recorded steps
    at d=3). Every trajectory runs the same scalar code whatever the thread count: results are bit-identical.
    """
    from theorycheck.dynamics._threads import kernel_threads

    with kernel_threads(int(plan.y.shape[0]), blas=plan.kernel == "blas"):
        return _run_kernel(plan)


def _run_kernel(plan: _Plan) -> Ending:
    objective, y, w0, x, eta, mult, max_steps, tol, gtol, cap, record_at, names, kernel = plan
    if kernel == "blas":
        from theorycheck.dynamics._kernel_blas import gd_advance_blas as gd_advance
    else:
        from theorycheck.dynamics._kernel import gd_advance

    n = y.shape[0]
    # Canonical argument types (writable, C-contiguous, float64/int64 scalars): numba compiles one
    # specialisation per argument typing, ~8 s each, so only the dtype (real/complex) may vary.
    params = np.array(w0, order="C", copy=True)
    y = np.array(y, order="C", copy=True)
    eta = np.array(eta, dtype=np.float64, order="C", copy=True)
    mult = np.array(mult, dtype=np.float64, order="C", copy=True)
    cap = np.array(cap, dtype=np.float64, order="C", copy=True)
    status = np.zeros(n, dtype=np.int8)
    steps = np.zeros(n, dtype=np.int64)
    fvals = np.zeros(n)
    gsq = np.zeros(n)
    widths = np.array(objective.widths, dtype=np.int64)
    offsets = np.array(objective.offsets, dtype=np.int64)
    lam = np.array(objective.decay or (0.0,) * objective.depth, dtype=np.float64)
    xk = np.array(x, order="C", copy=True) if x is not None else np.zeros((1, 1, 1), dtype=y.dtype)
    # Pause only where something is recorded; without recording this is one call to the final step.
    pauses = record_at if names else np.array([max_steps])
    records: list[dict[str, np.ndarray]] = []
    for t_end in pauses:
        gd_advance(
            params,
            y,
            xk,
            x is not None,
            widths,
            offsets,
            eta,
            mult,
            int(t_end),
            int(max_steps),
            float(objective.fit_coef),
            float(objective.balancing),
            lam,
            float(objective.decay_coef),
            float(tol),
            float(gtol * gtol),
            cap,
            status,
            steps,
            fvals,
            gsq,
        )
        if names:
            records.append(obs.compute(objective, params, names, fvals, np.sqrt(gsq)))
    status[status == RunStatus.RUNNING] = RunStatus.MAX_STEPS  # reached only if max_steps was a pause
    return Ending(params, status, steps, fvals, np.sqrt(gsq), obs.stack(records))


def _run_high_precision(prec: Precision, plan: _Plan) -> Ending:
    """One trajectory at a time in backend arithmetic (same stop rules and record points as the kernel)."""
    objective, y, w0, x, eta, mult, _, _, _, cap, record_at, names, _ = plan
    xp = get_backend(prec).for_run(max((*objective.widths, y.shape[2])), objective.is_complex)
    n = y.shape[0]
    final = w0.copy()
    status = np.zeros(n, dtype=np.int8)
    steps = np.zeros(n, dtype=np.int64)
    fvals = np.zeros(n)
    gnorms = np.zeros(n)
    # (F, ||G||^2, layers) as backend values: the observables are computed from them in the run's arithmetic
    per_record: list[list[tuple[Any, Any, list[Any]]]] = [[] for _ in record_at] if names else []
    hp: list[tuple[Any, ...]] = []
    record_set = {int(t): i for i, t in enumerate(record_at)} if names else {}
    descent: Descent | None = None
    with xp.activate():
        for b in range(n):
            layers = [xp.from_numpy(w) for w in objective.split(w0[b])]
            yb = xp.from_numpy(y[b])
            xb = None if x is None else xp.from_numpy(x[b])
            if b == 0:
                descent = _COMPILED.get(prec, xp, plan, layers, yb, xb, n * plan.max_steps)
            # step sizes as backend scalars once per trajectory (numpy scalars cost ~1 us a call, a new arb ~0.2 us)
            steps_h = _backend_steps(xp, eta[b] * mult)
            cap_b = float(cap[b])
            if descent is None:
                layers, code, t, f_val, g_sq = _trajectory(
                    xp, plan, layers, yb, xb, steps_h, cap_b, record_set, per_record
                )
                _COMPILED.python_steps += t
            else:
                table = descent.step_table(steps_h)
                layers, code, t, f_val, g_sq = _trajectory_compiled(
                    descent, table, plan, layers, yb, xb, cap_b, record_set, per_record, _COMPILED.STEPS_PER_CALL
                )
            final[b] = objective.join([xp.to_numpy(w) for w in layers])
            g_val = math.sqrt(g_sq) if math.isfinite(g_sq) else math.inf
            status[b], steps[b], fvals[b], gnorms[b] = code, t, f_val, g_val
            hp.append(tuple(layers))
    series = _exact_series(prec, xp, objective, names, per_record)
    return Ending(final, status, steps, fvals, gnorms, series, final_params_hp=tuple(hp))


def _trajectory(
    xp: Any,
    plan: _Plan,
    layers: list[Any],
    yb: Any,
    xb: Any,
    steps_h: list[Any],
    cap_b: float,
    record_set: dict[int, int],
    per_record: list[list[tuple[Any, Any, list[Any]]]],
) -> tuple[list[Any], RunStatus, int, float, float]:
    """Run one trajectory from ``layers``; returns (final layers, status, steps, F, ||G||^2) and fills the records."""
    objective, max_steps, tol, gtol = plan.objective, plan.max_steps, plan.tol, plan.gtol
    last_h = len(steps_h) - 1
    # the usual step is decided without _stop_code: before the next event (a record, the last step), with F finite
    # (NaN fails the comparisons), under the cap and above tol, and only when no rule reads ||G|| (gtol = 0)
    upcoming = iter(sorted({*record_set, max_steps}))
    event = next(upcoming)
    t = 0
    while True:
        f, grads = loss_and_grads(xp, objective, layers, yb, xb)
        f_val = xp.to_float(f)
        if gtol == 0 and t < event and tol < f_val <= cap_b and f_val != math.inf:
            layers = xp.descend(layers, grads, steps_h[min(t, last_h)])
            t += 1
            continue
        if t == event:
            event = next(upcoming, max_steps + 1)
        # ||G||^2 costs as much as the loss again: only when a rule or a record needs it
        need_g = gtol > 0 or t in record_set or t >= max_steps
        g_exact = grad_sqnorm(xp, grads) if need_g else None
        g_sq = xp.to_float(g_exact) if need_g else 1.0
        stop = _stop_code(f_val, g_sq, tol, gtol, cap_b, t, max_steps)
        if stop is not None and not need_g:
            g_exact = grad_sqnorm(xp, grads)
            g_sq = xp.to_float(g_exact)
        if t in record_set:
            per_record[record_set[t]].append((f, g_exact, layers))
        if stop is not None:
            code = stop
            break
        # the table's last entry repeats (Schedule.at); mpmath and arb exponents do not overflow, so a blow-up
        # shows as F > cap at the next step
        layers = xp.descend(layers, grads, steps_h[min(t, last_h)])
        t += 1
    _hold_after(t, (f, g_exact, layers), record_set, per_record)
    return layers, code, t, f_val, g_sq


class _CompiledDescents:
    """When high-precision runs use their backend's compiled descent (:meth:`Backend.compiled_descent`), and which.

    Its first use in a process costs ~0.4 s when numba is not imported yet (importing it is most of that), about
    15,000 Python steps at d = 4, and ~15 ms when it is (a float64 run imports it): a run uses it once the run,
    together with the steps stepped in Python before it in this process, reaches :attr:`FROM_STEPS` (or
    :attr:`FROM_STEPS_NUMBA_IMPORTED`); afterwards every run does. A built descent is kept for later runs of
    the same model, shapes and arithmetic in the same thread (at most :attr:`KEPT` of them, holding at most
    :attr:`KEPT_BYTES` of working memory; the oldest go first); building one (a trace, and
    two steps checked against Python: ~0.3 ms at d = 4, ~5 ms at d = 16) is left to runs of at least
    :attr:`BUILD_FROM_STEPS` steps.
    A choice of speed only: both loops give the same bits. A call of the compiled loop holds the GIL and runs no
    signal handler: it comes back to Python at least every :attr:`STEPS_PER_CALL` steps (~3 ms at d = 3, ~20 ms
    at d = 8), so Ctrl-C stops a long run and other threads (a worker's parent watch) are not held off.
    """

    FROM_STEPS = 20_000
    FROM_STEPS_NUMBA_IMPORTED = 1_000
    BUILD_FROM_STEPS = 32
    STEPS_PER_CALL = 1024
    KEPT = 16
    KEPT_BYTES = 256 << 20

    def __init__(self) -> None:
        self.python_steps = 0
        self.loaded = False
        self._kept: dict[tuple[Any, ...], Descent | None] = {}
        self._lock = threading.Lock()

    def get(
        self, prec: Precision, xp: Any, plan: _Plan, layers: list[Any], yb: Any, xb: Any, planned_steps: int
    ) -> Descent | None:
        """The descent for this run (kept or built), or None when the run steps in Python."""
        threshold = self.FROM_STEPS_NUMBA_IMPORTED if _numba_imported() else self.FROM_STEPS
        if not (self.loaded or self.python_steps + planned_steps >= threshold):
            return None
        # a descent's structs are reused by its runs: one per thread; the model and the target's and data's shapes
        # fix every matrix shape, hence also what for_run chose for xp
        x_shape = None if plan.x is None else plan.x.shape[1:]
        key = (threading.get_ident(), prec, plan.objective, plan.y.shape[1:], x_shape)
        with self._lock:
            if key in self._kept:
                return self._kept[key]
        if plan.max_steps < self.BUILD_FROM_STEPS:
            return None
        descent: Descent | None = xp.compiled_descent(
            functools.partial(_formula, plan.objective), grad_sqnorm, layers, yb, xb
        )
        with self._lock:
            self.loaded = self.loaded or descent is not None
            self._kept[key] = descent
            while len(self._kept) > self.KEPT or sum(d.nbytes for d in self._kept.values() if d) > self.KEPT_BYTES:
                self._kept.pop(next(iter(self._kept)))  # the oldest (dicts keep insertion order)
        return descent


def _numba_imported() -> bool:
    return "numba" in sys.modules


def _formula(objective: Objective, xp: Any, layers: list[Any], target: Any, data: Any) -> tuple[Any, list[Any]]:
    return loss_and_grads(xp, objective, layers, target, data)


_COMPILED = _CompiledDescents()  # per process: what has been loaded, and how much ran without it


def _trajectory_compiled(
    descent: Descent,
    table: Any,
    plan: _Plan,
    layers: list[Any],
    yb: Any,
    xb: Any,
    cap_b: float,
    record_set: dict[int, int],
    per_record: list[list[tuple[Any, Any, list[Any]]]],
    steps_per_call: int,
) -> tuple[list[Any], RunStatus, int, float, float]:
    """:func:`_trajectory` with the steps in the backend's compiled descent: the same stops, records and bits.

    The descent runs the usual steps and hands back each event (a record, the last step, a stop) with F and
    ``||G||^2``, and at the latest after ``steps_per_call`` steps; this loop decides the stop as
    :func:`_trajectory` does (a usual step there is no stop) and otherwise resumes the descent.
    """
    max_steps, tol, gtol = plan.max_steps, plan.tol, plan.gtol
    upcoming = iter(sorted({*record_set, max_steps}))
    event = next(upcoming)
    t = 0
    resume = False
    while True:
        until = min(event, t + steps_per_call)
        layers, f, g_exact, t = descent.advance(layers, yb, xb, table, t, until, tol, cap_b, gtol, resume=resume)
        f_val, g_sq = float(f), float(g_exact)
        if t == event:
            event = next(upcoming, max_steps + 1)
        # as _trajectory: away from records and the last step, a stop is decided without ||G|| when gtol = 0
        need_g = gtol > 0 or t in record_set or t >= max_steps
        stop = _stop_code(f_val, g_sq if need_g else 1.0, tol, gtol, cap_b, t, max_steps)
        if t in record_set:
            per_record[record_set[t]].append((f, g_exact, layers))
        if stop is not None:
            break
        resume = True
    _hold_after(t, (f, g_exact, layers), record_set, per_record)
    return layers, stop, t, f_val, g_sq


def _hold_after(
    t: int, state: tuple[Any, Any, list[Any]], record_set: dict[int, int], per_record: list[list[tuple[Any, Any, Any]]]
) -> None:
    """A trajectory that stopped at step ``t`` shows its frozen state at the later record points."""
    for later in (r for r in record_set if r > t):
        per_record[record_set[later]].append(state)


def _backend_steps(xp: Any, steps: np.ndarray) -> list[Any]:
    """The step-size table as backend scalars, one object per distinct value (made once, not once per step)."""
    made: dict[float, Any] = {}
    return [made[v] if v in made else made.setdefault(v, xp.scalar(v)) for v in steps.tolist()]


def _exact_series(
    prec: Precision, xp: Any, objective: Objective, names: tuple[str, ...], per_record: list[list[tuple[Any, Any, Any]]]
) -> dict[str, np.ndarray]:
    """Observables ``(records, B, ...)`` as object arrays of mpmath numbers at the run's bits (no float64 rounding)."""
    if not per_record:
        return {}  # nothing recorded (obs.stack of no records)
    ctx = mp_context(prec.bits)  # reused: a new MPContext costs more than a short run
    # the weights are converted only for observables that read them: loss and gradient norm (what most recorded
    # claims read at every step) come from F and ||G||^2 alone, and converting every entry at every record cost
    # 80% of a 3,000-step run recorded every step at d=5
    weights_read = obs.reads_weights(names)
    with xp.activate():
        if not weights_read:
            return _scalar_series(xp, ctx, names, per_record)
        records = []
        for rec in per_record:
            per_b = []
            for f, g_sq, layers in rec:
                mats = [obs.to_context(xp, w, ctx) for w in layers] if weights_read else []
                g = ctx.sqrt(obs.to_context(xp, g_sq, ctx))
                per_b.append(obs.compute_exact(objective, mats, ctx, names, obs.to_context(xp, f, ctx), g))
            records.append({k: obs.stack_objects([r[k] for r in per_b]) for k in per_b[0]} if per_b else {})
    return obs.stack(records)


def _scalar_series(
    xp: Any, ctx: Any, names: tuple[str, ...], per_record: list[list[tuple[Any, Any, Any]]]
) -> dict[str, np.ndarray]:
    """:func:`_exact_series` for observables read from F and ``||G||^2`` alone, filled in place (same values).

    Recorded every step, the per-record dictionaries and stacking of the general path cost as much as the steps.
    """
    out = {name: np.empty((len(per_record), len(per_record[0])), dtype=object) for name in names}
    loss, grad_norm = out.get("loss"), out.get("grad_norm")
    for i, rec in enumerate(per_record):
        for b, (f, g_sq, _) in enumerate(rec):
            if loss is not None:
                loss[i, b] = obs.to_context(xp, f, ctx)
            if grad_norm is not None:
                grad_norm[i, b] = ctx.sqrt(obs.to_context(xp, g_sq, ctx))
    return out


def _stop_code(f: float, g_sq: float, tol: float, gtol: float, cap: float, t: int, max_steps: int) -> RunStatus | None:
    """The kernel's stop rules, in the same order (see :mod:`._kernel`)."""
    if not math.isfinite(f) or f > cap or not math.isfinite(g_sq):
        return RunStatus.DIVERGED
    if f <= tol:
        return RunStatus.CONVERGED
    if g_sq <= gtol * gtol:
        return RunStatus.STATIONARY
    if t >= max_steps:
        return RunStatus.MAX_STEPS
    return None
