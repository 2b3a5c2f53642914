"""The matrix operations of backends whose matrix type's own Python operators are the arithmetic."""

from __future__ import annotations

import operator
from typing import Any


class Operators:
    """``mm``, ``add``, ``sub`` and ``scale`` through ``*``, ``+`` and ``-`` (mpmath and python-flint matrices).

    Each operator rounds to the matrix type's working precision, so these are the backend's operations as they
    are; a backend whose ``*`` is elementwise (numpy) defines its own. ``mm``, ``add`` and ``sub`` are the
    operator functions themselves (C calls, no Python frame: a small high-precision step makes ~20 of them).
    """

    mm = staticmethod(operator.mul)
    add = staticmethod(operator.add)
    sub = staticmethod(operator.sub)

    def scale(self, s: Any, a: Any) -> Any:
        return a * s  # not s * a: arb * arb_mat goes through a failed conversion first (2x slower at d = 4)

    def descend(self, layers: list[Any], grads: list[Any], h: Any) -> list[Any]:
        rnd = self.round  # type: ignore[attr-defined]  # each backend defines it
        return [rnd(w - g * h) for w, g in zip(layers, grads, strict=True)]  # one frame for the whole update

    def for_run(self, largest: int, complex_: bool) -> Any:  # noqa: ARG002  # nothing to specialise here
        return self

    def compiled_descent(self, formula: Any, norm: Any, layers: Any, target: Any, data: Any) -> Any:  # noqa: ARG002
        return None  # none here: the caller steps in Python
