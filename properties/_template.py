"""Template for a new claim (copy into your own file, or into theorycheck/catalogue/ for the catalogue).

A claim is data: what it says (statement), where it comes from (Source, with provenance "paper" or
"reconstructed"), the instances it is about (a Hypothesis strategy that meets the assumptions by construction),
how to run the dynamics (Procedure) and what must hold (a conclusion returning a signed margin).

    pytest my_claims.py          # runs the property under the active profile
"""

from hypothesis import strategies as st

import theorycheck as tc
import theorycheck.strategies as tcs
from theorycheck.claims import Claim, Procedure, Source, loss_non_increasing
from theorycheck.dynamics.instance import Instance
from theorycheck.search.hypothesis import property_test


@st.composite
def instances(draw):
    obj = tc.deep_mf((3, 3, 3))
    target = draw(tcs.target_matrices(shape=(3, 3), max_condition=20.0))
    init = draw(tcs.balanced_initializations(obj, min_scale=1e-3, max_scale=0.1))
    eta = draw(tcs.step_sizes(bound=0.1 / float(target.sigma[0])))
    return Instance(obj, target, init.weights, eta, 500, params={"init": init.kind, **init.drawn})


CLAIM = Claim(
    id="mypaper2026.thm1.loss_monotone",
    statement="From small balanced init with eta <= 0.1 / sigma_1, the loss never increases.",
    source=Source("Me", 2026, "Theorem 1", "paper"),
    setting="depth-2 MF, 3 x 3, kappa <= 20, balanced init scale in [1e-3, 0.1]",
    algorithm="GD, eta <= 0.1 / sigma_1, 500 steps",
    procedure=Procedure(record=tc.Recording(every=1, observables=("loss",))),
    conclusion=loss_non_increasing(rtol=1e-12),
    tightness="unknown",
)

test_mypaper2026_thm1_loss_monotone = property_test(CLAIM, instances())
