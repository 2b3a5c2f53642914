"""Quantities shared by several catalogue claims (pure numpy on recorded weights)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

import theorycheck.strategies as tcs
from theorycheck.dynamics import Recording, RunResult
from theorycheck.dynamics.instance import Instance
from theorycheck.models import Objective, WeightDecay, deep_mf, gradient, invariants


def ah(a: np.ndarray) -> np.ndarray:
    """Conjugate transpose over the last two axes."""
    return np.swapaxes(a, -1, -2).conj()


def smallest_singular_value(mat: np.ndarray) -> Any:
    """``sigma_min`` of a float64 matrix, or of a high-precision run's object matrix in that run's arithmetic."""
    if mat.dtype != object:
        return float(np.linalg.svd(mat, compute_uv=False)[-1])
    from theorycheck.precision import numeric as num

    ctx = next(x.context for x in mat.flat if hasattr(x, "context"))
    return num.sigma_min(ctx, ctx.matrix(mat.tolist()))


def weights_series(run: RunResult) -> np.ndarray:
    """Recorded weights of trajectory 0, ``(records, n_params)``."""
    return np.asarray(run.observable("weights", 0))


def recursion_residuals(instance: Instance, run: RunResult, fit: Objective, contraction: float) -> np.ndarray:
    """Relative residual per step of ``D_j(t+1) = c^2 D_j(t) + eta^2 (G_{j+1}^H G_{j+1} - G_j G_j^H)``.

    G is the gradient of ``fit`` (the objective without weight decay), c the weight-decay contraction.
    """
    w = weights_series(run)
    eta = instance.step
    out = []
    for t in range(min(len(w) - 1, int(run.steps[0]))):
        g = fit.split(gradient(fit, instance.target.matrix, w[t], instance.data))
        layers = fit.split(w[t])
        before = invariants.imbalances(fit, w[t])
        after = invariants.imbalances(fit, w[t + 1])
        worst = 0.0
        for j in range(fit.depth - 1):
            gap = ah(g[j + 1]) @ g[j + 1] - g[j] @ ah(g[j])
            pred = contraction**2 * before[j] + eta**2 * gap
            # relative to the terms that cancel (W^H W, W W^H, eta^2 G^H G), not to D itself, which can be 0
            scale = max(
                float(np.max(np.abs(ah(layers[j + 1]) @ layers[j + 1]))),
                float(np.max(np.abs(layers[j] @ ah(layers[j])))),
                eta**2 * float(np.max(np.abs(ah(g[j + 1]) @ g[j + 1]))),
                eta**2 * float(np.max(np.abs(g[j] @ ah(g[j])))),
                1e-300,
            )
            worst = max(worst, float(np.max(np.abs(after[j] - pred)) / scale))
        out.append(worst)
    return np.array(out)


def fit_part(objective: Objective) -> Objective:
    """The objective without regularisers (same widths, field, data and fit coefficient)."""
    return Objective(objective.widths, objective.field, objective.fit_coef, data_columns=objective.data_columns)


RECORD_WEIGHTS = Recording(every=1, observables=("weights", "loss"))


def deep_objectives(draw: Any, *, data: bool = False, max_depth: int = 4) -> Any:
    depth = draw(tcs.depths(min_depth=2, max_depth=max_depth))
    widths = draw(tcs.widths(depth=depth, max_width=4))
    field = draw(st.sampled_from(("real", "complex")))
    return deep_mf(widths, field=field, data_columns=draw(st.integers(widths[0], 6)) if data else None)


@st.composite
def recursion_instances(draw: Any, *, decay: bool = False, data: bool = False) -> Instance:
    obj = deep_objectives(draw, data=data)
    if decay:
        obj = obj + WeightDecay((draw(tcs.regularization_weights(min_value=1e-3, max_value=1.0)),) * obj.depth)
    target = draw(tcs.target_matrices(shape=obj.target_shape, field=obj.field))
    x = draw(tcs.data_matrices(rows=obj.widths[0], columns=obj.target_shape[1], field=obj.field)) if data else None
    init = draw(tcs.initializations(obj, target, kinds=("gaussian", "orthogonal", "balanced", "nearly_balanced")))
    step = draw(tcs.step_sizes(bound=0.2, regimes=("below", "at")))
    return Instance(obj, target, init.weights, step, 3, data=x, params={"init": init.kind, **init.drawn})


def recursion_slack(instance: Instance, run: RunResult) -> np.ndarray:
    obj = instance.objective
    mu = obj.decay[0] if obj.decay else 0.0
    contraction = 1.0 - 2.0 * instance.step * obj.decay_coef * mu
    return 1e-12 - recursion_residuals(instance, run, fit_part(obj), contraction)
