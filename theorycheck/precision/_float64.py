"""numpy float64 backend: operations on stacked arrays ``(..., rows, cols)``, broadcasting over batches."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np


class Float64Backend:
    """IEEE double precision. Scalars may be floats or per-batch arrays shaped ``(B, 1, 1)``."""

    name = "float64"

    def __init__(self, bits: int = 53) -> None:
        self.bits = bits

    @contextlib.contextmanager
    def activate(self) -> Iterator[None]:
        """Nothing global to set."""
        yield

    def from_numpy(self, arr: np.ndarray) -> np.ndarray:
        return np.asarray(arr)

    def to_numpy(self, mat: np.ndarray) -> np.ndarray:
        return np.asarray(mat)

    def scalar(self, value: float) -> float:
        return float(value)

    def to_float(self, value: object) -> float:
        return float(value)  # type: ignore[arg-type]

    def mm(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.matmul(a, b)  # type: ignore[no-any-return]

    def ah(self, a: np.ndarray) -> np.ndarray:
        t = np.swapaxes(a, -1, -2)
        return t.conj() if np.iscomplexobj(t) else t

    def add(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a + b  # type: ignore[no-any-return]

    def sub(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return a - b  # type: ignore[no-any-return]

    def scale(self, s: object, a: np.ndarray) -> np.ndarray:
        return s * a  # type: ignore[operator,no-any-return]

    def sqnorm(self, a: np.ndarray) -> np.ndarray:
        if np.iscomplexobj(a):
            return np.sum(a.real**2 + a.imag**2, axis=(-2, -1))  # type: ignore[no-any-return]
        return np.sum(a * a, axis=(-2, -1))  # type: ignore[no-any-return]

    def round(self, a: np.ndarray) -> np.ndarray:
        return a

    def descend(self, layers: list[np.ndarray], grads: list[np.ndarray], h: object) -> list[np.ndarray]:
        return [w - h * g for w, g in zip(layers, grads, strict=True)]  # type: ignore[operator]

    def for_run(self, largest: int, complex_: bool) -> Float64Backend:  # noqa: ARG002  # nothing to specialise
        return self

    def compiled_descent(self, formula: Any, norm: Any, layers: Any, target: Any, data: Any) -> None:  # noqa: ARG002
        return None  # float64 runs use the numba kernel (theorycheck.dynamics), never the formula loop
