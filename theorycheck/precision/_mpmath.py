"""mpmath backend: matrices of a private ``MPContext`` at ``bits`` bits (the global ``mpmath.mp`` is never touched)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import mpmath
import numpy as np

from theorycheck.precision._operators import Operators

_CONTEXTS = threading.local()


def mp_context(bits: int) -> Any:
    """A private ``mpmath.MPContext`` at ``bits`` bits, made once per thread and precision, then reused.

    Making a context costs ~3.5 ms (mpmath wraps 200+ special functions in each new one), more than a short
    high-precision run. A caller must not change the context's ``prec`` (mpmath's own routines raise it and put it
    back while they work, which is why there is one per thread); for a context of your own use
    :func:`theorycheck.precision.numeric.context`.
    """
    cache: dict[int, Any] = _CONTEXTS.__dict__.setdefault("by_bits", {})
    ctx = cache.get(bits)
    if ctx is None:
        ctx = cache[bits] = mpmath.MPContext()
        ctx.prec = bits
    return ctx


class MpmathBackend(Operators):
    """Arbitrary precision through mpmath; every operation rounds to ``bits`` bits."""

    name = "mpmath"

    def __init__(self, bits: int, ctx: Any = None) -> None:
        """The private context at ``bits`` (:func:`mp_context`), or the given mpmath context.

        A given context may be ``fp``, an ``MPContext`` or intervals.

        With a given context the model formulas run in its arithmetic: :func:`theorycheck.models.in_context`.
        """
        if ctx is None:
            ctx = mp_context(bits)
        self.bits = bits
        self.ctx = ctx

    @contextlib.contextmanager
    def activate(self) -> Iterator[None]:
        """The private context needs no activation."""
        yield

    def from_numpy(self, arr: np.ndarray) -> Any:
        ctx = self.ctx
        if arr.dtype == object:  # mpmath numbers of a high-precision run: kept, never rounded through float
            return ctx.matrix([[ctx.convert(x) for x in row] for row in arr])
        conv = ctx.mpc if np.iscomplexobj(arr) else ctx.mpf
        # mpf(float) is exact: a double is a dyadic rational that fits in >= 53 bits.
        if np.iscomplexobj(arr):  # mpc(re, im): an interval context cannot convert a Python complex
            return ctx.matrix([[conv(float(x.real), float(x.imag)) for x in row] for row in arr])
        return ctx.matrix([[conv(float(x)) for x in row] for row in arr])

    def to_numpy(self, mat: Any) -> np.ndarray:
        rows = [[mat[i, j] for j in range(mat.cols)] for i in range(mat.rows)]
        if any(isinstance(x, type(self.ctx.mpc(0))) for row in rows for x in row):
            return np.array([[complex(x) for x in row] for row in rows], dtype=np.complex128)
        return np.array([[float(x) for x in row] for row in rows], dtype=np.float64)

    def scalar(self, value: float) -> Any:
        return self.ctx.mpf(value)

    def to_float(self, value: Any) -> float:
        return float(value)

    def ah(self, a: Any) -> Any:
        from theorycheck.precision.numeric import ah

        return ah(self.ctx, a)

    def sqnorm(self, a: Any) -> Any:
        ctx = self.ctx
        return ctx.fsum(ctx.re(x) ** 2 + ctx.im(x) ** 2 for x in a)

    def round(self, a: Any) -> Any:
        return a
