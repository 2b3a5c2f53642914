"""Low-entropy building blocks: log-uniform scales, seeds, rotations. Every random bit comes from Hypothesis.

Rotations are products of Givens rotations whose angles are Hypothesis floats in [-pi, pi] (shrinking to
0, i.e. to the identity), behind a boolean "rotate" that shrinks to False (exactly the identity). Gaussian
blocks come from ``numpy.random.default_rng(seed)`` with ``seed`` drawn by Hypothesis (shrinks to 0):
drawing n entries one by one would make large buffers and meaningless shrinks (ecosystem.md).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

from theorycheck._validation import check_real
from theorycheck.errors import InvalidArgument


def finite_floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Floats in [lo, hi] without NaN, inf or subnormals (style.md point 5)."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def check_range(name: str, lo: float, hi: float, *, positive: bool = False) -> tuple[float, float]:
    """Validate a ``(lo, hi)`` range eagerly, at strategy construction."""
    lo = check_real(f"min_{name}", lo, positive=positive, nonnegative=not positive)
    hi = check_real(f"max_{name}", hi, positive=positive, nonnegative=not positive)
    if lo > hi:
        raise InvalidArgument(
            f"min_{name}", lo, f"exceeds max_{name}={hi} (empty range)", f"pass min_{name} <= max_{name}"
        )
    return lo, hi


def log_uniform(lo: float, hi: float) -> st.SearchStrategy[float]:
    """A value in [lo, hi] (lo > 0) uniform in log scale; the exponent shrinks toward its simplest value."""
    if lo == hi:
        return st.just(lo)
    a, b = math.log10(lo), math.log10(hi)
    return finite_floats(a, b).map(lambda e: float(min(max(10.0**e, lo), hi)))


def seeds() -> st.SearchStrategy[int]:
    """Seeds for local generators (shrink to 0)."""
    return st.integers(0, 2**32 - 1)


def gaussian(seed: int, shape: tuple[int, ...], *, complex_: bool) -> np.ndarray:
    """Standard real or complex (Re, Im ~ N(0, 1/2)) Gaussian block from a drawn seed."""
    rng = np.random.default_rng(seed)
    if complex_:
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / math.sqrt(2.0)
    return rng.standard_normal(shape)


def givens_product(n: int, angles: list[float], phases: list[float] | None) -> np.ndarray:
    """Orthogonal (or unitary, with phases) n x n matrix from n(n-1)/2 angles; all zeros give I."""
    q: np.ndarray = np.eye(n, dtype=np.complex128 if phases is not None else np.float64)
    k = 0
    for i in range(n - 1):
        for j in range(i + 1, n):
            c, s = math.cos(angles[k]), math.sin(angles[k])
            rot = np.array([[c, -s], [s, c]], dtype=q.dtype)
            if phases is not None:
                rot = rot * np.array([[1.0, 1.0], [np.exp(1j * phases[k]), np.exp(1j * phases[k])]])
            q[[i, j], :] = rot @ q[[i, j], :]
            k += 1
    return q


@st.composite
def rotations(draw: Any, n: int, *, complex_: bool = False, det: int | None = None) -> np.ndarray:
    """An n x n orthogonal (unitary if complex_) matrix; real ``det`` in {1, -1} or None (drawn, shrinks to +1)."""
    m = n * (n - 1) // 2
    if m and draw(st.booleans()):
        angles = draw(st.lists(finite_floats(-math.pi, math.pi), min_size=m, max_size=m))
        phases = draw(st.lists(finite_floats(-math.pi, math.pi), min_size=m, max_size=m)) if complex_ else None
        q = givens_product(n, angles, phases)
    else:
        q = np.eye(n, dtype=np.complex128 if complex_ else np.float64)
    if complex_:
        if n and draw(st.booleans()):
            diag = draw(st.lists(finite_floats(-math.pi, math.pi), min_size=n, max_size=n))
            q = q * np.exp(1j * np.array(diag))[None, :]
        return q
    sign = det if det is not None else (-1 if draw(st.booleans()) else 1)
    if n and sign < 0:
        q[:, 0] = -q[:, 0]
    return q


def complete_basis(u: np.ndarray) -> np.ndarray:
    """Extend orthonormal columns ``u`` (m, r) to an m x m orthogonal/unitary matrix (deterministic)."""
    m, r = u.shape
    if r == m:
        return u.copy()
    q, _ = np.linalg.qr(np.concatenate([u, np.eye(m, dtype=u.dtype)], axis=1))
    q = q[:, :m]
    # keep the given columns exactly (QR may flip their signs)
    q[:, :r] = u
    return q
