"""Template for a new claim: the short form first, then the long form the catalogue uses.

Copy into your own file (``theorycheck new FILE`` writes a commented starter), or into theorycheck/catalogue/
for the catalogue. A claim is data: what it says (statement), where it comes from (source, with provenance
"paper" or "reconstructed"), the instances it is about (a Hypothesis strategy that meets the assumptions by
construction), how to run the dynamics (derived from the conclusion, or a Procedure) and what must hold (a
conclusion returning a signed margin).

    pytest my_claims.py                   # runs both properties under the active profile
    theorycheck check my_claims.py        # the same, with reports for confirmed counterexamples
"""

from hypothesis import strategies as st

import theorycheck as tc
import theorycheck.strategies as tcs
from theorycheck.claims import Claim, Procedure, Source, loss_non_increasing
from theorycheck.dynamics.instance import Instance
from theorycheck.search.hypothesis import property_test


# --- the short form: five lines ----------------------------------------------------------------------------
@tc.theorem("mypaper2026.thm1.loss_monotone", "Me 2026, Theorem 1", tc.instances(tc.deep_mf((3, 3, 3)), kappa=20))
def loss_monotone(instance, run):
    """From small balanced init with eta <= 0.1 / sigma_1, the loss never increases."""
    return tc.loss_non_increasing()(instance, run)


# --- the long form: every documentation section, an explicit strategy and procedure -------------------------
@st.composite
def instances(draw):
    obj = tc.deep_mf((3, 3, 3))
    target = draw(tcs.target_matrices(shape=(3, 3), max_condition=20.0))
    init = draw(tcs.balanced_initializations(obj, min_scale=1e-3, max_scale=0.1))
    eta = draw(tcs.step_sizes(bound=0.1 / float(target.sigma[0])))
    return Instance(obj, target, init.weights, eta, 500, params={"init": init.kind, **init.drawn})


CLAIM = Claim(
    id="mypaper2026.thm1.loss_monotone_long",
    statement="From small balanced init with eta <= 0.1 / sigma_1, the loss never increases.",
    source=Source("Me", 2026, "Theorem 1", "paper"),
    setting="depth-2 MF, 3 x 3, kappa <= 20, balanced init scale in [1e-3, 0.1]",
    algorithm="GD, eta <= 0.1 / sigma_1, 500 steps",
    # optional: derived from the conclusion when left out; one that records less than it reads is an error
    procedure=Procedure(record=tc.Recording(every=1, observables=("loss",))),
    conclusion=loss_non_increasing(rtol=1e-12),
    tightness="unknown",
)

test_mypaper2026_thm1_loss_monotone = property_test(CLAIM, instances())
