"""What can be recorded along a run, and when.

Float64 runs compute them on the whole batch at once (:func:`compute`). High-precision runs (flint, mpmath)
compute them in the run's own arithmetic from the run's own weights (:func:`compute_exact`: mpmath at the run's
bits, singular values as square roots of the eigenvalues of ``W^H W``) and keep them as numpy object arrays of
mpmath numbers, so a conclusion takes its margin before anything is rounded to float64.

Groups a caller asks for, and the keys they produce (j is 1-based):

* ``"loss"`` -> ``loss`` ``(B,)``; ``"grad_norm"`` -> ``grad_norm`` ``(B,)`` (in the run's precision);
* ``"singular_values"`` -> ``sv_layer{j}`` ``(B, min(d_j, d_{j-1}))`` and ``sv_product``;
* ``"imbalances"`` -> ``imbalance{j}`` = ``D_j = W_{j+1}^H W_{j+1} - W_j W_j^H`` ``(B, d_j, d_j)``;
* ``"determinants"`` -> ``det_layer{j}`` for square layers and ``det_product`` when the product is square;
* ``"weights"`` -> ``weights`` ``(B, n_params)``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import numpy as np
from attrs import field, frozen

from theorycheck._validation import check_choice, check_int
from theorycheck.models import Objective, invariants

OBSERVABLES = ("loss", "grad_norm", "singular_values", "imbalances", "determinants", "weights")
#: the groups computed from F and ||grad F|| alone: :func:`compute_exact` reads no layer for them
_FROM_SCALARS = frozenset({"loss", "grad_norm"})


def reads_weights(names: Iterable[str]) -> bool:
    """Whether any of the groups ``names`` reads the weights (else :func:`compute_exact` takes ``layers=[]``)."""
    return any(name not in _FROM_SCALARS for name in names)


def _names(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = (value,)
    return tuple(check_choice("observables", v, OBSERVABLES) for v in value)


def _ints(value: Iterable[int]) -> tuple[int, ...]:
    return tuple(sorted({check_int("at", v, min_value=0) for v in value}))


@frozen
class Recording:
    """When to record and what.

    Args:
        every: record at steps 0, every, 2*every, ... (and at the last step); None for no regular grid.
        at: extra steps to record at.
        observables: groups from :data:`OBSERVABLES`.

    With neither ``every`` nor ``at`` only step 0 and the final step are recorded. Recording costs one
    kernel pause and a numpy evaluation per recorded step; a run that records nothing pays nothing.
    """

    every: int | None = field(default=None)
    at: tuple[int, ...] = field(default=(), converter=_ints)
    observables: tuple[str, ...] = field(default=("loss", "grad_norm"), converter=_names)

    def __attrs_post_init__(self) -> None:
        if self.every is not None:
            check_int("every", self.every, min_value=1)

    def steps(self, max_steps: int) -> np.ndarray:
        """The sorted recorded steps within ``[0, max_steps]``."""
        points = {0, max_steps}
        if self.every is not None:
            points.update(range(0, max_steps + 1, self.every))
        points.update(t for t in self.at if t <= max_steps)
        return np.array(sorted(points), dtype=np.int64)


def compute(  # noqa: C901 - a flat dispatcher over the observable groups
    objective: Objective,
    params: np.ndarray,
    names: tuple[str, ...],
    loss: np.ndarray,
    grad_norm: np.ndarray,
) -> dict[str, np.ndarray]:
    """Evaluate the requested groups at ``params (B, n_params)``; ``loss``/``grad_norm`` come from the run."""
    out: dict[str, np.ndarray] = {}
    for name in names:
        if name == "loss":
            out["loss"] = np.array(loss, dtype=np.float64)
        elif name == "grad_norm":
            out["grad_norm"] = np.array(grad_norm, dtype=np.float64)
        elif name == "singular_values":
            for j, sv in enumerate(invariants.layer_singular_values(objective, params), start=1):
                out[f"sv_layer{j}"] = sv
            out["sv_product"] = invariants.product_singular_values(objective, params)
        elif name == "imbalances":
            for j, d in enumerate(invariants.imbalances(objective, params), start=1):
                out[f"imbalance{j}"] = d
        elif name == "determinants":
            for j, det in invariants.layer_determinants(objective, params).items():
                out[f"det_layer{j}"] = det
            det_p = invariants.product_determinant(objective, params)
            if det_p is not None:
                out["det_product"] = det_p
        elif name == "weights":
            out["weights"] = np.array(params, copy=True)
    return out


def _entries(mat: Any) -> np.ndarray:
    return np.array([[mat[i, j] for j in range(mat.cols)] for i in range(mat.rows)], dtype=object)


def compute_exact(  # noqa: C901, PLR0912 - a flat dispatcher over the observable groups, as compute()
    objective: Objective, layers: list[Any], ctx: Any, names: tuple[str, ...], loss: Any, grad_norm: Any
) -> dict[str, np.ndarray]:
    """The requested groups for one trajectory, in the arithmetic of the mpmath context ``ctx``.

    Args:
        objective: the model.
        layers: ``W_1..W_N`` as matrices of ``ctx`` (the run's weights converted exactly, see
            :func:`to_context`).
        ctx: an mpmath context at the run's precision.
        names: groups from :data:`OBSERVABLES`.
        loss: F at this iterate, a number of ``ctx``.
        grad_norm: ``||grad F||`` at this iterate, a number of ``ctx``.

    Returns:
        name -> object array shaped like one trajectory's slice of :func:`compute` (no batch axis).
    """
    from theorycheck.precision import numeric as num

    out: dict[str, np.ndarray] = {}
    for name in names:
        if name == "loss":
            out["loss"] = np.array(loss, dtype=object)
        elif name == "grad_norm":
            out["grad_norm"] = np.array(grad_norm, dtype=object)
        elif name == "singular_values":
            for j, w in enumerate(layers, start=1):
                out[f"sv_layer{j}"] = np.array(num.svdvals(ctx, w), dtype=object)
            prod = layers[0]
            for w in layers[1:]:
                prod = w * prod
            out["sv_product"] = np.array(num.svdvals(ctx, prod), dtype=object)
        elif name == "imbalances":
            for j in range(objective.depth - 1):
                d = num.ah(ctx, layers[j + 1]) * layers[j + 1] - layers[j] * num.ah(ctx, layers[j])
                out[f"imbalance{j + 1}"] = _entries(d)
        elif name == "determinants":
            for j, w in enumerate(layers, start=1):
                if w.rows == w.cols:
                    out[f"det_layer{j}"] = np.array(ctx.det(w), dtype=object)
            if objective.widths[0] == objective.widths[-1]:
                prod = layers[0]
                for w in layers[1:]:
                    prod = w * prod
                out["det_product"] = np.array(ctx.det(prod), dtype=object)
        elif name == "weights":
            out["weights"] = np.concatenate([_entries(w).ravel() for w in layers])
    return out


def to_context(xp: Any, value: Any, ctx: Any) -> Any:
    """A backend matrix or scalar of a high-precision run as mpmath numbers of ``ctx``, exactly.

    flint balls contribute their midpoints (the run's values: it drops radii every step); mpmath values are
    re-created in ``ctx`` from their exact binary representation.
    """
    if getattr(xp, "name", "") == "mpmath" and getattr(xp, "ctx", None) is ctx:
        return value
    if hasattr(value, "nrows"):  # flint matrix
        rows = [[_scalar(x, ctx) for x in row] for row in value.tolist()]
        return ctx.matrix(rows)
    if hasattr(value, "rows") and hasattr(value, "cols"):  # mpmath matrix of another context
        return ctx.matrix([[_scalar(value[i, j], ctx) for j in range(value.cols)] for i in range(value.rows)])
    return _scalar(value, ctx)


@functools.cache
def _libmp() -> tuple[Any, Any]:
    """The functions ``from_man_exp`` and ``fzero`` of mpmath, imported once (``import theorycheck`` does not)."""
    from mpmath.libmp import from_man_exp, fzero

    return from_man_exp, fzero


def _scalar(x: Any, ctx: Any) -> Any:
    from_man_exp, fzero = _libmp()
    kind = type(x).__name__
    if kind == "acb":  # flint complex ball
        return ctx.mpc(_scalar(x.real, ctx), _scalar(x.imag, ctx))
    if kind == "arb":  # flint real ball
        if not x.mid().is_finite():  # an overflowed constant makes F infinite or NaN: man_exp() would raise
            return ctx.mpf(float(x))  # +-inf or nan, exactly
        man, exp = x.mid().man_exp()
        return ctx.make_mpf(from_man_exp(int(man), int(exp)) if man else fzero)
    if hasattr(x, "_mpf_"):
        return ctx.make_mpf(x._mpf_)
    if hasattr(x, "_mpc_"):
        return ctx.make_mpc(x._mpc_)
    return ctx.mpf(x)


def stack(records: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Stack per-step dicts into ``name -> (n_records, ...)``."""
    if not records:
        return {}
    return {k: np.stack([r[k] for r in records]) for k in records[0]}


def stack_objects(items: list[np.ndarray]) -> np.ndarray:
    """Stack equal-shaped object arrays (mpmath numbers) into one ``(len(items), ...)`` object array.

    Element by element: ``np.stack`` would store a 0-d item as an array object instead of its number.
    """
    out = np.empty((len(items), *items[0].shape), dtype=object)
    for i, item in enumerate(items):
        out[i, ...] = item
    return out
