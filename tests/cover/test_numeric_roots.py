"""positive_real_roots in every context; in intervals realness is decided rigorously (review 12, finding 1)."""

from __future__ import annotations

from typing import Any

import pytest

from theorycheck.claims import Case, Claim, Source, check, pure
from theorycheck.confirm import confirm
from theorycheck.precision import numeric as num

NEAR_DOUBLE = [1.0, -2.0, 1.0 + 2.0**-47]  # x^2 - 2x + 1 + 2^-47: roots 1 +- i 2^-23.5, no real root


def test_interval_roots_of_a_near_double_complex_pair_are_not_real_roots() -> None:
    assert num.positive_real_roots(num.context("iv", 256), NEAR_DOUBLE) == []


def test_the_rounded_contexts_keep_their_near_real_rule_for_a_near_double_pair() -> None:
    # fp/mp accept a pair within imag_tol (a double root splits under rounding): the interval rung overrules them
    assert len(num.positive_real_roots(num.context("mp", 113), NEAR_DOUBLE)) == 2


@pytest.mark.parametrize("kind", ["fp", "mp", "iv"])
def test_simple_real_roots_are_found_and_enclosed_in_every_context(kind: str) -> None:
    # (x - 1/2)(x - 3)(x + 2) = x^3 - 1.5 x^2 - 5.5 x + 3
    ctx = num.context(kind, 256)
    roots = num.positive_real_roots(ctx, [1.0, -1.5, -5.5, 3.0])
    assert len(roots) == 2
    for root, exact in zip(roots, (0.5, 3.0), strict=True):
        lo, hi = num.bounds(root)
        if kind == "iv":
            assert lo <= exact <= hi
        else:
            assert lo == pytest.approx(exact, rel=1e-12)


def test_interval_roots_of_a_real_polynomial_with_a_complex_pair_return_only_the_real_root() -> None:
    # (x - 2)(x^2 + 1) = x^3 - 2x^2 + x - 2
    roots = num.positive_real_roots(num.context("iv", 113), [1.0, -2.0, 1.0, -2.0])
    assert len(roots) == 1
    lo, hi = num.bounds(roots[0])
    assert lo <= 2.0 <= hi


def test_interval_roots_of_an_exact_double_root_raise_no_enclosure() -> None:
    with pytest.raises(num.NoEnclosure):
        num.positive_real_roots(num.context("iv", 113), [1.0, -2.0, 1.0])


def test_interval_roots_with_complex_coefficients_and_an_undecided_imaginary_part_raise_no_enclosure() -> None:
    # (x - 1)(x - i): the root 1 of a polynomial with complex coefficients has no conjugate partner
    with pytest.raises(num.NoEnclosure):
        num.positive_real_roots(num.context("iv", 113), [1.0, complex(-1.0, -1.0), complex(0.0, 1.0)])


def _no_positive_root(ctx: Any, case: Case) -> tuple[Any, str, float]:
    """``-(number of positive real roots)`` ... as a margin: 0 holds, -1 per root found."""
    roots = num.positive_real_roots(ctx, [num.lift(ctx, c) for c in case["coeffs"]])
    return num.lift(ctx, -float(len(roots))), f"{len(roots)} positive real roots", 1.0


def test_a_true_no_real_root_claim_is_never_certified_from_a_near_real_complex_pair() -> None:
    claim = Claim(
        id="test.no_root", statement="no positive real root", source=Source("Tests", 2026, "planted", "reconstructed"),
        conclusion=pure("roots", _no_positive_root, numeric=True),
    )
    verdict = check(claim, Case({"coeffs": NEAR_DOUBLE}))
    assert verdict.violated  # float64 sees the near-real pair
    confirmation = confirm(claim, verdict)
    assert confirmation.status not in ("confirmed", "certified"), confirmation.reason
