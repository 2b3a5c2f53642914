"""Boundary checks shared by every public entry point.

Each helper either returns a normalised value or raises :class:`~theorycheck.errors.InvalidArgument`
(or :class:`~theorycheck.errors.InvalidType`) naming the argument, its value and the fix.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from theorycheck.errors import InvalidArgument, InvalidType


def check_choice(argument: str, value: object, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``; otherwise raise with the closest match."""
    options = sorted(choices)
    if not isinstance(value, str):
        raise InvalidType(argument, value, "must be a name (str)", f"pass one of {options}")
    if value not in options:
        close = difflib.get_close_matches(value, options, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise InvalidArgument(argument, value, "is not a known name", f"{hint}pass one of {options}")
    return value


def check_int(argument: str, value: object, *, min_value: int | None = None, max_value: int | None = None) -> int:
    """Return ``value`` as an ``int`` (bools refused), at least ``min_value`` and at most ``max_value`` if given."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidType(argument, value, "must be an integer", "pass an int")
    result = int(value)
    if min_value is not None and result < min_value:
        raise InvalidArgument(argument, value, f"must be >= {min_value}", f"pass an integer >= {min_value}")
    if max_value is not None and result > max_value:
        raise InvalidArgument(argument, value, f"must be <= {max_value}", f"pass an integer <= {max_value}")
    return result


def check_real(
    argument: str,
    value: object,
    *,
    positive: bool = False,
    nonnegative: bool = False,
) -> float:
    """Return ``value`` as a finite ``float``; optionally require ``> 0`` or ``>= 0``."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InvalidType(argument, value, "must be a real number", "pass a float")
    result = float(value)
    if not math.isfinite(result):
        raise InvalidArgument(argument, value, "must be finite", "pass a finite float")
    if positive and result <= 0.0:
        raise InvalidArgument(argument, value, "must be > 0", "pass a positive float")
    if nonnegative and result < 0.0:
        raise InvalidArgument(argument, value, "must be >= 0", "pass a float >= 0 (0 switches the term off)")
    return result


def check_array(
    argument: str,
    value: object,
    *,
    complex_ok: bool,
    ndim: int | Sequence[int] | None = None,
) -> np.ndarray:
    """Return ``value`` as a finite float64 (or complex128) array, a fresh C-contiguous copy.

    Raises:
        InvalidType: not numeric, or complex where a real array is needed.
        InvalidArgument: NaN or inf entries, or a dimension count outside ``ndim``.
    """
    try:
        arr = np.asarray(value)
    except Exception as exc:  # numpy raises several types for ragged input
        raise InvalidType(argument, value, f"is not an array ({exc})", "pass a numpy array of floats") from exc
    if arr.dtype.kind not in "biufc":
        raise InvalidType(argument, value, f"has dtype {arr.dtype}", "pass a numeric numpy array")
    if arr.dtype.kind == "c":
        if not complex_ok:
            raise InvalidType(
                argument, value, "is complex but the model is real", "build the model with field='complex'"
            )
        arr = np.array(arr, dtype=np.complex128, order="C")
    else:
        arr = np.array(arr, dtype=np.complex128 if complex_ok else np.float64, order="C")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            raise InvalidArgument(
                argument,
                value,
                f"has {arr.ndim} dimensions (shape {arr.shape})",
                f"pass an array with ndim in {allowed}",
            )
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise InvalidArgument(
            argument,
            value,
            f"has a non-finite entry at index {tuple(int(i) for i in bad)}",
            "pass finite numbers only (NaN and inf are not valid data)",
        )
    return arr


def check_shape(argument: str, arr: np.ndarray, expected: tuple[int, ...], meaning: str) -> None:
    """Raise unless ``arr.shape == expected``; ``meaning`` says what the axes are."""
    if arr.shape != expected:
        raise InvalidArgument(
            argument,
            arr,
            f"has shape {arr.shape}, expected {expected} ({meaning})",
            f"pass an array of shape {expected}",
        )


def readonly(arr: Any) -> np.ndarray:
    """A read-only copy of ``arr`` (records hold these, so nobody mutates a result in place)."""
    out = np.array(arr, copy=True)
    out.flags.writeable = False
    return out
