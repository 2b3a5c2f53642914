"""Ready-made conclusions. Each returns ``(instance, run) -> Outcome`` with its margin's unit documented."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from theorycheck.claims._needs import Needs, with_needs
from theorycheck.claims._records import Conclusion, Outcome
from theorycheck.dynamics import RunResult, RunStatus
from theorycheck.models import hessian

_TINY = 1e-300

Series = Callable[[Any, RunResult], np.ndarray]


def _need(run: RunResult | None) -> RunResult:
    if run is None:
        msg = "this conclusion needs a run: give the claim a Procedure"
        raise ValueError(msg)
    return run


def converges_within(eps: float, bound: Callable[[Any], float]) -> Conclusion:
    """``L(t) <= eps`` for some ``t <= T(instance)`` (the instance's horizon should be T; tol = eps).

    Margin: ``1 - s/T`` if it reached eps at step s (fraction of the budget left, in [0, 1]); otherwise
    ``-log10(L_T / eps)`` (decades short, negative).
    """

    def conclude(instance: Any, run: RunResult | None) -> Outcome:
        r = _need(run)
        budget = float(bound(instance))
        final = float(r.final_loss[0])
        steps = int(r.steps[0])
        if r.status[0] == RunStatus.CONVERGED or final <= eps:
            return Outcome(
                1.0 - steps / max(budget, 1.0),
                "steps to loss <= eps",
                steps,
                f"reached {final:.3g} <= {eps:g} at step {steps:,} of T={budget:,.0f}",
            )
        margin = -math.log10(max(final, _TINY) / eps) if math.isfinite(final) else -math.inf
        status = RunStatus(int(r.status[0])).name.lower()
        return Outcome(margin, "loss at T", steps, f"loss {final:.3g} > eps={eps:g} after {steps:,} steps ({status})")

    return with_needs(conclude, Needs((), every=None, method="gd"), "converges_within")


def every_step(quantity: str, slack: Series, detail: str = "") -> Conclusion:
    """An inequality at every recorded step: ``slack(instance, run)[t] >= 0``. Margin: the smallest slack."""

    def conclude(instance: Any, run: RunResult | None) -> Outcome:
        r = _need(run)
        values = np.asarray(slack(instance, r), dtype=float)
        if values.size == 0:
            return Outcome(math.inf, quantity, None, "no recorded steps")
        k = int(np.nanargmin(values)) if not np.all(np.isnan(values)) else 0
        worst = float(values[k]) if not np.isnan(values).any() else math.nan
        aligned = len(r.record_at) == len(values)
        step = int(r.record_at[k]) if aligned else k
        steps = np.asarray(r.record_at) if aligned else np.arange(values.size)
        return Outcome(
            worst, quantity, step, detail or f"smallest slack {worst:.3g} at record {k}", trace=(steps, values)
        )

    return conclude


def monotone(quantity: str, series: Series, *, increasing: bool = False, tol: float | Series = 0.0) -> Conclusion:
    """``series`` non-increasing (or non-decreasing) between consecutive records, up to ``tol`` per step.

    Margin: the smallest ``tol - (s_{t+1} - s_t)`` (non-increasing) over steps, in the series' units.
    """

    def conclude(instance: Any, run: RunResult | None) -> Outcome:
        r = _need(run)
        s = np.asarray(series(instance, r), dtype=float)
        if s.size < 2:
            return Outcome(math.inf, quantity, None, "fewer than two records")
        rise = np.diff(s) if not increasing else -np.diff(s)
        allowance = np.asarray(tol(instance, r), dtype=float)[: rise.size] if callable(tol) else tol
        slack = allowance - rise
        k = int(np.argmin(slack)) if not np.isnan(slack).any() else int(np.argmax(np.isnan(slack)))
        word = "rose" if not increasing else "fell"
        return Outcome(
            float(slack[k]),
            quantity,
            int(r.record_at[k + 1]),
            f"{quantity} {word} by {abs(float(rise[k])):.3g} from {s[k]:.6g} to {s[k + 1]:.6g}",
            trace=(np.asarray(r.record_at[1 : slack.size + 1]), slack),
        )

    return conclude


def loss_non_increasing(*, rtol: float = 1e-12) -> Conclusion:
    """``L(t+1) <= L(t) (1 + rtol)`` at every recorded step (needs "loss" recorded every step).

    Margin: the smallest ``(L_t (1 + rtol) - L_{t+1}) / L_0``: relative to the initial loss.
    """

    def conclude(_instance: Any, run: RunResult | None) -> Outcome:
        r = _need(run)
        loss = np.asarray(r.observable("loss", 0), dtype=float)
        base = max(float(loss[0]), _TINY)
        slack = (loss[:-1] * (1 + rtol) - loss[1:]) / base
        if slack.size == 0:
            return Outcome(math.inf, "loss", None, "one record")
        bad = np.isnan(slack)
        k = int(np.argmax(bad)) if bad.any() else int(np.argmin(slack))
        return Outcome(
            float(slack[k]),
            "loss increase / L0",
            int(r.record_at[k + 1]),
            f"loss {loss[k]:.6g} -> {loss[k + 1]:.6g}",
            trace=(np.asarray(r.record_at[1:]), slack),
        )

    return with_needs(conclude, Needs(("loss",), every=1, method=None), "loss_non_increasing")


def conserved(quantity: str, series: Series, bound: float | Callable[[Any, RunResult], float]) -> Conclusion:
    """``max_t |q_t - q_0| <= bound`` for a scalar or array-valued series (max-abs over entries).

    Margin: ``bound - drift`` in the quantity's units.
    """

    def conclude(instance: Any, run: RunResult | None) -> Outcome:
        r = _need(run)
        q = np.asarray(series(instance, r))
        drift = np.abs(q - q[0]).reshape(q.shape[0], -1).max(axis=1)
        k = int(np.argmax(drift))
        b = float(bound(instance, r)) if callable(bound) else float(bound)
        return Outcome(
            b - float(drift[k]),
            quantity,
            int(r.record_at[k]),
            f"drift {drift[k]:.3g} vs bound {b:.3g}",
            trace=(np.asarray(r.record_at), b - drift),
        )

    return conclude


def limit_value(quantity: str, expected: Callable[[Any], float], tol: float) -> Conclusion:
    """The final loss equals a closed form: ``|L_final - expected| <= tol``. Margin: ``tol - |gap|``."""

    def conclude(instance: Any, run: RunResult | None) -> Outcome:
        r = _need(run)
        want = float(expected(instance))
        got = float(r.final_loss[0])
        return Outcome(tol - abs(got - want), quantity, int(r.steps[0]), f"final {got:.12g} vs closed form {want:.12g}")

    return with_needs(conclude, Needs((), every=None, method=None), "limit_value")


def limit_is_local_min(*, tol: float = 1e-6) -> Conclusion:
    """The final iterate's Hessian has no eigenvalue below ``-tol``. Margin: ``lambda_min(H) + tol``."""

    def conclude(instance: Any, run: RunResult | None) -> Outcome:
        r = _need(run)
        h = hessian(instance.objective, instance.target.matrix, r.final_params[0], instance.data)
        lam = float(np.linalg.eigvalsh(h)[0])
        return Outcome(lam + tol, "lambda_min(Hessian) at the limit", int(r.steps[0]), f"lambda_min {lam:.3g}")

    return with_needs(conclude, Needs((), every=None, method=None), "limit_is_local_min")


def pure(quantity: str, margin: Callable[[Any], tuple[float, str]]) -> Conclusion:
    """A claim about the instance itself (no run): ``margin(instance) -> (margin, detail)``."""

    def conclude(instance: Any, run: RunResult | None) -> Outcome:  # noqa: ARG001 - the run is unused by design
        m, detail = margin(instance)
        return Outcome(float(m), quantity, None, detail)

    return conclude
