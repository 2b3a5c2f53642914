"""The matrix operations of backends whose matrix type's own Python operators are the arithmetic."""

from __future__ import annotations

from typing import Any


class Operators:
    """``mm``, ``add``, ``sub`` and ``scale`` through ``*``, ``+`` and ``-`` (mpmath and python-flint matrices).

    Each operator rounds to the matrix type's working precision, so these are the backend's operations as they
    are; a backend whose ``*`` is elementwise (numpy) defines its own.
    """

    def mm(self, a: Any, b: Any) -> Any:
        return a * b

    def add(self, a: Any, b: Any) -> Any:
        return a + b

    def sub(self, a: Any, b: Any) -> Any:
        return a - b

    def scale(self, s: Any, a: Any) -> Any:
        return a * s
