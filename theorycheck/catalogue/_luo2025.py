"""Luo, Xu, Gao, Fazel, Du 2025: four-layer matrix factorisation with the balancing regulariser.

"Global Convergence of Four-Layer Matrix Factorization under Random Initialization", arXiv 2511.09925.
The recovered arXiv v1 main body: display equations were partly lost, so several statements are reconstructed
([R] there); each claim's Source says which. The identity I1 (P1.1) lives in ``_shared``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

import theorycheck.strategies as tcs
from theorycheck.catalogue._helpers import smallest_singular_value, svd
from theorycheck.catalogue._registry import register
from theorycheck.claims import (
    Assumption,
    Case,
    Claim,
    Procedure,
    Source,
    balancing_value,
    every_step,
    monotone,
    one_step_rise,
    pure,
)
from theorycheck.dynamics import Recording, RunResult, RunStatus, run_gd
from theorycheck.dynamics.instance import Instance
from theorycheck.models import Balancing, deep_mf, invariants
from theorycheck.precision import numeric as num

PAPER = ("Luo, Xu, Gao, Fazel, Du", 2025)
ARXIV = "2511.09925"
HORIZON_UNITS = 2000.0  # T = HORIZON_UNITS / (eta sigma_1^{3/2}); 1000 gives 2e5 steps at sigma_1 = 1
SETTING = "four-layer MF W = W_4 W_3 W_2 W_1 with d x d layers, L = 1/2||Sigma - W||_F^2 + (a/4) sum ||Delta_j||_F^2"


def _source(locator: str, provenance: str, note: str = "") -> Source:
    return Source(PAPER[0], PAPER[1], locator, provenance, ARXIV, note)


def _svd_parts(obj: Any, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """U, Sigma_w (diag of sigma(W)^{1/N}) and V of the end-to-end W (balanced coordinates)."""
    u, s, vh = svd(invariants.product(obj, w))  # in the run's arithmetic (object arrays for high precision)
    return np.asarray(u), np.diag(s ** (1.0 / obj.depth)), np.asarray(vh.conj().T)


# ---- P1.2: the determinant barrier (Theorem 2, real case) -----------------------------------------


@st.composite
def _barrier_instances(draw: Any) -> Instance:
    d = draw(st.integers(2, 4))
    obj = deep_mf((d,) * 5)
    sigma1 = draw(tcs.finite_floats(0.5, 2.0))
    target = draw(tcs.target_matrices(shape=(d, d), kind="scaled_identity", min_scale=sigma1, max_scale=sigma1))
    init = draw(tcs.balanced_initializations(obj, min_scale=0.05, max_scale=0.3, det_sign=-1))
    eta = 1e-3 / sigma1**1.5
    return Instance(obj, target, init.weights, eta, 20_000, params={"init": "balanced det<0", **init.drawn})


def _barrier_slack(instance: Instance, run: RunResult) -> np.ndarray:
    sigma1 = float(instance.target.sigma[0])
    barrier = (np.asarray(run.observable("loss", 0)) - sigma1**2 / 2) / sigma1**2
    signs = []
    for j in range(1, instance.objective.depth + 1):
        det = np.asarray(run.observable(f"det_layer{j}", 0))
        signs.append(np.sign(det[0]) * det / abs(det[0]))
    return np.asarray(np.minimum(barrier, np.min(np.stack(signs), axis=0)))


BARRIER = register(
    Claim(
        id="luo2025.thm2.determinant_barrier",
        statement="Real balanced init with det W(0) < 0 and Sigma = sigma_1 I: along small-step GD (a = 0) no layer's "
        "determinant changes sign and L_ori(t) >= sigma_1^2 / 2 at every step (the run is stuck at a saddle).",
        source=_source(
            "Theorem 2 (1) (formal Theorem 37) and Remark 1",
            "reconstructed",
            "The bound min_{det W <= 0} 1/2||s I - W||^2 = s^2/2 is ours; GF in the paper, small-step GD here.",
        ),
        setting=SETTING + "; real, Sigma = sigma_1 I (sigma_1 in [0.5, 2]), balanced Gaussian init eps in "
        "[0.05, 0.3] with det W(0) < 0, d in 2..4",
        algorithm="GD, a = 0, eta = 1e-3 / sigma_1^{3/2}, 2e4 steps (GF-like)",
        procedure=Procedure(record=Recording(every=100, observables=("loss", "determinants"))),
        conclusion=every_step(
            "min(L - sigma_1^2/2 over sigma_1^2, sign-normalised det W_j)", _barrier_slack, scale=1.0
        ),
        tightness="The plateau is exactly sigma_1^2/2 (measured 0.5 at sigma_1 = 1); finite a or large eta can cross.",
    ),
    _barrier_instances,
)


# ---- P1.3 and F1.1: complex init converges, real init does not (rate over seeds) --------------------


@st.composite
def _seed_batches(draw: Any, *, field: str) -> Case:
    d = draw(st.integers(2, 3))
    eps = draw(tcs.finite_floats(0.05, 0.15))
    sigma1 = draw(tcs.finite_floats(0.5, 2.0))
    a = draw(tcs.finite_floats(1.0, 5.0))
    target = draw(
        tcs.target_matrices(shape=(d, d), kind="scaled_unitary", field=field, min_scale=sigma1, max_scale=sigma1)
    )
    seed = draw(tcs.seeds())
    obj = deep_mf((d,) * 5, field=field) + Balancing(a)
    rng = np.random.default_rng(seed)
    shape = (16, obj.n_params)
    if field == "complex":
        inits = eps * (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / np.sqrt(2)
    else:
        inits = eps * rng.standard_normal(shape)
    eta = 0.01 / max(1.0, a, sigma1**1.5)
    # Theorem 1's horizon is eta^{-1} sigma_1^{-3/2} poly(...): a fixed 2e5 steps is
    # 2000 such units only at sigma_1 = 1, eta = 0.01, and far fewer at sigma_1 = 0.5 or a = 5 (measured:
    # 50% of 64 complex seeds at sigma_1 = 0.5, a = 2 after 2e5 steps, escaping slowly, not stuck).
    steps = int(np.ceil(HORIZON_UNITS / (eta * sigma1**1.5)))
    return Case(
        {
            "objective": obj,
            "target": target.matrix,
            "inits": inits,
            "step": eta,
            "steps": steps,
            "d": d,
            "eps": eps,
            "sigma1": sigma1,
            "a": a,
            "seed": seed,
            "field": field,
        }
    )


def _rate_margin(case: Case) -> tuple[float, str]:
    run = run_gd(
        case["objective"],
        case["target"],
        case["inits"],
        step=case["step"],
        max_steps=case["steps"],
        tol=1e-8 * case["sigma1"] ** 2,
    )
    rate = float(np.mean(run.status == RunStatus.CONVERGED))
    stuck = run.final_loss[run.status != RunStatus.CONVERGED]
    detail = f"{rate:.0%} of 16 seeds reached L < 1e-8 sigma_1^2 in {case['steps']:,} steps"
    if stuck.size:
        detail += f"; the others ended at L in [{stuck.min():.3g}, {stuck.max():.3g}]"
    return rate - 0.75, detail


RATE_WHY = (
    "the margin is a count over 16 seeds of long GD runs (2000 time units): each seed's verdict is its loss against "
    "1e-8 sigma_1^2, decades from rounding, and 16 such runs at 113 bits take minutes; the count is not re-run"
)
RATE_SETTING = (
    SETTING + "; Sigma = sigma_1 * unitary (identical singular values), d in {2, 3}, eps in [0.05, 0.15], "
    "sigma_1 in [0.5, 2], a in [1, 5], 16 Gaussian seeds per instance"
)
RATE_ALGORITHM = (
    "GD, eta = 0.01 / max(1, a, sigma_1^{3/2}), T = 2000 / (eta sigma_1^{3/2}) steps (Theorem 1's "
    "time unit), stop at L < 1e-8 sigma_1^2"
)

COMPLEX_CONVERGES = register(
    Claim(
        id="luo2025.thm1.complex_init_converges",
        statement="Small complex Gaussian init converges w.h.p.: at least 75% of 16 seeds reach L < 1e-8 sigma_1^2 "
        "within T = 2000 / (eta sigma_1^{3/2}) steps.",
        source=_source(
            "Theorem 1 (informal; formal Theorem 49) and Theorem 2 (2)",
            "reconstructed",
            "The paper's constants are polynomials we do not know: rate, horizon and eta are our choices.",
        ),
        conclusion=pure("fraction of seeds converged - 0.75", _rate_margin, why_float64=RATE_WHY, scale=1.0),
        tightness="Measured 13/16 at 3e4 steps and 10/10 at 1.5e5 (our measurement); slow seeds have small "
        "sigma_min(W0 + (W0 W0^H)^{1/2}).",
        setting=RATE_SETTING,
        algorithm=RATE_ALGORITHM,
    ),
    lambda: _seed_batches(field="complex"),
    cost=6,
)

REAL_CONVERGES = register(
    Claim(
        id="luo2025.F1_1.real_init_converges_whp",
        statement="FALSE VARIANT: small real Gaussian init converges w.h.p. (at least 75% of 16 seeds).",
        source=_source("Theorem 1, real case (probability about 1/2); false variant: w.h.p.", "reconstructed"),
        conclusion=pure("fraction of seeds converged - 0.75", _rate_margin, why_float64=RATE_WHY, scale=1.0),
        expect="refuted",
        tightness="About half of real seeds have det W(0) < 0 and sit at L = sigma_1^2/2.",
        setting=RATE_SETTING,
        algorithm=RATE_ALGORITHM,
    ),
    lambda: _seed_batches(field="real"),
    # hit rate 0.58-0.88 per example (16 + 40 + 24 draws at ~4 s each, 53/80 pooled; Wilson lower 0.422 at worst,
    # benchmarks/hit_rates.py): ln(1e6)/0.422 = 33; the simplest example violates, so every seed refutes at 1
    refute_budget=35,
    cost=6,
)


# ---- P1.4: skew error non-increasing (Theorem 4) and Hermitian term non-decreasing (Theorem 5) ----


@st.composite
def _balanced_gd_instances(draw: Any, *, identity: bool) -> Instance:
    d = 3
    obj = deep_mf((d,) * 5)
    if identity:
        target = draw(tcs.target_matrices(shape=(d, d), kind="scaled_identity", min_scale=0.5, max_scale=2.0))
    else:
        target = draw(
            tcs.target_matrices(
                shape=(d, d), kind="diagonal", rank=d, ties=False, min_condition=1.5, max_condition=20.0
            )
        )
    init = draw(tcs.balanced_initializations(obj, min_scale=0.1, max_scale=0.5))
    eta = 1e-3 / float(target.sigma[0])
    return Instance(obj, target, init.weights, eta, 6000, params={"init": "balanced", **init.drawn})


def _distinct_singular_values(instance: Instance) -> bool:
    s = np.linalg.svd(invariants.product(instance.objective, instance.init), compute_uv=False)
    return bool(np.min(-np.diff(s)) > 1e-3 * s[0])


def _skew_series(instance: Instance, run: RunResult) -> np.ndarray:
    half = np.diag(np.sqrt(np.diag(instance.target.matrix).real))
    out = []
    for w in np.asarray(run.observable("weights", 0)):
        u, sw, v = _svd_parts(instance.objective, w)
        out.append(np.linalg.norm(half @ (u - v) @ sw) ** 2)
    return np.array(out)


def _hermitian_series(instance: Instance, run: RunResult) -> np.ndarray:
    out = []
    for w in np.asarray(run.observable("weights", 0)):
        u, sw, v = _svd_parts(instance.objective, w)
        out.append(smallest_singular_value((u + v) @ sw) / 2)
    return np.array(out)


def _per_record_allowance(instance: Instance, run: RunResult) -> np.ndarray:
    # C eta^2 per GD step (ours), over the steps between two records
    every = np.diff(np.asarray(run.record_at))
    return 1e3 * instance.step**2 * every


RECORD_EVERY_20 = Recording(every=20, observables=("weights",))

SKEW = register(
    Claim(
        id="luo2025.thm4.skew_error_nonincreasing",
        statement="Along balanced small-step GD, E_skew = ||Sigma^{1/2}(U - V) Sigma_w||_F^2 (W = U Sigma_w^N V^H) is "
        "non-increasing up to C eta^2 per step (C = 1e3), in reduced coordinates (diagonal Sigma).",
        source=_source(
            "Theorem 4 (formal Theorems 33, 34)",
            "paper",
            "Stated for GF; the C eta^2 allowance for GD is ours.",
        ),
        setting=SETTING + "; a = 0, Sigma diagonal with distinct values (kappa in [1.5, 20]), d = 3, balanced init "
        "eps in [0.1, 0.5] with distinct singular values",
        algorithm="GD, eta = 1e-3 / sigma_1, 6000 steps, recorded every 20 steps",
        procedure=Procedure(record=RECORD_EVERY_20),
        assumptions=(
            Assumption("initial singular values of W distinct (gap > 1e-3 sigma_1)", _distinct_singular_values),
        ),
        conclusion=monotone("E_skew", _skew_series, tol=_per_record_allowance),
        tightness="Numerically non-increasing for Sigma = I and diag(3, 1, 0.2), max rise 1e-10 (our measurement).",
    ),
    lambda: _balanced_gd_instances(identity=False),
)

HERMITIAN = register(
    Claim(
        id="luo2025.thm5.hermitian_term_nondecreasing",
        statement="For Sigma = sigma_1 I, x_min = sigma_min((U + V) Sigma_w) / 2 is non-decreasing along balanced "
        "small-step GD, up to C eta^2 per step (C = 1e3).",
        source=_source(
            "Theorem 5 (N = 4, Sigma = sigma_1 I, balanced GF)",
            "paper",
            "The lower bound of Theorem 5 was lost; monotonicity is the paper's stated message.",
        ),
        setting=SETTING + "; a = 0, Sigma = sigma_1 I (sigma_1 in [0.5, 2]), d = 3, balanced init eps in [0.1, 0.5]",
        algorithm="GD, eta = 1e-3 / sigma_1, 6000 steps, recorded every 20 steps",
        procedure=Procedure(record=RECORD_EVERY_20),
        conclusion=monotone("x_min", _hermitian_series, increasing=True, tol=_per_record_allowance),
        tightness="0 decreases in 4 runs of 6e4 steps for Sigma = I; with Sigma = diag(3, 1, 0.2) it does decrease.",
    ),
    lambda: _balanced_gd_instances(identity=True),
)


# ---- P1.5: the Lemma 20 sandwich (pure linear algebra) -------------------------------------------


@st.composite
def _sandwich_cases(draw: Any) -> Case:
    d = draw(st.integers(1, 5))
    complex_ = draw(st.booleans())
    u = draw(tcs.rotations(d, complex_=complex_))
    v = draw(tcs.rotations(d, complex_=complex_))
    sw = np.array(sorted(draw(st.lists(tcs.finite_floats(0.0, 10.0), min_size=d, max_size=d)), reverse=True))
    return Case({"u": u, "v": v, "sigma_w": sw, "d": d})


def _sandwich_margin(ctx: Any, case: Case) -> tuple[Any, str, float]:
    """Written once against a numeric context: float64, mpmath at 113/256 bits, intervals (the ladder)."""
    s = [num.lift(ctx, x) for x in case["sigma_w"]]
    if not s:
        return ctx.mpf(1e-12), "d = 0", 1.0
    sw = ctx.diag(s)
    u, v = num.lift(ctx, case["u"]), num.lift(ctx, case["v"])
    a = num.svdvals(ctx, (u + v) * sw)
    b = num.svdvals(ctx, (u - v) * sw)[0]
    scale = max(1.0, float(np.max(case["sigma_w"])))
    lower = [s_k - a_k / 2 for s_k, a_k in zip(s, a, strict=True)]  # (1/2) sigma_k(A) <= sigma_k(Sigma_w)
    upper = [ctx.sqrt(a_k**2 + b**2) / 2 - s_k for s_k, a_k in zip(s, a, strict=True)]  # Weyl
    worst = num.minimum(ctx, lower + upper)
    lo, up = num.to_float(num.minimum(ctx, lower)), num.to_float(num.minimum(ctx, upper))
    detail = f"smallest slack {num.to_float(worst):.3g} (lower {lo:.3g}, upper {up:.3g})"
    # the margin is relative to max(1, sigma_max): its scale is 1
    return worst / scale + 1e-12, detail, 1.0


SANDWICH = register(
    Claim(
        id="luo2025.lemma20.sandwich",
        statement="For unitary U, V and diagonal Sigma_w >= 0, with A = (U+V) Sigma_w and B = (U-V) Sigma_w: "
        "sigma_k(A)/2 <= sigma_k(Sigma_w) <= sqrt(sigma_k(A)^2 + ||B||^2)/2 for every k (the sharper 1/2 form).",
        source=_source(
            "Lemma 20",
            "paper",
            "The paper states sqrt(2)/2 for general k; 1/2 follows from "
            "A^H A + B^H B = 4 Sigma_w^2 and Weyl (our derivation).",
        ),
        setting="any d in 1..5, real orthogonal or complex unitary U, V (drawn rotations), Sigma_w in [0, 10]",
        algorithm="none (pure linear algebra)",
        conclusion=pure("slack of the sandwich (relative, + 1e-12)", _sandwich_margin, numeric=True),
        tightness="Lower bound tight at U = V; the upper bound is Weyl's inequality.",
    ),
    _sandwich_cases,
)


# ---- P1.6: local linear rate (Theorem 11) --------------------------------------------------------


@st.composite
def _local_instances(draw: Any) -> Instance:
    d = draw(st.integers(1, 3))
    obj = deep_mf((d,) * 5) + Balancing(1.0)
    sigma1 = draw(tcs.finite_floats(0.5, 2.0))
    target = draw(tcs.target_matrices(shape=(d, d), kind="scaled_unitary", min_scale=sigma1, max_scale=sigma1))
    qs = [target.v] + [draw(tcs.rotations(d)) for _ in range(3)] + [target.u]
    layers = [sigma1**0.25 * qs[j] @ qs[j - 1].T for j in range(1, 5)]
    noise = draw(tcs.finite_floats(1e-4, 1e-2))
    seed = draw(tcs.seeds())
    w = obj.join(layers) + noise * sigma1**0.25 * np.random.default_rng(seed).standard_normal(obj.n_params)
    eta = 0.01 / max(1.0, sigma1**1.5)
    return Instance(
        obj,
        target,
        w,
        eta,
        4000,
        tol=1e-24 * sigma1**2,
        params={"init": "near balanced optimum", "noise": noise, "init_seed": seed},
    )


def _rate_slack(instance: Instance, run: RunResult) -> np.ndarray:
    sigma1 = float(instance.target.sigma[0])
    loss = np.asarray(run.observable("loss", 0))[: int(run.steps[0]) + 1]
    start = np.flatnonzero(loss <= 1e-3 * sigma1**2)
    if start.size == 0:
        return np.array([-1.0])  # never entered the local phase within the horizon: a violation to look at
    t0 = int(start[0])
    k = np.arange(loss.size - t0)
    bound = loss[t0] * np.exp(-instance.step * sigma1**1.5 * k) * (1 + 1e-6)
    valid = loss[t0:] >= 1e-20 * sigma1**2  # below this, rounding (not the rate) sets the loss
    return np.asarray(((bound - loss[t0:]) / loss[t0])[valid])


LOCAL_RATE = register(
    Claim(
        id="luo2025.thm11.local_linear_rate",
        statement="Once L <= 1e-3 sigma_1^2 near a balanced minimiser, L(t0 + k) <= L(t0) exp(-eta sigma_1^{3/2} k).",
        source=_source(
            "Theorem 11 (local convergence, proof in App. H.3), eq. (20)",
            "reconstructed",
            "The paper: L(t) <= L_ori(T_1 + T_2) exp(-eta sigma_1^{3/2} (t - T_1 - T_2)) from the end of stage two "
            "(the rate's coefficient 1 is the paper's). Reconstructed: T_1 + T_2 (its polynomial is in the appendix) "
            "is replaced by the first t0 with L <= 1e-3 sigma_1^2, and L_ori(T_1 + T_2) by L(t0); holding from every "
            "such t0 tests more than the paper states.",
        ),
        setting=SETTING + "; a = 1, Sigma = sigma_1 * orthogonal, W_j = sigma_1^{1/4} Q_j Q_{j-1}^T + relative noise "
        "in [1e-4, 1e-2], Q_0 = V_S, Q_4 = U_S, d in 1..3",
        algorithm="GD, eta = 0.01 / max(1, sigma_1^{3/2}), up to 4000 steps or L <= 1e-24 sigma_1^2",
        procedure=Procedure(record=Recording(every=1, observables=("loss",))),
        conclusion=every_step("(bound - L) / L(t0)", _rate_slack, scale=1.0),
        tightness="The local rate of balanced GF is N sigma_1^{2(N-1)/N} = 4 sigma_1^{3/2}: the bound has a factor 4 "
        "of slack (our measurement).",
    ),
    _local_instances,
)


# ---- F1.2: L_reg non-increasing along GD (true for GF only) ---------------------------------------


@st.composite
def _overshoot_instances(draw: Any) -> Instance:
    d = draw(st.integers(1, 4))
    a = draw(tcs.finite_floats(0.5, 5.0))
    obj = deep_mf((d,) * 5) + Balancing(a)
    target = draw(tcs.target_matrices(shape=(d, d)))
    init = draw(tcs.gaussian_initializations(obj, min_scale=0.3, max_scale=1.0))
    eta_a = draw(tcs.finite_floats(0.5, 5.0))
    return Instance(obj, target, init.weights, eta_a / a, 20, params={"init": "gaussian", "eta*a": eta_a, **init.drawn})


def _reg_series(instance: Instance, run: RunResult) -> np.ndarray:
    obj = instance.objective
    return np.array(
        [
            obj.balancing
            / 4
            * sum(np.linalg.norm(run.observables[f"imbalance{j}"][t, 0]) ** 2 for j in range(1, obj.depth))
            for t in range(len(run.record_at))
        ]
    )


REG_MONOTONE = register(
    Claim(
        id="luo2025.F1_2.reg_loss_nonincreasing_gd",
        statement="FALSE VARIANT: L_reg is non-increasing along GD (as it is along GF, by I1).",
        source=_source("Lemma 26 (L_reg non-increasing under GF); false variant: under GD", "reconstructed"),
        setting=SETTING + "; unbalanced Gaussian init scale in [0.3, 1], a in [0.5, 5], d in 1..4",
        algorithm="GD with eta * a in [0.5, 5], 20 steps",
        procedure=Procedure(record=Recording(every=1, observables=("imbalances",))),
        conclusion=monotone("L_reg", _reg_series, tol=0.0),
        certificate=one_step_rise("L_reg", balancing_value),
        expect="refuted",
        tightness="True for GF (both terms non-increasing); finite steps overshoot.",
    ),
    _overshoot_instances,
    refute_budget=20,
)

__all__ = [
    "BARRIER",
    "COMPLEX_CONVERGES",
    "HERMITIAN",
    "LOCAL_RATE",
    "REAL_CONVERGES",
    "REG_MONOTONE",
    "SANDWICH",
    "SKEW",
]
