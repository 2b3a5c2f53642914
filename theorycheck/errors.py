"""Every exception class of theorycheck (one module, stdlib only; a whole-repo test keeps it the only one).

Every error a user can trigger by passing a bad value is an :class:`InvalidArgument`, which is also a
``ValueError`` (or :class:`InvalidType`, also a ``TypeError``), so callers that know nothing of
theorycheck still catch it. Messages name the argument, its value and the fix; the same facts are kept
as attributes (``argument``, ``value``, ``fix``) so tests and tools can assert them without parsing text.

Every class here pickles with its message and attributes intact (tested), whatever its constructor takes:
:class:`TaskFailed`, :class:`TaskLost` and :class:`InvalidArgument` cross process boundaries. The records an
exception carries (a claim, a verdict) are typed ``Any``: this module imports nothing of theorycheck.

The modules that raise these also re-export them under their old import paths (``theorycheck.cli.UsageError``,
``theorycheck.search.hypothesis.ClaimViolated``, ``theorycheck.precision.numeric.NoEnclosure``, ...).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BudgetExceeded",
    "BudgetSpent",
    "CandidateFound",
    "ChunkFailed",
    "ClaimFileError",
    "ClaimViolated",
    "ControlFlow",
    "InvalidArgument",
    "InvalidType",
    "KnobViolation",
    "NeedsFound",
    "NeedsUnknown",
    "NoEnclosure",
    "NotRefuted",
    "NumericalBreakdown",
    "OutOfTime",
    "SkipInstance",
    "TaskFailed",
    "TaskLost",
    "TheorycheckError",
    "UnavailableBackend",
    "UsageError",
]


def _restore(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> BaseException:
    """Unpickle an exception as it was: its ``args`` (the message) and attributes, without calling ``__init__``.

    ``__init__`` takes the parts a message is built from (a claim and a verdict, an argument and a fix), not the
    message: calling it again with ``args``, as the default pickling does, fails or garbles the message.
    """
    exc = cls.__new__(cls)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class _Picklable(BaseException):
    """Pickles through :func:`_restore` (message and attributes intact, whatever ``__init__`` takes)."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (type(self), self.args, dict(self.__dict__)))


class TheorycheckError(_Picklable, Exception):
    """Root of every exception theorycheck raises on purpose."""


class _BadValue(TheorycheckError):
    """A bad value, named: ``argument=value: problem. Fix: fix``, each part kept as an attribute."""

    def __init__(self, argument: str, value: Any, problem: str, fix: str) -> None:
        self.argument = argument
        self.value = _short_repr(value)
        self.problem = problem
        self.fix = fix
        super().__init__(f"{argument}={self.value}: {problem}. Fix: {fix}")


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


class NoEnclosure(TheorycheckError, ArithmeticError):
    """An interval evaluation could not enclose a quantity (e.g. a double root, an unisolated eigenvalue)."""


# ---- claims found false, and false variants that survived -------------------------------------------------


class ClaimViolated(TheorycheckError, AssertionError):
    """A claim failed on an instance meeting its assumptions. ``verdict`` holds the instance and margin.

    ``claim`` is a ``claims.Claim`` and ``verdict`` a ``claims.Verdict`` (typed ``Any``: see the module docstring).
    """

    def __init__(self, claim: Any, verdict: Any) -> None:
        self.claim = claim
        self.verdict = verdict
        self.stage: str | None = None  # the stage that found it, when the search that raised it knows
        super().__init__(
            f"{claim.id} violated ({claim.source.cite()}): {verdict.quantity} margin {verdict.margin:.3g}"
            + (f" at step {verdict.step:,}" if verdict.step is not None else "")
            + f"; {verdict.detail}; instance: {verdict.described}"
        )


class NotRefuted(TheorycheckError, AssertionError):
    """A false variant survived its whole budget: the search is too weak (or the variant is true)."""


class ClaimFileError(TheorycheckError):
    """A claim file that is missing, does not import, or holds no claims."""


# ---- campaigns: tasks that fail or are lost, the command line ---------------------------------------------


class TaskFailed(TheorycheckError):
    """A task raised an ordinary exception (a bug in the claim's code, usually): the campaign stops.

    The message names the task and its reproducer (the spec, or the instance it was checking).
    """


class ChunkFailed(TaskFailed):
    """A chunk raised an ordinary exception (a bug in the claim's code, usually): the campaign stops."""


class TaskLost(TheorycheckError):
    """The worker running a task died (killed, out of memory, crashed) before returning a result.

    ``culprits``: process ids of the local workers that died on their own (the others were stopped by the
    broken pool, innocent), or None when the executor cannot tell (Dask: the task itself was the culprit, after
    Dask's own retries).
    """

    def __init__(self, message: str, culprits: frozenset[int] | None = None) -> None:
        super().__init__(message)
        self.culprits = culprits


class UsageError(TheorycheckError):
    """A command-line mistake: reported in one line, exit status 2."""


# ---- control flow: raised and caught inside one search or chunk, never an error -----------------------------


class ControlFlow(_Picklable, Exception):
    """Unwinds a loop that is not ours (scipy's minimiser, a Hypothesis test) back to the code that started it.

    Not a :class:`TheorycheckError`: each subclass is caught by the module that raises it and never reaches a
    user, so a handler of theorycheck's errors must not swallow one on the way.
    """


class CandidateFound(ControlFlow):
    """Refinement over the draws found a violating candidate (``search.descent``, caught in ``search.hypothesis``).

    Carries its verdict, the choices that build it, and the stage that found it ("refine" or "boundary").
    """

    def __init__(self, verdict: Any, choices: tuple[Any, ...], stage: str) -> None:
        super().__init__(verdict.summary())
        self.verdict = verdict
        self.choices = choices
        self.stage = stage


class BudgetSpent(ControlFlow):
    """The refinement budget (evaluations or wall time) is spent (``search.descent.Budget.spend``)."""


class KnobViolation(ControlFlow):
    """Instance-knob refinement (``search.refine.refine``) met a violation: stops the minimiser, with its verdict."""

    def __init__(self, verdict: Any) -> None:
        super().__init__()
        self.verdict = verdict


class SkipInstance(ControlFlow):
    """A stress worker meets the instance a dead worker died on: it is skipped, never checked again."""


class OutOfTime(ControlFlow):
    """A stress chunk's refinement time is spent."""


def _short_repr(value: Any) -> str:
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    if shape is not None and dtype is not None and getattr(value, "size", 0) > 6:
        return f"<array shape={tuple(shape)} dtype={dtype}>"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
