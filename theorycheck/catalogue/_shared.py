"""Shared exact identities of deep linear networks (Du, Hu, Lee 2018; Arora, Cohen, Hazan 2018) and their false variants."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

import theorycheck.strategies as tcs
from theorycheck.catalogue._helpers import (
    RECORD_WEIGHTS,
    ah,
    deep_objectives,
    recursion_instances,
    recursion_slack,
    weights_series,
)
from theorycheck.catalogue._registry import register
from theorycheck.claims import Case, Claim, Procedure, Source, conserved, every_step, pure
from theorycheck.dynamics import Recording, RunResult, run_gd
from theorycheck.dynamics.instance import Instance
from theorycheck.models import Balancing, deep_mf, gradient, invariants, loss, loss_and_grads_in
from theorycheck.precision import numeric as num

STANDARD = Source(
    "Du, Hu, Lee; Arora, Cohen, Hazan",
    2018,
    "Theorem 2.2 of Du, Hu, Lee (GD form of the balancedness law, our discrete version)",
    "reconstructed",
    arxiv="1806.00900",
    note="GF conservation is the papers'; the exact discrete recursion is derived from W_{j+1}^H G_{j+1} = G_j W_j^H "
    "and checked numerically (our derivation).",
)


IMBALANCE_RECURSION = register(
    Claim(
        id="shared.s0_2.gd_imbalance_recursion",
        setting="deep MF / deep linear network, depth 2..4, widths 1..4, real or complex, with or without data X; Gaussian, orthogonal, balanced or nearly balanced init",
        algorithm="GD with eta up to 0.2, 3 steps, weights recorded every step",
        statement="GD on l(W_N..W_1) changes each D_j = W_{j+1}^H W_{j+1} - W_j W_j^H by exactly "
        "eta^2 (G_{j+1}^H G_{j+1} - G_j G_j^H), with or without data, real or complex.",
        source=STANDARD,
        procedure=Procedure(record=RECORD_WEIGHTS),
        conclusion=every_step("relative recursion residual (slack to 1e-12)", recursion_slack, scale=1.0),
        tightness="Exact identity: residuals are rounding, ~1e-15 relative.",
    ),
    lambda: st.one_of(recursion_instances(), recursion_instances(data=True)),
)

WEIGHT_DECAY_RECURSION = register(
    Claim(
        id="shared.s0_2.gd_imbalance_recursion_weight_decay",
        setting="deep MF depth 2..4, widths 1..4, real or complex, uniform weight decay mu in [1e-3, 1] (coef 1/2)",
        algorithm="GD with eta up to 0.2, 3 steps, weights recorded every step",
        statement="With uniform weight decay (mu/2) sum ||W_j||^2, GD gives D_j(t+1) = (1 - eta mu)^2 D_j(t) + "
        "eta^2 (G_{j+1}^H G_{j+1} - G_j G_j^H), G the gradient without decay.",
        source=STANDARD,
        procedure=Procedure(record=RECORD_WEIGHTS),
        conclusion=every_step("relative recursion residual (slack to 1e-12)", recursion_slack, scale=1.0),
        tightness="Exact identity; with layer-dependent mu_l the recursion does not close (our derivation).",
    ),
    lambda: recursion_instances(decay=True),
)


@st.composite
def _orthogonality_cases(draw: Any) -> Case:
    depth = draw(tcs.depths(min_depth=2, max_depth=6))
    d = draw(st.integers(1, 5))
    field = draw(st.sampled_from(("real", "complex")))
    obj = deep_mf((d,) * (depth + 1), field=field)
    target = draw(tcs.target_matrices(shape=(d, d), field=field, min_condition=1.0, max_condition=50.0))
    init = draw(tcs.initializations(obj, target, min_scale=0.05, max_scale=3.0))
    a = draw(tcs.regularization_weights(min_value=0.01, max_value=100.0))
    return Case(
        {
            "depth": depth,
            "d": d,
            "field": field,
            "a": a,
            "target": target.matrix,
            "weights": init.weights,
            "init": init.kind,
        }
    )


def _orthogonality_margin(ctx: Any, case: Case) -> tuple[Any, str, float]:
    """``1e-10 |grad L_reg| |grad L_ori| - |Re<grad L_reg, grad L_ori>|``, the gradients in the arithmetic of ``ctx``."""
    d, depth, field = case["d"], case["depth"], case["field"]
    fit = deep_mf((d,) * (depth + 1), field=field)
    reg = deep_mf((d,) * (depth + 1), field=field, fit_coef=0.0) + Balancing(case["a"])
    _, g_fit = loss_and_grads_in(ctx, fit, case["weights"], case["target"])
    _, g_reg = loss_and_grads_in(ctx, reg, case["weights"], case["target"])
    # Re(conj(a) b) = Re a Re b + Im a Im b (conjugation of complex intervals fails in mpmath 1.4)
    inner = sum(
        (a.real * b.real + a.imag * b.imag for ga, gb in zip(g_reg, g_fit, strict=True) for a, b in zip(ga, gb, strict=True)),
        ctx.mpf(0),
    )
    scale = float(np.linalg.norm(gradient(reg, case["target"], case["weights"]))) * float(
        np.linalg.norm(gradient(fit, case["target"], case["weights"]))
    )
    detail = f"<grad L_reg, grad L_ori> = {num.to_float(inner):.3g}, |grad L_reg||grad L_ori| = {scale:.3g}"
    return 1e-10 * scale - abs(inner), detail, scale


ORTHOGONALITY = register(
    Claim(
        id="luo2025.I1.regularizer_orthogonality",
        setting="N in 2..6 square d x d layers (d in 1..5), real or complex, arbitrary target (kappa <= 50), any init kind at scale 0.05..3, a in [0.01, 100]",
        algorithm="none (a pointwise identity of the two gradients)",
        statement="For every W and every loss of the end-to-end product, Re<grad L_reg(W), grad L_ori(W)> = 0 "
        "(balancing regulariser (a/4) sum ||W_j W_j^H - W_{j+1}^H W_{j+1}||^2), real or complex.",
        source=Source(
            "Luo, Xu, Gao, Fazel, Du",
            2025,
            "Section 2.1, eq. (4) (the regulariser's gradient is orthogonal to the fit's; Lemma 26)",
            "reconstructed",
            "2511.09925",
            note="Follows from conservation of Delta_j along -grad l; checked to 2e-16 (our derivation).",
        ),
        conclusion=pure("|<grad L_reg, grad L_ori>| vs 1e-10 |.||.|", _orthogonality_margin, numeric=True),
        tightness="Exact identity (rounding only).",
    ),
    _orthogonality_cases,
)


@st.composite
def _gf_instances(draw: Any) -> Instance:
    obj = deep_objectives(draw, max_depth=3)
    target = draw(tcs.target_matrices(shape=obj.target_shape, field=obj.field, max_scale=1.5))
    init = draw(tcs.initializations(obj, target, kinds=("gaussian", "orthogonal", "nearly_balanced"), max_scale=1.0))
    return Instance(obj, target, init.weights, 1.0, 0, params={"init": init.kind, **init.drawn})


def _imbalance_series(instance: Instance, run: RunResult) -> np.ndarray:
    obj = instance.objective
    n = len(run.record_at)
    return np.stack(
        [
            np.concatenate([run.observables[f"imbalance{j}"][t, 0].ravel() for j in range(1, obj.depth)])
            for t in range(n)
        ]
    )


def _gf_bound(instance: Instance, run: RunResult) -> float:
    # solve_ivp at rtol 1e-10: the drift is integration error, relative to the weights' squared scale
    w0 = np.max(np.abs(instance.init)) if instance.init.size else 0.0
    return 1e-6 * max(1.0, float(w0) ** 2, float(np.max(np.abs(_imbalance_series(instance, run)[0]))))


GF_CONSERVATION = register(
    Claim(
        id="shared.s0_2.gf_conserves_imbalance",
        setting="deep MF depth 2..3, widths 1..4, real or complex, Gaussian, orthogonal or nearly balanced init up to scale 1",
        algorithm="gradient flow (solve_ivp DOP853, rtol 1e-10, atol 1e-12) to t = 2, 9 records",
        statement="Gradient flow on l(W_N..W_1) conserves every D_j = W_{j+1}^H W_{j+1} - W_j W_j^H.",
        source=Source(
            "Du, Hu, Lee",
            2018,
            "Theorem 2.2 (linear case, matrix form)",
            "paper",
            "1806.00900",
            "Exact under gradient flow (also credited to Du et al. 2018 by Ye & Du, Section 1, and by Luo et al., "
            "Lemma 26). Still reconstructed: nothing; the tolerance is the ODE solver's.",
        ),
        procedure=Procedure(
            method="gf", record=Recording(observables=("imbalances",)), t_max=lambda _i: 2.0, gf_records=9
        ),
        conclusion=conserved("max |D_j(t) - D_j(0)|", _imbalance_series, _gf_bound),
        tightness="Exact for the flow; the bound covers solve_ivp's integration error (rtol 1e-10).",
    ),
    _gf_instances,
)


@st.composite
def _symmetry_cases(draw: Any) -> Case:
    depth = draw(tcs.depths(min_depth=2, max_depth=4))
    widths = draw(tcs.widths(depth=depth, max_width=4))
    field = draw(st.sampled_from(("real", "complex")))
    regularised = draw(st.booleans())
    obj = deep_mf(widths, field=field)
    if regularised:
        obj = obj + Balancing(draw(tcs.regularization_weights(min_value=0.01, max_value=5.0)))
    target = draw(tcs.target_matrices(shape=obj.target_shape, field=field))
    init = draw(tcs.gaussian_initializations(obj, min_scale=0.1, max_scale=1.0))
    j = draw(st.integers(0, depth - 2))
    rot = draw(tcs.rotations(widths[j + 1], complex_=field == "complex"))
    eta = draw(tcs.step_sizes(bound=0.05))
    return Case(
        {
            "objective": obj,
            "target": target.matrix,
            "weights": init.weights,
            "layer": j,
            "rotation": rot,
            "step": eta,
            "steps": 20,
        }
    )


def _symmetry_margin(case: Case) -> tuple[float, str, float]:
    obj, j, q = case["objective"], case["layer"], case["rotation"]
    layers = list(obj.split(case["weights"]))
    rotated = list(layers)
    rotated[j] = q @ layers[j]
    rotated[j + 1] = layers[j + 1] @ ah(q)
    f0 = float(loss(obj, case["target"], case["weights"]))
    f1 = float(loss(obj, case["target"], obj.join(rotated)))
    a = run_gd(obj, case["target"], case["weights"], step=case["step"], max_steps=case["steps"])
    b = run_gd(obj, case["target"], obj.join(rotated), step=case["step"], max_steps=case["steps"])
    back = list(obj.split(b.final_params[0]))
    back[j] = ah(q) @ back[j]
    back[j + 1] = back[j + 1] @ q
    gap = float(np.max(np.abs(obj.join(back) - a.final_params[0])))
    scale = max(1.0, float(np.max(np.abs(a.final_params[0]))))
    loss_gap = abs(f1 - f0) / max(1.0, abs(f0))
    detail = f"loss gap {loss_gap:.2g}, trajectory gap {gap:.2g}"
    return min(1e-10 - loss_gap, 1e-9 * scale - gap), detail, scale  # a relative loss gap; the weights' size


SYMMETRY = register(
    Claim(
        id="shared.s5.orthogonal_symmetry",
        setting="deep MF depth 2..4, widths 1..4, real or complex, with or without the balancing regulariser; R a drawn rotation between layers j and j+1",
        algorithm="loss at the point and its rotation; GD for 20 steps (eta <= 0.05) from both, rotated back",
        statement="W_j -> R W_j, W_{j+1} -> W_{j+1} R^H (R orthogonal/unitary) leaves the loss unchanged (also "
        "with the balancing regulariser) and GD trajectories equivariant.",
        source=Source("theorycheck", 2026, "sanity properties (docs/catalogue.md)", "reconstructed"),
        conclusion=pure(
            "loss and trajectory gaps",
            _symmetry_margin,
            why_float64="the margin runs GD itself from a start rotated in float64 (a rotation that is orthogonal only "
            "to rounding); its gaps are rounding by design and are compared with 1e-10, far above it",
        ),
        tightness="Exact symmetry; gaps are rounding.",
    ),
    _symmetry_cases,
)


def _drift(instance: Instance, run: RunResult) -> np.ndarray:
    w = weights_series(run)
    obj = instance.objective
    d0 = invariants.imbalances(obj, w[0])
    drift = [
        max(float(np.max(np.abs(a - b))) for a, b in zip(invariants.imbalances(obj, wt), d0, strict=True)) for wt in w
    ]
    scale = max(1e-300, *(float(np.max(np.abs(d))) for d in d0), float(np.max(np.abs(w[0]))) ** 2)
    return 1e-12 - np.array(drift) / scale


@st.composite
def _conservation_instances(draw: Any) -> Instance:
    obj = deep_objectives(draw)
    target = draw(tcs.target_matrices(shape=obj.target_shape, field=obj.field))
    init = draw(tcs.initializations(obj, target, kinds=("gaussian", "balanced", "orthogonal"), min_scale=0.05))
    step = draw(tcs.step_sizes(bound=0.1))
    return Instance(obj, target, init.weights, step, 5, params={"init": init.kind, **init.drawn})


FALSE_CONSERVATION = register(
    Claim(
        id="shared.F1_3.gd_conserves_imbalance",
        setting="deep MF depth 2..4, widths 1..4, real or complex, Gaussian, balanced or orthogonal init at scale >= 0.05",
        algorithm="GD with eta up to 0.1, 5 steps",
        statement="FALSE VARIANT: GD (without regulariser) conserves D_j exactly, like gradient flow.",
        source=Source(
            "Luo, Xu, Gao, Fazel, Du / Ye, Du / Nguegnang et al.",
            2025,
            "Section 2.1 of Luo et al. and Ye & Du (invariance is lost for eta > 0); false variant",
            "reconstructed",
        ),
        procedure=Procedure(record=RECORD_WEIGHTS),
        conclusion=every_step("relative imbalance drift (slack to 1e-12)", _drift, scale=1.0),
        expect="refuted",
        tightness="The drift is exactly eta^2 (G_{j+1}^H G_{j+1} - G_j G_j^H) per step.",
    ),
    _conservation_instances,
    refute_budget=20,
)

__all__ = [
    "FALSE_CONSERVATION",
    "GF_CONSERVATION",
    "IMBALANCE_RECURSION",
    "ORTHOGONALITY",
    "SYMMETRY",
    "WEIGHT_DECAY_RECURSION",
]
