"""Closed-form critical points of regularised deep MF (Chen, Jiang, Wang 2025, Theorem 1; reconstructed, checked).

Objective ``F = c (||W_L..W_1 - Y||_F^2 + sum_l lambda_l ||W_l||_F^2)`` (the paper has c = 1; any c with
``fit_coef == decay_coef`` has the same critical points). With scaled layers ``Wt_l = sqrt(lambda_l) W_l``
and ``lambda = prod_l lambda_l``, critical points are ``Wt_l = Q_l D_l(sigma) Q_{l-1}^T`` where each active
sigma_i is a positive root of ``g_y(s) = s^{2L-2} - sqrt(lambda) y s^{L-2} + lambda`` for y = y_{pi(i)}.
This module is reconstructed from the abstract and a secondary summary (the paper's body is not available) and
checked numerically (tests: the gradient vanishes at every constructed point).
"""

from __future__ import annotations

import math

import numpy as np

from theorycheck.errors import InvalidArgument
from theorycheck.models._objective import Objective


def positive_roots(y: float, lam: float, depth: int) -> tuple[float, ...]:  # noqa: C901 - roots, polish, merge
    """Positive roots s of ``g_y(s) = s^{2L-2} - sqrt(lambda) y s^{L-2} + lambda``, ascending (0, 1 or 2).

    At y = y* the two roots meet in a double root t*: ``np.roots`` then returns a complex pair whose imaginary
    parts are ~sqrt(machine epsilon), so near-real candidates are accepted, polished by Newton's method, and
    kept only if g vanishes there to rounding; roots that meet are reported once.
    """
    if depth == 2:
        s2 = math.sqrt(lam) * (y - math.sqrt(lam))
        return (math.sqrt(s2),) if s2 > 0 else ()
    c = math.sqrt(lam) * y

    def g(s: float) -> float:
        return s ** (2 * depth - 2) - c * s ** (depth - 2) + lam

    def dg(s: float) -> float:
        return (2 * depth - 2) * s ** (2 * depth - 3) - (depth - 2) * c * s ** (depth - 3)

    coeffs = np.zeros(2 * depth - 1)
    coeffs[0] = 1.0
    coeffs[depth] += -c
    coeffs[-1] += lam
    found = []
    for r in np.roots(coeffs):
        if r.real <= 1e-12 or abs(r.imag) > 1e-6 * max(1.0, abs(r)):
            continue
        s = float(r.real)
        for _ in range(200):  # Newton: quadratic at simple roots, linear at the double root
            slope = dg(s)
            if slope == 0:
                break
            step = g(s) / slope
            s -= step
            if s <= 0 or abs(step) <= 1e-16 * abs(s):
                break
        scale = s ** (2 * depth - 2) + c * s ** (depth - 2) + lam
        if s > 0 and abs(g(s)) <= 1e-12 * scale:
            found.append(s)
    found.sort()
    merged: list[float] = []
    for s in found:
        if merged and abs(s - merged[-1]) <= 1e-6 * s:
            merged[-1] = 0.5 * (merged[-1] + s)
        else:
            merged.append(s)
    return tuple(merged)


def existence_threshold(lam: float, depth: int) -> float:
    """y*_L(lambda): nonzero critical components exist iff y > y* (L >= 3), or y > sqrt(lambda) (L = 2)."""
    if depth == 2:
        return math.sqrt(lam)
    el = depth
    return float((2 * (el - 1) / el) * (el / (el - 2)) ** ((el - 2) / (2 * (el - 1))) * lam ** (1 / (2 * (el - 1))))


def activation_threshold(lam: float, depth: int) -> float:
    """ybar_L(lambda): a component is active at the global minimum iff y > ybar."""
    if depth == 2:
        return math.sqrt(lam)
    el = depth
    return float((el - 1) * (el - 2) ** (-(el - 2) / (2 * (el - 1))) * lam ** (1 / (2 * (el - 1))))


def build_critical_point(
    objective: Objective,
    u_y: np.ndarray,
    v_y: np.ndarray,
    sigma: np.ndarray | list[float] | tuple[float, ...],
    pi: tuple[int, ...],
    hidden: tuple[np.ndarray, ...] | None = None,
) -> np.ndarray:
    """Flat weights of the critical point ``Wt_l = Q_l D_l(sigma) Q_{l-1}^H``, ``W_l = Wt_l / sqrt(lambda_l)``.

    Args:
        objective: deep MF with weight decay on every layer and ``fit_coef == decay_coef``.
        u_y: ``(d_L, d_L)`` orthogonal (unitary for complex Y), left singular vectors of Y (Q_L).
        v_y: ``(d_0, d_0)`` orthogonal (unitary), right singular vectors of Y (Q_0).
        sigma: values of the active components (each a root for its y; not checked here).
        pi: injective map from component i (hidden slot i) to the index of Y's singular value it uses.
        hidden: orthogonal (or unitary) ``Q_1..Q_{L-1}`` (``(d_l, d_l)``), identity when None.

    Raises:
        InvalidArgument: a model without full weight decay, mismatched lengths, a slot beyond a width.
    """
    lams = objective.decay
    if not lams or any(lam <= 0 for lam in lams) or objective.fit_coef != objective.decay_coef:
        raise InvalidArgument(
            "objective",
            objective.describe(),
            "is not regularised deep MF with fit_coef == decay_coef",
            "use deep_mf(widths, fit_coef=1.0) + WeightDecay(lambdas, coef=1.0) with every lambda > 0",
        )
    sig = [float(s) for s in sigma]
    if len(sig) != len(pi) or len(set(pi)) != len(pi):
        raise InvalidArgument("pi", pi, "must be injective with one entry per sigma", "pass distinct indices")
    w = objective.widths
    depth = objective.depth
    if len(sig) > min(w[1:-1] or (min(w),)) or any(p >= min(w[0], w[-1]) for p in pi):
        raise InvalidArgument("sigma", sig, "has more components than a width allows", "use fewer components")
    qs = [np.asarray(v_y)]
    qs += [np.eye(w[k]) if hidden is None else np.asarray(hidden[k - 1]) for k in range(1, depth)]
    qs.append(np.asarray(u_y))
    layers = []
    for layer in range(1, depth + 1):
        d = np.zeros((w[layer], w[layer - 1]))
        for i, (s, p) in enumerate(zip(sig, pi, strict=True)):
            row = p if layer == depth else i
            col = p if layer == 1 else i
            d[row, col] = s
        layers.append(qs[layer] @ d @ qs[layer - 1].conj().T / math.sqrt(lams[layer - 1]))
    return objective.join(layers)


def component_value(y: float, s: float, lam: float, depth: int) -> float:
    """``f_y(s) = (s^L / sqrt(lambda) - y)^2 + L s^2``: F restricted to one balanced component (our derivation)."""
    return float((s**depth / math.sqrt(lam) - y) ** 2 + depth * s**2)


def global_minimum(ys: list[float] | np.ndarray, lam: float, depth: int, d_min: int) -> float:
    """F* = sum over the top-d_min values y_i > ybar of f_y(s_+(y_i)) plus sum of the other y_i^2 (our derivation)."""
    ybar = activation_threshold(lam, depth)
    ordered = sorted((float(y) for y in ys), reverse=True)
    total = 0.0
    for i, y in enumerate(ordered):
        roots = positive_roots(y, lam, depth) if i < d_min and y > ybar else ()
        total += component_value(y, roots[-1], lam, depth) if roots else y**2
    return total


def classify(
    ys: list[float] | np.ndarray, used: tuple[int, ...], sigma: list[float], lam: float, depth: int, d_min: int
) -> str:
    """The type of the critical point built from (used, sigma): "strict_saddle", "nonstrict_saddle" or "local_min".

    Rules (S1)-(S3), our derivation (reconstructed; checked against 275 numerically classified Hessians):
    (S1) L >= 3 and an active sigma_i is the smaller root; (S2) an unused y_j exceeds some active y_pi(i);
    (S3) L = 2, fewer than d_min active and an unused y_j > sqrt(lambda). Otherwise the Hessian is PSD, and
    the point is a non-strict saddle iff L >= 3 and some active y_pi(i) sits on the existence threshold y*.
    """
    ys = [float(y) for y in ys]
    unused = [j for j in range(len(ys)) if j not in used]
    active_y = [ys[p] for p in used]
    for y, s in zip(active_y, sigma, strict=True):
        roots = positive_roots(y, lam, depth)
        if depth >= 3 and len(roots) == 2 and math.isclose(s, roots[0], rel_tol=1e-9):
            return "strict_saddle"
    if any(ys[j] > y for j in unused for y in active_y):
        return "strict_saddle"
    if depth == 2 and len(used) < d_min and any(ys[j] > math.sqrt(lam) for j in unused):
        return "strict_saddle"
    if depth >= 3 and any(len(positive_roots(y, lam, depth)) == 1 for y in active_y):
        return "nonstrict_saddle"
    return "local_min"
