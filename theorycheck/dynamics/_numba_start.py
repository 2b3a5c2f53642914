"""numba's first use in a process, without importing all of ``scipy.linalg`` (start-up time).

numba checks that BLAS is available when ``numba.np.arraymath`` is imported (on the first kernel load) by
importing ``scipy.linalg.cython_blas``. A dotted import runs the parents first, and ``scipy.linalg``'s
``__init__`` costs 0.10-0.15 s here (most of it scipy's array-API layer cloning numpy, which imports
``numpy.f2py`` and ``numpy.testing``), though numba only ever uses the extension module's table of BLAS
function pointers. :func:`import_numba` loads that one extension module by its file, lets numba's check see it,
then takes it out of ``sys.modules`` again, so a later ``import scipy.linalg`` runs normally (Cython hands back
the same module object, so the package gets it as its ``cython_blas`` attribute; the BLAS kernel's first product
looks it up by name and imports ``scipy.linalg`` then). Any failure falls back on numba's own import.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from pathlib import Path

_BLAS_TABLE = "scipy.linalg.cython_blas"


def import_numba() -> None:
    """Import numba and its array registry once per process, ``scipy.linalg`` left unimported where possible."""
    if "numba.np.arraymath" in sys.modules:
        return
    seeded = False
    if _BLAS_TABLE not in sys.modules and "scipy.linalg" not in sys.modules:
        seeded = _seed_blas_table()
    try:
        import numba.np.arraymath  # noqa: F401  # the BLAS check runs here
    finally:
        if seeded and "scipy.linalg" not in sys.modules:
            sys.modules.pop(_BLAS_TABLE, None)


def _seed_blas_table() -> bool:
    """Load ``scipy.linalg.cython_blas`` alone into ``sys.modules``; False (nothing changed) where it fails."""
    try:
        import scipy

        folder = Path(scipy.__file__).parent / "linalg"
        path = next(folder / f"cython_blas{suffix}" for suffix in importlib.machinery.EXTENSION_SUFFIXES
                    if (folder / f"cython_blas{suffix}").is_file())
        loader = importlib.machinery.ExtensionFileLoader(_BLAS_TABLE, str(path))
        spec = importlib.util.spec_from_file_location(_BLAS_TABLE, path, loader=loader)
        if spec is None:
            return False
        module = importlib.util.module_from_spec(spec)
        sys.modules[_BLAS_TABLE] = module
        loader.exec_module(module)
    except Exception:  # noqa: BLE001  # a scipy laid out otherwise: numba's own import does the work
        sys.modules.pop(_BLAS_TABLE, None)
        return False
    return True
