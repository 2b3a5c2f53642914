"""Targets with a chosen shape, rank and spectrum, and data matrices with full row rank."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

from theorycheck._validation import check_choice, check_int, check_real
from theorycheck.dynamics.instance import Target
from theorycheck.errors import InvalidArgument
from theorycheck.strategies._common import check_range, finite_floats, rotations


def singular_values(
    *,
    rank: int,
    min_condition: float = 1.0,
    max_condition: float = 100.0,
    min_scale: float = 0.5,
    max_scale: float = 2.0,
    ties: bool = True,
    include: Sequence[float] = (),
) -> st.SearchStrategy[np.ndarray]:
    """Descending singular values ``sigma_1 >= ... >= sigma_rank > 0`` with ``sigma_1 / sigma_rank = kappa``.

    kappa is drawn as a float in the range (shrinking to the simplest failing value) or log-uniformly
    (covering every decade); both ends are hit often. sigma_1 in [min_scale, max_scale]; interior values are
    ``sigma_1 kappa^{-t_i}`` with t_i in [0, 1] (shrink to ties with sigma_1). With ``ties`` an interior value
    may copy its predecessor exactly (repeated singular values). ``include`` values (for example a
    threshold of a theorem) replace drawn entries, one each, and may move kappa outside the range.

    Raises:
        InvalidArgument: rank < 1, an empty or non-positive range, more included values than the rank.
    """
    rank = check_int("rank", rank, min_value=1)
    kmin, kmax = check_range("condition", min_condition, max_condition, positive=True)
    if kmin < 1.0:
        raise InvalidArgument("min_condition", kmin, "is below 1", "a condition number is >= 1")
    smin, smax = check_range("scale", min_scale, max_scale, positive=True)
    extra = tuple(check_real("include", v, positive=True) for v in include)
    if len(extra) > rank:
        raise InvalidArgument("include", include, f"has more values than rank={rank}", "include at most rank values")

    # kappa itself as a float first: it shrinks to the simplest (smallest integer-like) value that still
    # fails, e.g. 51 for "fails when kappa > 50"; the log-scale branch spreads draws over decades.
    kappas = st.one_of(
        finite_floats(kmin, kmax),
        finite_floats(0.0, 1.0).map(lambda u: min(kmax, max(kmin, kmin * (kmax / kmin) ** u))),
        st.sampled_from((kmax, kmin)),  # the ends on purpose: bounds are where theorems break
    )

    @st.composite
    def build(draw: Any) -> np.ndarray:
        s1 = draw(finite_floats(smin, smax))
        kappa = kmin if kmin == kmax else draw(kappas)
        if rank == 1:
            sig = np.array([s1])
        else:
            ts = [draw(finite_floats(0.0, 1.0)) for _ in range(rank - 2)]
            if ties:
                for i in range(1, len(ts)):
                    if draw(st.booleans()):
                        ts[i] = ts[i - 1]
            sig = np.array([s1, *(s1 * kappa ** (-t) for t in sorted(ts)), s1 / kappa])
        for value in extra:
            sig[draw(st.integers(0, rank - 1))] = value
        return np.sort(sig)[::-1].copy()

    return build()


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
        ties: allow repeated singular values (see :func:`singular_values`).
        include: values that must appear among the singular values (thresholds).
        kind: "general"; "scaled_unitary" (all singular values equal, Luo et al. 2025's assumption);
            "scaled_identity" (sigma_1 I, square); "diagonal" (U, V identity).

    Raises:
        InvalidArgument: rank above the dimensions, empty ranges, non-square shape for scaled_identity.
    """
    check_choice("field", field, ("real", "complex"))
    check_choice("kind", kind, ("general", "scaled_unitary", "scaled_identity", "diagonal"))
    max_dim = check_int("max_dim", max_dim, min_value=1)
    if shape is not None:
        m, n = (check_int("shape", s, min_value=1) for s in shape)
        if rank is not None and check_int("rank", rank, min_value=1) > min(m, n):
            raise InvalidArgument("rank", rank, f"exceeds min(shape)={min(m, n)}", f"pass rank <= {min(m, n)}")
        if kind == "scaled_identity" and m != n:
            raise InvalidArgument("shape", shape, "is not square", "scaled_identity needs m == n")
    elif rank is not None and check_int("rank", rank, min_value=1) > max_dim:
        raise InvalidArgument("rank", rank, f"exceeds max_dim={max_dim}", f"pass rank <= {max_dim}")
    equal = kind in ("scaled_unitary", "scaled_identity")
    # validate the spectrum arguments now, not at the first draw
    singular_values(
        rank=1,
        min_condition=min_condition,
        max_condition=max_condition,
        min_scale=min_scale,
        max_scale=max_scale,
        include=include[:1],
    )
    complex_ = field == "complex"

    @st.composite
    def build(draw: Any) -> Target:
        if shape is None:
            lo = rank or 1
            m_ = draw(st.integers(lo, max(lo, max_dim)))
            n_ = m_ if kind == "scaled_identity" else draw(st.integers(lo, max(lo, max_dim)))
        else:
            m_, n_ = shape
        # sigma_1 times a unitary (or the identity) has full rank by definition
        full = min(m_, n_)
        r = rank if rank is not None else (full if equal else draw(st.integers(1, full)))
        if equal:
            sig = np.full(r, draw(finite_floats(min_scale, max_scale)))
        else:
            spectrum = singular_values(
                rank=r,
                min_condition=min_condition,
                max_condition=max_condition,
                min_scale=min_scale,
                max_scale=max_scale,
                ties=ties,
                include=include,
            )
            sig = draw(spectrum)
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

    return build()


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

    @st.composite
    def build(draw: Any) -> np.ndarray:
        sig = draw(spectrum)
        u = draw(rotations(rows, complex_=complex_))
        v = draw(rotations(columns, complex_=complex_))[:, :rows]
        return np.asarray((u * sig[None, :]) @ v.conj().T)

    return build()
