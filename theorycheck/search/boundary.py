"""Float-exact tools for boundary search: the float line as integers, bisection to adjacent floats, neighbours.

A violation that lives exactly on a boundary (an irrational threshold, a double root, the edge of stability)
is invisible to random draws and to any minimiser that stops at a tolerance: it has to be cornered to the two
adjacent floats that straddle the jump and checked there and at a few float neighbours. Floats are mapped
monotonically to integers (``ordinal``), so a bisection on that line halves the number of floats between
its ends, not the distance: 64 halvings reach adjacent floats from any two finite ends.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable

_SIGN = 1 << 63


def ordinal(x: float) -> int:
    """The position of a finite float on the float line, monotone: a smaller float has a smaller position.

    ``-0.0`` and ``0.0`` share position 0; adjacent floats are adjacent integers.
    """
    if x == 0.0:
        return 0
    bits = int(struct.unpack("<Q", struct.pack("<d", x))[0])
    return -(bits & ~_SIGN) if bits & _SIGN else bits


def from_ordinal(n: int) -> float:
    """The float at position ``n`` of :func:`ordinal`'s line."""
    bits = n if n >= 0 else (-n) | _SIGN
    return float(struct.unpack("<d", struct.pack("<Q", bits))[0])


def neighbours(x: float, count: int, lo: float = -math.inf, hi: float = math.inf) -> list[float]:
    """Up to ``count`` floats on each side of ``x`` (nearest first), within ``[lo, hi]``, finite."""
    n = ordinal(x)
    near = [from_ordinal(n + s * k) for k in range(1, count + 1) for s in (-1, 1)]
    return [y for y in near if math.isfinite(y) and lo <= y <= hi]


def midpoint(a: float, b: float) -> float:
    """The float halfway between ``a`` and ``b`` on the float line (in count of floats, not in distance)."""
    return from_ordinal((ordinal(a) + ordinal(b)) // 2)


def bisect(
    a: float, b: float, differs: Callable[[float, float], bool], evaluate: Callable[[float], object]
) -> tuple[float, float]:
    """Corner a jump between ``a`` and ``b`` to two adjacent floats.

    ``evaluate(x)`` computes the state at ``x`` (cached by the caller); ``differs(x, y)`` says whether the
    states at ``x`` and ``y`` differ (the jump). Keeps the half where they differ (the left one when both
    do), until ``a`` and ``b`` are neighbours. Returns the final ``(a, b)``, ``a < b``.
    """
    if a > b:
        a, b = b, a
    while ordinal(b) - ordinal(a) > 1:
        m = midpoint(a, b)
        if m in (a, b):
            break
        evaluate(m)
        if differs(a, m):
            b = m
        elif differs(m, b):
            a = m
        else:
            break  # the jump vanished at the midpoint (not a boundary: a narrow spike between samples)
    return a, b
