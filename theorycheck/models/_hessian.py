"""Exact Hessian-vector products and small Hessians, by forward-mode dual numbers on the analytic gradient.

The gradient of every objective is a polynomial in the weights, so pushing a tangent through
:func:`~theorycheck.models._math.loss_and_grads` (value, derivative) pairs gives the Hessian applied to a
direction up to rounding only (no finite-difference step to tune).

Complex models are real functions of ``(Re W, Im W)``: the Hessian is the real ``2P x 2P`` matrix in the
coordinates ``[Re(flat), Im(flat)]``; since the gradient is ``d/dRe + i d/dIm``, the tangent of the
complex gradient along a complex direction is exactly that real Hessian applied to the direction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from theorycheck.errors import InvalidArgument
from theorycheck.models._math import loss_and_grads
from theorycheck.models._objective import Objective
from theorycheck.precision import Float64Backend

_F64 = Float64Backend()
#: Above this many real parameters :func:`hessian` refuses (memory n^2, time n * gradient).
MAX_HESSIAN_PARAMS = 4000


@dataclass(frozen=True)
class _Dual:
    v: np.ndarray
    t: np.ndarray


class _DualBackend:
    """Backend of (value, tangent) pairs over float64 arrays; only what the gradient formula uses."""

    name = "dual"
    bits = 53

    def mm(self, a: _Dual, b: _Dual) -> _Dual:
        return _Dual(a.v @ b.v, a.t @ b.v + a.v @ b.t)

    def ah(self, a: _Dual) -> _Dual:
        return _Dual(_F64.ah(a.v), _F64.ah(a.t))

    def add(self, a: _Dual, b: _Dual) -> _Dual:
        return _Dual(a.v + b.v, a.t + b.t)

    def sub(self, a: _Dual, b: _Dual) -> _Dual:
        return _Dual(a.v - b.v, a.t - b.t)

    def scale(self, s: float, a: _Dual) -> _Dual:
        return _Dual(s * a.v, s * a.t)

    def sqnorm(self, a: _Dual) -> np.ndarray:
        # The loss value is not needed for Hessians; return the value part only.
        return _F64.sqnorm(a.v)


def _constant(x: np.ndarray | None) -> _Dual | None:
    return None if x is None else _Dual(x, np.zeros_like(x))


def hvp(
    objective: Objective,
    target: np.ndarray,
    params: np.ndarray,
    directions: np.ndarray,
    data: np.ndarray | None = None,
) -> np.ndarray:
    """Hessian of F at ``params (n_params,)`` applied to ``directions (k, n_params)``: returns ``(k, n_params)``.

    For complex models both are complex flat vectors and the result is the tangent of the complex gradient
    (the real Hessian in ``[Re, Im]`` coordinates, packed back as complex).
    """
    params = np.asarray(params)
    directions = np.atleast_2d(np.asarray(directions, dtype=params.dtype))
    values = objective.split(params[None, :])
    tangents = objective.split(directions)
    layers = [_Dual(v, t) for v, t in zip(values, tangents, strict=True)]
    _, grads = loss_and_grads(
        _DualBackend(),  # type: ignore[arg-type]  # implements only the operations the gradient uses
        objective,
        layers,
        _constant(np.asarray(target)[None]),  # type: ignore[arg-type]
        _constant(None if data is None else np.asarray(data)[None]),
    )
    k = directions.shape[0]
    return objective.join([np.broadcast_to(g.t, (k, *g.t.shape[-2:])) for g in grads])


def hessian(objective: Objective, target: np.ndarray, params: np.ndarray, data: np.ndarray | None = None) -> np.ndarray:
    """The full real Hessian of F at one point, symmetrised: ``(n, n)`` with n = n_params (real) or 2 n_params.

    Coordinates are the flat parameters (real case) or ``[Re(flat), Im(flat)]`` (complex case).
    """
    params = np.asarray(params)
    p = objective.n_params
    if objective.is_complex:
        eye = np.eye(p)
        directions: Any = np.concatenate([eye, 1j * eye]).astype(np.complex128)
    else:
        directions = np.eye(p)
    if directions.shape[0] > MAX_HESSIAN_PARAMS:
        raise InvalidArgument(
            "params",
            params,
            f"has {directions.shape[0]} real parameters, too many for a dense Hessian",
            f"use hvp() with a few directions, or a model with <= {MAX_HESSIAN_PARAMS} parameters",
        )
    cols = hvp(objective, target, params, directions, data)
    h = np.concatenate([cols.real, cols.imag], axis=1) if objective.is_complex else cols
    return 0.5 * (h + h.T)  # type: ignore[no-any-return]
