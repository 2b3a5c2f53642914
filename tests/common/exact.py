"""Exact arithmetic for tests that must not trust float64: floats are the rationals they hold."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

import theorycheck as tc


def det(matrix: np.ndarray) -> Fraction:
    """The exact determinant of a real square float matrix (Gaussian elimination over the rationals)."""
    a = [[Fraction(float(x)) for x in row] for row in np.asarray(matrix)]
    n, sign, out = len(a), 1, Fraction(1)
    for k in range(n):
        pivot = next((i for i in range(k, n) if a[i][k] != 0), None)
        if pivot is None:
            return Fraction(0)
        if pivot != k:
            a[k], a[pivot] = a[pivot], a[k]
            sign = -sign
        out *= a[k][k]
        for i in range(k + 1, n):
            factor = a[i][k] / a[k][k]
            a[i] = [x - factor * y for x, y in zip(a[i], a[k], strict=True)]
    return sign * out


def product_det_sign(objective: tc.Objective, weights: np.ndarray) -> int:
    """The sign of det(W_N..W_1), exactly: the product of the layers' exact determinants.

    A near-singular product's float64 determinant can round to 0.0 or the wrong sign; each layer's is exact here.
    """
    value = math.prod(det(w) for w in objective.split(weights))
    return (value > 0) - (value < 0)
