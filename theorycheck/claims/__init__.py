"""The claim vocabulary: records, ready-made conclusions and :func:`check`. Free of Hypothesis and pytest."""

from theorycheck.claims._conclusions import (
    conserved,
    converges_within,
    every_step,
    limit_is_local_min,
    limit_value,
    loss_non_increasing,
    monotone,
    pure,
)
from theorycheck.claims._records import (
    EXPECTATIONS,
    PROVENANCES,
    Assumption,
    Case,
    Claim,
    Outcome,
    Procedure,
    Source,
    Verdict,
    check,
    describe,
)

__all__ = [
    "EXPECTATIONS",
    "PROVENANCES",
    "Assumption",
    "Case",
    "Claim",
    "Outcome",
    "Procedure",
    "Source",
    "Verdict",
    "check",
    "conserved",
    "converges_within",
    "describe",
    "every_step",
    "limit_is_local_min",
    "limit_value",
    "loss_non_increasing",
    "monotone",
    "pure",
]
