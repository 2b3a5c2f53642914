"""Arithmetic backends behind one protocol, chosen by name and passed around as a value.

A :class:`Precision` says *which* arithmetic (``"float64"``, ``"mpmath"`` or ``"flint"``) at *how many*
bits. :func:`get_backend` turns it into a :class:`Backend`, whose matrix operations the model code in
:mod:`theorycheck.models` is written against, so one formula serves every precision.

* ``float64``: numpy, stacked arrays ``(B, rows, cols)``; the fast path (the GD loop itself runs in a
  compiled kernel, see :mod:`theorycheck.dynamics`).
* ``mpmath``: mpmath matrices in a private ``mpmath.MPContext`` (never the global ``mpmath.mp``).
* ``flint``: python-flint ``arb_mat``/``acb_mat`` with the ball radius dropped after every operation, so it
  computes the rounded midpoint arithmetic at ``bits`` bits, about 75x faster than mpmath for small matrices.
  python-flint keeps its precision in a process-global ``flint.ctx.prec``; the backend sets it only inside
  :meth:`Backend.activate` and restores it on exit.

Backends are imported lazily, so ``import theorycheck`` does not import mpmath or flint.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from theorycheck._validation import check_choice, check_int
from theorycheck.errors import InvalidArgument, UnavailableBackend
from theorycheck.precision._float64 import Float64Backend

if TYPE_CHECKING:  # the class itself is imported lazily, by mpmath_backend
    from theorycheck.precision._mpmath import MpmathBackend

__all__ = [
    "BACKENDS",
    "FLOAT64",
    "Backend",
    "Descent",
    "Float64Backend",
    "Precision",
    "get_backend",
    "mp_context",
    "mpmath_backend",
]

#: name -> "module:class"; a new arithmetic is one new module plus one line here.
BACKENDS: dict[str, str] = {
    "float64": "theorycheck.precision._float64:Float64Backend",
    "mpmath": "theorycheck.precision._mpmath:MpmathBackend",
    "flint": "theorycheck.precision._flint:FlintBackend",
}

_MIN_HP_BITS = 53
#: The most bits a Precision takes (2^24: far beyond any run's need, far below flint's word-sized precision)
MAX_BITS = 1 << 24
_PIP_NAMES = {"flint": "python-flint"}  # import name -> distribution name, for the fix hint


@dataclass(frozen=True)
class Precision:
    """Which arithmetic, at how many bits of mantissa.

    Args:
        backend: one of :data:`BACKENDS`.
        bits: mantissa bits; must be 53 for ``"float64"`` and at least 53 for the others.

    Raises:
        InvalidArgument: unknown backend name (with the closest match), or bits out of range.

    >>> Precision("flint", 113)
    Precision(backend='flint', bits=113)
    """

    backend: str = "float64"
    bits: int = 53

    def __post_init__(self) -> None:
        check_choice("backend", self.backend, BACKENDS)
        bits = check_int("bits", self.bits, max_value=MAX_BITS)  # beyond it flint's and numba's machine words overflow
        if self.backend == "float64" and bits != _MIN_HP_BITS:
            raise InvalidArgument(
                "bits", bits, "float64 has exactly 53 bits", "use Precision('flint', bits) or Precision('mpmath', bits)"
            )
        if bits < _MIN_HP_BITS:
            raise InvalidArgument("bits", bits, "is below float64's 53 bits", "pass bits >= 53 (113 is quad precision)")

    @classmethod
    def parse(cls, text: str) -> Precision:
        """Parse ``"float64"``, ``"mpmath:113"`` or ``"flint:256"``."""
        name, _, bits = text.partition(":")
        if not bits:
            return cls(name) if name == "float64" else cls(name, 113)
        try:
            nbits = int(bits)
        except ValueError:
            raise InvalidArgument(
                "precision", text, "bits after ':' is not an integer", "write e.g. 'flint:113'"
            ) from None
        return cls(name, nbits)

    @property
    def is_float64(self) -> bool:
        """True for the numpy fast path."""
        return self.backend == "float64"

    def __str__(self) -> str:
        return "float64" if self.is_float64 else f"{self.backend}:{self.bits}"


FLOAT64 = Precision()


@runtime_checkable
class Backend(Protocol):
    """Matrix arithmetic the model formulas are written against.

    ``M`` below is the backend's matrix type (a numpy array, possibly stacked, an mpmath matrix, an
    ``arb_mat``...). Scalars passed to :meth:`scale` are Python floats or backend scalars.
    """

    name: str
    bits: int

    def activate(self) -> AbstractContextManager[None]:
        """Context in which the backend's operations are valid (sets and restores any global state)."""
        ...

    def from_numpy(self, arr: np.ndarray) -> Any:
        """Exact conversion of a 2-D float64/complex128 array (floats are dyadic rationals)."""
        ...

    def to_numpy(self, mat: Any) -> np.ndarray:
        """Round a matrix to the nearest float64/complex128 array."""
        ...

    def scalar(self, value: float) -> Any:
        """Exact conversion of a float."""
        ...

    def to_float(self, value: Any) -> float:
        """Round a backend scalar to float."""
        ...

    def mm(self, a: Any, b: Any) -> Any:
        """Matrix product ``a @ b``."""
        ...

    def ah(self, a: Any) -> Any:
        """Conjugate transpose."""
        ...

    def add(self, a: Any, b: Any) -> Any:
        """``a + b``."""
        ...

    def sub(self, a: Any, b: Any) -> Any:
        """``a - b``."""
        ...

    def scale(self, s: Any, a: Any) -> Any:
        """``s * a`` for a scalar ``s``."""
        ...

    def sqnorm(self, a: Any) -> Any:
        """Squared Frobenius norm, a real scalar."""
        ...

    def round(self, a: Any) -> Any:
        """Round to the working precision (drop a ball radius); identity where ops already round."""
        ...

    def descend(self, layers: list[Any], grads: list[Any], h: Any) -> list[Any]:
        """One GD update in this arithmetic: ``[round(W_j - h G_j)]`` (``h`` a float or a backend scalar)."""
        ...

    def for_run(self, largest: int, complex_: bool) -> Backend:
        """The same arithmetic with the fastest operations for one run's matrices (sizes up to ``largest``).

        Same values, so a run gives the same bits; its products may carry no ball radius (a run drops radii every
        step anyway), so it is not for enclosures. Backends with nothing to specialise return themselves.
        """
        ...

    def compiled_descent(
        self,
        formula: Callable[[Any, list[Any], Any, Any], tuple[Any, list[Any]]],
        norm: Callable[[Any, list[Any]], Any],
        layers: list[Any],
        target: Any,
        data: Any,
    ) -> Descent | None:
        """GD steps in compiled code for ``formula`` in this arithmetic, bit-identical to stepping in Python; or None.

        ``formula(xp, layers, target, data) -> (F, [G_j])`` and ``norm(xp, grads) -> ||G||^2`` are written against
        this protocol; ``layers``, ``target``, ``data`` are backend matrices of the run's shapes (data may be None).
        """
        ...


class Descent(Protocol):
    """A model's GD steps in compiled code (:meth:`Backend.compiled_descent`), for one run's shapes."""

    #: an estimate of the memory its working matrices hold (what keeping it costs)
    nbytes: int

    def step_table(self, steps: Sequence[Any]) -> Any:
        """The step sizes (backend scalars, index = step, the last one repeating) as :meth:`advance` reads them."""
        ...

    def advance(
        self,
        layers: list[Any],
        target: Any,
        data: Any,
        steps: Any,
        t: int,
        event: int,
        tol: float,
        cap: float,
        gtol: float,
        *,
        resume: bool = False,
    ) -> tuple[list[Any], Any, Any, int]:
        """Usual steps from step ``t`` (``t < event``, ``tol < F <= cap``, F finite, ``||G|| > gtol`` when gtol > 0).

        Returns ``(layers, F, ||G||^2, t)`` at the first step that is not a usual one, as new backend values.
        ``resume``: continue from the layers the last call returned, taking step ``t`` first.
        """
        ...


def get_backend(precision: Precision | str) -> Backend:
    """Instantiate the backend a :class:`Precision` (or a string for :meth:`Precision.parse`) names.

    Raises:
        InvalidArgument: unknown name or bad bits.
        UnavailableBackend: the backend's package is not installed (never substituted silently).
    """
    prec = Precision.parse(precision) if isinstance(precision, str) else precision
    module_name, _, class_name = BACKENDS[prec.backend].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        package = _PIP_NAMES.get(exc.name or "", exc.name)
        raise UnavailableBackend(
            "backend", prec.backend, f"needs a package that is not installed ({exc.name})", f"pip install {package}"
        ) from exc
    backend: Backend = getattr(module, class_name)(prec.bits)
    return backend


def mp_context(bits: int) -> Any:
    """A private mpmath context at ``bits`` bits, reused per thread and precision (never change its ``prec``).

    See :func:`theorycheck.precision._mpmath.mp_context`. Imported on call, like :func:`mpmath_backend`.
    """
    from theorycheck.precision._mpmath import mp_context as make

    return make(bits)


def mpmath_backend(bits: int, ctx: Any = None) -> MpmathBackend:
    """The mpmath backend at ``bits`` in a private context, or in the given mpmath context ``ctx``.

    With a given context (``mpmath.fp``, an ``MPContext``, ``mpmath.iv``) the model formulas run in its
    arithmetic. Imported on call, so ``import theorycheck`` does not import mpmath.
    """
    from theorycheck.precision._mpmath import MpmathBackend

    return MpmathBackend(bits, ctx)
