"""The commented starting file ``theorycheck new FILE`` writes: one conjecture in the short form."""

from __future__ import annotations

import re
from pathlib import Path

from theorycheck.errors import InvalidArgument

STARTER = '''\
"""{title}: my conjecture, as an executable property.

Run it:   pytest {name}                          (THEORYCHECK_PROFILE=deep searches harder)
          theorycheck check {name}                (reports for confirmed counterexamples)
          theorycheck stress {name}::{func} --budget 10m
"""

import math

import theorycheck as tc

# The instances: the model fixes the target's shape; kappa bounds its condition number; init is "balanced"
# (or "gaussian", "orthogonal", "nearly_balanced") at a scale drawn in the range; eta is drawn up to the
# bound the step function gives for the target (here 0.1 / sigma_1); steps is the GD horizon.
family = tc.instances(
    tc.deep_mf((3, 3, 3, 3)),  # depth 3, 3 x 3 layers; or depth=3, dims=5 to draw d <= 5 too
    kappa=20,
    init="balanced",
    scale=(1e-3, 1e-1),
    step=lambda target: 0.1 / target.sigma[0],
    steps=2000,
)


# id: <author><year>.<locator>.<short_name>; the citation is "Authors YEAR, locator"; the docstring is the
# statement. Use provenance="reconstructed" when the statement is not the source's own words, and
# expect="refuted" for a false variant the search must refute.
@tc.theorem("me2026.conj1.{func}", "Me 2026, Conjecture 1", family, provenance="reconstructed")
def {func}(instance, run):
    """GD from small balanced init escapes the start within 50 log(1/eps) / (eta sigma_1) steps."""
    # A ready-made conclusion decides and measures the margin (its units are in its docstring); the run
    # records what it reads. Others: tc.time_near_saddle, tc.loss_non_increasing, tc.tail_linear_rate,
    # tc.monotone_spectrum, tc.limit_rank, tc.converges_within.
    eps = instance.params["scale"]
    bound = 50 * math.log(1 / eps) / (instance.step * instance.target.sigma[0])
    return tc.escape_time(bound)(instance, run)
'''


def write_starter(path: str) -> Path:
    """Write the starting file at ``path`` (a new ``.py`` file) and return it.

    Raises:
        InvalidArgument: the path does not end in .py, or the file exists (it is never overwritten).
    """
    file = Path(path)
    if file.suffix != ".py":
        raise InvalidArgument("FILE", path, "is not a .py file", "pass e.g. my_conjecture.py")
    if file.exists():
        raise InvalidArgument("FILE", path, "exists; theorycheck new never overwrites", "choose another name")
    func = re.sub(r"\W", "_", file.stem.removeprefix("test_")).lower() or "conjecture"
    if func[0].isdigit():
        func = f"c_{func}"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(STARTER.format(title=file.stem, name=file.name, func=func), encoding="utf-8")
    return file
