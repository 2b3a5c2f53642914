"""Luo, Xu, Gao, Fazel, Du 2025, paper-exact: the real-case determinant law of Theorems 3 and 6.

Source: the recovered arXiv v1 main body (no appendix; some displays lost). Theorem 6 (random Gaussian init,
any depth N; proof in App. B.2) and Theorem 3 (balanced init, even N; proof in App. B.3) state, for F = R,
that the sign of the determinant is a fair coin and that on the negative side the Hermitian term the
analysis needs is exactly zero, which is why real initialisation converges only with probability about 1/2
(Theorem 1, Remark 1). The bounds (14) and (7) carry f_1 = O(1/delta), f_2 = O(1/delta^5) (N = 4) whose
constants the main text does not give: they are not encoded here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

import theorycheck.strategies as tcs
from theorycheck.catalogue._luo2025 import _source, _svd_parts
from theorycheck.catalogue._registry import register
from theorycheck.claims import Case, Claim, Procedure, every_step, monotone, pure
from theorycheck.dynamics import Recording
from theorycheck.models import deep_mf
from theorycheck.precision import numeric as num

SETTING = "N = 4 real square layers W_j (d x d), W = W_4 W_3 W_2 W_1, d in 1..4"


def _product(layers: tuple[np.ndarray, ...]) -> np.ndarray:
    w = layers[0]
    for layer in layers[1:]:
        w = layer @ w
    return w


@st.composite
def _negative_det_cases(draw: Any, *, kind: str) -> Case:
    d = draw(st.integers(1, 4))
    obj = deep_mf((d,) * 5)
    if kind == "balanced":
        init = draw(tcs.balanced_initializations(obj, min_scale=1e-2, max_scale=1.0, det_sign=-1))
    else:
        init = draw(tcs.gaussian_initializations(obj, min_scale=1e-2, max_scale=1.0, det_sign=-1))
    return Case({"d": d, "W": _product(obj.split(init.weights)), "init": init.kind, **init.drawn})


def _hermitian_term_margin(ctx: Any, case: Case) -> tuple[Any, str, float]:
    """Written once against a numeric context (float64, mpmath 113/256 bits; no interval SVD: no certificate)."""
    w = num.lift(ctx, case["W"])
    u, s, _vh = num.svd(ctx, w)
    m = w + u * ctx.diag(s) * u.T  # W + (W W^T)^{1/2}
    smin = num.svd(ctx, m)[1][-1]  # by SVD, not by the Gram matrix (whose sqrt would lose half the digits at 0)
    ratio = smin / s[0] if s[0] > 0 else smin
    det = num.to_float(ctx.det(w))
    detail = f"det W = {det:.3g}, sigma_min(W + (W W^T)^(1/2)) / ||W|| = {num.to_float(ratio):.3g}"
    return num.lift(ctx, 1e-10) - ratio, detail, 1.0  # a ratio to ||W||: its scale is 1


THM6_ZERO = register(
    Claim(
        id="luo2025.thm6.negative_det_zero_hermitian_term",
        statement="Real random Gaussian init: if det W < 0 then sigma_min(W + (W W^T)^{1/2}) = 0.",
        source=_source(
            "Theorem 6, case F = R (proof in App. B.2)",
            "paper",
            "Exact: W = U S V^T gives W + (W W^T)^{1/2} = U S U^T (U V^T + I), and U V^T is orthogonal with "
            "determinant sign(det W) = -1, so it has the eigenvalue -1. Still reconstructed: nothing; the "
            "positive-side bounds (15) are not encoded (constants unknown).",
        ),
        setting=SETTING + "; iid Gaussian entries at scale 0.01..1, conditioned on det W < 0",
        algorithm="none (a statement about the initialisation)",
        conclusion=pure("1e-10 - sigma_min(W + (W W^T)^{1/2}) / ||W||", _hermitian_term_margin, numeric=True),
        tightness="Exact; the relative size of sigma_min is rounding (~1e-16).",
    ),
    lambda: _negative_det_cases(kind="gaussian"),
)


def _sum_factor_margin(ctx: Any, case: Case) -> tuple[Any, str, float]:
    """Written once against a numeric context (float64, mpmath 113/256 bits; no interval SVD: no certificate)."""
    u, s, vh = num.svd(ctx, num.lift(ctx, case["W"]))
    quarter = num.lift(ctx, 0.25)
    sigma_w = ctx.diag([x**quarter for x in s])  # W = U Sigma_w^N V^T with N = 4
    smin = num.svd(ctx, (u + vh.T) * sigma_w)[1][-1]  # by SVD: a Gram matrix's sqrt would lose half the digits
    top = s[0] ** quarter
    ratio = smin / top if s[0] > 0 else smin
    return num.lift(ctx, 1e-10) - ratio, f"sigma_min((U + V) Sigma_w) / ||Sigma_w|| = {num.to_float(ratio):.3g}", 1.0


THM3_ZERO = register(
    Claim(
        id="luo2025.thm3.negative_sign_zero_x",
        statement="Real balanced init, N = 4: on the event s det(Q_{N,N+1}) det(Q_{01}) = -1 (det W < 0), "
        "sigma_min((U + V) Sigma_w) = 0 at t = 0, for W = U Sigma_w^N V^T.",
        source=_source(
            "Theorem 3, case F = R (proof in App. B.3)",
            "paper",
            "The printed statement is cut off on the -1 event; 'sigma_min((U + V) Sigma_w) = 0' is read from "
            "context (it is the x_k = 0 of Theorem 5 and Corollary 36). The balanced-init formula W_j = eps s_j "
            "Q_{j,j+1} Sigma_G Q_{j-1,j}^H is lost in the copy and reconstructed (it matches every stated "
            "ingredient). Exact for any SVD: V^T U is orthogonal with determinant -1.",
        ),
        setting=SETTING + "; balanced Gaussian init at scale 0.01..1, conditioned on det W < 0",
        algorithm="none (a statement about the initialisation)",
        conclusion=pure("1e-10 - sigma_min((U + V) Sigma_w) / ||Sigma_w||", _sum_factor_margin, numeric=True),
        tightness="Exact.",
    ),
    lambda: _negative_det_cases(kind="balanced"),
)


SEEDS = 1000
SIGMAS = 5.0


@st.composite
def _sign_cases(draw: Any) -> Case:
    d = draw(st.integers(1, 4))
    seed = draw(tcs.seeds())
    rng = np.random.default_rng(seed)
    layers = rng.standard_normal((4, SEEDS, d, d))
    w = layers[3] @ layers[2] @ layers[1] @ layers[0]
    return Case({"d": d, "seed": seed, "negative": int((np.linalg.det(w) < 0).sum()), "n": SEEDS})


def _sign_margin(case: Case) -> tuple[float, str]:
    frac = case["negative"] / case["n"]
    allowed = SIGMAS * math.sqrt(0.25 / case["n"])
    return allowed - abs(frac - 0.5), f"{case['negative']} of {case['n']} draws have det W < 0"


THM6_SIGN = register(
    Claim(
        id="luo2025.thm6.determinant_sign_is_a_fair_coin",
        statement="Real random Gaussian init: det W > 0 and det W < 0 each have probability 1/2.",
        source=_source(
            "Theorem 6, case F = R (proof in App. B.2)",
            "paper",
            "Checked as a 5-sigma binomial test on 1000 draws per example (a false alarm about once in 1.7e6 "
            "examples); the symmetry W_1 -> diag(-1, 1, ..., 1) W_1 proves it.",
        ),
        setting=SETTING + "; 1000 iid Gaussian draws per example",
        algorithm="none (a statement about the initialisation)",
        conclusion=pure(
            "5 sigma - |fraction negative - 1/2|",
            _sign_margin,
            why_float64="the margin is a binomial test on an integer count made when the case is drawn (how many of "
            "1000 float64 determinants are negative, each decided far from rounding for Gaussian draws): there is "
            "no arithmetic left to refine",
            scale=1.0,  # a fraction
        ),
        tightness="Exact probability 1/2.",
    ),
    _sign_cases,
)


# ---- Theorem 5: the upper bound on the growth of x_k, under gradient flow ------------------------------------


@st.composite
def _theorem5_instances(draw: Any) -> Any:
    from theorycheck.dynamics.instance import Instance

    d = draw(st.integers(1, 3))
    obj = deep_mf((d,) * 5)
    target = draw(tcs.target_matrices(shape=(d, d), kind="scaled_identity", min_scale=0.5, max_scale=2.0))
    init = draw(tcs.balanced_initializations(obj, min_scale=0.1, max_scale=0.7))
    return Instance(obj, target, init.weights, 1.0, 1, params={"init": "balanced", **init.drawn})


def _x_and_sigma_w(obj: Any, w: np.ndarray) -> tuple[np.ndarray, float, float]:
    """x_k = sigma_k((U + V) Sigma_w) / 2 (decreasing), ||Sigma_w||_op and ||(U - V) Sigma_w||_F."""
    u, sw, v = _svd_parts(obj, w)
    x = np.linalg.svd((u + v) @ sw, compute_uv=False) / 2
    return x, float(np.max(np.diag(sw))), float(np.linalg.norm((u - v) @ sw))


def _theorem5_slack(instance: Any, run: Any) -> np.ndarray:
    """Per record interval and k: ``1 - x_k^2(t2) / (x_k^2(t1) exp(c (t2 - t1)))`` + 1e-6 (the solver's tolerance).

    ``c = sigma_1 (2 max ||Sigma_w||_op^2 + ||(U - V) Sigma_w|_{t=0}||_F^2)``, the max over the two records and
    the interval's ends (||Sigma_w|| is monotone here: balanced growth toward sigma_1^{1/4}), so Gronwall turns
    Theorem 5's bound on d/dt x_k^2 into this ratio. x_k below 1e-8 of the largest are skipped (x_k = 0 stays 0).
    """
    sigma1 = float(instance.target.sigma[0])
    times = np.asarray(run.record_at, dtype=float)
    parts = [_x_and_sigma_w(instance.objective, w) for w in np.asarray(run.observable("weights", 0))]
    skew0 = parts[0][2]
    out = []
    for (x1, s1, _), (x2, s2, _), dt in zip(parts[:-1], parts[1:], np.diff(times), strict=True):
        c = sigma1 * (2 * max(s1, s2) ** 2 + skew0**2)
        live = x1 > 1e-8 * max(float(x1[0]), 1e-300)
        ratio = (x2[live] ** 2) / (x1[live] ** 2 * math.exp(c * dt))
        out.append(float(np.min(1 - ratio)) + 1e-6 if ratio.size else 1.0)
    return np.array(out)


THM5_UPPER = register(
    Claim(
        id="luo2025.thm5.growth_upper_bound",
        statement="Balanced GF, N = 4, Sigma = sigma_1 I: d/dt x_k^2 <= sigma_1 (2 ||Sigma_w||_op^2 + ||((U - V) "
        "Sigma_w)|_{t=0}||_F^2) x_k^2 for x_k = sigma_k((U + V) Sigma_w) / 2, W = U Sigma_w^4 V^T.",
        source=_source(
            "Theorem 5 (upper bound; proof in App. D.2)",
            "paper",
            "The upper bound as printed, checked in integrated (Gronwall) form between GF records with the largest "
            "||Sigma_w|| of each interval's ends. Still reconstructed: the lower bound, whose display is lost, and "
            "the balanced-init formula (reconstructed, as in Theorem 3).",
        ),
        setting="N = 4 real square layers, d in 1..3, Sigma = sigma_1 I with sigma_1 in [0.5, 2], balanced Gaussian "
        "init at scale 0.1..0.7, a = 0 (balance is kept by the flow)",
        algorithm="GF to t = 4 / sigma_1^{3/2}, 40 records",
        procedure=Procedure(
            method="gf",
            record=Recording(observables=("weights",)),
            t_max=lambda i: 4.0 / float(i.target.sigma[0]) ** 1.5,
            gf_records=40,
        ),
        conclusion=every_step("1 - x_k^2(t2) / (x_k^2(t1) e^{c dt}) (+1e-6)", _theorem5_slack, scale=1.0),
        tightness="Tight at small init: for d = 1 and U = V, x = sigma_w and d/dt x^2 = 2 sigma_1 x^4 - 2 x^8 against the "
        "bound 2 sigma_1 x^4.",
    ),
    _theorem5_instances,
    cost=2,
)


# ---- Lemma 26: the balancing regulariser never increases under gradient flow --------------------------------


@st.composite
def _lemma26_instances(draw: Any) -> Any:
    from theorycheck.dynamics.instance import Instance
    from theorycheck.models import Balancing

    d = draw(st.integers(1, 3))
    a = draw(tcs.log_uniform(0.1, 10.0))
    field = draw(st.sampled_from(("real", "complex")))
    obj = deep_mf((d,) * 5, field=field) + Balancing(a)
    target = draw(tcs.target_matrices(shape=(d, d), field=field, min_scale=0.5, max_scale=2.0))
    init = draw(tcs.gaussian_initializations(obj, min_scale=0.1, max_scale=1.0))
    return Instance(obj, target, init.weights, 1.0, 1, params={"a": a, "init": init.kind, **init.drawn})


def _l_reg_series(instance: Any, run: Any) -> np.ndarray:
    """``L_reg = (a/4) sum_j ||Delta_{j,j+1}||_F^2`` at each record (Delta_{j,j+1} = -D_j, the recorded imbalance)."""
    a = float(instance.params["a"])
    depth = instance.objective.depth
    obs = run.observables
    return np.array(
        [
            a / 4 * sum(float(np.sum(np.abs(obs[f"imbalance{j}"][t, 0]) ** 2)) for j in range(1, depth))
            for t in range(len(run.record_at))
        ]
    )


def _lemma26_tol(instance: Any, run: Any) -> np.ndarray:
    # solve_ivp at rtol 1e-10: the integration error, relative to the regulariser's initial value
    start = float(_l_reg_series(instance, run)[0])
    return np.full(len(run.record_at) - 1, 1e-7 * max(start, 1e-12))


LEMMA26 = register(
    Claim(
        id="luo2025.lemma26.reg_loss_nonincreasing_gf",
        statement="Under gradient flow of L = L_ori + L_reg, the balancing regulariser L_reg = (a/4) sum_j "
        "||Delta_{j,j+1}||_F^2 never increases (for any start, real or complex).",
        source=_source(
            "Lemma 26 (cited in Section 2.1 for balance under GF)",
            "paper",
            "The lemma's statement as the main text uses it. Reconstructed: the Delta definition (lost in the copy; "
            "W_j W_j^H - W_{j+1}^H W_{j+1} is the sign the printed gradient (4) forces) -- the claim does not depend "
            "on the sign. luo2025.F1_2.reg_loss_nonincreasing_gd is the GD false variant.",
        ),
        setting="N = 4 square layers d in 1..3, real or complex, a log-uniform in [0.1, 10], Sigma of scale 0.5..2, "
        "Gaussian start at scale 0.1..1",
        algorithm="GF (solve_ivp DOP853, rtol 1e-10) to t = 1, 30 records",
        procedure=Procedure(
            method="gf", record=Recording(observables=("imbalances",)), t_max=lambda _i: 1.0, gf_records=30
        ),
        conclusion=monotone("L_reg", _l_reg_series, tol=_lemma26_tol),
        tightness="Exact for the flow (d/dt L_reg = -||grad L_reg||^2, the cross term vanishing by orthogonality).",
    ),
    _lemma26_instances,
    cost=2,
)
