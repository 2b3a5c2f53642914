"""Objectives of (deep) matrix factorisation: structure, loss, gradients, Hessians and invariants.

Public facade; the implementation lives in the private modules.
"""

from theorycheck.models import invariants
from theorycheck.models._context import hessian_in, layers_in, loss_and_grads_in
from theorycheck.models._hessian import hessian, hvp
from theorycheck.models._math import grad_sqnorm, loss_and_grads
from theorycheck.models._numpy_api import gradient, loss, loss_and_grad_norm
from theorycheck.models._objective import (
    Balancing,
    Objective,
    WeightDecay,
    asymmetric_mf,
    deep_mf,
    factors_to_params,
    params_to_factors,
)

__all__ = [
    "Balancing",
    "Objective",
    "WeightDecay",
    "asymmetric_mf",
    "deep_mf",
    "factors_to_params",
    "grad_sqnorm",
    "gradient",
    "hessian",
    "hessian_in",
    "hvp",
    "invariants",
    "layers_in",
    "loss",
    "loss_and_grad_norm",
    "loss_and_grads",
    "loss_and_grads_in",
    "params_to_factors",
]
