"""What can be recorded along a run, and when. Computed in float64 on the whole batch at once.

Groups a caller asks for, and the keys they produce (j is 1-based):

* ``"loss"`` -> ``loss`` ``(B,)``; ``"grad_norm"`` -> ``grad_norm`` ``(B,)`` (in the run's precision);
* ``"singular_values"`` -> ``sv_layer{j}`` ``(B, min(d_j, d_{j-1}))`` and ``sv_product``;
* ``"imbalances"`` -> ``imbalance{j}`` = ``D_j = W_{j+1}^H W_{j+1} - W_j W_j^H`` ``(B, d_j, d_j)``;
* ``"determinants"`` -> ``det_layer{j}`` for square layers and ``det_product`` when the product is square;
* ``"weights"`` -> ``weights`` ``(B, n_params)``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from attrs import field, frozen

from theorycheck._validation import check_choice, check_int
from theorycheck.models import Objective, invariants

OBSERVABLES = ("loss", "grad_norm", "singular_values", "imbalances", "determinants", "weights")


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


def stack(records: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Stack per-step dicts into ``name -> (n_records, ...)``."""
    if not records:
        return {}
    return {k: np.stack([r[k] for r in records]) for k in records[0]}
