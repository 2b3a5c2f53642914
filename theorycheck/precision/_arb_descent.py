"""GD steps on real python-flint matrices in compiled code: the model formula, traced once into libflint calls.

At d = 4 a high-precision step is ~16 libflint calls of about 1 us each, and calling them from Python (objects
made and freed, methods looked up, the run loop) costs as much again. :func:`compiled_descent` removes that part:

1. **Trace.** The caller's formula (the one :mod:`theorycheck.models` writes against the Backend protocol) runs
   once on :class:`_Tape`, a backend whose matrices and scalars are symbols. Each operation is recorded as the
   libflint call python-flint makes for it on :class:`~theorycheck.precision._flint.FlintBackend` (``*`` is
   ``arb_mat_mul``, or ``arb_mat_approx_mul`` where the run backend uses it; ``-`` is ``arb_mat_sub``;
   ``transpose`` is ``arb_mat_transpose``; ``arb * float`` is ``arb_mul`` by the float's exact ``arb``...), each
   result into a struct of its own. The formula is not copied: a new formula is traced the same way.
2. **Run.** :func:`theorycheck.precision._arb_loop.advance` replays the calls step after step, with the update
   ``W_j <- mid(W_j - G_j h)`` in place, until a step that is not a usual one (an event, a stop), and hands it
   back with F and ``||G||^2``; after a record the caller resumes from the same structs.

Same calls on the same operands at the same precision: the same bits as the Python loop, radii included. This is
checked on each built descent before it is handed out (one step against the Python formula and update; any
difference gives None) and, in the tests, over whole runs of many models. Not covered (None): complex matrices,
matrices whose squared norm FlintBackend sums entry by entry (both dimensions above 20), a missing bundled
libflint or an unexpected struct layout (:mod:`._libflint`).
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import flint
import numpy as np

from theorycheck.precision._flint import SQNORM_BY_GRAM_UP_TO, FlintBackend, working_precision
from theorycheck.precision._libflint import Libflint, libflint

_ARB_MAT = flint.arb_mat
_ARB = flint.arb
_STEP = -1  # = _arb_loop.STEP (that module imports numba: imported only when a descent is built)


class _Mat:
    """A symbolic ``rows x cols`` matrix: the index of the python-flint matrix that holds it."""

    __slots__ = ("cols", "rows", "slot")

    def __init__(self, slot: int, rows: int, cols: int) -> None:
        self.slot, self.rows, self.cols = slot, rows, cols


class _Num:
    """A symbolic ``arb``; ``*`` and ``+`` with floats and other symbols record ``arb_mul`` and ``arb_add``."""

    __slots__ = ("slot", "tape")

    def __init__(self, tape: _Tape, slot: int) -> None:
        self.tape, self.slot = tape, slot

    def __mul__(self, other: object) -> _Num:
        return self.tape.scalar_op("arb_mul", self, other)

    __rmul__ = __mul__  # float * arb: python-flint multiplies the same two arbs (the rounded product commutes)

    def __add__(self, other: object) -> _Num:
        return self.tape.scalar_op("arb_add", self, other)

    __radd__ = __add__


class _Tape:
    """A Backend whose operations record libflint calls (see the module docstring); values are symbols."""

    name = "flint"

    def __init__(self, bits: int, approx_products: bool) -> None:
        self.bits = bits
        self.approx_products = approx_products
        self.objects: list[Any] = []  # slot -> the python-flint object whose struct holds the value
        self.calls: list[tuple[str, tuple[int | _Mat | _Num | None, ...]]] = []  # (function, args); None = the step
        self._consts: dict[float, _Num] = {}

    # -- slots

    def matrix(self, rows: int, cols: int) -> _Mat:
        self.objects.append(_ARB_MAT(rows, cols))
        return _Mat(len(self.objects) - 1, rows, cols)

    def number(self) -> _Num:
        self.objects.append(_ARB())
        return _Num(self, len(self.objects) - 1)

    def const(self, value: float) -> _Num:
        """A float as python-flint converts it (exactly, ``arf_set_d``): one struct per distinct value."""
        if value not in self._consts:
            self.objects.append(_ARB(value))
            self._consts[value] = _Num(self, len(self.objects) - 1)
        return self._consts[value]

    def _record(self, function: str, *args: int | _Mat | _Num | None) -> None:
        self.calls.append((function, args))

    # -- the Backend operations the model formulas use, as FlintBackend (a run backend) performs them

    def mm(self, a: _Mat, b: _Mat) -> _Mat:
        _check(a.cols == b.rows, "mm")
        out = self.matrix(a.rows, b.cols)
        # the run backend's midpoint product takes `*` for a is b (flint squares then): so does the tape
        approx = self.approx_products and a.slot != b.slot
        self._record("arb_mat_approx_mul" if approx else "arb_mat_mul", out, a, b, self.bits)
        return out

    def ah(self, a: _Mat) -> _Mat:
        out = self.matrix(a.cols, a.rows)
        self._record("arb_mat_transpose", out, a)
        return out

    def add(self, a: _Mat, b: _Mat) -> _Mat:
        return self._elementwise("arb_mat_add", a, b)

    def sub(self, a: _Mat, b: _Mat) -> _Mat:
        return self._elementwise("arb_mat_sub", a, b)

    def _elementwise(self, function: str, a: _Mat, b: _Mat) -> _Mat:
        _check((a.rows, a.cols) == (b.rows, b.cols), function)
        out = self.matrix(a.rows, a.cols)
        self._record(function, out, a, b, self.bits)
        return out

    def scale(self, s: float, a: _Mat) -> _Mat:
        _check(type(s) is float, "scale by a non-float")
        out = self.matrix(a.rows, a.cols)
        self._record("arb_mat_scalar_mul_arb", out, a, self.const(s), self.bits)
        return out

    def sqnorm(self, a: _Mat) -> _Num:
        # FlintBackend.sqnorm: trace(A^T A) by the ball product, never the run's midpoint product
        _check(min(a.rows, a.cols) <= SQNORM_BY_GRAM_UP_TO, "sqnorm summed entry by entry")
        at = self.ah(a)
        gram = self.matrix(a.cols, a.cols)
        self._record("arb_mat_mul", gram, at, a, self.bits)
        out = self.number()
        self._record("arb_mat_trace", out, gram, self.bits)
        return out

    def scalar_op(self, function: str, a: _Num, b: object) -> _Num:
        if type(b) is float:
            b = self.const(b)
        _check(isinstance(b, _Num), function)
        out = self.number()
        self._record(function, out, a, b, self.bits)  # type: ignore[arg-type]  # checked just above
        return out

    def __getattr__(self, name: str) -> Any:
        raise NotImplementedError(name)  # any other Backend method: not recorded, so not compiled

    # -- tables

    def table(self, lib: Libflint, calls: Sequence[tuple[str, tuple[Any, ...]]]) -> np.ndarray:
        """The calls as ``_arb_loop`` rows: ``(address, arity, args...)`` with structs as pointers."""
        rows = np.zeros((len(calls), 6), dtype=np.int64)
        for i, (function, args) in enumerate(calls):
            rows[i, 0], rows[i, 1] = lib.address(function), len(args)
            for k, arg in enumerate(args):
                rows[i, 2 + k] = self.pointer(lib, arg)
        return rows

    def pointer(self, lib: Libflint, arg: int | _Mat | _Num | None) -> int:
        if arg is None:
            return _STEP
        if isinstance(arg, int):
            return arg
        obj = self.objects[arg.slot]
        return id(obj) + (lib.mat_offset if isinstance(arg, _Mat) else lib.arb_offset)


def _check(condition: bool, what: str) -> None:
    if not condition:
        raise NotImplementedError(what)  # not recorded: compiled_descent gives None, the run steps in Python


Formula = Callable[[Any, list[Any], Any, Any], tuple[Any, list[Any]]]
Norm = Callable[[Any, list[Any]], Any]


class ArbDescent:
    """GD steps of one model in compiled code (module docstring); made by :func:`compiled_descent`.

    One instance serves the runs of one model and shapes, one call at a time: not thread-safe (its structs are
    reused). :attr:`entries` counts the ``arb`` entries its structs hold (for a cache's budget).
    """

    def __init__(self, lib: Libflint, tape: _Tape, inputs: list[_Mat], loss: _Num, grads: list[_Mat], gsq: _Num,
                 evaluate: np.ndarray, norm: np.ndarray, update: np.ndarray) -> None:  # fmt: skip
        from theorycheck.precision import _arb_loop

        self._loop = _arb_loop.advance
        self.lib, self._tape = lib, tape
        self._inputs, self._loss, self._grads, self._gsq = inputs, loss, grads, gsq
        self._evaluate, self._norm, self._update = evaluate, norm, update
        self._layers = len(grads)
        self._load = np.zeros((len(inputs), 6), dtype=np.int64)  # arb_mat_set(working struct, input)
        self._load[:, 0], self._load[:, 1] = lib.address("arb_mat_set"), 2
        self._load[:, 2] = [tape.pointer(lib, slot) for slot in inputs]
        self._shapes = [(m.rows, m.cols) for m in inputs]
        self._to_double = lib.address("arf_get_d")
        self._loss_ptr, self._gsq_ptr = tape.pointer(lib, loss), tape.pointer(lib, gsq)
        self._returned: tuple[Any, ...] = ()  # the layers the last call returned: what a resume continues from
        self.entries = sum(m.nrows() * m.ncols() if type(m) is _ARB_MAT else 1 for m in tape.objects)

    def advance(
        self,
        layers: list[Any],
        target: Any,
        data: Any,
        steps: StepTable,
        t: int,
        event: int,
        tol: float,
        cap: float,
        gtol: float,
        *,
        resume: bool = False,
    ) -> tuple[list[Any], Any, Any, int]:
        """Usual GD steps from ``layers`` at step ``t``: ``(layers, F, ||G||^2, t)`` at the first step that is not one.

        A usual step: ``t < event``, ``tol < float(F) <= cap``, F finite, and when ``gtol > 0``, ``||G||^2`` finite
        and above ``gtol^2`` (``float`` of each). With ``resume``, ``layers`` are the ones the last call returned
        and the descent first takes step ``t`` from them (no reload, no second evaluation). The returned values
        are new python-flint objects; the inputs are not changed. Inputs that are not real matrices of the shapes
        the descent was built for, or layers a resume did not get from the last call, raise ValueError.
        """
        if resume:
            held = self._returned
            if len(layers) != len(held) or any(a is not b for a, b in zip(layers, held, strict=False)):
                msg = "resume continues from the layers the last advance returned"
                raise ValueError(msg)
        else:
            given = [*layers, target] + ([] if data is None else [data])
            # libflint reads each input by its working struct's shape: another shape or type would be read past
            if len(given) != len(self._shapes) or any(
                type(m) is not _ARB_MAT or (m.nrows(), m.ncols()) != shape
                for m, shape in zip(given, self._shapes, strict=False)
            ):
                msg = "advance takes real matrices of the shapes the descent was built for (layers, target, data)"
                raise ValueError(msg)
            self._load[:, 3] = [id(m) + self.lib.mat_offset for m in given]
        t = self._loop(
            self._load,
            self._evaluate,
            self._norm,
            self._update,
            steps.pointers,
            t,
            event,
            tol,
            cap,
            gtol * gtol if gtol > 0 else -1.0,
            self._loss_ptr,
            self._gsq_ptr,
            self._to_double,
            _nearest(self.lib),
            resume,
        )
        objs = self._tape.objects
        out = [_ARB_MAT(objs[s.slot]) for s in self._inputs[: self._layers]]
        self._returned = tuple(out)
        return out, _ARB(objs[self._loss.slot]), _ARB(objs[self._gsq.slot]), t

    def gradients(self) -> list[Any]:
        """Copies of G at the step the last :meth:`advance` returned."""
        return [_ARB_MAT(self._tape.objects[g.slot]) for g in self._grads]

    def step_table(self, steps: Sequence[Any]) -> StepTable:
        """The step sizes (``arb`` objects, index = step, the last one repeating) as the loop reads them."""
        offset = self.lib.arb_offset
        values = tuple(steps)
        if not all(type(h) is _ARB for h in values):  # the loop reads an arb_struct at each pointer
            msg = "step_table takes arb step sizes"
            raise ValueError(msg)
        return StepTable(np.array([id(h) + offset for h in values], dtype=np.int64), values)


class StepTable(NamedTuple):
    """Pointers to step-size structs, with the objects that own them (kept alive as long as the pointers)."""

    pointers: np.ndarray
    values: tuple[Any, ...]


def compiled_descent(
    backend: FlintBackend, formula: Formula, norm: Norm, layers: list[Any], target: Any, data: Any
) -> ArbDescent | None:
    """GD on real python-flint matrices in compiled code, for ``formula`` in ``backend``'s arithmetic; or None.

    ``formula(xp, layers, target, data) -> (F, [G_j])`` and ``norm(xp, grads) -> ||G||^2`` are the model's
    functions written against the Backend protocol; ``layers``, ``target``, ``data`` (or None) a first
    trajectory's values (shapes, and the agreement check; where F there does not round to a finite double, the
    check runs on moderate values of the same shapes, so a run that starts diverged does not decide for the
    model). None where the module docstring says, or where the formula does something the tape does not record.
    """
    lib = libflint()
    if lib is None or _nearest(lib) < 0:
        return None
    if any(type(m) is not _ARB_MAT for m in (*layers, target, *([] if data is None else [data]))):
        return None
    tape = _Tape(backend.bits, backend.approx_products)
    inputs = [tape.matrix(m.nrows(), m.ncols()) for m in (*layers, target, *([] if data is None else [data]))]
    try:
        first = len(tape.calls)
        loss, grads = formula(tape, inputs[: len(layers)], inputs[len(layers)], None if data is None else inputs[-1])
        evaluate = tape.calls[first:]
        first = len(tape.calls)
        gsq = norm(tape, grads)
        norm_calls = tape.calls[first:]
        _check(isinstance(loss, _Num) and isinstance(gsq, _Num), "a loss that is not a scalar")
        _check(all((g.rows, g.cols) == (w.rows, w.cols) for g, w in zip(grads, inputs, strict=False)), "gradients")
    except (NotImplementedError, AttributeError, TypeError):
        return None
    # the update, W_j <- mid(W_j - G_j h) in place: every G_j h first, so no update reads a changed layer
    scaled = [tape.matrix(g.rows, g.cols) for g in grads]
    update: list[tuple[str, tuple[Any, ...]]] = [
        ("arb_mat_scalar_mul_arb", (s, g, None, tape.bits)) for s, g in zip(scaled, grads, strict=True)
    ]
    for w, s in zip(inputs, scaled, strict=False):
        update += [("arb_mat_sub", (w, w, s, tape.bits)), ("arb_mat_get_mid", (w, w))]
    try:
        tables = [tape.table(lib, calls) for calls in (evaluate, norm_calls, update)]
    except AttributeError:  # a function this libflint does not have
        return None
    descent = ArbDescent(lib, tape, inputs, loss, grads, gsq, *tables)
    same = _agrees(descent, backend, formula, norm, layers, target, data)
    if same is None:  # F is no double there (a run that starts diverged): check on moderate values instead
        same = _agrees(descent, backend, formula, norm, [_moderate(w) for w in layers], _moderate(target),
                       None if data is None else _moderate(data))  # fmt: skip
    return descent if same else None


def _moderate(m: Any) -> Any:
    """A matrix of ``m``'s shape with small exact entries (multiples of 1/32 below 0.2), for the agreement check."""
    rows, cols = m.nrows(), m.ncols()
    return _ARB_MAT(rows, cols, [((i * 7 + k * 3) % 11 - 5) / 32 for i in range(rows) for k in range(cols)])


def _agrees(
    descent: ArbDescent, backend: FlintBackend, formula: Formula, norm: Norm, layers: list[Any], target: Any, data: Any
) -> bool | None:
    """One compiled step and evaluation equal the Python formula's, update's and norm's, midpoints and radii.

    Also a resumed step (from the structs as a call left them) against a second Python step. None (undecided)
    where F at ``layers`` does not round to a finite double.
    """
    h = backend.scalar(2.0**-7)
    with backend.activate():
        f0, g0 = formula(backend, layers, target, data)
        stepped = backend.descend(layers, g0, h)
        f1, g1 = formula(backend, stepped, target, data)
        again = backend.descend(stepped, g1, h)
        f2, g2 = formula(backend, again, target, data)
        try:
            table = descent.step_table([h])
            out1, f, n, t = descent.advance(layers, target, data, table, 0, 1, -1.0, np.inf, 0.0)
            grads1 = descent.gradients()
            out2, f_2, n_2, t_2 = descent.advance(out1, target, data, table, 1, 2, -1.0, np.inf, 0.0, resume=True)
            grads2 = descent.gradients()
        except Exception:  # noqa: BLE001  # anything at all: the run keeps the Python loop
            return False
        n1, n2 = norm(backend, g1), norm(backend, g2)
    if not np.isfinite(float(f0)):
        return None
    if (t, t_2) != (1, 2):
        return False
    # flint's structural equality (midpoints and radii), not python-flint's == (which is "certainly equal")
    lib = descent.lib
    same_mat = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)(lib.address("arb_mat_equal"))
    same_arb = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)(lib.address("arb_equal"))
    numbers = [(f, f1), (n, n1), (f_2, f2), (n_2, n2)]
    mats = zip([*out1, *grads1, *out2, *grads2], [*stepped, *g1, *again, *g2], strict=True)
    return all(same_arb(id(a) + lib.arb_offset, id(b) + lib.arb_offset) for a, b in numbers) and all(
        a.nrows() == b.nrows() and a.ncols() == b.ncols() and same_mat(id(a) + lib.mat_offset, id(b) + lib.mat_offset)
        for a, b in mats
    )


@functools.cache
def _nearest(lib: Libflint) -> int:
    """Flint's ``ARF_RND_NEAR``: the mode of ``arf_get_d`` that python-flint's ``float(arb)`` uses; -1 if none is.

    Found by comparison on values whose nearest double differs from the truncated one (thirds, sevenths and
    elevenths at 113 bits, both signs), among flint 3's five modes.
    """
    to_double = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_void_p, ctypes.c_int)(lib.address("arf_get_d"))
    with working_precision(113):
        values = [_ARB(s) / k for s in (1, 2, -1, -2, 3) for k in (3, 7, 11)]
    modes = [m for m in range(5) if all(to_double(id(v) + lib.arb_offset, m) == float(v) for v in values)]
    return modes[0] if len(modes) == 1 else -1
