"""lift converts exactly (or rounds once, outward in intervals); bounds round outward (review 12, finding 5)."""

from __future__ import annotations

import fractions

import mpmath
import numpy as np
import pytest

from theorycheck.errors import InvalidArgument
from theorycheck.precision import numeric as num

EXACT = mpmath.MPContext()
EXACT.prec = 2000  # far beyond every context in these tests: comparisons at this precision are exact here


def _encloses(interval: object, value: object) -> bool:
    lo, hi = interval._mpi_  # type: ignore[attr-defined]
    return bool(EXACT.mpf(lo) <= EXACT.mpf(value) <= EXACT.mpf(hi))


def test_an_mpmath_number_at_256_bits_lifts_into_intervals_without_a_float64_rounding() -> None:
    mp = num.context("mp", 256)
    third = mp.mpf(1) / 3
    lifted = num.lift(num.context("iv", 256), third)
    assert _encloses(lifted, third)
    narrower = num.lift(num.context("iv", 113), third)  # rounded outward to 113 bits: still encloses it
    assert _encloses(narrower, third)
    assert num.lift(num.context("mp", 256), third) == third


def test_a_fraction_lifts_as_p_over_q_enclosed_in_intervals_and_rounded_once_in_mp() -> None:
    third = fractions.Fraction(1, 3)
    lifted = num.lift(num.context("iv", 256), third)
    assert _encloses(lifted, EXACT.mpf(1) / 3)
    assert num.lift(num.context("mp", 113), third) == num.context("mp", 113).mpf(1) / 3
    assert num.lift(mpmath.fp, third) == 1 / 3


def test_ints_lift_exactly_and_bounds_of_a_large_int_round_outward() -> None:
    big = 2**60 + 1
    assert num.lift(num.context("iv", 113), big) == big
    assert num.lift(num.context("iv", 113), np.int64(7)) == 7
    lo, hi = num.bounds(big)
    assert lo < big < hi


def test_complex_mpmath_numbers_lift_part_by_part() -> None:
    mp = num.context("mp", 256)
    z = mp.mpc(mp.mpf(1) / 3, mp.mpf(2) / 7)
    lifted = num.lift(num.context("iv", 256), z)
    assert _encloses(lifted.real, z.real)
    assert _encloses(lifted.imag, z.imag)


def test_an_interval_into_a_rounded_context_or_an_unknown_type_is_a_clear_error() -> None:
    wide = num.context("iv", 113).mpf([1, 2])
    with pytest.raises(InvalidArgument, match="interval context"):
        num.lift(num.context("mp", 113), wide)
    with pytest.raises(InvalidArgument, match="value='str'"):
        num.lift(num.context("mp", 113), "0.1")
