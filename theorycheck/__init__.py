"""theorycheck: theorems about gradient descent on matrix factorisation, as executable properties.

The public facade. Data flows one way (docs/architecture.md)::

    precision -> models -> dynamics (GD / GF) -> RunResult -> claims (issue 4) -> confirm -> report

Importing this package is cheap: numba, mpmath and python-flint load only when a run needs them.
"""

from theorycheck.dynamics import OBSERVABLES, Recording, RunResult, RunStatus, Schedule, run_gd, run_gf
from theorycheck.errors import InvalidArgument, InvalidType, NumericalBreakdown, TheorycheckError, UnavailableBackend
from theorycheck.models import (
    Balancing,
    Objective,
    WeightDecay,
    asymmetric_mf,
    deep_mf,
    factors_to_params,
    gradient,
    hessian,
    hvp,
    invariants,
    loss,
    params_to_factors,
)
from theorycheck.precision import BACKENDS, FLOAT64, Precision, get_backend

__version__ = "0.1.0"

__all__ = [
    "BACKENDS",
    "FLOAT64",
    "OBSERVABLES",
    "Balancing",
    "InvalidArgument",
    "InvalidType",
    "NumericalBreakdown",
    "Objective",
    "Precision",
    "Recording",
    "RunResult",
    "RunStatus",
    "Schedule",
    "TheorycheckError",
    "UnavailableBackend",
    "WeightDecay",
    "__version__",
    "asymmetric_mf",
    "deep_mf",
    "factors_to_params",
    "get_backend",
    "gradient",
    "hessian",
    "hvp",
    "invariants",
    "loss",
    "params_to_factors",
    "run_gd",
    "run_gf",
]
