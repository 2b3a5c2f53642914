"""Thread counts for one float64 GD call: numba threads over trajectories, BLAS threads inside each product.

The BLAS kernel calls ``gemm`` from inside numba's parallel loop. If BLAS also ran its own threads, each numba
thread would start a BLAS team on the same cores (oversubscription: threads spin and wait on each other). So a
call uses ``numba threads = min(T, B)`` and ``BLAS threads = T // numba threads``, T being numba's thread
setting on entry (all cores, or a worker's share under :mod:`theorycheck.parallel`): one BLAS
thread per product when trajectories fill the cores, every core for the products of a single trajectory.

numba links scipy's OpenBLAS (``scipy.linalg.cython_blas``), not numpy's; its thread count is set here through
that library's own ``scipy_openblas_set_num_threads``. Where that library cannot be found (another BLAS
build), the BLAS setting is left alone: then only the numba side is capped.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any


@functools.cache
def _scipy_openblas() -> tuple[Any, Any] | None:
    """(get, set) thread functions of the OpenBLAS that numba's ``np.dot`` calls, or None."""
    try:
        import scipy
    except ImportError:  # pragma: no cover - scipy is a dependency
        return None
    libs = Path(scipy.__file__).parent.parent / "scipy.libs"
    for path in sorted(libs.glob("libscipy_openblas*.so*")):
        try:
            lib = ctypes.CDLL(str(path))
            get, set_ = lib.scipy_openblas_get_num_threads, lib.scipy_openblas_set_num_threads
        except (OSError, AttributeError):
            continue
        get.restype, get.argtypes = ctypes.c_int, []
        set_.restype, set_.argtypes = None, [ctypes.c_int]
        return get, set_
    return None


@contextlib.contextmanager
def kernel_threads(batch: int, *, blas: bool) -> Iterator[tuple[int, int]]:
    """Set numba (and, for the BLAS kernel, BLAS) threads for a batch of ``batch``; restore both after.

    Yields ``(numba_threads, blas_threads)`` (``blas_threads`` is 0 when BLAS is not touched). The settings
    change speed only: each trajectory's arithmetic is the same whatever the numba thread count. (OpenBLAS
    splits a product's output among its threads, each entry summed by the same code, so on this build BLAS
    thread counts did not change results either; the tests check batched against single runs.)
    """
    import numba

    from theorycheck.dynamics._numba_start import import_numba

    import_numba()
    before = numba.get_num_threads()
    threads = max(1, min(before, int(batch)))
    numba.set_num_threads(threads)
    lib = _scipy_openblas() if blas else None
    saved = 0
    try:
        if lib is not None:
            get, set_ = lib
            saved = int(get())
            blas_threads = max(1, before // threads)
            set_(blas_threads)
            yield threads, blas_threads
        else:
            yield threads, 0
    finally:
        if lib is not None:
            lib[1](saved)
        numba.set_num_threads(before)
