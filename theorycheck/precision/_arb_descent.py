"""GD steps on python-flint matrices in compiled code: the model formula, traced once into libflint calls.

At d = 4 a high-precision step is ~16 libflint calls of about 1 us each, and calling them from Python (objects
made and freed, methods looked up, the run loop) costs as much again. :func:`compiled_descent` removes that part:

1. **Trace.** The caller's formula (the one :mod:`theorycheck.models` writes against the Backend protocol) runs
   once on :class:`_Tape`, a backend whose matrices and scalars are symbols. Each operation is recorded as the
   libflint call python-flint makes for it on :class:`~theorycheck.precision._flint.FlintBackend` (``*`` is
   ``arb_mat_mul``, or ``arb_mat_approx_mul`` where the run backend uses it; ``-`` is ``arb_mat_sub``;
   ``transpose`` is ``arb_mat_transpose``; ``arb * float`` is ``arb_mul`` by the float's exact ``arb``; for
   complex models the ``acb_mat`` functions, ``ah`` a transpose then a conjugate, a product by a float or a step
   size one by its ``acb``...), each result into a struct of its own. The formula is not copied: a new formula
   is traced the same way.
2. **Run.** :func:`theorycheck.precision._arb_loop.advance` replays the calls step after step, with the update
   ``W_j <- mid(W_j - G_j h)`` in place, until a step that is not a usual one (an event, a stop), and hands it
   back with F and ``||G||^2``; after a record the caller resumes from the same structs.

Same calls on the same operands at the same precision: the same bits as the Python loop, radii included. This is
checked on each built descent before it is handed out (two steps, the second resumed, against the Python formula
and update; any difference gives None) and, in the tests, over whole runs of many models, real and complex. Not
covered (None): matrices whose squared norm FlintBackend sums entry by entry (both dimensions above 20), operands
python-flint would convert first (a real target for a complex model), a missing bundled libflint or an
unexpected struct layout (:mod:`._libflint`).
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
_ACB_MAT = flint.acb_mat
_ARB = flint.arb
_ACB = flint.acb
_STEP = -1  # = _arb_loop.STEP (that module imports numba: imported only when a descent is built)


class _Mat:
    """A symbolic ``rows x cols`` matrix: the index of the python-flint matrix (``arb_mat``/``acb_mat``) holding it."""

    __slots__ = ("cols", "complex_", "rows", "slot")

    def __init__(self, slot: int, rows: int, cols: int, complex_: bool) -> None:
        self.slot, self.rows, self.cols, self.complex_ = slot, rows, cols, complex_

    @property
    def kind(self) -> str:
        """The prefix of flint's functions for this matrix type."""
        return "acb_mat" if self.complex_ else "arb_mat"

    @property
    def scalar_mul(self) -> str:
        """The flint product by a scalar of the matrix's own type (python-flint converts a float or arb to it)."""
        return "acb_mat_scalar_mul_acb" if self.complex_ else "arb_mat_scalar_mul_arb"


class _Ref:
    """A constant's struct: the index of the python-flint number that holds it."""

    __slots__ = ("slot",)

    def __init__(self, slot: int) -> None:
        self.slot = slot


class _Num:
    """A symbolic ``arb``; ``*`` and ``+`` with floats and other symbols record ``arb_mul`` and ``arb_add``.

    ``real_of``: the slot holds an ``acb`` and this is its real part (``acb.real``: the ``arb`` its struct starts
    with, read in place).
    """

    __slots__ = ("real_of", "slot", "tape")

    def __init__(self, tape: _Tape, slot: int, *, real_of: bool = False) -> None:
        self.tape, self.slot, self.real_of = tape, slot, real_of

    def __mul__(self, other: object) -> _Num:
        return self.tape.scalar_op("arb_mul", self, other)

    __rmul__ = __mul__  # float * arb: python-flint multiplies the same two arbs (the rounded product commutes)

    def __add__(self, other: object) -> _Num:
        return self.tape.scalar_op("arb_add", self, other)

    __radd__ = __add__


#: a recorded call's argument: a struct (matrix, number, constant), a precision, or None for the step size
Arg = int | _Mat | _Num | _Ref | None


class _Tape:
    """A Backend whose operations record libflint calls (see the module docstring); values are symbols."""

    name = "flint"

    def __init__(self, bits: int, approx_products: bool) -> None:
        self.bits = bits
        self.approx_products = approx_products
        self.objects: list[Any] = []  # slot -> the python-flint object whose struct holds the value
        self.calls: list[tuple[str, tuple[Arg, ...]]] = []  # (function, args)
        self._consts: dict[tuple[float, bool], _Ref] = {}

    # -- slots

    def _slot(self, obj: Any) -> int:
        self.objects.append(obj)
        return len(self.objects) - 1

    def matrix(self, rows: int, cols: int, complex_: bool) -> _Mat:
        return _Mat(self._slot((_ACB_MAT if complex_ else _ARB_MAT)(rows, cols)), rows, cols, complex_)

    def like(self, a: _Mat, rows: int | None = None, cols: int | None = None) -> _Mat:
        """A new matrix of ``a``'s type, of ``a``'s shape unless given."""
        return self.matrix(a.rows if rows is None else rows, a.cols if cols is None else cols, a.complex_)

    def number(self) -> _Num:
        return _Num(self, self._slot(_ARB()))

    def const(self, value: float, complex_: bool = False) -> _Ref:
        """A float as python-flint converts it (exactly), an ``arb`` or an ``acb``; one struct per value."""
        key = (value, complex_)
        if key not in self._consts:
            self._consts[key] = _Ref(self._slot(_ACB(value) if complex_ else _ARB(value)))
        return self._consts[key]

    def _record(self, function: str, *args: Arg) -> None:
        self.calls.append((function, args))

    # -- the Backend operations the model formulas use, as FlintBackend (a run backend) performs them

    def mm(self, a: _Mat, b: _Mat) -> _Mat:
        _check(a.cols == b.rows and a.complex_ == b.complex_, "mm")
        out = self.like(a, cols=b.cols)
        # the run backend's midpoint product (real only) takes `*` for a is b (flint squares then): so does the tape
        approx = self.approx_products and not a.complex_ and a.slot != b.slot
        self._record("arb_mat_approx_mul" if approx else f"{a.kind}_mul", out, a, b, self.bits)
        return out

    def ah(self, a: _Mat) -> _Mat:
        out = self.like(a, rows=a.cols, cols=a.rows)
        self._record(f"{a.kind}_transpose", out, a)
        if not a.complex_:
            return out
        conj = self.like(out)  # FlintBackend.ah: the transpose's conjugate, a second matrix
        self._record("acb_mat_conjugate", conj, out)
        return conj

    def add(self, a: _Mat, b: _Mat) -> _Mat:
        return self._elementwise("add", a, b)

    def sub(self, a: _Mat, b: _Mat) -> _Mat:
        return self._elementwise("sub", a, b)

    def _elementwise(self, op: str, a: _Mat, b: _Mat) -> _Mat:
        _check((a.rows, a.cols, a.complex_) == (b.rows, b.cols, b.complex_), op)
        out = self.like(a)
        self._record(f"{a.kind}_{op}", out, a, b, self.bits)
        return out

    def scale(self, s: float, a: _Mat) -> _Mat:
        _check(type(s) is float, "scale by a non-float")
        out = self.like(a)
        self._record(a.scalar_mul, out, a, self.const(s, a.complex_), self.bits)
        return out

    def sqnorm(self, a: _Mat) -> _Num:
        # FlintBackend.sqnorm: trace(A^H A) by the ball product (never the run's midpoint product); complex: its real
        # part
        _check(min(a.rows, a.cols) <= SQNORM_BY_GRAM_UP_TO, "sqnorm summed entry by entry")
        gram = self.like(a, rows=a.cols)
        self._record(f"{a.kind}_mul", gram, self.ah(a), a, self.bits)
        if not a.complex_:
            out = self.number()
            self._record("arb_mat_trace", out, gram, self.bits)
            return out
        trace = _Ref(self._slot(_ACB()))
        self._record("acb_mat_trace", trace, gram, self.bits)
        return _Num(self, trace.slot, real_of=True)

    def scalar_op(self, function: str, a: _Num, b: object) -> _Num:
        if type(b) is float:
            b = _Num(self, self.const(b).slot)
        _check(isinstance(b, _Num), function)
        out = self.number()
        self._record(function, out, a, b, self.bits)  # type: ignore[arg-type]  # checked just above
        return out

    def descend_in_place(self, layers: list[_Mat], grads: list[_Mat]) -> list[tuple[str, tuple[Arg, ...]]]:
        """The calls of ``W_j <- mid(W_j - G_j h)`` in place (h: the step, None), without recording them.

        Every ``G_j h`` first, so no update reads a changed layer (as :meth:`FlintBackend.descend`, which makes new
        matrices).
        """
        scaled = [self.like(g) for g in grads]
        calls: list[tuple[str, tuple[Arg, ...]]] = [
            (g.scalar_mul, (s, g, None, self.bits)) for s, g in zip(scaled, grads, strict=True)
        ]
        for w, s in zip(layers, scaled, strict=True):
            calls += [(f"{w.kind}_sub", (w, w, s, self.bits)), (f"{w.kind}_get_mid", (w, w))]
        return calls

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

    def pointer(self, lib: Libflint, arg: Arg) -> int:
        """The address of a symbol's struct; an int (a precision) as it is; None: the step size."""
        if arg is None:
            return _STEP
        if isinstance(arg, int):
            if arg != self.bits:  # the one plain int a call takes; a slot index here would be read as a pointer
                msg = f"a recorded call's int argument {arg} is not the precision {self.bits}"
                raise TypeError(msg)
            return arg
        return self.address(lib, arg.slot)

    def address(self, lib: Libflint, slot: int) -> int:
        obj = self.objects[slot]
        kind = type(obj)
        offset = {_ARB_MAT: lib.mat_offset, _ACB_MAT: lib.cmat_offset, _ARB: lib.arb_offset, _ACB: lib.acb_offset}
        return id(obj) + offset[kind]  # an acb's real part is the arb its struct starts with

    def scalar_value(self, num: _Num) -> Any:
        """A new python-flint ``arb`` equal to the symbol's current value."""
        obj = self.objects[num.slot]
        return obj.real if num.real_of else _ARB(obj)


def _check(condition: bool, what: str) -> None:
    if not condition:
        raise NotImplementedError(what)  # not recorded: compiled_descent gives None, the run steps in Python


Formula = Callable[[Any, list[Any], Any, Any], tuple[Any, list[Any]]]
Norm = Callable[[Any, list[Any]], Any]


class ArbDescent:
    """GD steps of one model in compiled code (module docstring); made by :func:`compiled_descent`.

    One instance serves the runs of one model and shapes, one call at a time: not thread-safe (its structs are
    reused). :attr:`nbytes` estimates the memory its structs hold at full precision (for a cache's budget).
    """

    def __init__(self, lib: Libflint, tape: _Tape, inputs: list[_Mat], loss: _Num, grads: list[_Mat], gsq: _Num,
                 evaluate: np.ndarray, norm: np.ndarray, update: np.ndarray) -> None:  # fmt: skip
        from theorycheck.precision import _arb_loop

        self._loop = _arb_loop.advance
        self.lib, self._tape = lib, tape
        self._inputs, self._loss, self._grads, self._gsq = inputs, loss, grads, gsq
        self._evaluate, self._norm, self._update = evaluate, norm, update
        self._layers = len(grads)
        self._complex = grads[0].complex_
        self._load = np.zeros((len(inputs), 6), dtype=np.int64)  # *_mat_set(working struct, input)
        self._load[:, 0] = [lib.address(f"{m.kind}_set") for m in inputs]
        self._load[:, 1] = 2
        self._load[:, 2] = [tape.pointer(lib, m) for m in inputs]
        self._input_offsets = [lib.cmat_offset if m.complex_ else lib.mat_offset for m in inputs]
        self._to_double, self._nearest = lib.address("arf_get_d"), _nearest(lib)
        self._loss_ptr, self._gsq_ptr = tape.pointer(lib, loss), tape.pointer(lib, gsq)
        self._returned: tuple[Any, ...] = ()  # the layers the last call returned: what a resume continues from
        # an arb is 6 words; mantissas longer than 2 limbs live on the heap (and only once a value needs them)
        limbs = -(-tape.bits // 64)
        per_arb = 48 + (8 * limbs if limbs > 2 else 0)
        self.nbytes = per_arb * sum(
            2 * m.nrows() * m.ncols() if type(m) is _ACB_MAT else m.nrows() * m.ncols() if type(m) is _ARB_MAT else 2
            for m in tape.objects
        )

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
        are new python-flint objects; the inputs are not changed. Inputs that are not matrices of the types and
        shapes the descent was built for, or layers a resume did not get from the last call, raise ValueError.
        """
        if resume:
            held = self._returned
            if len(layers) != len(held) or any(a is not b for a, b in zip(layers, held, strict=False)):
                msg = "resume continues from the layers the last advance returned"
                raise ValueError(msg)
        else:
            given = [*layers, target] + ([] if data is None else [data])
            self._check_inputs(given)
            self._load[:, 3] = [id(m) + offset for m, offset in zip(given, self._input_offsets, strict=True)]
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
            self._nearest,
            resume,
        )
        objs, tape = self._tape.objects, self._tape
        out = [type(objs[m.slot])(objs[m.slot]) for m in self._inputs[: self._layers]]
        self._returned = tuple(out)
        return out, tape.scalar_value(self._loss), tape.scalar_value(self._gsq), t

    def _check_inputs(self, given: list[Any]) -> None:
        """Each input a python-flint matrix of the type and shape it was built for: flint would read past others."""
        want = [(m.complex_, m.rows, m.cols) for m in self._inputs]
        got = [(type(m) is _ACB_MAT, m.nrows(), m.ncols()) if type(m) in (_ARB_MAT, _ACB_MAT) else None for m in given]
        if got != want:
            msg = (
                "advance takes matrices of the types and shapes the descent was built for (layers, target, data): "
                f"(complex, rows, cols) {want}, got {got}"
            )
            raise ValueError(msg)

    def gradients(self) -> list[Any]:
        """Copies of G at the step the last :meth:`advance` returned."""
        objs = self._tape.objects
        return [type(objs[g.slot])(objs[g.slot]) for g in self._grads]

    def step_table(self, steps: Sequence[Any]) -> StepTable:
        """The step sizes (``arb`` objects, index = step, the last one repeating) as the loop reads them.

        A complex model multiplies by each as python-flint does, as an ``acb`` (made once per distinct object).
        """
        values = tuple(steps)
        if not all(type(h) is _ARB for h in values):  # the loop reads an arb_struct (acb_struct) at each pointer
            msg = "step_table takes arb step sizes"
            raise ValueError(msg)
        if self._complex:
            made: dict[int, Any] = {}
            values = tuple(made.setdefault(id(h), _ACB(h)) for h in values)
        offset = self.lib.acb_offset if self._complex else self.lib.arb_offset
        return StepTable(np.array([id(h) + offset for h in values], dtype=np.int64), values)


class StepTable(NamedTuple):
    """Pointers to step-size structs, with the objects that own them (kept alive as long as the pointers)."""

    pointers: np.ndarray
    values: tuple[Any, ...]


def compiled_descent(
    backend: FlintBackend, formula: Formula, norm: Norm, layers: list[Any], target: Any, data: Any
) -> ArbDescent | None:
    """GD on python-flint matrices (real or complex) in compiled code, for ``formula`` in ``backend``'s arithmetic.

    ``formula(xp, layers, target, data) -> (F, [G_j])`` and ``norm(xp, grads) -> ||G||^2`` are the model's
    functions written against the Backend protocol; ``layers``, ``target``, ``data`` (or None) a first
    trajectory's values (shapes, and the agreement check; where F there does not round to a finite double, the
    check runs on moderate values of the same shapes, so a run that starts diverged does not decide for the
    model). None where the module docstring says, or where the formula does something the tape does not record.
    """
    lib = libflint()
    if lib is None or _nearest(lib) < 0:
        return None
    given = [*layers, target, *([] if data is None else [data])]
    if any(type(m) not in (_ARB_MAT, _ACB_MAT) for m in given):
        return None
    tape = _Tape(backend.bits, backend.approx_products)
    inputs = [tape.matrix(m.nrows(), m.ncols(), type(m) is _ACB_MAT) for m in given]
    try:
        first = len(tape.calls)
        loss, grads = formula(tape, inputs[: len(layers)], inputs[len(layers)], None if data is None else inputs[-1])
        evaluate = tape.calls[first:]
        first = len(tape.calls)
        gsq = norm(tape, grads)
        norm_calls = tape.calls[first:]
        _check(isinstance(loss, _Num) and isinstance(gsq, _Num), "a loss that is not a scalar")
        shapes = [(m.rows, m.cols, m.complex_) for m in inputs[: len(layers)]]
        _check(len(grads) == len(layers) and [(g.rows, g.cols, g.complex_) for g in grads] == shapes, "gradients")
    except (NotImplementedError, AttributeError, TypeError):
        return None
    update = tape.descend_in_place(inputs[: len(layers)], grads)
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
    return type(m)(rows, cols, [((i * 7 + k * 3) % 11 - 5) / 32 for i in range(rows) for k in range(cols)])


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
    mats = zip([*out1, *grads1, *out2, *grads2], [*stepped, *g1, *again, *g2], strict=True)
    return (t, t_2) == (1, 2) and _identical(descent.lib, [(f, f1), (n, n1), (f_2, f2), (n_2, n2), *mats])


def _identical(lib: Libflint, pairs: list[tuple[Any, Any]]) -> bool:
    """Each pair the same type, shape, midpoints and radii.

    flint's structural equality, not python-flint's ``==`` (which is "certainly equal", never true of inexact balls).
    """

    def equal(name: str) -> Any:
        return ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)(lib.address(name))

    same = {_ARB: (equal("arb_equal"), lib.arb_offset), _ARB_MAT: (equal("arb_mat_equal"), lib.mat_offset),
            _ACB_MAT: (equal("acb_mat_equal"), lib.cmat_offset)}  # fmt: skip
    for a, b in pairs:
        if type(a) is not type(b) or type(a) not in same:
            return False
        if type(a) is not _ARB and (a.nrows(), a.ncols()) != (b.nrows(), b.ncols()):
            return False
        fn, offset = same[type(a)]
        if not fn(id(a) + offset, id(b) + offset):
            return False
    return True


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
