"""Planted (b): a GD claim on a structured family that fails only in a band of relative width 1e-4.

The strategy imposes structure a refinement must keep: the target is sigma_1 I, the start is balanced, the
step is c / sigma_1. The planted bug: the claim breaks only for c within 5e-5 (relative) of 0.1 e, read off
the instance (eta sigma_1), after a real GD run.
"""

import math

import numpy as np
from hypothesis import strategies as st

import theorycheck.strategies as tcs
from theorycheck.claims import Claim, Outcome, Procedure, Source
from theorycheck.dynamics import Recording
from theorycheck.dynamics.instance import Instance, Target
from theorycheck.models import deep_mf
from theorycheck.search.hypothesis import property_test

CENTRE = 0.1 * math.exp(1.0)
HALF_WIDTH = 0.5 * math.exp(-4 * math.log(10.0))  # the band: |c / CENTRE - 1| < HALF_WIDTH (width 1e-4)
OBJ = deep_mf((3, 3, 3))


@st.composite
def instances(draw):
    s1 = draw(tcs.finite_floats(0.5, 2.0))
    eye = np.eye(3)
    target = Target(s1 * eye, eye, np.full(3, s1), eye)  # sigma_1 I: every singular value tied
    init = draw(tcs.balanced_initializations(OBJ, min_scale=1e-2, max_scale=0.3))
    c = draw(tcs.finite_floats(0.01, 0.5))
    return Instance(OBJ, target, init.weights, c / s1, 200, params={"init": init.kind, **init.drawn})


def conclusion(instance, run):
    loss = run.observable("loss", 0)  # the run is the real cost of a check; the planted bug reads the step
    c = instance.step * float(instance.target.sigma[0])
    detail = f"eta sigma_1 = {c:.10g}, final loss {loss[-1]:.3g}"
    return Outcome(abs(c / CENTRE - 1.0) / HALF_WIDTH - 1.0, "distance to the planted band", None, detail)


CLAIM = Claim(
    id="planted.band_structured",
    statement="PLANTED: holds on GD from a balanced start on sigma_1 I, except for eta sigma_1 within 5e-5 of 0.1 e",
    source=Source("Planted", 2026, "discovery benchmark (b)", "reconstructed"),
    procedure=Procedure(record=Recording(every=1, observables=("loss",))),
    conclusion=conclusion,
    expect="refuted",
)
band_structured = property_test(CLAIM, instances())
