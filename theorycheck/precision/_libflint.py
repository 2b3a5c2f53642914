"""The libflint that python-flint bundles, and where python-flint's objects keep their flint structs.

python-flint 0.9 exposes flint's ball arithmetic as Python operators; two speed-ups call libflint itself on
python-flint's own objects: :mod:`._arb_approx` (a midpoint-only product) and :mod:`._arb_descent` (whole GD
steps in compiled code). Both need the same facts, found here once and checked, never assumed:

* the library: the one copy python-flint bundled *and* has loaded in this process (memory allocated by one copy
  must not be freed by another), opened with :class:`ctypes.PyDLL` (calls keep the GIL, so no other thread can
  free an operand meanwhile);
* where an ``arb_mat`` (``acb_mat``) object holds its ``arb_mat_struct`` (flint 3's ``{entries, r, c, stride, ...}``,
  after the object header and Cython's table pointer), and where an ``arb`` (``acb``) holds its ``arb_struct``
  (``acb_struct``); all found by probing objects of known value, reading within the object's own size only.

Anything unexpected gives None, and callers keep python-flint's operators.
"""

from __future__ import annotations

import ctypes
import functools
import threading
from pathlib import Path
from typing import NamedTuple

import flint

_PROBING = threading.Lock()  # two threads' first calls must not probe at once
_WORD = ctypes.sizeof(ctypes.c_ssize_t)


class Libflint(NamedTuple):
    """The bundled libflint and the struct offsets inside python-flint's matrix and number objects."""

    lib: ctypes.PyDLL
    mat_offset: int  # of the arb_mat_struct in an arb_mat
    arb_offset: int  # of the arb_struct in an arb
    cmat_offset: int  # of the acb_mat_struct in an acb_mat
    acb_offset: int  # of the acb_struct in an acb

    def address(self, name: str) -> int:
        """The address of libflint's function ``name`` (raises AttributeError when it has none)."""
        return int(ctypes.cast(getattr(self.lib, name), ctypes.c_void_p).value or 0)


def libflint() -> Libflint | None:
    """The bundled libflint with python-flint's struct offsets, or None where anything is not as expected."""
    with _PROBING:
        return _find()


@functools.cache
def _find() -> Libflint | None:
    try:
        libs = sorted((Path(flint.__file__).resolve().parent.parent / "python_flint.libs").glob("libflint*.so*"))
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return None
    loaded = [p for p in libs if str(p.resolve()) in maps]  # the copy python-flint's extensions use, not merely present
    if len(loaded) != 1:
        return None
    try:
        lib = ctypes.PyDLL(str(loaded[0]))
    except OSError:
        return None
    offsets = (_mat_offset(flint.arb_mat), _arb_offset(), _mat_offset(flint.acb_mat), _acb_offset())
    if any(offset is None for offset in offsets):
        return None
    return Libflint(lib, *offsets)  # type: ignore[arg-type]  # none is None (checked above)


def _words(obj: object) -> ctypes.Array[ctypes.c_ssize_t]:
    """The object's own memory as machine words (``__basicsize__``: nothing past the object is read)."""
    n = type(obj).__basicsize__ // _WORD
    return (ctypes.c_ssize_t * n).from_address(id(obj))


def _mat_offset(kind: type) -> int | None:
    """Where flint 3's ``{entries, r, c, stride, rows}`` starts in an ``arb_mat`` or ``acb_mat`` object, or None.

    The word holding a non-null pointer followed by rows, cols, cols, for two shapes.
    """
    found: set[int] | None = None
    for rows, cols in ((3, 5), (7, 2)):
        probe = kind(rows, cols)
        words = _words(probe)
        n = len(words)
        shape_after = {k for k in range(2, n - 3) if (words[k + 1], words[k + 2], words[k + 3]) == (rows, cols, cols)}
        here = {k for k in shape_after if words[k]}  # and the entries pointer before it
        found = here if found is None else found & here
    return _WORD * min(found) if found and len(found) == 1 else None


#: flint's ``arb_struct`` ``{arf: exp, size, limb, limb; mag: exp, man}`` of two exact values, radius zero:
#: 7 = 0.111b * 2^3 (exponent 3, one limb, positive: size 2) and -0.75 = -0.11b * 2^0 (size 3: one limb, negative)
_TOP = 1 << (8 * _WORD - 1)
_SEVEN = (7.0, (3, 2, _TOP | _TOP >> 1 | _TOP >> 2))
_MINUS_THREE_QUARTERS = (-0.75, (0, 3, _TOP | _TOP >> 1))
_ARB_WORDS = 6


def _is_arb_at(words: list[int], k: int, pattern: tuple[int, int, int]) -> bool:
    return words[k : k + 3] == list(pattern) and words[k + 4 : k + 6] == [0, 0]  # the second limb is unused


def _unsigned_words(obj: object) -> list[int]:
    return [w & ((1 << (8 * _WORD)) - 1) for w in _words(obj)]


def _arb_offset() -> int | None:
    """Where the ``arb_struct`` starts in an ``arb`` object (probes of two known values), or None."""
    found: set[int] | None = None
    for value, pattern in (_SEVEN, _MINUS_THREE_QUARTERS):
        words = _unsigned_words(flint.arb(value))
        here = {k for k in range(2, len(words) - _ARB_WORDS + 1) if _is_arb_at(words, k, pattern)}
        found = here if found is None else found & here
    return _WORD * min(found) if found and len(found) == 1 else None


def _acb_offset() -> int | None:
    """Where the ``acb_struct`` (real part, then imaginary part) starts in an ``acb`` object, or None."""
    found: set[int] | None = None
    for (re, re_pattern), (im, im_pattern) in ((_SEVEN, _MINUS_THREE_QUARTERS), (_MINUS_THREE_QUARTERS, _SEVEN)):
        words = _unsigned_words(flint.acb(re, im))
        here = {
            k
            for k in range(2, len(words) - 2 * _ARB_WORDS + 1)
            if _is_arb_at(words, k, re_pattern) and _is_arb_at(words, k + _ARB_WORDS, im_pattern)
        }
        found = here if found is None else found & here
    return _WORD * min(found) if found and len(found) == 1 else None
