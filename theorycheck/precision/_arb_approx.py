"""Midpoint-only products of real python-flint matrices, through libflint's ``arb_mat_approx_mul``.

python-flint 0.9 exposes ``arb_mat * arb_mat``, a ball product (midpoint and radius), but not arb's
approximate product, which computes the midpoint alone: 1.3x faster at d = 8, 1.6x at d = 16 (113 bits, measured
with ctypes' own call cost included; slower below d = 6, where that cost dominates). A GD run drops radii every
step, and the midpoint of an arb product depends only on its operands' midpoints and equals the approximate
product's (checked here before first use, and in tests at sizes 1-64 and 53-400 bits), so a run's values do not
change. Complex matrices are not covered: ``acb_mat_approx_mul`` rounds differently from the ball product.

How: a python-flint ``arb_mat`` object holds its ``arb_mat_struct`` at a fixed offset (after the object header and
Cython's table pointer). :func:`midpoint_product` finds that offset by probing matrices of known shape, calls the
libflint that python-flint bundles and has loaded in this process (never another copy: memory allocated by one
would be freed by the other), and checks a product against ``*`` before handing out the function. Anything
unexpected (no bundled library, another layout, a different midpoint) gives None, and callers keep ``*``.
"""

from __future__ import annotations

import ctypes
import functools
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flint

from theorycheck.precision._flint import working_precision

_ARB_MAT = flint.arb_mat
_FIRST_USE = threading.Lock()  # two threads' first calls must not probe (and set flint's precision) at once


def _approx_mul() -> tuple[Any, int] | None:
    """(libflint's ``arb_mat_approx_mul``, byte offset of the struct in a python-flint matrix), or None."""
    with _FIRST_USE:
        return _find_approx_mul()


@functools.cache
def _find_approx_mul() -> tuple[Any, int] | None:
    try:
        libs = sorted((Path(flint.__file__).resolve().parent.parent / "python_flint.libs").glob("libflint*.so*"))
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return None
    loaded = [p for p in libs if str(p.resolve()) in maps]  # the copy python-flint's extensions use, not merely present
    if len(loaded) != 1:
        return None
    try:
        # PyDLL keeps the GIL during the call (as fast here): no other thread can free an operand meanwhile
        fn = ctypes.PyDLL(str(loaded[0])).arb_mat_approx_mul
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_long]
    fn.restype = None
    offset = _struct_offset()
    if offset is None or not _agrees(fn, offset):
        return None
    return fn, offset


def _struct_offset() -> int | None:
    """Where flint 3's ``{entries, r, c, stride, rows}`` starts in an ``arb_mat`` object, or None.

    The word holding a non-null pointer followed by rows, cols, cols, for two shapes, read within the object's
    own size only.
    """
    found: set[int] | None = None
    size = ctypes.sizeof(ctypes.c_ssize_t)
    for rows, cols in ((3, 5), (7, 2)):
        probe = _ARB_MAT(rows, cols)
        n = type(probe).__basicsize__ // size
        words = (ctypes.c_ssize_t * n).from_address(id(probe))
        shape_after = {k for k in range(2, n - 3) if (words[k + 1], words[k + 2], words[k + 3]) == (rows, cols, cols)}
        here = {k for k in shape_after if words[k]}  # and the entries pointer before it
        found = here if found is None else found & here
    return size * min(found) if found and len(found) == 1 else None


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
