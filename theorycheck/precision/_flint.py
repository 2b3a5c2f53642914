"""python-flint backend: ``arb_mat``/``acb_mat`` midpoint arithmetic at ``bits`` bits.

Balls are *not* propagated: the dynamics drop the radius once per step (:meth:`FlintBackend.round`). An
arb operation's midpoint is computed from its operands' midpoints, so within a step the radii cost a
little time but do not change the midpoints; the result is a rounded arithmetic at ``bits`` bits
(propagating balls through a GD trajectory blows the radius up within ~100 steps; rigorous
checks are per iterate, see :mod:`theorycheck.claims._certificates`). python-flint's precision is the
process-global ``flint.ctx.prec``: it is set only inside :func:`working_precision` (which
:meth:`FlintBackend.activate` and the interval functions of :mod:`theorycheck.precision.numeric` enter) and restored
after.
"""

from __future__ import annotations

import contextlib
import operator
import threading
from collections.abc import Iterator
from typing import Any

import flint
import numpy as np

from theorycheck.precision._operators import Operators

#: FlintBackend.sqnorm takes trace(A^H A) up to this smaller dimension, and sums the entries' squares above it
SQNORM_BY_GRAM_UP_TO = 20
_APPROX_PRODUCTS_FROM = 8  # see FlintBackend.for_run
_ACB_MAT = flint.acb_mat  # module constants: the type tests run several times per step
_ACB = flint.acb


#: Held by :func:`working_precision`: python-flint's precision is one value for the whole process, so two threads'
#: scopes must not overlap (thread A's products would round at thread B's precision). Re-entrant: scopes nest.
FLINT_LOCK = threading.RLock()


@contextlib.contextmanager
def working_precision(bits: int) -> Iterator[None]:
    """Set ``flint.ctx.prec`` to ``bits`` for the duration, then restore the caller's value.

    The one place that writes python-flint's process-global precision. Holds :data:`FLINT_LOCK` throughout, so
    high-precision work in several threads runs one scope at a time, each at its own precision (python-flint
    code outside theorycheck that sets ``flint.ctx.prec`` meanwhile is beyond its reach).
    """
    with FLINT_LOCK:
        saved = flint.ctx.prec
        flint.ctx.prec = bits
        try:
            yield
        finally:
            flint.ctx.prec = saved


class FlintBackend(Operators):
    """Rounded arithmetic at ``bits`` bits on python-flint matrices (about 75x mpmath's speed at d=4)."""

    name = "flint"

    def __init__(self, bits: int) -> None:
        self.bits = bits

    @contextlib.contextmanager
    def activate(self) -> Iterator[None]:
        """Set ``flint.ctx.prec`` to ``bits`` for the duration, then restore the caller's value."""
        with working_precision(self.bits):
            yield

    def from_numpy(self, arr: np.ndarray) -> Any:
        if np.iscomplexobj(arr):
            return flint.acb_mat([[flint.acb(complex(x)) for x in row] for row in arr])
        return flint.arb_mat(np.asarray(arr, dtype=np.float64).tolist())  # exact: a double is an arb

    def to_numpy(self, mat: Any) -> np.ndarray:
        if isinstance(mat, flint.acb_mat):
            return np.array(
                [[complex(float(x.real.mid()), float(x.imag.mid())) for x in row] for row in mat.tolist()],
                dtype=np.complex128,
            )
        # float(x) rounds x's midpoint to the nearest double, as float(x.mid()) does, without the extra object
        flat = np.fromiter(map(float, mat.entries()), dtype=np.float64, count=mat.nrows() * mat.ncols())
        return flat.reshape(mat.nrows(), mat.ncols())

    def scalar(self, value: float) -> Any:
        return flint.arb(value)

    #: the midpoint rounded to the nearest double (``float(x)`` is ``float(x.mid())``; a C call, no Python frame)
    to_float = staticmethod(float)

    def ah(self, a: Any) -> Any:
        t = a.transpose()
        return t.conjugate() if type(t) is _ACB_MAT else t

    def sqnorm(self, a: Any) -> Any:
        # trace(A^H A) runs in C; a Python loop over entries costs ~4x more for small matrices, and
        # the product's extra factor min(rows, cols) only loses beyond ~20 (113 bits: 40 against 50 us at 16, 400
        # against 200 at 32).
        if min(a.nrows(), a.ncols()) <= SQNORM_BY_GRAM_UP_TO:
            gram = a.transpose().conjugate() * a if type(a) is _ACB_MAT else a.transpose() * a
            tr = gram.trace()
            return tr.real if type(tr) is _ACB else tr
        if type(a) is _ACB_MAT:
            return sum((abs(x) ** 2 for x in a.entries()), flint.arb(0))
        return sum((x * x for x in a.entries()), flint.arb(0))

    #: the midpoint: the radius dropped, once per step (a C call, no Python frame)
    round = staticmethod(operator.methodcaller("mid"))

    @property
    def approx_products(self) -> bool:
        """Whether products go through arb's midpoint-only product (a run backend of :meth:`for_run`)."""
        return self.mm is not operator.mul

    def for_run(self, largest: int, complex_: bool) -> FlintBackend:
        """For a real run with matrices of size >= 8, products through arb's midpoint-only product (same values).

        See :mod:`theorycheck.precision._arb_approx` (1.3-1.6x faster products at d = 8-16; slower below d = 6,
        where ctypes' call cost dominates). Anything else, or where that product is unavailable: this backend.
        """
        if complex_ or largest < _APPROX_PRODUCTS_FROM:
            return self
        from theorycheck.precision._arb_approx import midpoint_product

        product = midpoint_product(self.bits)
        if product is None:
            return self
        run = FlintBackend(self.bits)
        run.mm = product  # type: ignore[method-assign,assignment]
        return run

    def compiled_descent(self, formula: Any, norm: Any, layers: list[Any], target: Any, data: Any) -> Any:
        """GD steps in compiled code (:mod:`theorycheck.precision._arb_descent`): same bits; or None."""
        from theorycheck.precision._arb_descent import compiled_descent

        return compiled_descent(self, formula, norm, layers, target, data)
