"""Targets with a chosen shape, rank and spectrum, and data matrices with full row rank."""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

from theorycheck._validation import check_choice, check_int, check_real
from theorycheck.dynamics.instance import Target
from theorycheck.errors import InvalidArgument
from theorycheck.strategies._common import check_range, finite_floats, rotations

# the log-space gap is widened by this factor so that the relative gap survives the rounding of pow/exp
_GAP_SLACK = 1.0 + 1e-9


def _log_gap(min_gap: float) -> float:
    """``-log(1 - min_gap)``, slightly widened: consecutive logs this far apart keep the relative gap in float64.

    Widened relatively (1e-9) and absolutely (1e-12): for a tiny min_gap the relative slack alone is below the
    rounding of ``kappa ** -t`` (seen: min_gap 1e-6, kappa 158, rank 8 gave a gap of 1e-6 less an ulp).
    """
    return -math.log1p(-min_gap) * _GAP_SLACK + 1e-12


def _condition_floor(rank: int, min_gap: float, *, include: int = 0) -> float:
    """Smallest kappa that leaves room for ``rank`` singular values with relative gaps >= ``min_gap`` (ties=False).

    ``exp((rank - 1) g)`` for the widened log gap ``g`` of :func:`_log_gap`; with ``include`` values to place
    the drawn values keep three gaps apart (see :func:`singular_values`), so the exponent triples.
    """
    spacing = 3 if include else 1
    return math.exp(max(0, rank - 1) * spacing * _log_gap(min_gap))


def _check_min_gap(min_gap: float) -> float:
    gap = check_real("min_gap", min_gap, positive=True)
    if gap >= 0.5:
        raise InvalidArgument("min_gap", min_gap, "must be below 0.5", "pass a relative gap such as 1e-3")
    return gap


def _distinct_kmin(rank: int, kmin: float, kmax: float, gap: float, extra: tuple[float, ...]) -> float:
    """Validate ``ties=False`` arguments; the lower end of kappa raised to the floor that leaves room for the gaps."""
    floor = _condition_floor(rank, gap, include=len(extra))
    if kmax < floor:
        raise InvalidArgument(
            "max_condition",
            kmax,
            f"leaves no room for {rank} singular values with relative gaps >= {gap:g} (needs >= {floor:.6g})",
            f"pass max_condition >= {floor:.6g}, a smaller min_gap, or ties=True",
        )
    ordered = sorted(extra)
    for lo_value, hi_value in itertools.pairwise(ordered):
        if (hi_value - lo_value) / hi_value < gap:
            raise InvalidArgument(
                "include",
                extra,
                f"has {lo_value!r} and {hi_value!r} closer than min_gap={gap:g}",
                "include values that differ by more than min_gap, or pass ties=True",
            )
    return max(kmin, floor)


def _place_included(draw: Any, sig: np.ndarray, extra: tuple[float, ...], gap: float | None) -> None:
    """Put each included value in its own slot of ``sig`` (in place); ``gap`` is the ties=False minimum gap."""
    free = list(range(sig.size))  # slots not yet taken by an included value
    for value in extra:
        near = [j for j in free if abs(math.log(sig[j] / value)) < _log_gap(gap)] if gap is not None else []
        # with ties=False the drawn value within one gap of `value` must go (drawn values are 3 gaps apart,
        # so there is at most one); otherwise the slot is drawn
        slot = near[0] if near else free[draw(st.integers(0, len(free) - 1))]
        free.remove(slot)
        sig[slot] = value


@st.composite
def _singular_values(
    draw: Any,
    *,
    rank: int,
    smin: float,
    smax: float,
    kmin: float,
    kmax: float,
    kappas: st.SearchStrategy[float],
    ties: bool,
    distinct: bool,
    ell: float,
    extra: tuple[float, ...],
    gap: float,
) -> np.ndarray:
    s1 = draw(finite_floats(smin, smax))
    kappa = kmin if kmin == kmax else draw(kappas)
    if rank == 1:
        sig = np.array([s1])
    elif distinct:
        sig = _distinct_spectrum(draw, s1, kappa, rank, ell)
    else:
        ts = [draw(finite_floats(0.0, 1.0)) for _ in range(rank - 2)]
        if ties:
            for i in range(1, len(ts)):
                if draw(st.booleans()):
                    ts[i] = ts[i - 1]
        sig = np.array([s1, *(s1 * kappa ** (-t) for t in sorted(ts)), s1 / kappa])
    _place_included(draw, sig, extra, gap if distinct else None)
    return np.sort(sig)[::-1].copy()


def singular_values(
    *,
    rank: int,
    min_condition: float = 1.0,
    max_condition: float = 100.0,
    min_scale: float = 0.5,
    max_scale: float = 2.0,
    ties: bool = True,
    include: Sequence[float] = (),
    min_gap: float = 1e-3,
) -> st.SearchStrategy[np.ndarray]:
    """Descending singular values ``sigma_1 >= ... >= sigma_rank > 0`` with ``sigma_1 / sigma_rank = kappa``.

    kappa is drawn as a float in the range (shrinking to the simplest failing value) or log-uniformly
    (covering every decade); both ends are hit often. sigma_1 in [min_scale, max_scale] and
    ``sigma_rank = sigma_1 / kappa``: rank and condition number are exact by construction.

    ``ties=True``: interior values are ``sigma_1 kappa^{-t_i}`` with t_i in [0, 1] (shrink to ties with
    sigma_1), and an interior value may copy its predecessor exactly (repeated singular values).

    ``ties=False`` (rank >= 2): strictly decreasing, every relative gap ``(sigma_i - sigma_{i+1}) / sigma_i >=
    min_gap`` (exactly, in float64; included values too). Interior values are ``sigma_1 kappa^{-tau_i}`` with
    ``log(sigma_i / sigma_{i+1})`` = one minimum gap ``-log(1 - min_gap)`` plus a drawn share of the rest of
    ``log kappa``; the shares shrink to 0 (interior values bunched at the minimum gap below sigma_1, the
    nearest thing to a tie). kappa is drawn from ``[max(min_condition, kappa_0), max_condition]`` where
    ``kappa_0 = exp((rank - 1) g)``, ``g = -log(1 - min_gap)(1 + 1e-9) + 1e-12``, is the smallest condition
    number with room for the gaps (the widening keeps them exact in float64; a max_condition below kappa_0
    raises; kappa_0 ~ 1.002 for rank 3
    and the default min_gap = 1e-3). With ``include`` the drawn values keep three minimum gaps apart (kappa_0
    cubed) and an included value replaces the drawn value within one gap of it, if any, so every gap stays
    >= min_gap.

    ``include`` values (for example a threshold of a theorem) replace drawn entries, one each (never each
    other), and may move kappa outside the range.

    Raises:
        InvalidArgument: rank < 1, an empty or non-positive range, more included values than the rank;
            with ``ties=False``: min_gap outside (0, 0.5), max_condition below kappa_0, two included values
            closer than min_gap.
    """
    rank = check_int("rank", rank, min_value=1)
    kmin, kmax = check_range("condition", min_condition, max_condition, positive=True)
    if kmin < 1.0:
        raise InvalidArgument("min_condition", kmin, "is below 1", "a condition number is >= 1")
    smin, smax = check_range("scale", min_scale, max_scale, positive=True)
    extra = tuple(check_real("include", v, positive=True) for v in include)
    if len(extra) > rank:
        raise InvalidArgument("include", include, f"has more values than rank={rank}", "include at most rank values")
    gap = _check_min_gap(min_gap)
    distinct = not ties and rank >= 2
    if distinct:
        kmin = _distinct_kmin(rank, kmin, kmax, gap, extra)

    # kappa itself as a float first: it shrinks to the simplest (smallest integer-like) value that still
    # fails, e.g. 51 for "fails when kappa > 50"; the log-scale branch spreads draws over decades.
    kappas = st.one_of(
        finite_floats(kmin, kmax),
        finite_floats(0.0, 1.0).map(lambda u: min(kmax, max(kmin, kmin * (kmax / kmin) ** u))),
        st.sampled_from((kmax, kmin)),  # the ends on purpose: bounds are where theorems break
    )
    # with included values the drawn ones keep three gaps apart, so an included value always finds a slot
    ell = _log_gap(gap) * (3 if extra else 1)
    return _singular_values(
        rank=rank,
        smin=smin,
        smax=smax,
        kmin=kmin,
        kmax=kmax,
        kappas=kappas,
        ties=ties,
        distinct=distinct,
        ell=ell,
        extra=extra,
        gap=gap,
    )


def _distinct_spectrum(draw: Any, s1: float, kappa: float, rank: int, ell: float) -> np.ndarray:
    """``sigma_1 > ... > sigma_rank = sigma_1 / kappa`` with every ``log(sigma_i / sigma_{i+1}) >= ell``.

    In log space each of the rank - 1 gaps gets ``ell`` and a share of the rest ``log kappa - (rank-1) ell``,
    cut at sorted draws t in [0, 1] (t = 0: the share goes to the last gap).
    """
    span = math.log(kappa)
    rest = max(0.0, span - (rank - 1) * ell)
    ts = sorted(draw(finite_floats(0.0, 1.0)) for _ in range(rank - 2))
    taus = [min(1.0, (i * ell + rest * t) / span) for i, t in enumerate(ts, start=1)]
    return np.array([s1, *(s1 * kappa ** (-tau) for tau in taus), s1 / kappa])


def _check_shape_and_rank(shape: tuple[int, int] | None, rank: int | None, max_dim: int, kind: str) -> int:
    """Validate target_matrices' shape and rank; the largest rank it can draw."""
    if shape is not None:
        m, n = (check_int("shape", s, min_value=1) for s in shape)
        if rank is not None and check_int("rank", rank, min_value=1) > min(m, n):
            raise InvalidArgument("rank", rank, f"exceeds min(shape)={min(m, n)}", f"pass rank <= {min(m, n)}")
        if kind == "scaled_identity" and m != n:
            raise InvalidArgument("shape", shape, "is not square", "scaled_identity needs m == n")
        return rank or min(m, n)
    if rank is not None and check_int("rank", rank, min_value=1) > max_dim:
        raise InvalidArgument("rank", rank, f"exceeds max_dim={max_dim}", f"pass rank <= {max_dim}")
    return rank or max_dim


@st.composite
def _target_matrices(
    draw: Any,
    *,
    shape: tuple[int, int] | None,
    max_dim: int,
    rank: int | None,
    complex_: bool,
    kind: str,
    equal: bool,
    min_scale: float,
    max_scale: float,
    spectrum: Callable[..., st.SearchStrategy[np.ndarray]],
) -> Target:
    if shape is None:
        lo = rank or 1
        m_ = draw(st.integers(lo, max(lo, max_dim)))
        n_ = m_ if kind == "scaled_identity" else draw(st.integers(lo, max(lo, max_dim)))
    else:
        m_, n_ = shape
    # sigma_1 times a unitary (or the identity) has full rank by definition
    full = min(m_, n_)
    r = rank if rank is not None else (full if equal else draw(st.integers(1, full)))
    sig = np.full(r, draw(finite_floats(min_scale, max_scale))) if equal else draw(spectrum(rank=r))
    if kind in ("diagonal", "scaled_identity"):
        dt = np.complex128 if complex_ else np.float64
        u, v = np.eye(m_, dtype=dt)[:, :r], np.eye(n_, dtype=dt)[:, :r]
        if kind == "scaled_identity":
            r = m_
            sig = np.full(m_, sig[0])
            u = v = np.eye(m_, dtype=dt)
    else:
        u = draw(rotations(m_, complex_=complex_))[:, :r]
        v = draw(rotations(n_, complex_=complex_))[:, :r]
    matrix = (u * sig[None, :]) @ v.conj().T
    return Target(matrix=matrix, u=u, sigma=sig, v=v)


def target_matrices(
    *,
    shape: tuple[int, int] | None = None,
    max_dim: int = 4,
    rank: int | None = None,
    field: str = "real",
    min_condition: float = 1.0,
    max_condition: float = 100.0,
    min_scale: float = 0.5,
    max_scale: float = 2.0,
    ties: bool = True,
    include: Sequence[float] = (),
    kind: str = "general",
    min_gap: float = 1e-3,
) -> st.SearchStrategy[Target]:
    """Targets ``U diag(sigma) V^H`` (a :class:`Target` keeping the factors).

    Args:
        shape: (m, n) fixed, or None to draw m, n in [1, max_dim] (shrink to 1).
        max_dim: bound for drawn dimensions.
        rank: fixed rank, or None to draw it in [1, min(m, n)] (rank-deficient targets included).
        field: "real" or "complex" (unitary factors).
        min_condition: lower end of kappa (>= 1).
        max_condition: upper end of kappa.
        min_scale: lower end of sigma_1.
        max_scale: upper end of sigma_1.
        ties: allow repeated singular values; False gives strictly decreasing ones with relative gaps
            >= min_gap and kappa >= (1 - min_gap)^{-(rank-1)(1 + 1e-9)} (see :func:`singular_values`).
        include: values that must appear among the singular values (thresholds).
        kind: "general"; "scaled_unitary" (all singular values equal, Luo et al. 2025's assumption);
            "scaled_identity" (sigma_1 I, square); "diagonal" (U, V identity).
        min_gap: the smallest relative gap ``(sigma_i - sigma_{i+1}) / sigma_i`` with ``ties=False``.

    Raises:
        InvalidArgument: rank above the dimensions, empty ranges, non-square shape for scaled_identity;
            ``ties=False`` with an equal-spectrum kind or with a max_condition too small for the gaps.
    """
    check_choice("field", field, ("real", "complex"))
    check_choice("kind", kind, ("general", "scaled_unitary", "scaled_identity", "diagonal"))
    max_dim = check_int("max_dim", max_dim, min_value=1)
    top = _check_shape_and_rank(shape, rank, max_dim, kind)
    equal = kind in ("scaled_unitary", "scaled_identity")
    if equal and not ties:
        raise InvalidArgument("ties", ties, f"contradicts kind={kind!r} (all singular values equal)", "pass ties=True")
    spectrum = functools.partial(
        singular_values,
        min_condition=min_condition,
        max_condition=max_condition,
        min_scale=min_scale,
        max_scale=max_scale,
        ties=ties,
        include=include,
        min_gap=min_gap,
    )
    # validate the spectrum arguments now, not at the first draw (ties=False: at the largest rank drawable)
    spectrum(rank=1 if ties else top, include=include[:1] if ties else include[:top])
    return _target_matrices(
        shape=shape,
        max_dim=max_dim,
        rank=rank,
        complex_=field == "complex",
        kind=kind,
        equal=equal,
        min_scale=min_scale,
        max_scale=max_scale,
        spectrum=spectrum,
    )


@st.composite
def _data_matrices(
    draw: Any, spectrum: st.SearchStrategy[np.ndarray], rows: int, columns: int, complex_: bool
) -> np.ndarray:
    sig = draw(spectrum)
    u = draw(rotations(rows, complex_=complex_))
    v = draw(rotations(columns, complex_=complex_))[:, :rows]
    return np.asarray((u * sig[None, :]) @ v.conj().T)


def data_matrices(
    *,
    rows: int,
    columns: int,
    min_condition: float = 1.0,
    max_condition: float = 100.0,
    field: str = "real",
) -> st.SearchStrategy[np.ndarray]:
    """X of shape (rows, columns) with full row rank and cond(X) in the range (Nguegnang, Rauhut, Terstiege).

    Raises:
        InvalidArgument: columns < rows (full row rank impossible), an empty range.
    """
    rows = check_int("rows", rows, min_value=1)
    columns = check_int("columns", columns, min_value=1)
    if columns < rows:
        raise InvalidArgument(
            "columns", columns, f"is below rows={rows}: X cannot have full row rank", "pass columns >= rows"
        )
    spectrum = singular_values(rank=rows, min_condition=min_condition, max_condition=max_condition)
    complex_ = check_choice("field", field, ("real", "complex")) == "complex"
    return _data_matrices(spectrum, rows, columns, complex_)
