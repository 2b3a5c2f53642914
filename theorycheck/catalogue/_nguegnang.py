"""Nguegnang, Rauhut, Terstiege: GD for deep linear networks with data (arXiv 2108.02040; ACDM 2024, art. 23).

The theorem statements and step-size constants could not be retrieved (only the abstract and introduction are available): every claim
here is reconstructed, and step sizes are *certified at test time* from a smoothness bound on a ball of
radius B that the claim itself checks the run never leaves. The paper's constants are unknown.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

import theorycheck.strategies as tcs
from theorycheck.catalogue._helpers import RECORD_WEIGHTS, norm2, recursion_instances, recursion_slack
from theorycheck.catalogue._registry import register
from theorycheck.claims import Claim, Outcome, Procedure, Source, converges_within, every_step
from theorycheck.dynamics import Recording, RunResult, RunStatus
from theorycheck.dynamics.instance import Instance, Target
from theorycheck.models import deep_mf, hessian, invariants, loss

NOTE = (
    "Structure from the abstract and the GF predecessor (Bah, Rauhut, Terstiege, Westdickenberg); constants are ours."
)


def _source(locator: str) -> Source:
    return Source("Nguegnang, Rauhut, Terstiege", 2024, locator, "reconstructed", "2108.02040", NOTE)


def _radius(obj: Any, w: np.ndarray, y: np.ndarray, x: np.ndarray) -> float:
    """The radius B of the ball the certificate assumes (a reconstruction of the boundedness lemma).

    Twice the largest of: the initial layer norms, the balanced scale of the least-squares solution, and the
    square root of the initial imbalance.
    """
    layers = obj.split(w)
    largest = max(np.linalg.norm(layer, 2) for layer in layers)
    ls = np.linalg.norm(y @ np.linalg.pinv(x), 2) ** (1.0 / obj.depth)
    imbalance = max((np.linalg.norm(d, 2) for d in invariants.imbalances(obj, w)), default=0.0)
    return float(2.0 * max(largest, ls, math.sqrt(imbalance), 1e-3))


def _certified_step(obj: Any, w: np.ndarray, y: np.ndarray, x: np.ndarray, radius: float) -> float:
    """Eta = 1/beta with beta = N ||X||^2 B^{2N-2} + (N-1) ||X|| B^{N-2} sqrt(2 L(0)) (ours: the paper's constant is not available)."""
    n = obj.depth
    nx = np.linalg.norm(x, 2)
    beta = n * nx**2 * radius ** (2 * n - 2) + (n - 1) * nx * radius ** (n - 2) * math.sqrt(
        2 * float(loss(obj, y, w, x))
    )
    return float(1.0 / beta)


@st.composite
def _data_instances(
    draw: Any,
    *,
    depth: tuple[int, int] = (2, 4),
    min_scale: float = 0.05,
    max_scale: float = 1.0,
    steps: int = 2000,
    tol: float = 0.0,
    step_factor: float = 1.0,
) -> Instance:
    n = draw(st.integers(*depth))
    widths = draw(tcs.widths(depth=n, max_width=4))
    m = draw(st.integers(widths[0], 8))
    obj = deep_mf(widths, data_columns=m)
    x = draw(tcs.data_matrices(rows=widths[0], columns=m, max_condition=100.0))
    y = draw(tcs.target_matrices(shape=(widths[-1], m)))
    init = draw(tcs.gaussian_initializations(obj, min_scale=min_scale, max_scale=max_scale))
    radius = _radius(obj, init.weights, y.matrix, x)
    eta = step_factor * _certified_step(obj, init.weights, y.matrix, x, radius)
    return Instance(
        obj,
        y,
        init.weights,
        eta,
        steps,
        data=x,
        tol=tol,
        params={"init": "gaussian", **init.drawn, "B": radius, "eta/certified": step_factor},
    )


def _descent_and_bound_slack(instance: Instance, run: RunResult) -> np.ndarray:
    obj = instance.objective
    loss_t = np.asarray(run.observable("loss", 0))
    grad = np.asarray(run.observable("grad_norm", 0))
    w = np.asarray(run.observable("weights", 0))
    radius = instance.params["B"]
    scale = max(float(loss_t[0]), 1e-300)
    descent = (loss_t[:-1] - loss_t[1:] - 0.5 * instance.step * grad[:-1] ** 2) / scale + 1e-12
    bounded = np.array([radius - max(norm2(layer) for layer in obj.split(wt)) for wt in w]) / radius
    return np.asarray(np.minimum(np.append(descent, np.inf), bounded))


DESCENT = register(
    Claim(
        id="nguegnang.T3A.certified_descent_and_boundedness",
        statement="With eta = 1/beta(B) certified at test time, every GD step satisfies sufficient decrease "
        "L(k+1) <= L(k) - (eta/2)||grad L(k)||^2 and the weights stay in the ball max_j ||W_j(k)|| <= B.",
        source=_source("main GD result (abstract: bounded iterates, convergence to a critical point); number not available"),
        setting="deep linear network 1/2||Y - W_N..W_1 X||_F^2, N in 2..4, widths 1..4, m in [d_0, 8] samples, X full "
        "row rank (cond <= 100), Gaussian init scale in [0.05, 1]",
        algorithm="GD, eta = 1/(N ||X||^2 B^{2N-2} + (N-1)||X|| B^{N-2} sqrt(2 L(0))), 2000 steps",
        procedure=Procedure(record=Recording(every=1, observables=("loss", "grad_norm", "weights"))),
        conclusion=every_step(
            "min(sufficient-decrease slack / L(0), (B - max ||W_j||) / B)", _descent_and_bound_slack, scale=1.0
        ),
        tightness="beta bounds the Hessian on the ball; the paper's admissible step does not shrink exponentially in N, "
        "ours does (B^{2N-2}).",
    ),
    _data_instances,
)


def _best_rank_k(instance: Instance, k: int) -> float:
    """Min over rank(W) <= k of 1/2 ||Y - W X||^2 = 1/2 ||Y||^2 - 1/2 sum_{i <= k} q_i^2, q = sv(Y X^T (X X^T)^{-1/2})."""
    x, y = np.asarray(instance.data), instance.target.matrix
    evals, evecs = np.linalg.eigh(x @ x.T)
    inv_sqrt = evecs @ np.diag(evals**-0.5) @ evecs.T
    q = np.linalg.svd(y @ x.T @ inv_sqrt, compute_uv=False)
    return float(0.5 * np.linalg.norm(y) ** 2 - 0.5 * np.sum(q[:k] ** 2))


def _limit_conclusion(*, fixed_rank: bool) -> Any:
    def conclude(instance: Instance, run: RunResult | None) -> Outcome:
        assert run is not None
        obj = instance.objective
        if run.status[0] != RunStatus.STATIONARY:
            return Outcome(
                math.inf,
                "limit value",
                int(run.steps[0]),
                f"did not reach ||grad|| <= gtol within {instance.max_steps:,} steps",
                applicable=False,
            )
        w = run.final_params[0]
        if fixed_rank:
            k = min(obj.widths)
        else:
            s = invariants.product_singular_values(obj, w)
            k = int(np.sum(s > 1e-6 * max(float(s[0]), 1e-300)))
        want = _best_rank_k(instance, k)
        got = float(run.final_loss[0])
        scale = max(1.0, float(np.linalg.norm(instance.target.matrix)) ** 2)
        return Outcome(
            1e-8 * scale - abs(got - want),
            f"|L(limit) - best rank-{k} value|",
            int(run.steps[0]),
            f"L = {got:.12g}, best rank-{k} fit {want:.12g}",
            scale=scale,
        )

    return conclude


# ||grad|| <= 1e-8 puts the loss within ~1e-16 / mu of the limit value, far inside the 1e-8 tolerance below
GTOL = 1e-8
_LIMIT_ALGO = "GD at 0.9 x the certified step until ||grad|| <= 1e-8 (at most 2e6 steps)"

TWO_LAYERS = register(
    Claim(
        id="nguegnang.T3B.two_layers_reach_global_minimum",
        statement="For N = 2 and almost every initialisation, GD converges to a global minimiser: L(limit) = 1/2||Y||^2 "
        "- 1/2 sum_{i <= r} q_i^2 with r = min_j d_j.",
        source=_source("abstract: two layers reach a global minimum for almost all inits; number not available"),
        setting="N = 2, widths 1..4, m in [d_0, 8], X full row rank, Gaussian init scale in [0.05, 1]",
        algorithm=_LIMIT_ALGO,
        procedure=Procedure(gtol=GTOL),
        conclusion=_limit_conclusion(fixed_rank=True),
        tightness="Every non-global critical point is a strict saddle for N = 2 (Kawaguchi 2016).",
    ),
    lambda: _data_instances(depth=(2, 2), steps=2_000_000, step_factor=0.9),
)


DEEP_RANK_K = register(
    Claim(
        id="nguegnang.T3C.deep_limit_is_best_rank_k",
        statement="For N >= 3, the limit W_inf has some rank k <= r and is the best rank-k fit: L(W_inf) = 1/2||Y||^2 - "
        "1/2 sum_{i <= k} q_i^2 (k not known a priori).",
        source=_source("abstract: N >= 3 reaches a global minimum on a fixed-rank manifold; number not available"),
        setting="N in 3..4, widths 1..4, m in [d_0, 8], X full row rank, Gaussian init scale in [0.3, 1]",
        algorithm=_LIMIT_ALGO,
        procedure=Procedure(gtol=GTOL),
        conclusion=_limit_conclusion(fixed_rank=False),
        tightness="Generically k = r; non-strict saddles (the origin) exist for N >= 3.",
    ),
    lambda: _data_instances(depth=(3, 4), min_scale=0.3, steps=2_000_000, step_factor=0.9),
    cost=2,
)

RECURSION = register(
    Claim(
        id="nguegnang.P3_4.imbalance_recursion_with_data_and_decay",
        statement="With data X and uniform weight decay, GD gives exactly D_j(t+1) = (1 - eta mu)^2 D_j(t) + eta^2 "
        "(G_{j+1}^T G_{j+1} - G_j G_j^T), G = W_{N:j+1}^T (W X - Y) X^T W_{j-1:1}^T.",
        source=_source("imbalance recursion with data (our derivation; the paper's text is not available)"),
        setting="deep linear network with data, N in 2..4, widths 1..4, real or complex, weight decay mu in [1e-3, 1]",
        algorithm="GD with eta up to 0.2, 3 steps",
        procedure=Procedure(record=RECORD_WEIGHTS),
        conclusion=every_step("relative recursion residual (slack to 1e-12)", recursion_slack, scale=1.0),
        tightness="Exact identity (rounding only).",
    ),
    lambda: recursion_instances(decay=True, data=True),
)


# ---- false variants ---------------------------------------------------------------------------------


@st.composite
def _scalar_instances(draw: Any) -> Instance:
    y = draw(tcs.finite_floats(0.5, 2.0))
    a0 = draw(tcs.log_uniform(1e-2, 1.5))
    b0 = draw(tcs.log_uniform(1e-2, 1.5))
    obj = deep_mf((1, 1, 1))
    target = Target(np.array([[y]]), np.eye(1), np.array([y]), np.eye(1))
    w = np.array([b0, a0])  # W_1 = b, W_2 = a: f = 1/2 (a b - y)^2
    smooth = float(np.linalg.eigvalsh(hessian(obj, target.matrix, w))[-1])
    eta = 1.9 / smooth
    return Instance(obj, target, w, eta, 5000, tol=1e-20, params={"a0": a0, "b0": b0, "L_smooth(W0)": smooth})


LOCAL_SMOOTHNESS = register(
    Claim(
        id="nguegnang.F3_1.local_smoothness_step_suffices",
        statement="FALSE VARIANT: a constant step eta < 2 / L_smooth(W(0)) (the initial local smoothness) makes GD "
        "converge.",
        source=_source("abstract (suitable step-size conditions); false variant: the gradient is not globally Lipschitz"),
        setting="scalar N = 2: f(a, b) = 1/2 (a b - y)^2, y in [0.5, 2], a0, b0 in [1e-2, 1.5] (log)",
        algorithm="GD, eta = 1.9 / lambda_max(Hessian(W0)), 5000 steps",
        procedure=Procedure(),
        conclusion=converges_within(1e-12, lambda _i: 5000),
        expect="refuted",
        tightness="Minimisers have sharpness a^2 + b^2 >= 2y: for eta > 1/y none is linearly stable.",
    ),
    _scalar_instances,
    refute_budget=30,
)


def _optimal_value_within(instance: Instance, run: RunResult | None) -> Outcome:
    assert run is not None
    best = _best_rank_k(instance, min(instance.objective.widths))
    got = float(run.final_loss[0])
    scale = max(1.0, float(np.linalg.norm(instance.target.matrix)) ** 2)
    return Outcome(
        1e-6 * scale - (got - best),
        "L(T) - global minimum",
        int(run.steps[0]),
        f"L(T) = {got:.6g}, L* = {best:.6g}",
        scale=scale,
    )


FINITE_HORIZON = register(
    Claim(
        id="nguegnang.F3_3.deep_small_init_reaches_global_min",
        statement="FALSE VARIANT (finite horizon): for N >= 3, GD from small init reaches the global minimum value within "
        "2e4 steps.",
        source=_source(
            "abstract (the limit's rank cannot be determined a priori); false variant: the origin is a degenerate saddle"
        ),
        setting="N = 3, widths 2..4, m in [d_0, 8], X full row rank, Gaussian init scale in [1e-3, 1e-2]",
        algorithm="GD at the certified step, 2e4 steps",
        procedure=Procedure(),
        conclusion=_optimal_value_within,
        expect="refuted",
        tightness="GD lingers near the origin for a time of order eps^{-(N-2)}.",
    ),
    lambda: _data_instances(depth=(3, 3), min_scale=1e-3, max_scale=1e-2, steps=20_000),
    # hit rate 0.667-0.850 per example (300 + 60 + 60 draws; Wilson lower 0.612 at worst, benchmarks/hit_rates.py):
    # ln(1e6)/0.612 = 23; the simplest example violates, so every seed refutes at 1
    refute_budget=25,
)
