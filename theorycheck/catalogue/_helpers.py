"""Quantities shared by several catalogue claims (pure numpy on recorded weights)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

import theorycheck.strategies as tcs
from theorycheck.dynamics import Recording, RunResult
from theorycheck.dynamics.instance import Instance
from theorycheck.models import Objective, WeightDecay, deep_mf, gradient, invariants, loss_and_grads_in


def ah(a: np.ndarray) -> np.ndarray:
    """Conjugate transpose over the last two axes."""
    return np.swapaxes(a, -1, -2).conj()


# Spectral functions of recorded quantities, in the arithmetic of the run that recorded them: float64 arrays go to
# numpy, a high-precision run's object arrays of mpmath numbers to mpmath at that run's precision (its context).


def _ctx_of(mat: np.ndarray) -> Any:
    ctx = next((x.context for x in mat.flat if hasattr(x, "context")), None)
    if ctx is None:  # an object array of plain numbers: mpmath's float64 context
        import mpmath

        return mpmath.fp
    return ctx


def svdvals(mat: np.ndarray) -> np.ndarray:
    """Singular values, descending."""
    if mat.dtype != object:
        return np.linalg.svd(mat, compute_uv=False)  # type: ignore[no-any-return]
    from theorycheck.precision import numeric as num

    ctx = _ctx_of(mat)
    return np.array(num.svdvals(ctx, ctx.matrix(mat.tolist())), dtype=object)


def svd(mat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(U, s, V^H)`` with ``mat = U diag(s) V^H``."""
    if mat.dtype != object:
        u, s, vh = np.linalg.svd(mat)
        return u, s, vh
    ctx = _ctx_of(mat)
    a = ctx.matrix(mat.tolist())
    complex_ = any(isinstance(x, ctx.mpc) for x in mat.flat)
    u, s, vh = ctx.svd_c(a) if complex_ else ctx.svd_r(a)

    def arr(m: Any) -> np.ndarray:
        return np.array([[m[i, j] for j in range(m.cols)] for i in range(m.rows)], dtype=object)

    return arr(u), np.array([s[i] for i in range(s.rows)], dtype=object), arr(vh)


def eigvalsh(mat: np.ndarray) -> np.ndarray:
    """Eigenvalues of a symmetric (Hermitian) matrix, ascending."""
    if mat.dtype != object:
        return np.linalg.eigvalsh(mat)  # type: ignore[no-any-return]
    from theorycheck.precision import numeric as num

    ctx = _ctx_of(mat)
    return np.array(num.eigvalsh(ctx, ctx.matrix(mat.tolist())), dtype=object)


def norm2(mat: np.ndarray) -> Any:
    """The spectral norm."""
    return svdvals(mat)[0] if mat.size else 0.0


def smallest_singular_value(mat: np.ndarray) -> Any:
    """``sigma_min``."""
    return svdvals(mat)[-1]


def weights_series(run: RunResult) -> np.ndarray:
    """Recorded weights of trajectory 0, ``(records, n_params)``."""
    return np.asarray(run.observable("weights", 0))


def _gradient_layers(fit: Objective, instance: Instance, params: np.ndarray) -> list[np.ndarray]:
    """The gradient of ``fit`` at ``params`` per layer, in the arithmetic of ``params`` (mpmath numbers stay so)."""
    if params.dtype != object:
        return list(fit.split(gradient(fit, instance.target.matrix, params, instance.data)))
    _, grads = loss_and_grads_in(_ctx_of(params), fit, params, instance.target.matrix, instance.data)
    return [np.array(g.tolist(), dtype=object) for g in grads]


def recursion_residuals(instance: Instance, run: RunResult, fit: Objective, decay: float = 0.0) -> np.ndarray:
    """Relative residual per step of ``D_j(t+1) = c^2 D_j(t) + eta^2 (G_{j+1}^H G_{j+1} - G_j G_j^H)``.

    G is the gradient of ``fit`` (the objective without weight decay), ``c = 1 - eta decay`` the weight-decay
    contraction, ``decay`` the float ``2 c_d lambda`` the model adds to the gradient. A high-precision run's
    weights (mpmath numbers) are used in their arithmetic: G, eta^2 and c^2 are computed there too, so the
    residual is the run's own rounding (~2^-bits), not float64's.
    """
    w = weights_series(run)
    eta: Any = instance.step
    if w.dtype == object:
        eta = _ctx_of(w).mpf(eta)
    contraction = 1 - eta * decay
    out = []
    for t in range(min(len(w) - 1, int(run.steps[0]))):
        g = _gradient_layers(fit, instance, w[t])
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
    return 1e-12 - recursion_residuals(instance, run, fit_part(obj), 2.0 * obj.decay_coef * mu)
