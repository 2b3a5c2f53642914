"""Time to the first violation: ``theorycheck stress`` against plain Hypothesis, same strategy, same time.

Used by ``benchmarks/bench_discovery.py`` (prints the table) and ``tests/quality/test_discovery_quality.py``
(asserts the ratios). The planted claims are user-style claim files in ``benchmarks/planted/``.

Both contenders run in this process, one at a time: stress through its controller with the inline executor
(chunks: Hypothesis with targeting, then refinement over the draws and boundary search), plain Hypothesis as
generation only (no target phase, no refinement, no shrinking). Each is stopped at its first float64
violation; the time is the wall time from its start to that violation as the search measured it (the
confirmation and the report that follow cost the same for both and are not counted). A run that misses
counts as its whole budget, which only flatters it.
"""

from __future__ import annotations

import contextlib
import statistics
import tempfile
from pathlib import Path

import attrs

from theorycheck.campaign import Target, resolve
from theorycheck.config import PROFILES, Profile
from theorycheck.parallel import InlineExecutor
from theorycheck.search.hypothesis import SearchStats, search
from theorycheck.stress import Tally, stress

PLANTED = Path(__file__).parent / "planted"
CLAIMS = ("curve_pure", "band_structured", "trap", "corner")


class _Stop(KeyboardInterrupt):
    """Ends a contender at its first violation or at its budget (Hypothesis re-raises KeyboardInterrupt)."""


@attrs.frozen
class Trial:
    """One contender on one seed: seconds to the first violation (the budget if none) and whether it found one."""

    seconds: float
    found: bool
    examples: int


def planted(name: str) -> Target:
    """The planted claim of ``benchmarks/planted/<name>.py``."""
    (target,) = resolve(str(PLANTED / f"{name}.py"))
    return target


def _profile(seed: int) -> Profile:
    return attrs.evolve(PROFILES["default"], database=None, seed=seed)


def stress_trial(target: Target, seed: int, budget: float) -> Trial:
    """Stress on one seed until its first violation or ``budget`` seconds."""

    def stop(tally: Tally) -> None:
        if tally.first_violation_at is not None:
            raise _Stop

    # stress catches KeyboardInterrupt (Ctrl-C) and returns what it found: _Stop is one
    with tempfile.TemporaryDirectory() as tmp:
        out = stress(target, budget=budget, executor=InlineExecutor(), profile=_profile(seed), report_dir=tmp,
                     on_progress=stop)
    tally = out.tally
    if tally.first_violation_seconds is None:
        return Trial(budget, found=False, examples=tally.examples)
    return Trial(tally.first_violation_seconds, found=True, examples=int(tally.first_violation_at or 0))


def plain_trial(target: Target, seed: int, budget: float, *, examples: int | None = None) -> Trial:
    """Plain Hypothesis generation on one seed until its first violation, ``budget`` seconds or ``examples``."""
    stats = SearchStats()

    def stop(s: SearchStats) -> None:
        if s.seconds > budget or (examples is not None and s.examples >= examples and s.first_violation_at is None):
            raise _Stop

    with contextlib.suppress(_Stop):
        search(target.claim, target.entry.instances(), max_examples=10**9, profile=_profile(seed),
               cost=target.entry.cost, stats=stats, on_example=stop, targeting=False, shrinking=False)
    if stats.first_violation_seconds is None:
        return Trial(budget, found=False, examples=stats.examples)
    return Trial(stats.first_violation_seconds, found=True, examples=int(stats.first_violation_at or 0))


@attrs.frozen
class Row:
    """One planted claim over the seeds: both contenders' trials and the ratio of medians."""

    claim: str
    stress: tuple[Trial, ...]
    plain: tuple[Trial, ...]

    @property
    def stress_median(self) -> float:
        """Median seconds to the first violation under stress."""
        return statistics.median(t.seconds for t in self.stress)

    @property
    def plain_median(self) -> float:
        """Median seconds for plain Hypothesis (its budget where it missed)."""
        return statistics.median(t.seconds for t in self.plain)

    @property
    def ratio(self) -> float:
        """Plain median over stress median (a lower bound where plain missed)."""
        return self.plain_median / max(self.stress_median, 1e-9)


def measure(name: str, seeds: range, *, stress_budget: float = 30.0, plain_budget: float | None = None) -> Row:
    """Both contenders on every seed; plain gets ``plain_budget`` (default: 15x the median stress time, >= 2 s).

    Giving plain 15x stress's median makes "plain missed" mean "plain is at least 15x slower here".
    """
    target = planted(name)
    stressed = tuple(stress_trial(target, s, stress_budget) for s in seeds)
    budget = plain_budget if plain_budget is not None else max(2.0, 15 * statistics.median(t.seconds for t in stressed))
    plained = tuple(plain_trial(target, s, budget) for s in seeds)
    return Row(target.claim.id, stressed, plained)


def table(rows: list[Row]) -> str:
    """The printed table: medians with min-max, hits, ratio, and whether the issue's bar is met."""
    head = f"{'claim':<28} {'stress s (min-max)':<24} {'hits':<5} {'plain s (min-max)':<24} {'hits':<5} {'ratio':>7}"
    lines = [head + "  bar", "-" * 104]
    for r in rows:
        def span(ts: tuple[Trial, ...]) -> str:
            xs = [t.seconds for t in ts]
            return f"{statistics.median(xs):.3g} ({min(xs):.3g}-{max(xs):.3g})"

        hits_s = f"{sum(t.found for t in r.stress)}/{len(r.stress)}"
        hits_p = f"{sum(t.found for t in r.plain)}/{len(r.plain)}"
        ok = r.stress_median <= 10 and all(t.found for t in r.stress) and r.ratio >= 10
        ratio = f"{r.ratio:.1f}" + ("+" if not all(t.found for t in r.plain) else "")
        lines.append(f"{r.claim:<28} {span(r.stress):<24} {hits_s:<5} {span(r.plain):<24} {hits_p:<5} {ratio:>7}  "
                     f"{'ok' if ok else 'MISSED'}")
    lines.append("ratio: plain median / stress median ('+': plain missed on some seeds, counted as its whole budget)")
    return "\n".join(lines)
