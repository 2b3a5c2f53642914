"""Ready-made conclusions. Each returns ``(instance, run) -> Outcome`` with its margin's unit documented."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import attrs
import numpy as np

from theorycheck.claims._needs import Needs, with_needs
from theorycheck.claims._records import Conclusion, Outcome
from theorycheck.dynamics import RunResult, RunStatus
from theorycheck.errors import InvalidArgument
from theorycheck.models import hessian
from theorycheck.precision import Precision

_TINY = 1e-300

Series = Callable[[Any, RunResult], np.ndarray]


def _values(x: Any) -> np.ndarray:
    """A series as an array, keeping a high-precision run's object arrays of mpmath numbers unrounded."""
    arr: np.ndarray = np.asarray(x)
    return arr if arr.dtype == object else np.asarray(arr, dtype=float)


def _isnan(arr: np.ndarray) -> np.ndarray:
    if arr.dtype != object:
        flags: np.ndarray = np.isnan(arr)
        return flags
    return np.array([v != v for v in arr.flat], dtype=bool).reshape(arr.shape)  # noqa: PLR0124 - NaN test


def _fabs(x: Any) -> float:
    return abs(float(x))


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
                scale=1.0,  # a fraction of the budget
            )
        margin = -math.log10(max(final, _TINY) / eps) if math.isfinite(final) else -math.inf
        status = RunStatus(int(r.status[0])).name.lower()
        detail = f"loss {final:.3g} > eps={eps:g} after {steps:,} steps ({status})"
        return Outcome(margin, "loss at T", steps, detail, scale=1.0)  # decades: a dimensionless margin

    return with_needs(conclude, Needs((), every=None, method="gd"), "converges_within")


def every_step(
    quantity: str, slack: Series, detail: str = "", *, scale: float | Series | None = None
) -> Conclusion:
    """An inequality at every recorded step: ``slack(instance, run)[t] >= 0``. Margin: the smallest slack.

    An empty series (the claim applies at no recorded step, e.g. a certificate whose condition never holds)
    is "not applicable", not a vacuous "holds".

    ``scale``: the size of the compared quantities in the slack's units, for the ladder's rounding-level rule: a
    number (1 for a relative slack), or a series like ``slack`` (``(instance, run) -> array``, one value per
    recorded step) whose value at the worst step is taken; None when unknown.
    """

    def conclude(instance: Any, run: RunResult | None) -> Outcome:
        r = _need(run)
        values = _values(slack(instance, r))
        if values.size == 0:  # the claim speaks at no recorded step: vacuous, never a silent pass
            return Outcome(math.inf, quantity, None, "no recorded step to check", applicable=False)
        nan = _isnan(values)
        k = int(np.argmin(np.where(nan, np.inf, values))) if not nan.all() else 0
        worst = float(values[k]) if not nan.any() else math.nan
        aligned = len(r.record_at) == len(values)
        step = int(r.record_at[k]) if aligned else k
        steps = np.asarray(r.record_at) if aligned else np.arange(values.size)
        return Outcome(
            worst,
            quantity,
            step,
            detail or f"smallest slack {worst:.3g} at record {k}",
            trace=(steps, np.asarray(values, dtype=float)),
            scale=float(_values(scale(instance, r))[k]) if callable(scale) else scale,
        )

    return conclude


def monotone(quantity: str, series: Series, *, increasing: bool = False, tol: float | Series = 0.0) -> Conclusion:
    """``series`` non-increasing (or non-decreasing) between consecutive records, up to ``tol`` per step.

    Margin: the smallest ``tol - (s_{t+1} - s_t)`` (non-increasing) over steps, in the series' units.
    """

    def conclude(instance: Any, run: RunResult | None) -> Outcome:
        r = _need(run)
        s = _values(series(instance, r))
        if s.size < 2:
            return Outcome(math.inf, quantity, None, "fewer than two records")
        rise = np.diff(s) if not increasing else -np.diff(s)
        allowance = _values(tol(instance, r))[: rise.size] if callable(tol) else tol
        slack = allowance - rise
        nan = _isnan(slack)
        k = int(np.argmin(slack)) if not nan.any() else int(np.argmax(nan))
        word = "rose" if not increasing else "fell"
        return Outcome(
            float(slack[k]),
            quantity,
            int(r.record_at[k + 1]),
            f"{quantity} {word} by {_fabs(rise[k]):.3g} from {float(s[k]):.6g} to {float(s[k + 1]):.6g}",
            trace=(np.asarray(r.record_at[1 : slack.size + 1]), np.asarray(slack, dtype=float)),
            scale=max(_fabs(s[k]), _fabs(s[k + 1])),
        )

    return conclude


def loss_non_increasing(*, rtol: float = 1e-12) -> Conclusion:
    """``L(t+1) <= L(t) (1 + rtol)`` at every recorded step (needs "loss" recorded every step).

    Margin: the smallest ``(L_t (1 + rtol) - L_{t+1}) / L_0``: relative to the initial loss.
    """

    def conclude(_instance: Any, run: RunResult | None) -> Outcome:
        r = _need(run)
        loss = _values(r.observable("loss", 0))
        base = max(float(loss[0]), _TINY)
        slack = (loss[:-1] * (1 + rtol) - loss[1:]) / base
        if slack.size == 0:
            return Outcome(math.inf, "loss", None, "one record")
        bad = _isnan(slack)
        k = int(np.argmax(bad)) if bad.any() else int(np.argmin(slack))
        return Outcome(
            float(slack[k]),
            "loss increase / L0",
            int(r.record_at[k + 1]),
            f"loss {float(loss[k]):.6g} -> {float(loss[k + 1]):.6g}",
            trace=(np.asarray(r.record_at[1:]), np.asarray(slack, dtype=float)),
            scale=max(_fabs(loss[k]), _fabs(loss[k + 1])) / base,
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
        size = np.abs(q[k]).max() if q[k].size else 0.0
        return Outcome(
            b - drift[k],
            quantity,
            int(r.record_at[k]),
            f"drift {float(drift[k]):.3g} vs bound {b:.3g}",
            trace=(np.asarray(r.record_at), b - np.asarray(drift, dtype=float)),
            scale=max(float(size), b),
        )

    return conclude


def limit_value(quantity: str, expected: Callable[[Any], float], tol: float) -> Conclusion:
    """The final loss equals a closed form: ``|L_final - expected| <= tol``. Margin: ``tol - |gap|``."""

    def conclude(instance: Any, run: RunResult | None) -> Outcome:
        r = _need(run)
        want = float(expected(instance))
        got = float(r.final_loss[0])
        return Outcome(
            tol - abs(got - want),
            quantity,
            int(r.steps[0]),
            f"final {got:.12g} vs closed form {want:.12g}",
            scale=max(abs(got), abs(want)),
        )

    return with_needs(conclude, Needs((), every=None, method=None), "limit_value")


def limit_is_local_min(*, tol: float = 1e-6) -> Conclusion:
    """The final iterate's Hessian has no eigenvalue below ``-tol``. Margin: ``lambda_min(H) + tol``."""

    def conclude(instance: Any, run: RunResult | None) -> Outcome:
        r = _need(run)
        h = hessian(instance.objective, instance.target.matrix, r.final_params[0], instance.data)
        eigs = np.linalg.eigvalsh(h)
        lam = float(eigs[0])
        top = float(np.max(np.abs(eigs))) if eigs.size else 0.0  # the Hessian's size: lambda_min's rounding scale
        return Outcome(
            lam + tol, "lambda_min(Hessian) at the limit", int(r.steps[0]), f"lambda_min {lam:.3g}", scale=top
        )

    return with_needs(conclude, Needs((), every=None, method=None), "limit_is_local_min")


def _unpack(result: Any) -> tuple[Any, str, Any]:
    """``(margin, detail)`` or ``(margin, detail, scale)``."""
    if isinstance(result, tuple) and len(result) == 3:
        return result[0], str(result[1]), result[2]
    m, detail = result
    return m, str(detail), None


_FIX = "write it against a context: pure(..., numeric=True)"


@attrs.frozen
class PureConclusion:
    """A conclusion about the instance itself, written once against a numeric context (see :func:`pure`).

    Calling it evaluates in float64 (``mpmath.fp``); :meth:`evaluate_at` in mpmath at a precision on the
    instance's exact inputs; :meth:`enclose` in interval arithmetic. The ladder of :mod:`theorycheck.confirm`
    uses all three.
    """

    quantity: str
    margin: Callable[..., Any]
    numeric: bool
    scale: float | Callable[[Any], float] | None = None
    why_float64: str = ""

    def _outcome(self, instance: Any, ctx: Any) -> Outcome:
        from theorycheck.precision import numeric as num  # mpmath: imported only when a pure claim is checked

        m, detail, scale = _unpack(self.margin(ctx, instance) if self.numeric else self.margin(instance))
        if scale is None and self.scale is not None:
            scale = self.scale(instance) if callable(self.scale) else self.scale
        return Outcome(
            num.to_float(m), self.quantity, None, detail, scale=None if scale is None else num.to_float(scale)
        )

    def __call__(self, instance: Any, run: RunResult | None) -> Outcome:  # noqa: ARG002 - pure: no run by design
        """The float64 evaluation."""
        from theorycheck.precision import numeric as num

        return self._outcome(instance, num.context("fp"))

    def evaluate_at(self, instance: Any, precision: Precision) -> Outcome:
        """The margin in mpmath at ``precision.bits`` (any high-precision backend name maps to mpmath here).

        Raises:
            InvalidArgument: the margin is written in float64 only (``numeric=False``): it has no such path.
        """
        if not self.numeric:
            raise InvalidArgument("conclusion", self.quantity, "is a float64-only margin", _FIX)
        from theorycheck.precision import numeric as num

        return self._outcome(instance, num.context("mp", precision.bits))

    def enclose(self, instance: Any, bits: int) -> tuple[float, float, str]:
        """``(lo, hi, detail)``: an enclosure of the exact margin on the instance's inputs, in intervals at ``bits``.

        Raises:
            InvalidArgument: the margin is float64-only.
            NoEnclosure: a function of the margin cannot be enclosed here (e.g. a double root).
        """
        if not self.numeric:
            raise InvalidArgument("conclusion", self.quantity, "is a float64-only margin", _FIX)
        from theorycheck.precision import numeric as num

        m, detail, _ = _unpack(self.margin(num.context("iv", bits), instance))
        lo, hi = num.bounds(m)
        return lo, hi, detail


def pure(
    quantity: str,
    margin: Callable[..., Any],
    *,
    numeric: bool = False,
    scale: float | Callable[[Any], float] | None = None,
    why_float64: str = "",
) -> PureConclusion:
    """A claim about the instance itself (no run).

    Args:
        quantity: what the margin measures.
        margin: with ``numeric=False``, ``margin(instance) -> (margin, detail)`` in float64 (kept working; its
            violations stay "undecided" on the ladder, as nothing can re-evaluate them). With ``numeric=True``,
            ``margin(ctx, instance)`` written against an mpmath context (``ctx.mpf``, ``ctx.sqrt``,
            ``ctx.matrix``..., plus :mod:`theorycheck.precision.numeric` for eigenvalues, singular values, roots,
            ``minimum``), lifting its inputs with ``numeric.lift(ctx, x)``: the ladder then evaluates it in
            float64, at 113 and 256 bits, and certifies it in interval arithmetic. Either may return
            ``(margin, detail, scale)`` to state the scale of the quantities the margin compares.
        numeric: see ``margin``.
        scale: the scale when the margin does not return one: a number or ``instance -> number``.
        why_float64: for a float64-only margin, why it has no high-precision path (shown in its reports).
    """
    return PureConclusion(quantity, margin, numeric, scale, why_float64)
