"""The exception hierarchy of theorycheck (one module, stdlib only).

Every error a user can trigger by passing a bad value is an :class:`InvalidArgument`, which is also a
``ValueError`` (or :class:`InvalidType`, also a ``TypeError``), so callers that know nothing of
theorycheck still catch it. Messages name the argument, its value and the fix; the same facts are kept
as attributes (``argument``, ``value``, ``fix``) so tests and tools can assert them without parsing text.
"""

from __future__ import annotations

from typing import Any, cast

__all__ = [
    "InvalidArgument",
    "InvalidType",
    "NeedsFound",
    "NeedsUnknown",
    "NumericalBreakdown",
    "TheorycheckError",
    "UnavailableBackend",
]


class TheorycheckError(Exception):
    """Root of every exception theorycheck raises on purpose."""


def _rebuild(cls: type[Exception], argument: str, value: str, problem: str, fix: str) -> Exception:
    """Unpickle an InvalidArgument/InvalidType without re-summarising the already summarised value."""
    exc: Any = cls.__new__(cls)
    exc.argument, exc.value, exc.problem, exc.fix = argument, value, problem, fix
    exc.args = (f"{argument}={value}: {problem}. Fix: {fix}",)
    return cast("Exception", exc)


class _BadValue(TheorycheckError):
    """A bad value, named: ``argument=value: problem. Fix: fix``, each part kept as an attribute."""

    def __init__(self, argument: str, value: Any, problem: str, fix: str) -> None:
        self.argument = argument
        self.value = _short_repr(value)
        self.problem = problem
        self.fix = fix
        super().__init__(f"{argument}={self.value}: {problem}. Fix: {fix}")

    def __reduce__(self) -> tuple[Any, ...]:
        # crosses process boundaries (``theorycheck check --workers``) with its four fields intact
        return (_rebuild, (type(self), self.argument, self.value, self.problem, self.fix))


class InvalidArgument(_BadValue, ValueError):
    """A value is out of its domain: NaN or inf, wrong shape, non-positive step, unknown name, ...

    Attributes:
        argument: the parameter's name as the caller wrote it (``"step"``, ``"target"``).
        value: a short ``repr`` of the offending value (arrays are summarised, never dumped).
        fix: one sentence saying what to pass instead.
    """


class InvalidType(_BadValue, TypeError):
    """A value has the wrong type (a list where an array of floats is needed, ...). Same attributes."""


class UnavailableBackend(InvalidArgument):
    """A precision backend is known by name but its package is not installed."""


class NumericalBreakdown(TheorycheckError, ArithmeticError):
    """A computation that must be finite is not (used outside GD runs: GD reports divergence as a status)."""


class BudgetExceeded(TheorycheckError):
    """A computation stopped at its deterministic work budget (the Taylor rung on a flow too large for it)."""


class NeedsFound(TheorycheckError):
    """Raised by a ready-made conclusion called with a ``claims.RunProbe``: carries its ``claims.Needs``.

    Control flow, not a failure: ``@theorem`` probes a claim function this way to derive its procedure.
    """

    def __init__(self, needs: Any) -> None:
        self.needs = needs
        super().__init__(f"needs {needs}")


class NeedsUnknown(TheorycheckError):
    """A claim function used the run or the instance before calling a ready-made conclusion."""


def _short_repr(value: Any) -> str:
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is not None and dtype is not None and getattr(value, "size", 0) > 6:
        return f"<array shape={tuple(shape)} dtype={dtype}>"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
