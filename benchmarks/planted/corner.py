"""Planted (d): a GD claim that fails only near the corner of two drawn ranges.

The init scale is drawn in [1e-3, 0.5] and the step factor c in [0.01, 0.9] (eta = c / sigma_1); the claim
breaks only when both are within 0.1% of their upper ends. Each alone is drawn at its bound now and then,
both at once rarely; the margin is the larger of the two distances, flat along either one alone.
"""

import math

from hypothesis import strategies as st

import theorycheck.strategies as tcs
from theorycheck.claims import Claim, Outcome, Procedure, Source
from theorycheck.dynamics import Recording
from theorycheck.dynamics.instance import Instance
from theorycheck.models import deep_mf
from theorycheck.search.hypothesis import property_test

OBJ = deep_mf((3, 3, 3))
SCALE_MAX, C_MAX = 0.5, 0.9
NEAR = math.exp(-3 * math.log(10.0))  # within 0.1% of an upper end


@st.composite
def instances(draw):
    target = draw(tcs.target_matrices(shape=(3, 3), max_condition=10.0))
    init = draw(tcs.gaussian_initializations(OBJ, min_scale=1e-3, max_scale=SCALE_MAX))
    c = draw(tcs.finite_floats(0.01, C_MAX))
    return Instance(OBJ, target, init.weights, c / float(target.sigma[0]), 100, params={"c": c, **init.drawn})


def conclusion(instance, run):
    loss = run.observable("loss", 0)
    scale, c = instance.params["scale"], instance.params["c"]
    far = max((1.0 - scale / SCALE_MAX) / NEAR, (1.0 - c / C_MAX) / NEAR) - 1.0
    return Outcome(far, "distance to the corner", None, f"final loss {loss[-1]:.3g}, scale {scale:.6g}, c {c:.6g}")


CLAIM = Claim(
    id="planted.corner",
    statement="PLANTED: holds except when the init scale and the step are both within 0.1% of their upper ends",
    source=Source("Planted", 2026, "discovery benchmark (d)", "reconstructed"),
    procedure=Procedure(record=Recording(every=10, observables=("loss",))),
    conclusion=conclusion,
    expect="refuted",
)
corner = property_test(CLAIM, instances())
