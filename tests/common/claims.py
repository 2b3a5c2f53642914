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

__all__ = ["BAND_FILE", "CLAIM_FILE", "CRASH_FILE", "FLOAT_FLOOR", "OVERSHOOT", "floor_instance", "overshoot_instance", "precision_dependent"]

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


def precision_dependent(margins: Mapping[str, float], scale: float | None = None) -> Claim:
    """A claim whose margin is ``margins[str(run.precision)]``: drives the ladder through each branch."""

    def conclude(_instance: Any, run: RunResult | None) -> Outcome:
        assert run is not None
        return Outcome(margins[str(run.precision)], "planted margin", 1, "chosen per precision", scale=scale)

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


BAND_FILE = '''
"""Planted: a claim that fails only for condition numbers within 0.02% of 61.37 (a thin band)."""
import math

from hypothesis import strategies as st

import theorycheck.strategies as tcs
from theorycheck.claims import Claim, Outcome, Procedure, Source
from theorycheck.dynamics.instance import Instance, Target
from theorycheck.models import asymmetric_mf
from theorycheck.search.hypothesis import property_test

# exp of a literal: Hypothesis feeds the numeric literals of loaded modules to its float draws, and the
# band centre as a literal would be drawn directly
CENTRE, HALF_WIDTH = math.exp(4.1169), 2e-4  # the band: |log(kappa / CENTRE)| < HALF_WIDTH (CENTRE = 61.37)


@st.composite
def instances(draw):
    kappa = draw(tcs.finite_floats(1.0, 100.0))
    sigma = [1.0, 1.0 / kappa]
    target = Target(tcs_diag(sigma), tcs_eye(), sigma, tcs_eye())
    obj = asymmetric_mf(2, 2, 2)
    init = draw(tcs.gaussian_initializations(obj, min_scale=1e-3, max_scale=1e-2))
    return Instance(obj, target, init.weights, 0.5, 4000, tol=1e-6, params={"kappa": kappa})


def tcs_diag(s):
    import numpy as np
    return np.diag(s)


def tcs_eye():
    import numpy as np
    return np.eye(2)


def band_slack(instance, run):
    # GD runs (the cost of a real check); the planted bug: the claimed bound breaks in a thin band of kappa
    distance = abs(math.log(instance.target.condition / CENTRE))
    return Outcome(distance / HALF_WIDTH - 1.0, "distance to the planted band", None, f"kappa {instance.target.condition:.6g}")


CLAIM = Claim(
    id="planted.kappa_band",
    statement="PLANTED: holds except for kappa within 0.02% of 61.37",
    source=Source("Tests", 2026, "planted", "reconstructed"),
    procedure=Procedure(),
    conclusion=band_slack,
    expect="refuted",
)
band = property_test(CLAIM, instances(), refinable=True)  # the assumptions are the whole family
'''


# The same family, true everywhere, with a check that kills its process for kappa > 90 (a segfault or an OOM
# kill, planted): a stress campaign must lose only the chunk in flight and keep the instance that killed it.
CRASH_FILE = BAND_FILE.replace("distance / HALF_WIDTH - 1.0", "distance + 1.0").replace(
    "def band_slack(instance, run):\n",
    "def band_slack(instance, run):\n    import os\n    if instance.target.condition > 90:\n        os._exit(3)\n",
).replace('id="planted.kappa_band"', 'id="planted.crashes_above_kappa_90"')
