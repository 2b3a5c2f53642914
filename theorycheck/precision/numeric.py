"""Numeric contexts for margins written once: float64 (``fp``), mpmath at ``bits`` (``mp``), intervals (``iv``).

mpmath's contexts share one interface (``ctx.mpf``, ``ctx.sqrt``, ``ctx.matrix``, arithmetic on their numbers and
matrices), so a margin function ``margin(ctx, case)`` written against it runs in float64 (``mpmath.fp``), in
rounded arithmetic at any precision (a private ``MPContext``, never the global ``mpmath.mp``) and in interval
arithmetic (a private ``MPIntervalContext``), where the result encloses the exact value. The ladder of
:mod:`theorycheck.confirm` evaluates a pure claim in all three.

mpmath's interval context lacks some functions the others have (``eigsy`` and ``polyroots`` fail on intervals,
there is no SVD; checked against mpmath 1.4). This module supplies them for every context, so a margin never
branches on the arithmetic:

* :func:`eigvalsh` (ascending eigenvalues of a symmetric/Hermitian matrix), :func:`svdvals` (descending singular
  values, as square roots of the eigenvalues of ``M^H M``), :func:`lambda_min`, :func:`sigma_min`;
* :func:`positive_real_roots` of a polynomial;
* :func:`svd` with singular vectors (``fp`` and ``mp``; :class:`NoEnclosure` in ``iv``);
* :func:`minimum` / :func:`maximum` (interval comparisons raise when the intervals overlap);
* :func:`lift` (exact conversion of floats, complex numbers and numpy arrays: floats are dyadic rationals),
  :func:`bounds` and :func:`to_float`.

In ``iv`` the spectral functions enclose the exact eigenvalues with python-flint's certified ``acb_mat.eig`` (called
without ``multiple``: it isolates simple eigenvalues and raises on a repeated or clustered one), else with
Gershgorin discs after a ball similarity (:func:`ball_eigvalsh`); sorting enclosures by their ends encloses the
sorted eigenvalues (the k-th smallest value lies between the k-th smallest lower end and the k-th smallest upper
end). Where no enclosure can be had they raise :class:`NoEnclosure`. python-flint's working precision is the
process-global ``flint.ctx.prec``: it is set only for a ``with`` block, by :func:`flint_precision`.
"""

from __future__ import annotations

import contextlib
import fractions
import functools
import math
from collections.abc import Iterable, Sequence
from typing import Any

import mpmath
import numpy as np
from mpmath.ctx_iv import MPIntervalContext
from mpmath.libmp import (
    from_int,
    from_man_exp,
    fzero,
    mpf_cmp,
    mpf_div,
    mpf_pos,
    round_ceiling,
    round_floor,
    round_nearest,
)
from mpmath.libmp import to_float as _mpf_to_float

from theorycheck.errors import InvalidArgument, NoEnclosure

__all__ = [
    "KINDS",
    "NoEnclosure",
    "ah",
    "ball_eigvalsh",
    "bounds",
    "context",
    "eigvalsh",
    "is_interval",
    "is_negative",
    "label",
    "lambda_min",
    "lift",
    "maximum",
    "minimum",
    "positive_real_roots",
    "sigma_min",
    "svd",
    "svdvals",
    "to_float",
]

KINDS = ("fp", "mp", "iv")


def context(kind: str, bits: int = 53) -> Any:
    """A fresh numeric context: ``"fp"`` (float64, ``mpmath.fp``), ``"mp"`` or ``"iv"`` at ``bits`` bits.

    Raises:
        InvalidArgument: an unknown kind, or bits below 53 for ``mp``/``iv``.

    >>> context("mp", 113).prec
    113
    """
    if kind == "fp":
        return mpmath.fp
    if kind not in KINDS:
        raise InvalidArgument("kind", kind, f"is not one of {KINDS}", "use 'fp', 'mp' or 'iv'")
    if bits < 53:
        raise InvalidArgument("bits", bits, "is below float64's 53 bits", "pass bits >= 53")
    ctx = mpmath.MPContext() if kind == "mp" else MPIntervalContext()
    ctx.prec = bits
    return ctx


def label(ctx: Any) -> str:
    """``"fp (float64)"``, ``"mp:113"``, ``"iv:256"``: the rung's name in reports."""
    if ctx is mpmath.fp:
        return "fp (float64)"
    return f"{'iv' if is_interval(ctx) else 'mp'}:{ctx.prec}"


def is_interval(ctx: Any) -> bool:
    """True for an interval context."""
    return isinstance(ctx, MPIntervalContext)


def lift(ctx: Any, value: Any) -> Any:
    """Conversion into ``ctx``, exact where ``ctx`` can hold the value and rounded once (outward in ``iv``) otherwise.

    Accepts a float, complex, int, :class:`fractions.Fraction`, an mpmath number (``mpf``/``mpc`` of any context,
    an interval of ``iv``), numpy scalars, or a 1-D/2-D numpy array (a 1-D one becomes a column). Floats are dyadic
    rationals, so ``mp`` and ``iv`` hold them exactly at any precision >= 53 bits; ints stay Python ints (exact;
    each context converts them when they meet its numbers, ``iv`` outward); an mpmath number is read from its raw
    representation, a Fraction as ``p / q``, each rounded once to ``ctx.prec`` (to nearest in ``fp``/``mp``,
    outward in ``iv``, so the interval encloses the value).

    Raises:
        InvalidArgument: any other type, or an interval lifted into a rounded context.
    """
    if isinstance(value, np.ndarray):
        arr = value.reshape(-1, 1) if value.ndim == 1 else value
        if arr.ndim != 2:
            raise InvalidArgument("value", arr.shape, "is not a 1-D or 2-D array", "pass a vector or a matrix")
        if ctx is mpmath.fp and arr.dtype.kind in "fc":
            return ctx.matrix(arr.tolist())
        return ctx.matrix([[lift(ctx, x) for x in row] for row in arr.tolist()])
    return _lift_scalar(ctx, value)


def _lift_scalar(ctx: Any, value: Any) -> Any:  # noqa: PLR0911 - one return per kind of number, as listed in lift
    if isinstance(value, (bool, int, np.integer, np.bool_)):
        return int(value)
    if isinstance(value, float) or (isinstance(value, np.floating) and np.finfo(value.dtype).nmant <= 52):
        return ctx.mpf(float(value))
    if isinstance(value, np.floating):  # wider than float64 (longdouble): an exact ratio of integers
        return _lift_ratio(ctx, *value.as_integer_ratio()) if np.isfinite(value) else ctx.mpf(float(value))
    if isinstance(value, (complex, np.complexfloating)):
        return ctx.mpc(lift(ctx, value.real), lift(ctx, value.imag))
    if isinstance(value, fractions.Fraction):
        return _lift_ratio(ctx, value.numerator, value.denominator)
    if hasattr(value, "_mpf_") or hasattr(value, "_mpi_"):  # before complex: an interval real also has _mpci_
        return _lift_raw(ctx, value)
    if hasattr(value, "_mpc_") or hasattr(value, "_mpci_"):
        return ctx.mpc(lift(ctx, value.real), lift(ctx, value.imag))
    raise InvalidArgument(
        "value", type(value).__name__, "is not a number lift can convert exactly",
        "pass a float, int, complex, Fraction, an mpmath number or a numpy array",
    )


def _lift_raw(ctx: Any, value: Any) -> Any:
    """An mpmath real (a point or an interval) into ``ctx``: its exact ends, rounded once."""
    lo, hi = _raw_bounds(value)
    if is_interval(ctx):
        return ctx.make_mpf((mpf_pos(lo, ctx.prec, round_floor), mpf_pos(hi, ctx.prec, round_ceiling)))
    if lo != hi:
        raise InvalidArgument(
            "value", str(value), "is an interval, and a rounded context holds points",
            "lift intervals into an interval context (num.context('iv', bits))",
        )
    if ctx is mpmath.fp:
        return _mpf_to_float(lo)
    return ctx.make_mpf(mpf_pos(lo, ctx.prec, round_nearest))


def _lift_ratio(ctx: Any, p: int, q: int) -> Any:
    """``p / q`` into ``ctx``: one division rounded to nearest, or outward in ``iv``."""
    if ctx is mpmath.fp:
        return p / q  # Python rounds an int ratio correctly
    num_, den = from_int(p), from_int(q)
    if is_interval(ctx):
        return ctx.make_mpf((mpf_div(num_, den, ctx.prec, round_floor), mpf_div(num_, den, ctx.prec, round_ceiling)))
    return ctx.make_mpf(mpf_div(num_, den, ctx.prec, round_nearest))


def _raw_bounds(x: Any) -> tuple[Any, Any]:
    if hasattr(x, "_mpi_"):  # an mpmath interval: its ends, exactly
        lo: Any = x._mpi_[0]
        hi: Any = x._mpi_[1]
        return lo, hi
    raw = x._mpf_ if hasattr(x, "_mpf_") else mpmath.mpf(float(x))._mpf_
    return raw, raw


def bounds(x: Any) -> tuple[float, float]:
    """Floats ``lo <= x <= hi`` (rounded outward) for a real number of any context."""
    if isinstance(x, float):
        return x, x
    if isinstance(x, int):  # exact as a raw mpf, rounded outward: ints beyond 2^53 are not floats
        raw = from_int(x)
        return _mpf_to_float(raw, rnd=round_floor), _mpf_to_float(raw, rnd=round_ceiling)
    lo, hi = _raw_bounds(x)
    return _mpf_to_float(lo, rnd=round_floor), _mpf_to_float(hi, rnd=round_ceiling)


def to_float(x: Any) -> float:
    """Nearest float (an interval's midpoint)."""
    if isinstance(x, (int, float)):
        return float(x)
    if hasattr(x, "_mpi_"):
        lo, hi = bounds(x)
        return 0.5 * (lo + hi) if math.isfinite(lo) and math.isfinite(hi) else (lo if lo == hi else math.nan)
    return float(x)


def minimum(ctx: Any, values: Iterable[Any]) -> Any:
    """The smallest value; in ``iv`` an enclosure of it, also when the intervals overlap."""
    vals = list(values)
    if not vals:
        raise InvalidArgument("values", vals, "is empty", "pass at least one value")
    if not is_interval(ctx):
        return min(vals)
    # the ends as point intervals compare exactly: the enclosure keeps the working precision
    points = [ctx.mpf(v) for v in vals]
    low = min((p.a for p in points), key=_key)
    high = min((p.b for p in points), key=_key)
    return ctx.mpf([low, high])


def _cmp_points(a: Any, b: Any) -> int:
    return int(mpf_cmp(a._mpi_[0], b._mpi_[0]))


_key = functools.cmp_to_key(_cmp_points)
"""An exact sort key for point intervals (mpmath's raw comparison: no rounding)."""


def maximum(ctx: Any, values: Iterable[Any]) -> Any:
    """The largest value; in ``iv`` an enclosure of it."""
    vals = list(values)
    if not is_interval(ctx):
        return max(vals)
    return -minimum(ctx, [-v for v in vals])


def _rows(_ctx: Any, mat: Any) -> list[list[Any]]:
    return [[mat[i, j] for j in range(mat.cols)] for i in range(mat.rows)]


def _is_complex(x: Any) -> bool:
    return hasattr(x, "imag") and not (isinstance(x, float) or hasattr(x, "_mpf_") or hasattr(x, "_mpi_"))


def _arb(x: Any) -> Any:
    import flint

    lo, hi = _raw_bounds(x)

    def exact(raw: Any) -> Any:
        sign, man, exp, _bc = raw
        if not man:
            if exp:  # +-inf or nan
                raise NoEnclosure("an interval end is infinite or NaN")
            return flint.arb(0)
        return flint.arb(flint.fmpz(-man if sign else man)) * flint.arb(2) ** int(exp)

    a, b = exact(lo), exact(hi)
    return a if lo == hi else a.union(b)


def _acb_matrix(mat: Any) -> Any:
    import flint

    rows = []
    for row in _rows(None, mat):
        out = []
        for x in row:
            if _is_complex(x):
                out.append(flint.acb(_arb(x.real), _arb(x.imag)))
            else:
                out.append(flint.acb(_arb(x)))
        rows.append(out)
    return flint.acb_mat(rows)


def flint_precision(bits: int) -> contextlib.AbstractContextManager[None]:
    """``flint.ctx.prec = bits`` for a ``with`` block, restored after.

    python-flint's precision is process-global; it is written only in
    :func:`theorycheck.precision._flint.working_precision`, which this returns.
    """
    from theorycheck.precision._flint import working_precision

    return working_precision(bits)


def _acb(x: Any) -> Any:
    import flint

    return flint.acb(_arb(x.real), _arb(x.imag)) if _is_complex(x) else flint.acb(_arb(x))


def _ends_to_iv(ctx: Any, lo: Any, hi: Any) -> Any:
    """An interval ``[lo, hi]`` from two arbs' midpoints, rounded outward to ``ctx.prec``."""
    return ctx.make_mpf(
        (mpf_pos(_arb_raw(lo), ctx.prec, round_floor), mpf_pos(_arb_raw(hi), ctx.prec, round_ceiling))
    )


def _arb_raw(a: Any) -> Any:
    """The exact raw mpf tuple of an arb's midpoint (no rounding)."""
    man, exp = a.mid().man_exp()
    return from_man_exp(int(man), int(exp)) if man else fzero


def _cmp_arbs(a: Any, b: Any) -> int:
    return int(mpf_cmp(_arb_raw(a), _arb_raw(b)))


_arb_key = functools.cmp_to_key(_cmp_arbs)
"""An exact sort key for exact arbs (the ends flint's ``lower()``/``upper()`` return)."""


def _arb_gt(a: Any, b: Any) -> bool:
    return bool(mpf_cmp(_arb_raw(a), _arb_raw(b)) > 0)


def eigvalsh(ctx: Any, mat: Any) -> list[Any]:
    """Eigenvalues of a symmetric (Hermitian) matrix of ``ctx``, ascending; in ``iv`` certified enclosures.

    The matrix is used as given: in ``iv`` its intervals must enclose a Hermitian matrix, and the result
    encloses the eigenvalues of every Hermitian matrix in them that flint's enclosure covers.

    Raises:
        NoEnclosure: ``iv`` only, when flint cannot isolate the eigenvalues at ``ctx.prec``.
    """
    if ctx is mpmath.fp:
        arr = np.array(_rows(ctx, mat), dtype=complex)
        arr = arr.real if not np.iscomplexobj(arr) or not np.any(arr.imag) else arr
        return [float(v) for v in np.linalg.eigvalsh(arr)]
    if not is_interval(ctx):
        complex_ = any(_is_complex(x) for row in _rows(ctx, mat) for x in row)
        vals = ctx.eighe(mat, eigvals_only=True) if complex_ else ctx.eigsy(mat, eigvals_only=True)
        return sorted(ctx.re(v) for v in vals)
    with flint_precision(ctx.prec):
        return [_ends_to_iv(ctx, lo, hi) for lo, hi in ball_eigvalsh(_acb_matrix(mat), ctx.prec)]


def _gershgorin(prec: int, balls: Any) -> list[tuple[Any, Any]]:
    """Enclosures of a Hermitian ball matrix's eigenvalues, with multiplicity, by Gershgorin discs after a similarity.

    ``Q`` approximates the eigenvectors of the midpoint matrix (mpmath at ``prec``); ``T = Q^{-1} M Q`` is
    computed in balls with a rigorous inverse, so its eigenvalues are exactly ``M``'s. A connected group of k
    discs holds exactly k eigenvalues (Gershgorin), and the eigenvalues are real: each of those k is enclosed by
    the group's real extent.
    """
    import flint

    mp = context("mp", prec)
    n = balls.nrows()
    mid = mp.matrix(n, n)
    complex_ = False
    for i in range(n):
        for j in range(n):
            re, im = mp.mpf(_arb_raw(balls[i, j].real)), mp.mpf(_arb_raw(balls[i, j].imag))
            complex_ = complex_ or bool(im)
            mid[i, j] = mp.mpc(re, im) if complex_ else mp.mpf(re)
    mid = (mid + mid.H) / 2
    _vals, vecs = mp.eighe(mid) if complex_ else mp.eigsy(mid)
    q = flint.acb_mat([[flint.acb(_arb(mp.re(x)), _arb(mp.im(x))) for x in row] for row in _rows(mp, vecs)])
    try:
        t = q.inv() * balls * q
    except ZeroDivisionError as exc:
        raise NoEnclosure(f"the approximate eigenvectors are not provably invertible at {prec} bits") from exc
    discs = []
    for i in range(n):
        radius = sum((abs(t[i, j]) for j in range(n) if j != i), flint.arb(0))
        centre = t[i, i].real
        discs.append(((centre - radius).lower(), (centre + radius).upper()))
    order = sorted(range(n), key=lambda i: _arb_key(discs[i][0]))
    out: list[tuple[Any, Any]] = []
    group: list[int] = []
    top: Any = None
    pending: list[int | None] = [*order, None]
    for k in pending:
        if k is not None and (top is None or not _arb_gt(discs[k][0], top)):
            group.append(k)
            top = discs[k][1] if top is None or _arb_gt(discs[k][1], top) else top
            continue
        if group:
            low = discs[group[0]][0]
            out += [(low, top)] * len(group)
        group = [] if k is None else [k]
        top = None if k is None else discs[k][1]
    return out


def ball_eigvalsh(balls: Any, bits: int) -> list[tuple[Any, Any]]:
    """Ascending ``(lower, upper)`` arb bounds of the eigenvalues of a Hermitian ``arb_mat``/``acb_mat``.

    At ``bits`` bits (set for the call by :func:`flint_precision`): flint's certified ``acb_mat.eig`` when it
    isolates the eigenvalues, else
    Gershgorin discs after a ball similarity (clusters, repeated eigenvalues). The k-th smallest eigenvalue lies
    between the k-th smallest lower bound and the k-th smallest upper bound.

    Raises:
        NoEnclosure: the approximate eigenvectors cannot be proved invertible.
    """
    import flint

    with flint_precision(bits):
        m = balls if isinstance(balls, flint.acb_mat) else flint.acb_mat(balls)
        try:
            ends = [(e.real.lower(), e.real.upper()) for e in m.eig()]  # Hermitian: imaginary parts are noise
        except ValueError:  # not isolated: a repeated or clustered eigenvalue
            ends = _gershgorin(bits, m)
    lows = sorted((lo for lo, _ in ends), key=_arb_key)
    highs = sorted((hi for _, hi in ends), key=_arb_key)
    return list(zip(lows, highs, strict=True))


def _mid_mpf(mp: Any, x: Any) -> Any:
    if _is_complex(x):
        return mp.mpc(_mid_mpf(mp, x.real), _mid_mpf(mp, x.imag))
    lo, hi = _raw_bounds(x)
    return (mp.mpf(lo) + mp.mpf(hi)) / 2


def is_negative(ctx: Any, x: Any) -> bool:
    """``x < 0``; in ``iv`` decided only when the interval excludes 0 (else :class:`NoEnclosure`)."""
    if not is_interval(ctx):
        return bool(x < 0)
    lo, hi = bounds(x)
    if hi < 0:
        return True
    if lo >= 0:
        return False
    raise NoEnclosure("the sign of a quantity the margin branches on is not decided by its enclosure")


def ah(ctx: Any, mat: Any) -> Any:
    """The conjugate transpose ``M^H`` (mpmath's ``.H`` fails on complex intervals in mpmath 1.4)."""
    if not is_interval(ctx):
        return mat.H
    out = ctx.matrix(mat.cols, mat.rows)
    for i in range(mat.rows):
        for j in range(mat.cols):
            x = mat[i, j]
            out[j, i] = ctx.mpc(x.real, -x.imag) if _is_complex(x) else x
    return out


def svdvals(ctx: Any, mat: Any) -> list[Any]:
    """Singular values, descending: ``sqrt`` of the eigenvalues of ``M^H M`` (or ``M M^H``, the smaller one).

    In ``iv`` an enclosure that dips below zero is clipped at 0 (singular values are >= 0).
    """
    gram = ah(ctx, mat) * mat if mat.cols <= mat.rows else mat * ah(ctx, mat)
    vals = eigvalsh(ctx, gram)
    if ctx is mpmath.fp:
        return [math.sqrt(max(v, 0.0)) for v in reversed(vals)]
    if not is_interval(ctx):
        return [ctx.sqrt(max(v, 0)) for v in reversed(vals)]
    out = []
    for v in reversed(vals):
        lo, hi = bounds(v)
        out.append(ctx.sqrt(ctx.mpf([max(lo, 0.0), max(hi, 0.0)])) if lo <= 0 else ctx.sqrt(v))
    return out


def svd(ctx: Any, mat: Any) -> tuple[Any, Any, Any]:
    """``(U, s, V^H)`` with ``mat = U diag(s) V^H`` (``s`` a column, descending): ``fp`` and ``mp`` only.

    mpmath's ``svd_r``/``svd_c`` in the context's arithmetic. Singular vectors have no enclosure here (python-flint
    has no SVD), so in ``iv`` this raises and the interval certificate of a margin that needs them is unavailable.

    Raises:
        NoEnclosure: in ``iv``.
    """
    if is_interval(ctx):
        raise NoEnclosure("singular vectors have no interval enclosure (no certified SVD in mpmath or python-flint)")
    complex_ = any(_is_complex(x) for row in _rows(ctx, mat) for x in row)
    u, s, vh = ctx.svd_c(mat) if complex_ else ctx.svd_r(mat)
    return u, s, vh


def lambda_min(ctx: Any, mat: Any) -> Any:
    """The smallest eigenvalue of a symmetric (Hermitian) matrix."""
    return eigvalsh(ctx, mat)[0]


def sigma_min(ctx: Any, mat: Any) -> Any:
    """The smallest singular value ``sigma_min(M)`` (over ``min(rows, cols)`` values)."""
    return svdvals(ctx, mat)[-1]


def positive_real_roots(ctx: Any, coeffs: Sequence[Any], *, imag_tol: float = 1e-6) -> list[Any]:
    """Positive real roots of ``c_0 x^n + ... + c_n`` (highest degree first), ascending.

    The rounded contexts accept roots whose imaginary part is at most ``imag_tol`` relative (a double root splits
    into a near-real pair under rounding): ``fp`` through ``numpy.roots``, ``mp`` through ``ctx.polyroots`` with
    extra precision. ``iv`` has no tolerance: it isolates the roots with python-flint (``acb_poly.roots``: disjoint
    balls, one root in each) and decides realness rigorously. A ball whose imaginary part excludes 0 holds a
    non-real root. For real coefficients, a ball whose imaginary part contains 0 and whose mirror image meets no
    other ball holds a real root: a non-real root's conjugate is also a root, it would lie in the mirror image, so
    in no other ball, so in this one, which holds only one root. Near-real complex pairs (``x^2 - 2x + 1 + 2^-47``)
    are then not roots, even where ``fp`` and ``mp`` count them.

    Raises:
        NoEnclosure: ``iv`` only, when the roots cannot be isolated (an exact double root), or realness or the
            sign of a root is not decided by its enclosure (complex coefficients and a ball on the real axis).
    """
    if ctx is mpmath.fp:
        found = np.roots(np.array([complex(c) for c in coeffs]))
        return sorted(float(r.real) for r in found if abs(r.imag) <= imag_tol * max(1.0, abs(r)) and r.real > 0)
    if not is_interval(ctx):
        cs = [ctx.mpf(c) if not _is_complex(c) else c for c in reversed(list(coeffs))]
        roots = ctx.polyroots(cs, maxsteps=200, extraprec=2 * getattr(ctx, "prec", 53) + 20, error=False, asc=True)
        out = [ctx.re(r) for r in roots if abs(ctx.im(r)) <= imag_tol * max(1, abs(r)) and ctx.re(r) > 0]
        return sorted(out)
    import flint

    real = not any(_is_complex(c) for c in coeffs)
    with flint_precision(ctx.prec):
        poly = flint.acb_poly([_acb(c) for c in reversed(list(coeffs))])
        try:
            roots = poly.roots()
        except ValueError as exc:
            raise NoEnclosure(f"acb_poly.roots could not isolate the roots at {ctx.prec} bits: {exc}") from exc
        out = []
        for i, r in enumerate(roots):
            if not r.imag.contains(0):
                continue  # a non-real root
            mirror = r.conjugate()
            if not real or any(mirror.overlaps(other) for j, other in enumerate(roots) if j != i):
                raise NoEnclosure(f"whether the root in {r} is real is not decided by its enclosure")
            if r.real > 0:
                out.append(_ends_to_iv(ctx, r.real.lower(), r.real.upper()))
            elif not r.real <= 0:
                raise NoEnclosure("the sign of a real root could not be decided")
        return sorted(out, key=lambda v: bounds(v)[0])
