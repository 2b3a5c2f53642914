"""float64 conveniences on flat parameters: loss, gradient and their batched forms (numpy, stacked)."""

from __future__ import annotations

import numpy as np

from theorycheck.models._math import grad_sqnorm, loss_and_grads, loss_value
from theorycheck.models._objective import Objective
from theorycheck.precision import Float64Backend

_F64 = Float64Backend()


def loss(objective: Objective, target: np.ndarray, params: np.ndarray, data: np.ndarray | None = None) -> np.ndarray:
    """F at ``params (..., n_params)`` for targets ``(..., d_N, m)``; returns shape ``(...)``."""
    value = loss_value(_F64, objective, objective.split(np.asarray(params)), np.asarray(target), data)
    return np.asarray(value)


def gradient(
    objective: Objective, target: np.ndarray, params: np.ndarray, data: np.ndarray | None = None
) -> np.ndarray:
    """The gradient as flat ``(..., n_params)`` (complex case: ``d/dRe + i d/dIm``)."""
    params = np.asarray(params)
    _, grads = loss_and_grads(_F64, objective, objective.split(params), np.asarray(target), data)
    lead = np.broadcast_shapes(params.shape[:-1], np.shape(target)[:-2])
    return objective.join([np.broadcast_to(g, (*lead, *g.shape[-2:])) for g in grads])


def loss_and_grad_norm(
    objective: Objective, target: np.ndarray, params: np.ndarray, data: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(F, ||grad F||_F)``, batched."""
    value, grads = loss_and_grads(_F64, objective, objective.split(np.asarray(params)), np.asarray(target), data)
    return np.asarray(value), np.sqrt(np.asarray(grad_sqnorm(_F64, grads)))
