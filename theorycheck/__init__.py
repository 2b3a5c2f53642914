"""theorycheck: theorems about gradient descent on matrix factorisation, as executable properties.

The public facade. Data flows one way (docs/architecture.md)::

    strategies -> Instance -> dynamics (GD / GF, in a Precision) -> RunResult -> claims.check -> Verdict
    -> confirm (precision ladder) -> report; the pytest plugin and the CLI on top

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

# The claim vocabulary, ready-made conclusions, @theorem and the strategies, loaded on first use (the core
# stays importable without Hypothesis; `import theorycheck` stays cheap).
_LAZY = {
    **dict.fromkeys(
        (
            "Case", "Claim", "Needs", "Outcome", "Procedure", "Source", "check",
            "converges_within", "conserved", "escape_time", "every_step", "limit_is_local_min", "limit_rank",
            "limit_value", "loss_non_increasing", "monotone", "monotone_spectrum", "pure", "tail_linear_rate",
            "time_near_saddle",
        ),
        "theorycheck.claims",
    ),
    **dict.fromkeys(("Theorem", "property_test"), "theorycheck.search.hypothesis"),
    **dict.fromkeys(("instances", "theorem"), "theorycheck.search.conjecture"),
}


def __dir__() -> list[str]:
    """The eager names, the lazy ones and ``strategies``."""
    return sorted({*globals(), *_LAZY, "strategies"})


def __getattr__(name: str) -> object:
    """``tc.theorem``, ``tc.instances``, ``tc.Claim``, ``tc.time_near_saddle``, ``tc.strategies``, ... on first use."""
    import importlib

    if name == "strategies":
        return importlib.import_module("theorycheck.strategies")
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    msg = f"module 'theorycheck' has no attribute {name!r}"
    raise AttributeError(msg)


__all__ = [
    "BACKENDS",
    "FLOAT64",
    "OBSERVABLES",
    "Balancing",
    "Case",
    "Claim",
    "InvalidArgument",
    "InvalidType",
    "Needs",
    "NumericalBreakdown",
    "Objective",
    "Outcome",
    "Precision",
    "Procedure",
    "Recording",
    "RunResult",
    "RunStatus",
    "Schedule",
    "Source",
    "Theorem",
    "TheorycheckError",
    "UnavailableBackend",
    "WeightDecay",
    "__version__",
    "asymmetric_mf",
    "check",
    "conserved",
    "converges_within",
    "deep_mf",
    "escape_time",
    "every_step",
    "factors_to_params",
    "get_backend",
    "gradient",
    "hessian",
    "hvp",
    "instances",
    "invariants",
    "limit_is_local_min",
    "limit_rank",
    "limit_value",
    "loss",
    "loss_non_increasing",
    "monotone",
    "monotone_spectrum",
    "params_to_factors",
    "property_test",
    "pure",
    "run_gd",
    "run_gf",
    "tail_linear_rate",
    "theorem",
    "time_near_saddle",
]
