"""Planted (c): a GD claim that fails only on a measure-zero set of starts: the saddle-trapped ones.

"GD on asymmetric MF (Ye & Du 2021) from a small start converges to a global minimum." The start mixes a
target-orthogonal start (trapped: the direction u_k v_k^T is missing from both factors, so GD never creates
it) with a Gaussian one by a drawn weight w: every w < 1 escapes the saddle (in about log(1/(1 - w)) / (eta
sigma_k) steps, well within the horizon) and converges; only w = 1 exactly stays trapped at the loss
sigma_k^2 / 2. (The trap sits at the top of w's range: Hypothesis's first example is the simplest draw, and
the bottom of a range is drawn first.) Diagonal targets keep the trap's zeros exact in float64.
"""

import math

from hypothesis import strategies as st

import theorycheck.strategies as tcs
from theorycheck.claims import Claim, Outcome, Procedure, Source
from theorycheck.dynamics import Recording
from theorycheck.dynamics.instance import Instance
from theorycheck.models import asymmetric_mf
from theorycheck.search.hypothesis import property_test

OBJ = asymmetric_mf(3, 3, 3)
EPS = math.exp(-6 * math.log(10.0))  # converged: loss <= EPS ||Y||^2


@st.composite
def instances(draw):
    target = draw(tcs.target_matrices(shape=(3, 3), kind="diagonal", min_condition=1.5, max_condition=3.0, ties=False))
    trapped = draw(tcs.target_orthogonal_initializations(OBJ, target, min_scale=1e-3, max_scale=1e-2))
    free = draw(tcs.gaussian_initializations(OBJ, min_scale=1e-3, max_scale=1e-2))
    w = draw(tcs.finite_floats(0.0, 1.0))
    c = draw(tcs.finite_floats(0.2, 0.4))
    init = w * trapped.weights + (1.0 - w) * free.weights
    return Instance(OBJ, target, init, c / float(target.sigma[0]), 5_000, tol=1e-30,
                    params={"w": w, "direction": trapped.drawn["direction"]})


def conclusion(instance, run):
    loss = run.observable("loss", 0)
    scale = float(sum(s * s for s in instance.target.sigma))
    final = float(loss[-1]) / scale
    # margin in decades below the threshold: >= 0 when converged
    return Outcome(math.log10(EPS / max(final, 1e-300)), "decades of loss below eps ||Y||^2", None,
                   f"final loss / ||Y||^2 = {final:.3g}")


CLAIM = Claim(
    id="planted.trap",
    statement="PLANTED: GD on asymmetric MF from a small start converges (false on saddle-trapped starts)",
    source=Source("Planted", 2026, "discovery benchmark (c)", "reconstructed"),
    procedure=Procedure(record=Recording(every=5_000, observables=("loss",))),
    conclusion=conclusion,
    expect="refuted",
)
trap = property_test(CLAIM, instances())
