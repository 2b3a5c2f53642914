"""The model formulas in a numeric context (``mpmath.fp``, an ``MPContext``, intervals): for pure margins.

:func:`loss_and_grads_in` runs :func:`~theorycheck.models._math.loss_and_grads` on mpmath matrices of the given
context, with the inputs converted exactly (floats are dyadic), so a pure claim's margin that needs the loss or a
gradient is written once against the context (see :func:`theorycheck.claims.pure`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from theorycheck.models._math import loss_and_grads
from theorycheck.models._objective import Objective
from theorycheck.precision import mpmath_backend


def loss_and_grads_in(
    ctx: Any, objective: Objective, params: np.ndarray, target: np.ndarray, data: np.ndarray | None = None
) -> tuple[Any, list[Any]]:
    """``(F, [G_1..G_N])`` at the flat weights ``params`` in the arithmetic of ``ctx`` (numbers and matrices of it)."""
    xp = mpmath_backend(getattr(ctx, "prec", 53), ctx)
    layers = [xp.from_numpy(np.asarray(w)) for w in objective.split(np.asarray(params))]
    y = xp.from_numpy(np.asarray(target))
    x = None if data is None else xp.from_numpy(np.asarray(data))
    return loss_and_grads(xp, objective, layers, y, x)


def layers_in(ctx: Any, objective: Objective, params: np.ndarray) -> list[Any]:
    """The layers ``W_1..W_N`` as matrices of ``ctx`` (exact conversion)."""
    xp = mpmath_backend(getattr(ctx, "prec", 53), ctx)
    return [xp.from_numpy(np.asarray(w)) for w in objective.split(np.asarray(params))]


class _Dual:
    """A (value, tangent) pair of matrices of one context."""

    __slots__ = ("t", "v")

    def __init__(self, v: Any, t: Any) -> None:
        self.v, self.t = v, t


class _DualBackend:
    """(value, tangent) pairs over an mpmath-context backend: only what the gradient formula uses."""

    name = "dual"

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.bits = inner.bits

    def mm(self, a: _Dual, b: _Dual) -> _Dual:
        return _Dual(a.v * b.v, a.t * b.v + a.v * b.t)

    def ah(self, a: _Dual) -> _Dual:
        return _Dual(self.inner.ah(a.v), self.inner.ah(a.t))

    def add(self, a: _Dual, b: _Dual) -> _Dual:
        return _Dual(a.v + b.v, a.t + b.t)

    def sub(self, a: _Dual, b: _Dual) -> _Dual:
        return _Dual(a.v - b.v, a.t - b.t)

    def scale(self, s: Any, a: _Dual) -> _Dual:
        return _Dual(a.v * s, a.t * s)

    def sqnorm(self, a: _Dual) -> Any:
        return self.inner.sqnorm(a.v)  # the loss value is not needed for the Hessian


def hessian_in(
    ctx: Any, objective: Objective, target: np.ndarray, params: np.ndarray, data: np.ndarray | None = None
) -> Any:
    """The exact Hessian of F at real ``params`` as a symmetric matrix of ``ctx`` (dual numbers on the gradient).

    The gradient is a polynomial in the weights, so one tangent per coordinate gives the Hessian up to the
    context's rounding (none in intervals: an enclosure). Real models only.

    Raises:
        InvalidArgument: a complex model.
    """
    from theorycheck.errors import InvalidArgument
    if objective.is_complex:
        raise InvalidArgument("objective", objective.describe(), "is complex", "use models.hessian (float64)")
    inner = mpmath_backend(getattr(ctx, "prec", 53), ctx)
    xp = _DualBackend(inner)
    flat = np.asarray(params, dtype=float)
    values = [inner.from_numpy(w) for w in objective.split(flat)]
    y = inner.from_numpy(np.asarray(target))
    yd = _Dual(y, y * 0)
    xd = None if data is None else _Dual(inner.from_numpy(np.asarray(data)), inner.from_numpy(np.asarray(data)) * 0)
    n = objective.n_params
    h = ctx.matrix(n, n)
    for i in range(n):
        tangent = np.zeros(n)
        tangent[i] = 1.0
        layers = [_Dual(v, inner.from_numpy(t)) for v, t in zip(values, objective.split(tangent), strict=True)]
        _, grads = loss_and_grads(xp, objective, layers, yd, xd)  # type: ignore[arg-type]
        col = [g.t[r, c] for g in grads for r in range(g.t.rows) for c in range(g.t.cols)]
        for j in range(n):
            h[j, i] = col[j]
    return (h + h.T) * ctx.mpf(0.5)
