"""Pure functions of the weights (float64, batched over leading axes): imbalances, spectra, determinants.

``D_j = W_{j+1}^H W_{j+1} - W_j W_j^H`` (Du, Hu, Lee 2018, Theorem 2.2; d_j x d_j). Note the balancing regulariser's
``Delta_j = W_j W_j^H - W_{j+1}^H W_{j+1} = -D_j`` (Luo et al. 2025 sign convention).
"""

from __future__ import annotations

from functools import reduce

import numpy as np

from theorycheck.models._objective import Objective


def _ah(a: np.ndarray) -> np.ndarray:
    return np.swapaxes(a, -1, -2).conj()


def imbalances(objective: Objective, params: np.ndarray) -> tuple[np.ndarray, ...]:
    """``(D_1, ..., D_{N-1})``, each ``(..., d_j, d_j)``."""
    w = objective.split(np.asarray(params))
    return tuple(_ah(w[j + 1]) @ w[j + 1] - w[j] @ _ah(w[j]) for j in range(objective.depth - 1))


def product(objective: Objective, params: np.ndarray) -> np.ndarray:
    """The end-to-end matrix ``W_N ... W_1`` shaped ``(..., d_N, d_0)``."""
    w = objective.split(np.asarray(params))
    return reduce(lambda acc, layer: layer @ acc, w[1:], w[0])


def layer_singular_values(objective: Objective, params: np.ndarray) -> tuple[np.ndarray, ...]:
    """Singular values of each layer, descending, ``(..., min(d_j, d_{j-1}))``."""
    return tuple(np.linalg.svd(w, compute_uv=False) for w in objective.split(np.asarray(params)))


def product_singular_values(objective: Objective, params: np.ndarray) -> np.ndarray:
    """Singular values of ``W_N ... W_1``, descending."""
    return np.linalg.svd(product(objective, params), compute_uv=False)  # type: ignore[no-any-return]


def layer_determinants(objective: Objective, params: np.ndarray) -> dict[int, np.ndarray]:
    """``{j: det W_j}`` for the square layers (1-based j)."""
    w = objective.split(np.asarray(params))
    return {j + 1: np.linalg.det(layer) for j, layer in enumerate(w) if layer.shape[-1] == layer.shape[-2]}


def product_determinant(objective: Objective, params: np.ndarray) -> np.ndarray | None:
    """``det(W_N ... W_1)`` when the product is square, else None."""
    if objective.widths[0] != objective.widths[-1]:
        return None
    return np.linalg.det(product(objective, params))  # type: ignore[no-any-return]
