# The conjecture of user story 2, as she would write it.   run: theorycheck check docs/examples/saddle_time.py
import math

import theorycheck as tc

family = tc.instances(depth=3, dims=5, kappa=20, scale=(1e-3, 1e-1), step=lambda t: 0.1 / t.sigma[0], steps=3000)


@tc.theorem("story2.saddle_time", "Story 2026, Conjecture 1", family, provenance="reconstructed")
def saddle_time(instance, run):
    """Depth 3, GD from small balanced init: at most 10 log(1/eps) steps near a saddle (eps: the init scale)."""
    return tc.time_near_saddle(lambda i: 10 * math.log(1 / i.params["scale"]))(instance, run)
