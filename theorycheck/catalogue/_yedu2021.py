"""Ye & Du 2021: GD for asymmetric low-rank MF, f(U, V) = 1/2 ||U V^T - Sigma||_F^2 (NeurIPS 2021, arXiv 2106.14289).

Sources: the recovered NeurIPS 2021 submission text (main body; constants may differ in the camera-ready).
Paper-exact claims with the paper's constants are in ``_yedu2021_paper``.
Block notation in Sigma's singular basis: U = [U_top; J], V = [V_top; K], A = (U_top + V_top)/2,
B = (U_top - V_top)/2, P = Sigma_d - A A^T + B B^T.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from hypothesis import strategies as st

import theorycheck.strategies as tcs
from theorycheck.catalogue._helpers import RECORD_WEIGHTS, eigvalsh, norm2, recursion_slack
from theorycheck.catalogue._helpers import smallest_singular_value as sigma_min_of
from theorycheck.catalogue._registry import register
from theorycheck.claims import (
    Assumption,
    Axis,
    Case,
    Claim,
    Outcome,
    Procedure,
    Scaling,
    Source,
    compares_consecutive_steps,
    converges_within,
    every_step,
    monotone,
    one_step_rise,
    pure,
    smallest_singular_value,
)
from theorycheck.dynamics import Recording, RunResult
from theorycheck.dynamics.instance import Instance, Target
from theorycheck.models import asymmetric_mf, deep_mf, factors_to_params, params_to_factors
from theorycheck.precision import numeric as num
from theorycheck.strategies import complete_basis

PAPER = ("Ye, Du", 2021)
ARXIV = "2106.14289"
SETTING = "asymmetric MF f(U, V) = 1/2||U V^T - Sigma||_F^2, Sigma m x n of rank d, U m x d, V n x d"


def _source(locator: str, provenance: str = "paper", note: str = "") -> Source:
    return Source(PAPER[0], PAPER[1], locator, provenance, ARXIV, note)


def _blocks(target: Target, obj: Any, w: np.ndarray) -> dict[str, np.ndarray]:
    """U_top, J, V_top, K, A, B, P of one iterate in Sigma's singular basis (Section 2.1, eqs. (4)-(9))."""
    u, v = params_to_factors(obj, w)
    d = target.sigma.size
    phi = complete_basis(np.asarray(target.u))
    psi = complete_basis(np.asarray(target.v))
    ur, vr = phi.T @ u, psi.T @ v
    a = (ur[:d] + vr[:d]) / 2
    b = (ur[:d] - vr[:d]) / 2
    return {
        "U_top": ur[:d],
        "J": ur[d:],
        "V_top": vr[:d],
        "K": vr[d:],
        "A": a,
        "B": b,
        "P": np.diag(target.sigma) - a @ a.T + b @ b.T,
    }


@st.composite
def _targets(draw: Any, *, max_dim: int = 4, max_condition: float = 4.0) -> Target:
    m = draw(st.integers(1, max_dim))
    n = draw(st.integers(1, max_dim))
    d = draw(st.integers(1, min(m, n)))
    target: Target = draw(tcs.target_matrices(shape=(m, n), rank=d, max_condition=max_condition))
    return target


def _model(target: Target) -> Any:
    m, n = target.shape
    return asymmetric_mf(m, n, target.sigma.size)


# ---- P2.1: exact GD imbalance identity ------------------------------------------------------------


@st.composite
def _identity_instances(draw: Any) -> Instance:
    target = draw(_targets(max_dim=5, max_condition=100.0))
    obj = _model(target)
    init = draw(tcs.initializations(obj, target, kinds=("gaussian", "balanced", "orthogonal", "rank_deficient")))
    eta = draw(tcs.step_sizes(bound=0.3 / float(target.sigma[0]), regimes=("below", "at")))
    return Instance(obj, target, init.weights, eta, 3, params={"init": init.kind, **init.drawn})


IDENTITY = register(
    Claim(
        id="yedu2021.s3.gd_imbalance_identity",
        statement="GD gives exactly D_{t+1} = D_t + eta^2 (G_U^T G_U - G_V^T G_V) for D = U^T U - V^T V.",
        source=_source(
            "Section 1 (the GF invariant of Du, Hu, Lee 2018, lost for eta > 0; our exact discrete form)",
            "reconstructed",
            "Exact identity (our discrete form of the invariant); measured error 9e-16.",
        ),
        setting=SETTING + "; m, n in 1..5, any init (Gaussian, balanced, orthogonal, rank-deficient)",
        algorithm="GD with eta up to 0.3 / sigma_1, 3 steps",
        procedure=Procedure(record=RECORD_WEIGHTS),
        conclusion=every_step("relative recursion residual (slack to 1e-12)", recursion_slack, scale=1.0),
        tightness="Exact identity.",
    ),
    _identity_instances,
)


# ---- P2.2: Lemmas 3.2 and 3.3 as matrix inequalities ---------------------------------------------


@st.composite
def _lemma_cases(draw: Any) -> Case:
    d = draw(st.integers(1, 5))
    sigma_d = draw(tcs.finite_floats(0.1, 1.0))
    kappa = draw(st.one_of(st.just(1.0), tcs.finite_floats(1.0, 10.0)))
    sigma_1 = sigma_d * kappa
    q = draw(tcs.rotations(d))
    spec = np.array([draw(st.sampled_from((sigma_d, sigma_1)) | tcs.finite_floats(sigma_d, sigma_1)) for _ in range(d)])
    sigma = q @ np.diag(spec) @ q.T
    r = draw(tcs.rotations(d))
    s_spec = np.array([draw(tcs.finite_floats(1e-6, 2.0)) * sigma_1 for _ in range(d)])
    p_spec = np.array([draw(tcs.finite_floats(-2.0, 2.0)) * sigma_1 for _ in range(d)])
    beta = draw(tcs.finite_floats(0.01, 0.99))
    eta = draw(tcs.finite_floats(1e-4, 1.0)) * beta / (8 * sigma_1)
    return Case(
        {
            "d": d,
            "sigma": sigma,
            "sigma_d": sigma_d,
            "sigma_1": sigma_1,
            "S": r @ np.diag(s_spec) @ r.T,
            "P": r @ np.diag(p_spec) @ r.T,
            "beta": beta,
            "eta": eta,
        }
    )


def lemma3_2_slack(ctx: Any, case: Case, coef: Any) -> tuple[Any, Any, Any]:
    """Lemma 3.2's slack ``sigma_d(S') - ((1 + eta(sigma_d - s))^2 s - coef sigma_1^3 eta^2)`` in ``ctx``.

    ``S' = (I + eta(Sigma - S)) S (I + eta(Sigma - S))``, ``s = sigma_d(S)``; ``coef`` is the paper's
    ``(8 + 6 beta)/(1 - beta)`` (22 at beta = 1/2, eq. (15)). Returns the slack, ``sigma_d(S')`` and the bound's
    first term.
    """
    sig, s_mat = num.lift(ctx, case["sigma"]), num.lift(ctx, case["S"])
    eta, sd, s1 = (num.lift(ctx, case[k]) for k in ("eta", "sigma_d", "sigma_1"))
    s = num.lambda_min(ctx, s_mat)
    g = ctx.eye(case["d"]) + (sig - s_mat) * eta
    s_new = num.lambda_min(ctx, g * s_mat * g)
    bound = (1 + eta * (sd - s)) ** 2 * s
    return s_new - (bound - coef * s1**3 * eta**2), s_new, bound


def _lemma_margin(ctx: Any, case: Case) -> tuple[Any, str, float]:
    """Written once against a numeric context: float64, mpmath at 113/256 bits, intervals (the ladder)."""
    sig, p_mat = num.lift(ctx, case["sigma"]), num.lift(ctx, case["P"])
    eta, beta, sd, s1 = (num.lift(ctx, case[k]) for k in ("eta", "beta", "sigma_d", "sigma_1"))
    eye = ctx.eye(case["d"])
    c = (8 + 6 * beta) / (1 - beta) * s1**3 * eta**2
    slack_32, _, _ = lemma3_2_slack(ctx, case, (8 + 6 * beta) / (1 - beta))
    p = num.lambda_min(ctx, p_mat)
    h = eye - (sig - p_mat) * eta
    p_new = num.lambda_min(ctx, h * p_mat * h)
    slack_33 = p_new - ((1 - eta * sd) ** 2 * p - c) if num.is_negative(ctx, p) else p_new
    s1f = float(case["sigma_1"])
    tol = 1e-12 * max(1.0, s1f) ** 3
    detail = f"Lemma 3.2 slack {num.to_float(slack_32):.3g}, Lemma 3.3 slack {num.to_float(slack_33):.3g}"
    # S and P have spectra within 2 sigma_1: the compared eigenvalues are of that size
    return num.minimum(ctx, [slack_32, slack_33]) + tol, detail, 2.0 * s1f


LEMMAS = register(
    Claim(
        id="yedu2021.lemma3_2_3_3.least_eigenvalue_bounds",
        statement="Lemma 3.2: lambda_min(S') >= (1 + eta(sigma_d - s))^2 s - ((8 + 6b)/(1 - b)) sigma_1^3 eta^2 for "
        "S' = (I + eta(Sigma - S)) S (I + eta(Sigma - S)); Lemma 3.3: the analogue for P (and lambda_min(P') >= 0 if "
        "P >= 0).",
        source=_source(
            "Lemmas 3.2 and 3.3",
            "paper",
            "Hypotheses and constants as printed: S, Sigma PD, sigma_1(S) <= 2 sigma_1, sigma_d(Sigma) >= sigma_d, "
            "sigma_1(Sigma) <= sigma_1, P symmetric with sigma_1(P) <= 2 sigma_1, beta in (0, 1), eta <= beta / (8 "
            "sigma_1); the p >= 0 branch gives 0 as printed. Still reconstructed: nothing.",
        ),
        setting="d in 1..5; Sigma symmetric with spectrum in [sigma_d, sigma_1] (ends hit); S PD with spectrum in "
        "(0, 2 sigma_1]; P symmetric with ||P|| <= 2 sigma_1; beta in (0, 1); eta in (0, beta/(8 sigma_1)]",
        algorithm="none (one step of the A/P recursion as a matrix inequality)",
        conclusion=pure("smallest slack of the two lemmas (+ 1e-12 sigma_1^3)", _lemma_margin, numeric=True),
        tightness="2e5 random trials and a Nelder-Mead search found no violation, even without the eta^2 term.",
    ),
    _lemma_cases,
)


# ---- P2.3: theorem-faithful convergence within T_total --------------------------------------------

C0, C_T, DELTA = 0.5, 8.0, 1e-6


def _t_total(instance: Instance) -> float:
    s = instance.target.sigma
    d = s.size
    eps = instance.params["eps"]
    return float(C_T / (instance.step * s[-1]) * (math.log(d * s[-1] / eps) + math.log(s[-1] / DELTA)))


@st.composite
def _theorem_instances(draw: Any) -> Instance:
    m = draw(st.integers(2, 4))
    n = draw(st.integers(2, 4))
    d = draw(st.integers(1, min(m, n)))
    target = draw(tcs.target_matrices(shape=(m, n), rank=d, max_condition=2.0))
    s1, sd = float(target.sigma[0]), float(target.sigma[-1])
    eps = C0 * sd / (math.sqrt(d * s1) * (m + n))
    eta = 0.5 * sd * eps**2 / (d * s1**3)
    obj = _model(target)
    seed = draw(tcs.seeds())
    rng = np.random.default_rng(seed)
    w = factors_to_params(obj, eps * rng.standard_normal((m, d)), eps * rng.standard_normal((n, d)))
    inst = Instance(
        obj, target, w, eta, 1, tol=DELTA, params={"init": "gaussian N(0, eps^2)", "eps": eps, "init_seed": seed}
    )
    return Instance(obj, target, w, eta, math.ceil(_t_total(inst)), tol=DELTA, params=inst.params)


def _good_init(instance: Instance) -> bool:
    a = _blocks(instance.target, instance.objective, instance.init)["A"]
    d = instance.target.sigma.size
    return bool(np.linalg.svd(a, compute_uv=False)[-1] >= instance.params["eps"] / (10 * math.sqrt(d)))


# ---- scaling (theorycheck scale): steps to reach f <= eps against kappa, at the practical step eta = c/sigma_1 ----

SCALE_STEP, SCALE_INIT = 0.5, 1e-3


def _scaling_instance(p: Mapping[str, float], repeat: int) -> Instance:
    """Sigma = diag(1, 1/kappa), m = n = d = 2, eta = 0.5/sigma_1, init 1e-3 N(0, 1) seeded by ``repeat``.

    The setting of the false variant yedu2021.F2_5 (about 26, 94, 350, 1200 steps at kappa = 1, 4, 16, 64 for eps = 1e-10).
    The horizon (50 kappa ln(1/eps) + 2000) is far above the measured counts, so a NaN means a real stall.
    """
    kappa, eps = float(p["kappa"]), float(p["eps"])
    target = Target(np.diag([1.0, 1.0 / kappa]), np.eye(2), np.array([1.0, 1.0 / kappa]), np.eye(2))
    obj = asymmetric_mf(2, 2, 2)
    rng = np.random.default_rng(repeat)
    w = factors_to_params(obj, SCALE_INIT * rng.standard_normal((2, 2)), SCALE_INIT * rng.standard_normal((2, 2)))
    horizon = int(50 * kappa * math.log(1 / eps)) + 2000
    horizon = 1 << (horizon - 1).bit_length()  # powers of two: few batch groups across a sweep
    return Instance(obj, target, w, SCALE_STEP, horizon, tol=eps, params={"kappa": kappa, "eps": eps, "repeat": repeat})


def _t_total_at(p: Mapping[str, float]) -> float:
    """T_total of Theorem 1.1 (constants as in P2.3) for Sigma = diag(1, 1/kappa), m = n = d = 2, delta = eps."""
    kappa, delta = float(p["kappa"]), float(p["eps"])
    s1, sd, d, m, n = 1.0, 1.0 / kappa, 2, 2, 2
    eps0 = C0 * sd / (math.sqrt(d * s1) * (m + n))
    eta = 0.5 * sd * eps0**2 / (d * s1**3)
    return C_T / (eta * sd) * (math.log(d * sd / eps0) + math.log(sd / delta))


def _kappa_axis(stated: float, note: str) -> Axis:
    return Axis("kappa", 16.0, 1.0, 1000.0, "power", stated, note)


_EPS_AXIS_NOTE = "T_total grows like ln(sigma_d/delta): a log factor in 1/eps, exponent 1"
SCALING_T_TOTAL = Scaling(
    quantity="GD steps until f <= eps",
    axes=(
        _kappa_axis(4.0, "T_total = 8/(eta sigma_d) (...) with eta ~ sigma_d^3: kappa^4 at sigma_1 = 1"),
        Axis("eps", 1e-10, 1e-14, 1e-8, "log", 1.0, _EPS_AXIS_NOTE),
    ),
    build=_scaling_instance,
    bound=_t_total_at,
    stated="T_total = O(kappa^4 log(1/eps)) (Theorem 1.1 with sigma_1 = 1, m = n = d = 2)",
    setting="Sigma = diag(1, 1/kappa), m = n = d = 2, init 1e-3 N(0, 1), eta = 0.5/sigma_1: the step "
    "practitioners use, larger than the theorem's eta ~ sigma_d^3 (so the bound is compared with practice, "
    "not with its own step)",
)


CONVERGENCE = register(
    Claim(
        id="yedu2021.thm1_1.converges_within_t_total",
        statement="With eps = 0.5 sigma_d/(sqrt(d sigma_1)(m + n)), eta = 0.5 sigma_d eps^2/(d sigma_1^3) and Gaussian "
        "N(0, eps^2) init, f(U_T, V_T) <= delta = 1e-6 within T_total = 8/(eta sigma_d) (ln(d sigma_d/eps) + "
        "ln(sigma_d/delta)).",
        source=_source(
            "Theorem 1.1",
            "reconstructed",
            "O-constants are ours (c0 = 0.5, C = 8), not the paper's; the 'w.h.p.' event is the "
            "assumption sigma_min(A_0) >= eps/(10 sqrt d).",
        ),
        setting=SETTING + "; m, n in 2..4, d in 1..min(m, n), kappa in [1, 2] (runtime), Gaussian init at the "
        "theorem's eps",
        algorithm="GD at the theorem's eta for T_total steps (stop at f <= delta)",
        procedure=Procedure(),
        assumptions=(Assumption("sigma_min(A_0) >= eps / (10 sqrt d) (the high-probability event)", _good_init),),
        conclusion=converges_within(DELTA, _t_total),
        tightness="The authors call the eta requirement loose; GD needs far fewer steps than T_total in practice.",
    ),
    _theorem_instances,
    cost=3,
    scaling=SCALING_T_TOTAL,
)


# ---- P2.4: ||J_t|| non-increasing whenever eta lambda_max(V^T V) <= 2 (exact certificate) ---------


@st.composite
def _j_instances(draw: Any) -> Instance:
    m = draw(st.integers(2, 5))
    n = draw(st.integers(1, 5))
    d = draw(st.integers(1, min(m - 1, n)))
    target = draw(tcs.target_matrices(shape=(m, n), rank=d, max_condition=10.0))
    obj = _model(target)
    init = draw(tcs.initializations(obj, target, kinds=("gaussian", "orthogonal", "nearly_balanced"), max_scale=2.0))
    eta = draw(
        tcs.step_sizes(bound=1.0 / (3 * float(target.sigma[0])), regimes=("below", "at", "above"), max_factor=10)
    )
    return Instance(obj, target, init.weights, eta, 50, params={"init": init.kind, **init.drawn})


def _j_norms(instance: Instance, run: RunResult) -> np.ndarray:
    """``(||J_t||, ||J_{t+1}||)`` at the steps where the certificate applies, shape ``(k, 2)``."""
    obj = instance.objective
    w = np.asarray(run.observable("weights", 0))[: int(run.steps[0]) + 1]
    out = []
    for t in range(len(w) - 1):
        _, v = params_to_factors(obj, w[t])
        if instance.step * eigvalsh(v.T @ v)[-1] > 2:
            continue  # the certificate says nothing at this step
        j0 = norm2(_blocks(instance.target, obj, w[t])["J"]) if w.size else 0.0
        j1 = norm2(_blocks(instance.target, obj, w[t + 1])["J"])
        out.append((j0, j1))
    return np.array(out, dtype=float).reshape(-1, 2)


def _j_slack(instance: Instance, run: RunResult) -> np.ndarray:
    j = _j_norms(instance, run)
    return np.asarray((j[:, 0] - j[:, 1]) + 1e-12 * np.maximum(1.0, j[:, 0]))


def _j_scale(instance: Instance, run: RunResult) -> np.ndarray:
    return np.asarray(_j_norms(instance, run).max(axis=1))  # the compared norms' size


J_MONOTONE = register(
    Claim(
        id="yedu2021.s3.j_nonincreasing_certificate",
        statement="||J_{t+1}|| <= ||J_t|| at every GD step with eta lambda_max(V_t^T V_t) <= 2 (J_{t+1} = J_t (I - eta "
        "V_t^T V_t)), from any initialisation.",
        source=_source(
            "Section 3.2.2 (monotone complement blocks), eqs. (8)-(9)",
            "reconstructed",
            "Exact linear-algebra certificate (our derivation from eq. (8), checked numerically).",
        ),
        setting=SETTING + "; m > d, any init (Gaussian, orthogonal, nearly balanced) up to scale 2",
        algorithm="GD with eta below, at or above 1/(3 sigma_1), 50 steps",
        procedure=Procedure(record=RECORD_WEIGHTS),
        conclusion=every_step("||J_t|| - ||J_{t+1}|| where certified", _j_slack, scale=_j_scale),
        tightness="Exact: J_{t+1} = J_t (I - eta M) with 0 <= M <= (2/eta) I.",
    ),
    _j_instances,
)


# ---- P2.5: local linear rate -------------------------------------------------------------------


@st.composite
def _practical_instances(draw: Any) -> Instance:
    target = draw(_targets(max_dim=5, max_condition=4.0))
    obj = _model(target)
    init = draw(tcs.gaussian_initializations(obj, min_scale=1e-3, max_scale=1e-3))
    return Instance(
        obj,
        target,
        init.weights,
        0.05 / float(target.sigma[0]),
        6000,
        tol=1e-26 * float(target.sigma[0]) ** 2,
        params={"init": "gaussian", **init.drawn},
    )


def _rate_slack(instance: Instance, run: RunResult) -> np.ndarray:
    obj, target = instance.objective, instance.target
    s = target.sigma
    w = np.asarray(run.observable("weights", 0))[: int(run.steps[0]) + 1]
    err = []
    t0 = None
    for t, wt in enumerate(w):
        u, v = params_to_factors(obj, wt)
        err.append(norm2(target.matrix - u @ v.T))
        if t0 is None:
            blk = _blocks(target, obj, wt)
            if sigma_min_of(blk["A"]) >= math.sqrt(s[-1] / 2) and norm2(blk["P"]) <= s[-1] / 4:
                t0 = t
    if t0 is None:
        return np.array([-1.0])  # never entered the local phase: look at it
    e = np.array(err[t0:])
    k = np.arange(e.size)
    bound = 1.5 * (1 - instance.step * s[-1] / 2) ** k * e[0]
    valid = e >= 1e-12 * s[0]  # rounding floor of ||Sigma - U V^T||
    return np.asarray(((bound - e) / e[0])[valid])


LOCAL_RATE = register(
    Claim(
        id="yedu2021.stage2.local_linear_rate",
        statement="After the first t0 with sigma_d(A) >= sqrt(sigma_d/2) and ||P|| <= sigma_d/4: ||Sigma - U_t V_t^T|| "
        "<= 1.5 (1 - eta sigma_d/2)^{t - t0} ||Sigma - U_t0 V_t0^T||.",
        source=_source(
            "Section 3.3 (stage two)",
            "reconstructed",
            "The paper's condition (2) is an operator norm of the d x d block with (2/5) sigma_d (Section 3.3); "
            "the prefactor C = 1.5 on the full residual is ours.",
        ),
        setting=SETTING + "; m, n in 1..4, kappa in [1, 4], Gaussian init scale 1e-3",
        algorithm="GD, eta = 0.05 / sigma_1 (the practical variant), up to 6000 steps",
        procedure=Procedure(record=RECORD_WEIGHTS),
        conclusion=every_step("(bound - error) / error(t0)", _rate_slack, scale=1.0),
        tightness="Observed rate is faster than (1 - eta sigma_d/2) once local.",
    ),
    _practical_instances,
)


# ---- P2.6: gradient-flow time for the scalar ODE, exact, and the sketch's bound (false) ----------


@st.composite
def _scalar_gf_instances(draw: Any) -> Instance:
    sigma = draw(tcs.finite_floats(0.25, 4.0))
    a0 = draw(tcs.log_uniform(1e-3, 0.5)) * math.sqrt(sigma)
    delta = draw(tcs.log_uniform(1e-6, 0.3)) * sigma
    obj = deep_mf((1, 1, 1))
    target = Target(np.array([[sigma]]), np.eye(1), np.array([sigma]), np.eye(1))
    c = sigma / a0**2 - 1
    t_exact = math.log(c * (sigma / delta - 1)) / (2 * sigma)
    return Instance(
        obj, target, np.array([a0, a0]), 1.0, 0, tol=delta**2 / 2, params={"a0": a0, "delta": delta, "t_exact": t_exact}
    )


def _gf_time_margin(bound: Any) -> Any:
    def margin(instance: Instance, run: RunResult | None) -> Any:
        assert run is not None
        # t* in the solver's arithmetic (an mpmath number on the Taylor rung): the margin is taken before rounding
        t_star = run.final_time[0] if run.final_time is not None else math.nan
        b = bound(instance)
        return Outcome(
            float((t_star - b) / b + 1e-6),
            "GF time to |sigma - a^2| <= delta, relative to the bound",
            None,
            f"t* = {float(t_star):.10g}, bound {b:.10g}",
            scale=1.0,  # a relative margin
        )

    return margin


def _exact_time(instance: Instance) -> float:
    return float(instance.params["t_exact"])


def _sketch_bound(instance: Instance) -> float:
    sigma = float(instance.target.sigma[0])
    a0, delta = instance.params["a0"], instance.params["delta"]
    return math.log(sigma * (sigma / a0**2 - 1) / delta) / (2 * sigma)


GF_PROCEDURE = Procedure(
    method="gf", record=Recording(observables=("loss",)), t_max=lambda i: 2.0 * i.params["t_exact"] + 1.0, gf_records=3
)
GF_SETTING = (
    "1 x 1 symmetric case U = V = a: da/dt = (sigma - a^2) a; sigma in [0.25, 4], a0 in [1e-3, 0.5] sqrt(sigma)"
)

GF_TIME = register(
    Claim(
        id="yedu2021.cor1_2.gf_time_exact",
        statement="GF needs t* >= ln(c (sigma/delta - 1)) / (2 sigma), c = sigma/a0^2 - 1, to reach |sigma - a^2| <= "
        "delta (equality: the closed form s_t = sigma e^{2 sigma t}/(e^{2 sigma t} + c)).",
        source=_source(
            "Corollary 1.2 (tightness of the GF bound)",
            "reconstructed",
            "The closed form is the paper's tightness example (Corollary 1.2), solved for t exactly by us.",
        ),
        setting=GF_SETTING + ", delta in [1e-6, 0.3] sigma",
        algorithm="GF (solve_ivp DOP853, rtol 1e-10) with a terminal event at loss = delta^2 / 2",
        procedure=GF_PROCEDURE,
        conclusion=_gf_time_margin(_exact_time),
        tightness="Equality up to the solver's tolerance: the (1/sigma_d) ln(sigma_d/delta) term of Corollary 1.2 is tight.",
    ),
    _scalar_gf_instances,
)

GF_TIME_SKETCH = register(
    Claim(
        id="yedu2021.P2_6.gf_time_bound_as_sketched",
        statement="FALSE AS WRITTEN: t* >= ln(sigma (sigma/a0^2 - 1) / delta) / (2 sigma) (an early property sketch of ours). The exact "
        "time is smaller by -ln(1 - delta/sigma)/(2 sigma) ~ delta/(2 sigma^2), visible once delta/sigma >~ 1e-5.",
        source=_source(
            "Corollary 1.2 (our early property sketch of its tightness example; false variant)",
            "reconstructed",
            "Found by this catalogue: the sketch drops the factor (1 - delta/sigma).",
        ),
        setting=GF_SETTING + ", delta in [1e-6, 0.3] sigma",
        algorithm="GF (solve_ivp DOP853, rtol 1e-10) with a terminal event at loss = delta^2 / 2",
        procedure=GF_PROCEDURE,
        conclusion=_gf_time_margin(_sketch_bound),
        expect="refuted",
        tightness="Off by exactly ln(1 - delta/sigma) / (2 sigma).",
    ),
    _scalar_gf_instances,
    refute_budget=30,
)


# ---- false variants F2.1, F2.3, F2.5 ----------------------------------------------------------------


@st.composite
def _unbalanced_instances(draw: Any) -> Instance:
    m = draw(st.integers(2, 3))
    target = draw(tcs.target_matrices(shape=(m, m), rank=m, max_condition=10.0))
    obj = _model(target)
    seed = draw(tcs.seeds())
    rng = np.random.default_rng(seed)
    su = draw(tcs.finite_floats(0.5, 2.0))
    sv = draw(tcs.log_uniform(1e-3, 5e-2))
    w = factors_to_params(obj, su * rng.standard_normal((m, m)), sv * rng.standard_normal((m, m)))
    return Instance(
        obj, target, w, 0.02 / float(target.sigma[0]), 200, params={"U scale": su, "V scale": sv, "init_seed": seed}
    )


def _sigma_d_u(instance: Instance, run: RunResult) -> np.ndarray:
    # in the run's arithmetic: high-precision runs record their weights unrounded
    return np.array(
        [sigma_min_of(params_to_factors(instance.objective, w)[0]) for w in run.observable("weights", 0)]
    )


def _u_factor(_xp: Any, _obj: Any, layers: list[Any], _target: Any, _data: Any) -> Any:
    return layers[1]  # asymmetric MF: W_1 = V^T, W_2 = U


@compares_consecutive_steps
def _sigma_d_a_certificate(instance: Any, verdict: Any, bits: int) -> Any:
    """One exact GD step in balls from the failing iterate; sigma_d(A) enclosed at both points.

    A = (Phi_d^T U + Psi_d^T V) / 2 with the bases the float64 conclusion uses (exact dyadic matrices).
    """
    d = instance.target.sigma.size
    phi = np.ascontiguousarray(complete_basis(np.asarray(instance.target.u))[:, :d].T)
    psi = np.ascontiguousarray(complete_basis(np.asarray(instance.target.v))[:, :d].T)

    def a_block(xp: Any, _obj: Any, layers: list[Any], _target: Any, _data: Any) -> Any:
        top_u = xp.mm(xp.from_numpy(phi), layers[1])
        top_v = xp.mm(xp.from_numpy(psi), xp.ah(layers[0]))
        return xp.scale(xp.scalar(0.5), xp.add(top_u, top_v))

    return one_step_rise("sigma_d(A)", smallest_singular_value(a_block), increasing=True)(instance, verdict, bits)


SIGMA_D_U = register(
    Claim(
        id="yedu2021.F2_1.sigma_d_u_nondecreasing",
        statement="FALSE VARIANT: sigma_d(U_t) is non-decreasing along GD.",
        source=_source(
            "Section 2.1 (the paper says sigma_d(U_t), sigma_d(V_t) are not monotone); false variant",
            "paper",
            "The paper states that sigma_d(U_t) and sigma_d(V_t) are not monotone and can become extremely small; "
            "the monotone version must be refuted. Still reconstructed: the instance family.",
        ),
        setting=SETTING + "; unbalanced init U0 ~ [0.5, 2] N(0,1), V0 ~ [1e-3, 5e-2] N(0,1), square m in 2..3",
        algorithm="GD, eta = 0.02 / sigma_1, 200 steps",
        procedure=Procedure(record=RECORD_WEIGHTS),
        conclusion=monotone("sigma_d(U)", _sigma_d_u, increasing=True),
        certificate=one_step_rise("sigma_d(U)", smallest_singular_value(_u_factor), increasing=True),
        expect="refuted",
        tightness="53/200 seeds decreased (our measurement).",
    ),
    _unbalanced_instances,
    # hit rate 0.453-0.567 per example (300 + 180 + 210 draws; Wilson lower 0.398 at worst, benchmarks/hit_rates.py):
    # ln(1e6)/0.398 = 35; the simplest example violates, so every seed refutes at 1
    refute_budget=35,
)


@st.composite
def _large_init_instances(draw: Any) -> Instance:
    target = draw(_targets(max_dim=3, max_condition=4.0))
    obj = _model(target)
    init = draw(tcs.gaussian_initializations(obj, min_scale=0.5, max_scale=2.0))
    return Instance(
        obj, target, init.weights, 1 / (16 * float(target.sigma[0])), 200, params={"init": "gaussian", **init.drawn}
    )


def _sigma_d_a(instance: Instance, run: RunResult) -> np.ndarray:
    return np.array(
        [sigma_min_of(_blocks(instance.target, instance.objective, w)["A"]) for w in run.observable("weights", 0)]
    )


SIGMA_D_A = register(
    Claim(
        id="yedu2021.F2_3.sigma_d_a_nondecreasing_any_init",
        statement="FALSE VARIANT: with eta <= 1/(16 sigma_1), sigma_d(A_t) is non-decreasing from any initialisation.",
        source=_source("Section 2.2 (sigma_d(A) almost monotone for small init); false variant without the small init", "reconstructed"),
        setting=SETTING + "; large asymmetric Gaussian init, scale in [0.5, 2]",
        algorithm="GD, eta = 1/(16 sigma_1), 200 steps",
        procedure=Procedure(record=RECORD_WEIGHTS),
        conclusion=monotone("sigma_d(A)", _sigma_d_a, increasing=True),
        certificate=_sigma_d_a_certificate,
        expect="refuted",
        tightness="119/400 runs had sigma_d(A) drops up to 1.3 (our measurement).",
    ),
    _large_init_instances,
    # hit rate 0.260-0.381 per example (300 + 270 + 210 draws; Wilson lower 0.214 at worst, benchmarks/hit_rates.py):
    # ln(1e6)/0.214 = 65; ci seed 0 first violates at example 6
    refute_budget=65,
)


@st.composite
def _kappa_instances(draw: Any) -> Instance:
    kappa = draw(tcs.finite_floats(1.0, 100.0))
    target = Target(np.diag([1.0, 1.0 / kappa]), np.eye(2), np.array([1.0, 1.0 / kappa]), np.eye(2))
    obj = asymmetric_mf(2, 2, 2)
    init = draw(tcs.gaussian_initializations(obj, min_scale=1e-3, max_scale=1e-3))
    return Instance(obj, target, init.weights, 0.5, 100, tol=1e-10, params={"kappa": kappa, **init.drawn})


KAPPA_FREE = register(
    Claim(
        id="yedu2021.F2_5.steps_independent_of_kappa",
        statement="FALSE VARIANT: the iteration count does not depend on kappa: GD at eta = 0.5/sigma_1 from init "
        "1e-3 N(0, 1) reaches f <= 1e-10 within 100 steps for every kappa.",
        source=_source("Theorem 1.1 (T_total grows with kappa); false variant", "reconstructed"),
        setting="Sigma = diag(1, 1/kappa), kappa in [1, 100], m = n = d = 2, Gaussian init scale 1e-3",
        algorithm="GD, eta = 0.5, 100 steps",
        procedure=Procedure(),
        conclusion=converges_within(1e-10, lambda _i: 100),
        expect="refuted",
        tightness="About 26, 94, 350, 1200 steps at kappa = 1, 4, 16, 64: linear in kappa.",
    ),
    _kappa_instances,
    refute_budget=30,
    scaling=Scaling(
        quantity="GD steps until f <= eps",
        axes=(
            _kappa_axis(0.0, "the variant says the count does not depend on kappa"),
            Axis("eps", 1e-10, 1e-14, 1e-8, "log", None),
        ),
        build=_scaling_instance,
        bound=lambda p: 100.0 if p["eps"] >= 1e-10 else None,
        stated="at most 100 steps for every kappa (f <= 1e-10)",
        setting=SCALING_T_TOTAL.setting,
    ),
)
