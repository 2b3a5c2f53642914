"""Loss and per-layer gradients of an :class:`Objective`, written once against the Backend protocol.

The same function runs on stacked numpy arrays (a whole batch at once), on mpmath or python-flint
matrices (one trajectory), and on dual numbers (Hessian-vector products, :mod:`._hessian`).

Formulas (Luo et al. 2025, eq. (4), and the plain deep-MF gradient; G_j is the gradient w.r.t. W_j, complex
case ``d/dRe + i d/dIm``):

* fit: ``R = W_N..W_1 X - Y``, ``G_j = 2 c W_{N:j+1}^H R (W_{j-1:1} X)^H`` with c = fit_coef;
* balancing: ``Delta_j = W_j W_j^H - W_{j+1}^H W_{j+1}``; W_j gains ``a Delta_j W_j`` and W_{j+1} gains
  ``-a W_{j+1} Delta_j`` (Luo et al. 2025, gradient of L_reg);
* weight decay: W_l gains ``2 c_d lambda_l W_l``.
"""

from __future__ import annotations

from typing import Any

from theorycheck.models._objective import Objective
from theorycheck.precision import Backend


def loss_and_grads(
    xp: Backend,
    objective: Objective,
    layers: list[Any] | tuple[Any, ...],
    target: Any,
    data: Any | None = None,
) -> tuple[Any, list[Any]]:
    """Return ``(F, [G_1, ..., G_N])`` in the arithmetic of ``xp``.

    Args:
        xp: the backend whose ``mm``/``ah``/... the formula uses.
        objective: structure and constants.
        layers: ``W_1..W_N`` as backend matrices (stacked arrays for float64).
        target: Y as a backend matrix.
        data: X as a backend matrix, or None for X = I.
    """
    n = len(layers)
    mm, ah = xp.mm, xp.ah  # bound once: per-call method lookups are a visible share of a small flint step
    # prefix[j] = W_j .. W_1 X (prefix[0] = X, or None for the identity)
    prefix: list[Any] = [data]
    cur = data
    for w in layers:
        cur = w if cur is None else mm(w, cur)
        prefix.append(cur)
    residual = xp.sub(prefix[n], target)
    loss = xp.sqnorm(residual) * objective.fit_coef  # this order: arb * float skips a slow conversion path
    two_c = 2.0 * objective.fit_coef
    # = W_{N:j+1}^H (2c R) while walking down; 2c = 1 (the usual c = 1/2) scales exactly, so it is skipped
    back = residual if two_c == 1.0 else xp.scale(two_c, residual)
    grads: list[Any] = [None] * n
    for j in range(n - 1, -1, -1):
        grads[j] = back if prefix[j] is None else mm(back, ah(prefix[j]))
        if j > 0:
            back = mm(ah(layers[j]), back)
    a = objective.balancing
    if a:
        for j in range(n - 1):
            delta = xp.sub(xp.mm(layers[j], xp.ah(layers[j])), xp.mm(xp.ah(layers[j + 1]), layers[j + 1]))
            loss = loss + (a / 4.0) * xp.sqnorm(delta)
            grads[j] = xp.add(grads[j], xp.scale(a, xp.mm(delta, layers[j])))
            grads[j + 1] = xp.sub(grads[j + 1], xp.scale(a, xp.mm(layers[j + 1], delta)))
    for j, lam in enumerate(objective.decay):
        if lam:
            loss = loss + (objective.decay_coef * lam) * xp.sqnorm(layers[j])
            grads[j] = xp.add(grads[j], xp.scale(2.0 * objective.decay_coef * lam, layers[j]))
    return loss, grads


def loss_value(
    xp: Backend,
    objective: Objective,
    layers: list[Any] | tuple[Any, ...],
    target: Any,
    data: Any | None = None,
) -> Any:
    """F alone: the operations of :func:`loss_and_grads` that make its loss, in the same order (equal bits).

    A third of the products (the forward pass; no backward pass): what the default divergence cap needs.
    """
    cur = data
    for w in layers:
        cur = w if cur is None else xp.mm(w, cur)
    loss = xp.sqnorm(xp.sub(cur, target)) * objective.fit_coef
    a = objective.balancing
    if a:
        for j in range(len(layers) - 1):
            delta = xp.sub(xp.mm(layers[j], xp.ah(layers[j])), xp.mm(xp.ah(layers[j + 1]), layers[j + 1]))
            loss = loss + (a / 4.0) * xp.sqnorm(delta)
    for j, lam in enumerate(objective.decay):
        if lam:
            loss = loss + (objective.decay_coef * lam) * xp.sqnorm(layers[j])
    return loss


def grad_sqnorm(xp: Backend, grads: list[Any]) -> Any:
    """``sum_j ||G_j||_F^2``."""
    total = xp.sqnorm(grads[0])
    for g in grads[1:]:
        total = total + xp.sqnorm(g)
    return total
