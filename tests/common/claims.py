"""Tiny claims with known fates for the confirmation, report, CLI and plugin tests.

* :data:`OVERSHOOT`: "the loss never increases" with steps up to 2: false, and provably so (certificate).
* :data:`FLOAT_FLOOR` (from the demo): true in exact arithmetic, false in float64: an artifact.
* :func:`precision_dependent`: a conclusion whose margin is chosen per arithmetic, to exercise every branch
  of the ladder's rule.

``CLAIM_FILE`` is the same overshoot claim as a user's claim file, with hostile strings in every field a
page shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from theorycheck.claims import (
    Claim,
    Outcome,
    Procedure,
    Source,
    loss_non_increasing,
    objective_value,
    one_step_rise,
)
from theorycheck.demo import FLOAT_FLOOR
from theorycheck.dynamics import Recording, RunResult
from theorycheck.dynamics.instance import Instance, Target
from theorycheck.models import deep_mf

__all__ = ["CLAIM_FILE", "FLOAT_FLOOR", "OVERSHOOT", "floor_instance", "overshoot_instance", "precision_dependent"]

OVERSHOOT = Claim(
    id="test.overshoot.loss_non_increasing",
    statement="the loss never increases (false for large steps)",
    source=Source("Tests", 2026, "planted", "reconstructed"),
    procedure=Procedure(record=Recording(every=1, observables=("loss",))),
    conclusion=loss_non_increasing(rtol=1e-12),
    certificate=one_step_rise("loss", objective_value, rtol=1e-12),
    expect="refuted",
)


def _target(d: int) -> Target:
    sigma = np.linspace(1.0, 0.5, d)
    eye = np.eye(d)
    return Target(np.diag(sigma), eye, sigma, eye)


def overshoot_instance(step: float = 1.5, seed: int = 0) -> Instance:
    """Depth 2, 2x2, unit-scale Gaussian init: GD with ``step`` 1.5 raises the loss at once."""
    obj = deep_mf((2, 2, 2))
    init = np.random.default_rng(seed).standard_normal(obj.n_params)
    return Instance(obj, _target(2), init, step, 10, params={"seed": seed})


def floor_instance(seed: int = 0) -> Instance:
    """Depth 1 least squares, Y = diag(0.7, 0.3), eta 0.3, 200 steps, tol 1e-40: the float64 floor.

    (Not dyadic on purpose: with eta = 1/2 and Y = diag(1, 1/2) float64 lands on Y exactly.)
    """
    obj = deep_mf((2, 2))
    init = np.random.default_rng(seed).standard_normal(obj.n_params)
    sigma = np.array([0.7, 0.3])
    return Instance(obj, Target(np.diag(sigma), np.eye(2), sigma, np.eye(2)), init, 0.3, 200, tol=1e-40)


def precision_dependent(margins: Mapping[str, float]) -> Claim:
    """A claim whose margin is ``margins[str(run.precision)]``: drives the ladder through each branch."""

    def conclude(_instance: Any, run: RunResult | None) -> Outcome:
        assert run is not None
        return Outcome(margins[str(run.precision)], "planted margin", 1, "chosen per precision")

    return Claim(
        id="test.precision_dependent",
        statement="a margin chosen per arithmetic",
        source=Source("Tests", 2026, "planted", "reconstructed"),
        procedure=Procedure(record=Recording(observables=("loss",))),
        conclusion=conclude,
    )


CLAIM_FILE = """
from hypothesis import strategies as st
import theorycheck.strategies as tcs
from theorycheck.claims import Claim, Procedure, Source, loss_non_increasing, objective_value, one_step_rise
from theorycheck.dynamics import Recording
from theorycheck.dynamics.instance import Instance
from theorycheck.models import deep_mf
from theorycheck.search.hypothesis import property_test


@st.composite
def instances(draw):
    obj = deep_mf((2, 2, 2))
    target = draw(tcs.target_matrices(shape=(2, 2), max_condition=5.0))
    init = draw(tcs.gaussian_initializations(obj, min_scale=0.5, max_scale=1.0))
    eta = draw(tcs.finite_floats(0.01, 2.0))
    return Instance(obj, target, init.weights, eta, 30, params={"note": "<img src=x onerror=alert(3)>"})


CLAIM = Claim(
    id="mine2026.<script>alert(1)</script>",
    statement="<script>alert(2)</script> the loss never increases",
    source=Source("Me <b>", 2026, "Conjecture 1", "reconstructed", note="</pre><script>alert(4)</script>"),
    setting="<iframe>",
    procedure=Procedure(record=Recording(every=1, observables=("loss",))),
    conclusion=loss_non_increasing(rtol=1e-12),
    certificate=one_step_rise("loss", objective_value, rtol=1e-12),
)
test_loss_monotone = property_test(CLAIM, instances())
"""
