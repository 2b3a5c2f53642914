"""The model formulas in a numeric context (``mpmath.fp``, an ``MPContext``, intervals): for pure margins.

:func:`loss_and_grads_in` runs :func:`~theorycheck.models._math.loss_and_grads` on mpmath matrices of the given
context, with the inputs converted exactly (floats are dyadic), so a pure claim's margin that needs the loss or a
gradient is written once against the context (see :func:`theorycheck.claims.pure`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from theorycheck.models._math import loss_and_grads
from theorycheck.models._objective import Objective


def loss_and_grads_in(
    ctx: Any, objective: Objective, params: np.ndarray, target: np.ndarray, data: np.ndarray | None = None
) -> tuple[Any, list[Any]]:
    """``(F, [G_1..G_N])`` at the flat weights ``params`` in the arithmetic of ``ctx`` (numbers and matrices of it)."""
    from theorycheck.precision._mpmath import MpmathBackend  # lazily: `import theorycheck` stays free of mpmath

    xp = MpmathBackend(getattr(ctx, "prec", 53), ctx)
    layers = [xp.from_numpy(np.asarray(w)) for w in objective.split(np.asarray(params))]
    y = xp.from_numpy(np.asarray(target))
    x = None if data is None else xp.from_numpy(np.asarray(data))
    return loss_and_grads(xp, objective, layers, y, x)


def layers_in(ctx: Any, objective: Objective, params: np.ndarray) -> list[Any]:
    """The layers ``W_1..W_N`` as matrices of ``ctx`` (exact conversion)."""
    from theorycheck.precision._mpmath import MpmathBackend

    xp = MpmathBackend(getattr(ctx, "prec", 53), ctx)
    return [xp.from_numpy(np.asarray(w)) for w in objective.split(np.asarray(params))]
