"""Midpoint-only products of real python-flint matrices, through libflint's ``arb_mat_approx_mul``.

python-flint 0.9 exposes ``arb_mat * arb_mat``, a ball product (midpoint and radius), but not arb's
approximate product, which computes the midpoint alone: 1.3x faster at d = 8, 1.6x at d = 16 (113 bits, measured
with ctypes' own call cost included; slower below d = 6, where that cost dominates). A GD run drops radii every
step, and the midpoint of an arb product depends only on its operands' midpoints and equals the approximate
product's (checked here before first use, and in tests at sizes 1-64 and 53-400 bits), so a run's values do not
change. Complex matrices are not covered: ``acb_mat_approx_mul`` rounds differently from the ball product.

How: :mod:`._libflint` finds the libflint that python-flint bundles and where its ``arb_mat`` objects hold their
structs; :func:`midpoint_product` checks a product against ``*`` before handing out the function. Anything
unexpected (no bundled library, another layout, a different midpoint) gives None, and callers keep ``*``.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable
from typing import Any

import flint

from theorycheck.precision._flint import FLINT_LOCK, working_precision
from theorycheck.precision._libflint import libflint

_ARB_MAT = flint.arb_mat


def _approx_mul() -> tuple[Any, int] | None:
    """(libflint's ``arb_mat_approx_mul``, byte offset of the struct in a python-flint matrix), or None."""
    with FLINT_LOCK:  # two threads' first calls must not check at once (the check sets flint's precision)
        return _find_approx_mul()


@functools.cache
def _find_approx_mul() -> tuple[Any, int] | None:
    found = libflint()
    if found is None:
        return None
    try:
        fn = found.lib.arb_mat_approx_mul
    except AttributeError:
        return None
    fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_long]
    fn.restype = None
    if not _agrees(fn, found.mat_offset):
        return None
    return fn, found.mat_offset


def _agrees(fn: Any, offset: int) -> bool:
    """A ball product's midpoints equal the approximate product's, on operands with radii, at two precisions."""
    for bits in (53, 113):
        with working_precision(bits):
            third = flint.arb(1) / 3  # an inexact scale: the operands get radii
            a = _ARB_MAT([[(i * 7 + k * 3) % 11 - 5 for k in range(7)] for i in range(9)]) * third
            b = _ARB_MAT([[(i * 5 + k * 2) % 13 - 6.5 for k in range(5)] for i in range(7)]) * third
            c = _ARB_MAT(9, 5)
            fn(id(c) + offset, id(a) + offset, id(b) + offset, bits)
            ball = a * b
            if any(x.mid() != y.mid() or y.rad() != 0 for x, y in zip(ball.entries(), c.entries(), strict=True)):
                return False
    return True


def midpoint_product(bits: int) -> Callable[[Any, Any], Any] | None:
    """``a @ b`` for real python-flint matrices at ``bits`` bits: the ball product's midpoint, radius 0; or None.

    None where the libflint function cannot be used safely (module docstring). Always ``bits``, whatever
    ``flint.ctx.prec`` is (a run calls it inside ``activate()``, where the two agree). Operands that are not two
    distinct ``arb_mat`` of compatible shapes go through ``*`` (which raises for a shape mismatch instead of
    letting libflint abort the process).
    """
    found = _approx_mul()
    if found is None:
        return None
    fn, offset = found

    def product(a: Any, b: Any) -> Any:
        # a is b: flint squares instead, which rounds differently from the ball product
        if type(a) is not _ARB_MAT or type(b) is not _ARB_MAT or a is b or a.ncols() != b.nrows():
            return a * b
        c = _ARB_MAT(a.nrows(), b.ncols())
        fn(id(c) + offset, id(a) + offset, id(b) + offset, bits)
        return c

    return product
