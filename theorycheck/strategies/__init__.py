"""Hypothesis strategies for targets, data, initialisations, hyperparameters and whole instances.

Public facade (``__all__`` is checked against the definitions below). Every random bit is drawn
through Hypothesis: no global numpy randomness. Matrices come from low-entropy parameters (dimensions,
singular values, rotation angles, scales, seeds of local Gaussian blocks), so draws are small, exact in
rank and condition number, and shrink toward small dimensions, equal singular values and identity
rotations.
"""

from theorycheck.strategies._common import complete_basis, finite_floats, log_uniform, rotations, seeds
from theorycheck.strategies._hyper import REGIMES, depths, horizons, regularization_weights, step_sizes, widths
from theorycheck.strategies._inits import (
    INIT_KINDS,
    Initialization,
    balanced_initializations,
    gaussian_initializations,
    initializations,
    near_critical_initializations,
    nearly_balanced_initializations,
    orthogonal_initializations,
    rank_deficient_initializations,
    spectral_initializations,
    target_orthogonal_initializations,
    zero_initializations,
)
from theorycheck.strategies._instances import instances
from theorycheck.strategies._matrices import data_matrices, singular_values, target_matrices

__all__ = [
    "INIT_KINDS",
    "REGIMES",
    "Initialization",
    "balanced_initializations",
    "complete_basis",
    "data_matrices",
    "depths",
    "finite_floats",
    "gaussian_initializations",
    "horizons",
    "initializations",
    "instances",
    "log_uniform",
    "near_critical_initializations",
    "nearly_balanced_initializations",
    "orthogonal_initializations",
    "rank_deficient_initializations",
    "regularization_weights",
    "rotations",
    "seeds",
    "singular_values",
    "spectral_initializations",
    "step_sizes",
    "target_matrices",
    "target_orthogonal_initializations",
    "widths",
    "zero_initializations",
]


def _check_exports() -> None:
    public = {
        name
        for name, value in globals().items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("theorycheck.strategies")
    }
    public |= {"INIT_KINDS", "REGIMES"}
    assert set(__all__) == public, sorted(set(__all__) ^ public)


_check_exports()
