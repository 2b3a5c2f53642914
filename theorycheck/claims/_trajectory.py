"""Ready-made conclusions about a trajectory's shape: saddles, escape, tail rate, monotone spectra, limit rank.

Each returns a :class:`ReadyConclusion` (it declares what it records, so a claim needs no procedure) whose
margin's unit is stated in its docstring; ``bound``/``rate``/``expected`` arguments are numbers or functions
of the instance.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from theorycheck._validation import check_real
from theorycheck.claims._needs import Needs, ReadyConclusion, with_needs
from theorycheck.claims._records import Outcome
from theorycheck.dynamics import RunResult
from theorycheck.errors import InvalidArgument

Number = float | Callable[[Any], float]


def _value(x: Number, instance: Any) -> float:
    return float(x(instance)) if callable(x) else float(x)


def _run(run: RunResult | None) -> RunResult:
    if run is None:
        msg = "this conclusion needs a run: give the claim a GD procedure (or none: it is derived)"
        raise ValueError(msg)
    return run


def time_near_saddle(bound: Number, *, grad_rtol: float = 1e-2, loss_rtol: float = 1e-2) -> ReadyConclusion:
    """At most ``bound`` GD steps are spent near a saddle: small gradient while the loss is above its limit.

    Step t counts when ``||grad L(W_t)|| <= grad_rtol * max_s ||grad L(W_s)||`` (the gradient is small
    against the largest it gets on this run) and ``L_t - L_inf >= loss_rtol * (L_0 - L_inf)`` (the loss is
    still a fixed fraction of the way above its limit ``L_inf``, the smallest recorded loss). A plateau
    before escape, and a trajectory stuck at a saddle to the end of the horizon (its limit is then the
    saddle itself and its steps do not count: see :func:`escape_time` for that case), are what it measures.

    Margin: ``(bound - steps) / max(bound, 1)``, the fraction of the bound left (dimensionless; -0.5 means
    half again as many steps as the bound). Needs "loss" and "grad_norm" recorded every step.
    """
    grad_rtol = check_real("grad_rtol", grad_rtol, positive=True)
    loss_rtol = check_real("loss_rtol", loss_rtol, positive=True)

    def conclude(instance: Any, run: RunResult | None) -> Outcome:
        r = _run(run)
        loss = np.asarray(r.observable("loss", 0), dtype=float)
        grad = np.asarray(r.observable("grad_norm", 0), dtype=float)
        limit = float(np.nanmin(loss))
        above = (loss - limit) >= loss_rtol * max(float(loss[0]) - limit, 0.0)
        small = grad <= grad_rtol * float(np.nanmax(grad))
        near = above & small & (loss > limit)
        steps = int(near.sum())
        b = _value(bound, instance)
        first = int(r.record_at[int(np.argmax(near))]) if steps else None
        where = np.asarray(r.record_at)
        return Outcome(
            (b - steps) / max(b, 1.0),
            "steps near a saddle",
            first,
            f"{steps:,} steps with ||grad|| <= {grad_rtol:g} max ||grad|| while L - L_inf >= {loss_rtol:g} "
            f"(L_0 - L_inf); bound {b:,.1f}",
            trace=(where, (b - np.cumsum(near)) / max(b, 1.0)),
            scale=1.0,  # a fraction of the bound
        )

    return with_needs(conclude, Needs(("loss", "grad_norm"), every=1), "time_near_saddle")


def escape_time(bound: Number, *, drop: float = 0.5) -> ReadyConclusion:
    """The loss falls to ``drop * L_0`` (escapes the start) within ``bound`` GD steps.

    Margin: ``(bound - t_escape) / max(bound, 1)``, the fraction of the bound left (dimensionless). A run
    that has not escaped by its horizon is a violation when the horizon reached the bound (margin
    ``-log10(L_T / (drop L_0))``, the decades still to fall, negative), and says nothing (not applicable)
    when the horizon is shorter than the bound. Needs "loss" recorded every step.
    """
    drop = check_real("drop", drop, positive=True)
    if drop >= 1:
        raise InvalidArgument("drop", drop, "must be < 1 (a fraction of the initial loss)", "pass e.g. drop=0.5")

    def conclude(instance: Any, run: RunResult | None) -> Outcome:
        r = _run(run)
        loss = np.asarray(r.observable("loss", 0), dtype=float)
        level = drop * float(loss[0])
        b = _value(bound, instance)
        below = np.flatnonzero(loss <= level)
        where = np.asarray(r.record_at)
        if below.size:
            t = int(where[below[0]])
            detail = f"L fell to {drop:g} L_0 at step {t:,}; bound {b:,.1f}"
            return Outcome((b - t) / max(b, 1.0), "escape time", t, detail, scale=1.0)  # a fraction of the bound
        horizon = int(where[-1])
        final = float(loss[-1])
        short = -math.log10(max(final, 1e-300) / level) if math.isfinite(final) else -math.inf
        detail = f"L_T = {final:.3g} > {drop:g} L_0 after {horizon:,} steps; bound {b:,.1f}"
        return Outcome(min(short, -1e-12), "escape time", horizon, detail, applicable=horizon >= b, scale=1.0)

    return with_needs(conclude, Needs(("loss",), every=1), "escape_time")


def tail_linear_rate(rate: Number, *, tail: float = 0.5, floor: float = 1e-24) -> ReadyConclusion:
    """On the last ``tail`` fraction of the run the loss contracts at least at the stated per-step ``rate``.

    The observed rate is ``1 - exp(slope)``, the least-squares slope of ``ln L_t`` against t over the tail's
    records whose loss is above ``floor * L_0`` (below it float rounding, not the dynamics, sets the loss).
    Fewer than 3 such records: not applicable (the run converged before its tail; nothing to measure).

    Margin: ``observed_rate - rate`` in per-step rate units (0.01 = one percent per step faster than
    stated). Needs "loss" recorded every step.
    """
    tail = check_real("tail", tail, positive=True)
    if tail > 1:
        raise InvalidArgument("tail", tail, "must be in (0, 1]", "pass e.g. tail=0.5 for the last half")

    def conclude(instance: Any, run: RunResult | None) -> Outcome:
        r = _run(run)
        loss = np.asarray(r.observable("loss", 0), dtype=float)
        steps = np.asarray(r.record_at, dtype=float)
        start = steps[-1] - tail * (steps[-1] - steps[0])
        keep = (steps >= start) & (loss > floor * float(loss[0])) & np.isfinite(loss)
        want = _value(rate, instance)
        if int(keep.sum()) < 3:
            return Outcome(math.inf, "tail rate", None, "fewer than 3 tail records above the floor", applicable=False)
        slope = float(np.polyfit(steps[keep], np.log(loss[keep]), 1)[0])
        observed = -math.expm1(slope)
        return Outcome(
            observed - want,
            "tail linear rate",
            int(steps[keep][0]),
            f"observed {observed:.4g} per step on steps {int(steps[keep][0]):,}..{int(steps[keep][-1]):,}"
            f" vs stated {want:.4g}",
            scale=max(abs(observed), abs(want)),
        )

    return with_needs(conclude, Needs(("loss",), every=1), "tail_linear_rate")


def monotone_spectrum(matrix: str | int = "product", *, increasing: bool = True, tol: float = 0.0) -> ReadyConclusion:
    """Every singular value of a chosen matrix moves one way between consecutive GD steps, up to ``tol``.

    ``matrix`` is "product" (the end-to-end ``W_N ... W_1``) or a layer number j (1-based, ``W_j``); the
    k-th largest singular value is compared with the k-th largest at the next step.

    Margin: the smallest ``tol - (sigma_k(t+1) - sigma_k(t))`` (non-increasing) or ``tol - (sigma_k(t) -
    sigma_k(t+1))`` (non-decreasing), in singular-value units. Needs "singular_values" every step.
    """
    key = "sv_product" if matrix == "product" else f"sv_layer{int(matrix)}"
    tol = check_real("tol", tol, nonnegative=True)

    def conclude(_instance: Any, run: RunResult | None) -> Outcome:
        r = _run(run)
        sv = np.asarray(r.observable(key, 0), dtype=float)
        if sv.shape[0] < 2:
            return Outcome(math.inf, key, None, "fewer than two records")
        change = np.diff(sv, axis=0)
        move = -change if increasing else change
        slack = tol - move
        flat = int(np.nanargmin(slack)) if not np.isnan(slack).all() else 0
        t, k = np.unravel_index(flat, slack.shape)
        word = "fell" if increasing else "rose"
        return Outcome(
            float(slack[t, k]),
            f"sigma_{k + 1} of {matrix if matrix == 'product' else f'W_{matrix}'}",
            int(r.record_at[t + 1]),
            f"sigma_{k + 1} {word} from {sv[t, k]:.6g} to {sv[t + 1, k]:.6g}",
            trace=(np.asarray(r.record_at[1:]), slack.min(axis=1)),
            scale=max(abs(float(sv[t, k])), abs(float(sv[t + 1, k]))),
        )

    return with_needs(conclude, Needs(("singular_values",), every=1), "monotone_spectrum")


def limit_rank(expected: int | Callable[[Any], int], *, rtol: float = 1e-6, at_most: bool = False) -> ReadyConclusion:
    """The final end-to-end product has numerical rank ``expected`` (or at most that, with ``at_most``).

    Numerical rank: the number of singular values above ``rtol * sigma_1`` of the final product.

    Margin: in decades of relative singular value: for rank exactly k, the smaller of ``log10(sigma_k /
    (rtol sigma_1))`` (the k-th value is above the threshold) and ``log10(rtol sigma_1 / sigma_{k+1})`` (the
    next is below it); with ``at_most`` only the second. Negative: the rank is wrong by that many decades.
    Reads only the final iterate.
    """
    rtol = check_real("rtol", rtol, positive=True)

    def conclude(instance: Any, run: RunResult | None) -> Outcome:
        r = _run(run)
        k = int(expected(instance) if callable(expected) else expected)
        layers = r.objective.split(r.final_params[0])
        product = layers[0]
        for w in layers[1:]:
            product = w @ product
        sv = np.linalg.svd(product, compute_uv=False)
        tiny = 1e-300
        top = float(sv[0]) if sv.size else 0.0
        threshold = max(rtol * top, tiny)  # the zero matrix has rank 0
        rank = int((sv > threshold).sum())
        if k == 0 or at_most:
            above = math.inf
        elif k > sv.size:
            above = -math.inf
        else:
            above = math.log10(float(sv[k - 1]) / threshold) if sv[k - 1] > 0 else -math.inf
        below = math.inf if k >= sv.size else math.log10(threshold / max(float(sv[k]), tiny))
        word = "at most " if at_most else ""
        return Outcome(
            min(above, below),
            "rank of the limit",
            int(r.steps[0]),
            f"numerical rank {rank} (rtol {rtol:g}) vs {word}{k}; singular values {np.array2string(sv, precision=3)}",
            scale=1.0,  # decades: a dimensionless margin
        )

    return with_needs(conclude, Needs((), every=None, method=None), "limit_rank")
