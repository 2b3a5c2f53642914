"""The compiled GD loop of :mod:`._arb_descent`: libflint calls from a table, in numba, with no Python per step.

A table row is ``(function address, arity, arg0, arg1, arg2, arg3)``: a call of a libflint function whose
arguments are all machine words (flint structs by pointer, a precision, a rounding mode). A third argument equal
to :data:`STEP` stands for the current step size's ``arb`` (it changes with the schedule; the update's
``arb_mat_scalar_mul_arb(out, G, h, prec)`` is the one call that reads it). The functions are called
through their addresses (an LLVM indirect call), so the compiled code holds no address and numba can cache it.

Contract: every pointer in a table points at a live flint struct of the shape the function needs (the caller
keeps the owning python-flint objects alive and built the table from shapes it checked); a wrong table crashes
the process. Imported only when a compiled descent is built (numba is not imported by ``import theorycheck``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

#: In a table argument: "the current step size" (no pointer or precision is negative)
STEP = -1


def _codegen(arity: int, *, returns_double: bool) -> Callable[..., Any]:
    """Code for ``call(fn, a_1..a_arity)``: an indirect call of the C function at address ``fn``, int64 arguments."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:  # noqa: ARG001
        i64 = ir.IntType(64)
        fnty = ir.FunctionType(ir.DoubleType() if returns_double else ir.VoidType(), [i64] * arity)
        value = builder.call(builder.inttoptr(args[0], fnty.as_pointer()), list(args[1:]))
        return value if returns_double else context.get_dummy_value()

    return codegen


_W = types.int64


@intrinsic
def _i_call2(typingctx: Any, fn: Any, a: Any, b: Any) -> Any:  # noqa: ARG001
    return types.void(_W, _W, _W), _codegen(2, returns_double=False)


@intrinsic
def _i_call3(typingctx: Any, fn: Any, a: Any, b: Any, c: Any) -> Any:  # noqa: ARG001
    return types.void(_W, _W, _W, _W), _codegen(3, returns_double=False)


@intrinsic
def _i_call4(typingctx: Any, fn: Any, a: Any, b: Any, c: Any, d: Any) -> Any:  # noqa: ARG001
    return types.void(_W, _W, _W, _W, _W), _codegen(4, returns_double=False)


@intrinsic
def _i_call_double(typingctx: Any, fn: Any, a: Any, b: Any) -> Any:  # noqa: ARG001
    return types.float64(_W, _W, _W), _codegen(2, returns_double=True)


# as the loop calls them (numba supplies the typing context)
_call2 = cast("Callable[..., None]", _i_call2)
_call3 = cast("Callable[..., None]", _i_call3)
_call4 = cast("Callable[..., None]", _i_call4)
_call_double = cast("Callable[..., float]", _i_call_double)


@njit(cache=True)
def _run(table: np.ndarray, step: int) -> None:
    for i in range(table.shape[0]):
        fn, arity = table[i, 0], table[i, 1]
        a, b, c, d = table[i, 2], table[i, 3], table[i, 4], table[i, 5]
        if c == STEP:
            c = step
        if arity == 2:
            _call2(fn, a, b)
        elif arity == 3:
            _call3(fn, a, b, c)
        else:
            _call4(fn, a, b, c, d)


@njit(cache=True)
def advance(  # the loop's whole state, as plain values for numba
    load: np.ndarray,
    evaluate: np.ndarray,
    norm: np.ndarray,
    update: np.ndarray,
    steps: np.ndarray,
    t: int,
    event: int,
    tol: float,
    cap: float,
    gtol_sq: float,
    loss: int,
    gsq: int,
    to_double: int,
    nearest: int,
    resume: bool,
) -> int:
    """GD steps from step ``t`` while the step is a usual one; returns the step at which it stopped.

    Starts by copying the inputs into the working structs (``load``), or with ``resume``, from the structs as the
    last call left them, by taking step ``t``. Each step runs ``evaluate`` (F and G at the current layers), reads
    F (``to_double(loss, nearest)``: the midpoint to the nearest double, as ``float(arb)``), and takes the step
    (``update``, step size ``steps[min(t, len - 1)]``) only if ``t < event``, ``tol < F <= cap``, F is finite and,
    when ``gtol_sq >= 0``, ``||G||^2`` (``norm``) is finite and above ``gtol_sq``. On return the working structs
    hold the layers at the returned step, their F, G and ``||G||^2``.
    """
    last = steps.shape[0] - 1
    if resume:
        _run(update, steps[min(t, last)])
        t += 1
    else:
        _run(load, 0)
    while True:
        _run(evaluate, 0)
        f = _call_double(to_double, loss, nearest)
        if not (t < event and tol < f <= cap and f != math.inf):
            break
        if gtol_sq >= 0.0:
            _run(norm, 0)
            g = _call_double(to_double, gsq, nearest)
            if not (math.isfinite(g) and g > gtol_sq):
                return t
        _run(update, steps[min(t, last)])
        t += 1
    _run(norm, 0)
    return t
