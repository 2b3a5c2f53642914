"""Refinement over an example's draws: minimise a claim's margin over the choices its strategy made.

Starting from one of the worst examples a search found, :func:`refine_draw` edits the floats (and, as local
moves, the integers and booleans) that the strategy drew and rebuilds each candidate through the same
strategy (``search.draws.replay``), so every candidate is a valid draw and the claim's assumptions are
checked as usual. First every bounded float at its two ends (cheap, and where a family's extreme member lives); then per
float choice, in turn:

1. a **scan** of its whole range (geometric where it spans decades, the exact bounds included), which sees
   far-away basins and the corners of drawn ranges;
2. a **boundary search** wherever two neighbouring scan points differ in status (holds / not applicable /
   not buildable) or jump in margin: bisection on the float line (``search.boundary``) to the two adjacent
   floats that straddle the jump, then a check there and at three float neighbours on each side, so a
   violation that exists only on the boundary itself (an irrational threshold, a double root, the edge of
   stability) is found;
3. a **bounded Brent minimisation** around the best scan point, and around the next-lowest local minima of
   the scan (a violation on a measure-zero set is the tip of a V that can be shallower than the margin's
   global minimum elsewhere), down to float resolution (scipy's bounded
   scalar minimiser stops at ``sqrt(eps)`` relative, which is right for smooth minima and blind to a
   violation band of relative width 1e-9 at the tip of a V: ours stops at a few ulps), then a check of the
   floats on each side of where it stopped: a violation on the tip's float alone (a start that is trapped
   only at one exact mixing weight) is found there.

Then Nelder-Mead over the three floats that moved the margin most (curved valleys), integer moves (+-1, +-2)
and boolean flips, every bounded float at its bounds alone and in pairs (the corners of drawn ranges: a
margin that is the larger of two terms is flat along each alone), and again from the new best until the
budget is spent or a pass gains nothing. The first
violation ends the search (:class:`Found`, with the stage that found it: "refine" or "boundary").
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Sequence

import attrs
import numpy as np
import scipy.optimize

from theorycheck.claims import Verdict, VerdictStatus
from theorycheck.errors import BudgetSpent as Spent  # the names this module has always exported
from theorycheck.errors import CandidateFound as Found
from theorycheck.search.boundary import bisect, neighbours
from theorycheck.search.draws import Choice, Draw, float_bounds

#: ``probe(choices, stage)`` rebuilds and checks one candidate (``stage``: "refine" or "boundary", for the
#: caller's accounting): its verdict and the draw it consumed, or None when the strategy cannot build an
#: example from those choices.
Probe = Callable[[tuple[Choice, ...], str], "tuple[Verdict, Draw] | None"]

STAGES = ("refine", "boundary")
SCAN_POINTS = 9  # per float: enough to see a second basin or a threshold, cheap next to a Brent run
BRENT_ITERATIONS = 80  # golden-section steps shrink a bracket by 0.618 each: 80 reach ~1e-16 of its width
NEIGHBOURS = 3  # floats checked on each side of a cornered boundary
BRENT_NEIGHBOURS = 6  # floats checked on each side of where Brent stopped (its tolerance is 4 ulps)


@attrs.define
class Budget:
    """Evaluations and a wall-clock deadline (``time.perf_counter()`` seconds) for refinement."""

    evals: int
    deadline: float = math.inf
    used: int = 0

    def spend(self) -> None:
        """Count one evaluation, or raise :class:`Spent`."""
        if self.used >= self.evals or time.perf_counter() > self.deadline:
            raise Spent
        self.used += 1


@attrs.frozen
class Point:
    """What one candidate scored: margin (``inf`` when not applicable or not buildable) and status."""

    margin: float
    status: VerdictStatus | None  # None: the edited choices build no instance


@attrs.define
class _Walk:
    probe: Probe
    budget: Budget
    best: Draw
    best_margin: float
    cache: dict[tuple[tuple[type, Choice], ...], Point] = attrs.field(factory=dict)

    def score(self, choices: tuple[Choice, ...], stage: str) -> Point:
        key = tuple((type(c), c) for c in choices)  # 1 and 1.0 and True are distinct choices
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        self.budget.spend()
        out = self.probe(choices, stage)
        if out is None:
            point = Point(math.inf, None)
        else:
            verdict, draw = out
            if verdict.violated:
                raise Found(verdict, draw.choices, stage)
            applicable = verdict.status != VerdictStatus.NOT_APPLICABLE
            margin = verdict.margin if applicable and not math.isnan(verdict.margin) else math.inf
            point = Point(margin, verdict.status)
            if margin < self.best_margin:
                self.best, self.best_margin = draw, margin
        self.cache[key] = point
        return point

    def at(self, i: int, x: float, stage: str = "refine", base: Draw | None = None) -> Point:
        d = base or self.best
        return self.score(d.with_choices({i: x}), stage)


def scan_points(x: float, lo: float, hi: float, count: int = SCAN_POINTS) -> list[float]:
    """Points across a float choice's range ``[lo, hi]``, the exact bounds and ``x`` included, sorted.

    Geometric where the range is positive (or negative) and spans two decades or more, linear otherwise;
    around ``x`` by factors of 10 where the range is unbounded.
    """
    if not (math.isfinite(lo) and math.isfinite(hi)):
        scale = abs(x) if x != 0.0 else 1.0
        pts = {x, 0.0, *(math.copysign(scale * 10.0**k, s) for k in range(-3, 4) for s in (1.0, -1.0))}
        pts = {p for p in pts if lo <= p <= hi}
    elif lo > 0 and hi / lo >= 100:
        pts = {*np.geomspace(lo, hi, count).tolist(), lo, hi, x}
    elif hi < 0 and lo / hi >= 100:
        pts = {*(-np.geomspace(-hi, -lo, count)).tolist(), lo, hi, x}
    else:
        pts = {*np.linspace(lo, hi, count).tolist(), lo, hi, x}
    return sorted(p for p in pts if lo <= p <= hi)


def _jump(p: Point, q: Point) -> bool:
    if p.status != q.status:
        return True
    if not (math.isfinite(p.margin) and math.isfinite(q.margin)):
        return False
    return abs(p.margin - q.margin) > 0.5 * max(abs(p.margin), abs(q.margin))


def brent(  # noqa: C901, PLR0912 - Brent's method reads best as the one loop of the textbook
    f: Callable[[float], float], a: float, b: float, x: float, *, iterations: int = BRENT_ITERATIONS
) -> float:
    """Minimise ``f`` on ``[a, b]`` from the interior point ``x`` (Brent: parabolic steps, golden fallback).

    Unlike scipy's bounded minimiser, the tolerance is a few ulps of ``x``: a V-shaped margin with its tip
    on an irrational point is localised to float resolution. Returns the best point seen.
    """
    golden = 0.3819660112501051
    v = w = x
    fx = fv = fw = f(x)
    d = e = 0.0
    for _ in range(iterations):
        m = 0.5 * (a + b)
        tol = 4.0 * math.ulp(max(abs(x), abs(a), abs(b), 1e-300))
        if abs(x - m) <= 2.0 * tol - 0.5 * (b - a) or b - a <= 2.0 * tol:
            break
        parabolic = False
        if abs(e) > tol:
            r = (x - w) * (fx - fv)
            q = (x - v) * (fx - fw)
            p = (x - v) * q - (x - w) * r
            q = 2.0 * (q - r)
            if q > 0:
                p = -p
            q = abs(q)
            if math.isfinite(p) and math.isfinite(q) and abs(p) < abs(0.5 * q * e) and q * (a - x) < p < q * (b - x):
                e, d = d, p / q
                parabolic = True
        if not parabolic:
            e = (b - x) if x < m else (a - x)
            d = golden * e
        u = x + (d if abs(d) >= tol else math.copysign(tol, d))
        u = min(max(u, a), b)
        fu = f(u)
        if fu <= fx:
            if u < x:
                b = x
            else:
                a = x
            v, fv, w, fw, x, fx = w, fw, x, fx, u, fu
        else:
            if u < x:
                a = u
            else:
                b = u
            if fu <= fw or w == x:
                v, fv, w, fw = w, fw, u, fu
            elif fu <= fv or v in (x, w):
                v, fv = u, fu
    return x


def _finite(point: Point) -> float:
    return point.margin if math.isfinite(point.margin) else 1e300


@attrs.frozen
class _Scan:
    """What a scan along float choice ``i`` saw: the points and their scores, and the margin's spread."""

    i: int
    states: dict[float, Point]
    spread: float


def _scan(walk: _Walk, i: int) -> _Scan | None:
    """Scan float choice ``i`` across its range and corner every boundary between scan points."""
    base = walk.best
    if i >= len(base.kinds) or base.kinds[i] != "float":
        return None  # an integer move earlier in this pass changed what the strategy draws here
    lo, hi = float_bounds(base.constraints[i])
    pts = scan_points(float(base.choices[i]), lo, hi)
    states: dict[float, Point] = {p: walk.at(i, p, base=base) for p in pts}

    def state(y: float) -> Point:
        if y not in states:
            states[y] = walk.at(i, y, "boundary", base=base)
        return states[y]

    for p, q in itertools.pairwise(pts):
        a_pt, b_pt = states[p], states[q]
        if not _jump(a_pt, b_pt):
            continue
        # a change of status is followed to the last float; a jump in margin only while it stays a jump
        # (a steep but continuous margin loses it within a few halvings: no boundary there)
        gap = math.inf if a_pt.status != b_pt.status else abs(a_pt.margin - b_pt.margin)

        def differs(y: float, z: float, gap: float = gap) -> bool:
            sy, sz = states[y], states[z]
            return sy.status != sz.status or abs(_finite(sy) - _finite(sz)) > 0.25 * gap

        a, b = bisect(p, q, differs, state)
        for y in (a, b, *neighbours(a, NEIGHBOURS, lo, hi), *neighbours(b, NEIGHBOURS, lo, hi)):
            state(y)
    finite = [v.margin for v in states.values() if math.isfinite(v.margin)]
    spread = (max(finite) - min(finite)) if finite else 0.0
    # a spread at rounding level is noise (a margin that does not depend on this choice): not worth a Brent run
    noise = 1e-9 * max((abs(m) for m in finite), default=0.0)
    return _Scan(i, states, spread if spread > noise else 0.0)


LOCAL_MINIMA = 2  # Brent runs per scanned float: the lowest scan point, then the next-lowest local minima


def _brent_along(walk: _Walk, scan: _Scan) -> None:
    """Brent-minimise along the scanned choice from each local minimum of the scan, the lowest first.

    Each run is bracketed by the scan neighbours of its point. Not only the lowest point: a violation on a
    measure-zero set (a start trapped at one exact mixing weight) is the tip of a V that may be shallower,
    away from the tip, than the margin's global minimum elsewhere in the range; every local minimum of the
    scan is where such a V can be.
    """
    base, i = walk.best, scan.i
    if i >= len(base.kinds) or base.kinds[i] != "float":
        return
    lo, hi = float_bounds(base.constraints[i])
    order = sorted(scan.states)
    values = [_finite(scan.states[p]) for p in order]
    n = len(order)
    minima = [
        k for k in range(n) if (k == 0 or values[k] < values[k - 1]) and (k == n - 1 or values[k] <= values[k + 1])
    ]
    minima.sort(key=lambda k: values[k])
    x = float(base.choices[i])

    def f(y: float) -> float:
        return _finite(walk.at(i, min(max(y, lo), hi), base=base))

    for rank, j in enumerate(minima[:LOCAL_MINIMA]):
        a, b = order[max(j - 1, 0)], order[min(j + 1, n - 1)]
        start = x if rank == 0 and a < x < b else order[j]
        if a < b:
            tip = brent(f, a, b, start)
            # Brent stops within a few ulps of the tip; a violation that lives on the tip's float alone (a
            # trap at w = w0 exactly, a double root) is among the floats around where it stopped
            for y in neighbours(tip, BRENT_NEIGHBOURS, lo, hi):
                f(y)




def _nelder_mead(walk: _Walk, positions: Sequence[int], evals: int) -> None:
    base = walk.best
    x0 = np.array([float(base.choices[i]) for i in positions])
    bounds = [float_bounds(base.constraints[i]) for i in positions]
    scale = np.array([max(abs(x) * 0.05, 1e-3 * (hi - lo) if math.isfinite(hi - lo) else 0.0, 1e-12)
                      for x, (lo, hi) in zip(x0, bounds, strict=True)])

    def f(t: np.ndarray) -> float:
        edits = {i: float(min(max(x0[k] + scale[k] * t[k], bounds[k][0]), bounds[k][1]))
                 for k, i in enumerate(positions)}
        return _finite(walk.score(base.with_choices(edits), "refine"))

    scipy.optimize.minimize(f, np.zeros(len(positions)), method="Nelder-Mead",
                            options={"maxfev": evals, "xatol": 1e-9, "fatol": 0.0})


def _discrete_moves(walk: _Walk) -> None:
    base = walk.best
    for i in base.positions("integer")[:16]:
        for step in (1, -1, 2, -2):
            walk.score(base.with_choices({i: int(base.choices[i]) + step}), "refine")
    for i in base.positions("boolean")[:16]:
        walk.score(base.with_choices({i: not base.choices[i]}), "refine")


CORNER_FLOATS = 8  # floats whose bounds are tried in pairs (28 pairs, 112 candidates at most)


def _bounded(draw: Draw) -> list[int]:
    return [i for i in draw.positions("float") if all(map(math.isfinite, float_bounds(draw.constraints[i])))]


def _ends(walk: _Walk) -> None:
    """Every bounded float at its upper bounds at once, then at its lower bounds; then each alone at each bound.

    Two evaluations per float, and two for the corners of the whole box, keeping what helps.

    The cheapest look there is, and where a family's extreme member lives (a trap at the end of a mixing
    weight, a step at its bound); Hypothesis draws the lower end first and the upper end rarely.
    """
    for end in (1, 0):  # all upper ends at once, then all lower ends: the box's two extreme corners
        bounded = [i for i in _bounded(walk.best) if walk.best.kinds[i] == "float"]
        if len(bounded) > 1:
            corner = {i: float_bounds(walk.best.constraints[i])[end] for i in bounded}
            walk.score(walk.best.with_choices(corner), "refine")
    for end in (1, 0):  # every upper end, then every lower end: Hypothesis's first example has the lower ones
        for i in _bounded(walk.best):
            if i < len(walk.best.kinds) and walk.best.kinds[i] == "float":
                walk.at(i, float_bounds(walk.best.constraints[i])[end])


def _corners(walk: _Walk) -> None:
    """Pairs of bounded floats at the four corners of their ranges.

    Hypothesis draws bounds often but two at once rarely; a margin that is the larger of two terms (fails
    only near the corner of two ranges) is flat along each coordinate alone, so only joint moves see it.
    """
    bounded = _bounded(walk.best)
    base = walk.best
    for i, j in itertools.combinations(bounded[:CORNER_FLOATS], 2):
        for x in float_bounds(base.constraints[i]):
            for y in float_bounds(base.constraints[j]):
                walk.score(base.with_choices({i: x, j: y}), "refine")


def refine_draw(
    start: Draw, start_margin: float, probe: Probe, budget: Budget, *, offset: int = 0
) -> tuple[Draw, float]:
    """Minimise the margin over ``start``'s choices until a violation, the budget, or no more progress.

    A pass: every bounded float at its two ends (:func:`_ends`); per float a scan with boundary search
    (:func:`_scan`) and, where the scan moved the margin, Brent along it; Nelder-Mead
    over the three floats that moved it most; integer and boolean moves; pairs of bounded floats at their
    corners. Passes repeat from the best draw while they gain.

    ``offset`` rotates the order in which the floats are scanned: successive stress chunks, whose time share
    may end a pass early, then start on different floats instead of repeating the same prefix.

    Raises:
        Found: a candidate violates the claim (its verdict, choices and stage).
        Spent: the budget ran out (the caller keeps what it learned from its own evaluations).

    Returns:
        The best draw reached and its margin, when a whole pass gained nothing.
    """
    walk = _Walk(probe, budget, start, start_margin if math.isfinite(start_margin) else math.inf)
    while True:
        before = walk.best_margin
        _ends(walk)
        # per float its scan (and boundaries), then at once Brent along it if the scan moved the margin: a
        # pass cut short by the budget (a stress chunk's time share) has still minimised along what it reached
        scans = []
        floats = walk.best.positions("float")
        k = offset % len(floats) if floats else 0
        for i in (*floats[k:], *floats[:k]):
            sc = _scan(walk, i)
            if sc is not None and sc.spread > 0:
                _brent_along(walk, sc)
                scans.append(sc)
        movers = sorted(scans, key=lambda sc: -sc.spread)
        floats = walk.best.positions("float")
        top = [sc.i for sc in movers if sc.i in floats][:3]
        if len(top) >= 2:
            _nelder_mead(walk, top, 30 * len(top))
        _discrete_moves(walk)
        _corners(walk)
        if not walk.best_margin < before:
            return walk.best, walk.best_margin
