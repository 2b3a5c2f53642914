"""Planted (a): a pure claim that fails only where one drawn float equals an irrational function of another.

"b is never sqrt(2) a", false exactly on the curve b = sqrt(2) a, to within 1e-9 relative. The constants are
computed, not written: Hypothesis mines the numeric literals of loaded modules and would draw them directly.
"""

import math

from hypothesis import strategies as st

import theorycheck.strategies as tcs
from theorycheck.claims import Case, Claim, Source, pure
from theorycheck.search.hypothesis import property_test

RATIO = math.sqrt(math.exp(math.log(2.0)))
WIDTH = math.exp(-9 * math.log(10.0))  # relative half-width of the failing band around the curve


@st.composite
def cases(draw):
    a = draw(tcs.finite_floats(1.0, 10.0))
    b = draw(tcs.finite_floats(0.5, 20.0))
    return Case({"a": a, "b": b})


def distance(case):
    a, b = case["a"], case["b"]
    return abs(b - RATIO * a) / (WIDTH * b) - 1.0, f"b / a = {b / a:.15g}"


CLAIM = Claim(
    id="planted.curve_pure",
    statement="PLANTED: b is never within 1e-9 (relative) of sqrt(2) a",
    source=Source("Planted", 2026, "discovery benchmark (a)", "reconstructed"),
    conclusion=pure("distance to the curve b = sqrt(2) a, in band half-widths, minus 1", distance),
    expect="refuted",
)
curve_pure = property_test(CLAIM, cases())
