"""Hyperparameters: step sizes relative to a claim's bound, regularisation weights, depths, widths, horizons."""

from __future__ import annotations

from hypothesis import strategies as st

from theorycheck._validation import check_choice, check_int, check_real
from theorycheck.errors import InvalidArgument
from theorycheck.strategies._common import check_range, log_uniform

REGIMES = ("below", "at", "above")


def step_sizes(
    *,
    bound: float,
    regimes: tuple[str, ...] = ("below",),
    min_factor: float = 1e-3,
    max_factor: float = 100.0,
) -> st.SearchStrategy[float]:
    """Step sizes relative to a claim's bound: eta = bound * f.

    f is log-uniform in [min_factor, 1] ("below"), exactly 1 ("at"), or in (1, max_factor] ("above");
    the regime is drawn from ``regimes`` (shrinks to the first).
    """
    bound = check_real("bound", bound, positive=True)
    for r in regimes:
        check_choice("regimes", r, REGIMES)
    if not regimes:
        raise InvalidArgument("regimes", regimes, "is empty", f"pass some of {REGIMES}")
    lo, hi = check_range("factor", min_factor, max_factor, positive=True)
    if lo > 1.0 and "below" in regimes:
        raise InvalidArgument("min_factor", lo, "is above 1 but 'below' was asked for", "pass min_factor <= 1")
    if hi <= 1.0 and "above" in regimes:
        raise InvalidArgument("max_factor", hi, "is not above 1 but 'above' was asked for", "pass max_factor > 1")
    parts = {
        "below": lambda: log_uniform(lo, 1.0).map(lambda f: bound * f),
        "at": lambda: st.just(bound),
        "above": lambda: log_uniform(1.0, hi).filter(lambda f: f > 1.0).map(lambda f: bound * f),
    }
    return st.one_of(*(parts[r]() for r in regimes))


def regularization_weights(*, min_value: float = 1e-3, max_value: float = 10.0) -> st.SearchStrategy[float]:
    """A weight in [min_value, max_value], log-uniform (0 allowed as min_value: then exactly 0 or above)."""
    lo, hi = check_range("value", min_value, max_value)
    if lo == 0.0:
        return st.one_of(st.just(0.0), log_uniform(min(1e-6, hi) if hi > 0 else 0.0, hi)) if hi > 0 else st.just(0.0)
    return log_uniform(lo, hi)


def depths(*, min_depth: int = 1, max_depth: int = 6) -> st.SearchStrategy[int]:
    """Depth N in [min_depth, max_depth] (shrinks to min_depth)."""
    lo = check_int("min_depth", min_depth, min_value=1)
    hi = check_int("max_depth", max_depth, min_value=1)
    if lo > hi:
        raise InvalidArgument("min_depth", lo, f"exceeds max_depth={hi} (empty range)", "pass min_depth <= max_depth")
    return st.integers(lo, hi)


def widths(
    *, depth: int, min_width: int = 1, max_width: int = 5, equal: bool = False
) -> st.SearchStrategy[tuple[int, ...]]:
    """``(d_0, ..., d_depth)`` in [min_width, max_width] (all equal when ``equal``)."""
    depth = check_int("depth", depth, min_value=1)
    lo = check_int("min_width", min_width, min_value=1)
    hi = check_int("max_width", max_width, min_value=1)
    if lo > hi:
        raise InvalidArgument("min_width", lo, f"exceeds max_width={hi} (empty range)", "pass min_width <= max_width")
    if equal:
        return st.integers(lo, hi).map(lambda d: (d,) * (depth + 1))
    return st.tuples(*(st.integers(lo, hi) for _ in range(depth + 1)))


def horizons(*, min_steps: int = 1, max_steps: int = 10_000) -> st.SearchStrategy[int]:
    """A step budget, log-uniform in [min_steps, max_steps]."""
    lo = check_int("min_steps", min_steps, min_value=1)
    hi = check_int("max_steps", max_steps, min_value=1)
    if lo > hi:
        raise InvalidArgument("min_steps", lo, f"exceeds max_steps={hi} (empty range)", "pass min_steps <= max_steps")
    return log_uniform(float(lo), float(hi)).map(lambda x: min(hi, max(lo, round(x))))
