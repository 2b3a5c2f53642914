"""Refutation budgets from hit rates: pure arithmetic, no Hypothesis (``benchmarks/hit_rates.py`` measures the rates).

A false variant is pinned by "a counterexample within N examples". If each example violates with probability
at least ``p``, a run of ``N`` examples misses with probability ``(1 - p)^N <= exp(-p N)``, so
``N >= ln(1 / miss) / p`` keeps the miss probability at or below ``miss``. ``p`` is the Wilson lower bound of
the measured rate (95%), so a lucky measurement does not buy a small budget.
"""

from __future__ import annotations

import math

MISS = 1e-6  # the accepted chance that one run of a false variant misses its refutation
Z95 = 1.959963984540054  # two-sided 95% normal quantile
SAFETY = 3  # ci is seeded: the budget is also at least this many times the examples seed 0 needed


def wilson_interval(hits: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a binomial rate ``hits / n`` (``(0, 1)`` for ``n = 0``)."""
    if n < 0 or not 0 <= hits <= n:
        msg = f"need 0 <= hits <= n, got hits={hits}, n={n}"
        raise ValueError(msg)
    if n == 0:
        return 0.0, 1.0
    p = hits / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # clamp: at hits = 0 (or n) the bound is 0 (or 1) up to rounding
    return max(0.0, centre - half) if hits else 0.0, min(1.0, centre + half) if hits < n else 1.0


def budget_for(p_lower: float, miss: float = MISS) -> int:
    """The smallest N with ``exp(-p_lower N) <= miss``: ``ceil(ln(1 / miss) / p_lower)``."""
    if not 0 < p_lower <= 1:
        msg = f"p_lower must be in (0, 1], got {p_lower}"
        raise ValueError(msg)
    if not 0 < miss < 1:
        msg = f"miss must be in (0, 1), got {miss}"
        raise ValueError(msg)
    # a hair below the exact quotient so that 13.815510557964274 / 1.0 stays 14, not 15 after rounding up
    return max(1, math.ceil(math.log(1 / miss) / p_lower - 1e-9))


def needed_budget(
    p_lower: float, first_violation: int | None = None, *, safety: int = SAFETY, miss: float = MISS
) -> int | None:
    """The budget a variant needs: ``budget_for(p_lower)``, and at least ``safety`` times ``first_violation``.

    ``first_violation`` is the examples the seeded (ci) search drew up to its first violation, None when not
    measured. None when ``p_lower`` is 0 (no hit measured: no finite budget is justified).
    """
    if p_lower <= 0:
        return None
    need = budget_for(p_lower, miss)
    if first_violation is not None:
        need = max(need, safety * first_violation)
    return need


def verdict(configured: int, needed: int | None) -> str:
    """The status: OK when the configured budget covers the needed one, else TOO LOW (also when none is justified)."""
    return "OK" if needed is not None and configured >= needed else "TOO LOW"
