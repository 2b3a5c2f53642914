"""Hit rates of the catalogue's false variants, and the refutation budgets they justify.

    python benchmarks/hit_rates.py [--profiles ci,default,deep] [--examples 200] [--seeds 5] [--claims ID,...]
                                   [--max-seconds 120]

The catalogue's budgets were set from ``--examples 300 --seeds 5 --max-seconds 90`` (34 minutes on a loaded
2-core machine; luo2025.F1_1, ~4 s an example, and the 20,000-step GD claims stop at the time limit).

For every false variant (``expect="refuted"``) and profile: draw examples with the claim's own strategy by plain
Hypothesis generation (generate phase only: no target phase, no shrinking, no example database), check each one
(:func:`theorycheck.search.hypothesis.evaluate`, with the profile's in-search precision rung, so under
``default``/``deep`` a float64 violation that 113 bits do not reproduce is an artifact, not a hit) and count
the violations. Each run of generation is as long as the budget the profile gives the claim, so the mix of
Hypothesis's first, simplest examples and its later ones is the mix a real run sees; runs are repeated at
consecutive seeds until ``--examples`` applicable examples are drawn or ``--max-seconds`` are spent on the claim.

The budget counts examples: Hypothesis's ``max_examples`` counts *valid* ones (a not-applicable example is
rejected and does not count), so the per-drawn-example rate (lower) is the conservative one and the one the
budget uses; both are reported. Needed budget: ``ln(1e6) / p_lower`` (miss chance <= 1e-6 per run, ``p_lower``
the Wilson 95% lower bound of the per-drawn-example rate, ``benchmarks/budgets.py``), and under ``ci`` (seeded)
also at least 3x the examples plain generation drew up to its first violation at seed 0. Hypothesis's
generation is not independent draws (it starts with the simplest example, mutates, and mixes in constants
from the local modules loaded in the process), so examples-to-first-violation is also measured directly at
seeds 0..S-1 under ``ci``. Seed 0 here is close to, not identical with, what CI sees: the constant pool holds
the constants of every local module imported, and pytest imports others.
"""

from __future__ import annotations

import argparse
import math
import pkgutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import import_module

import attrs
import hypothesis
from hypothesis import HealthCheck, Phase, given

import theorycheck
from theorycheck.catalogue import CATALOGUE, Entry
from theorycheck.claims import VerdictStatus
from theorycheck.config import PROFILES, Profile
from theorycheck.search.hypothesis import SearchStats, evaluate, search, search_rung

try:
    from benchmarks.budgets import SAFETY, needed_budget, verdict, wilson_interval
except ModuleNotFoundError:  # run as a script: benchmarks/ itself is on the path
    from budgets import SAFETY, needed_budget, verdict, wilson_interval  # type: ignore[no-redef]

SEED_OFFSET = {"ci": 0, "default": 1000, "deep": 2000}  # independent samples per profile
FIRST_VIOLATION_CAP = 2000  # examples-to-first-violation: the largest budget tried


@dataclass(frozen=True)
class HitRate:
    """One false variant under one profile.

    ``examples`` drawn (``applicable`` of them met the assumptions), ``hits`` violations (``artifacts``:
    float64 violations the profile's in-search rung did not reproduce, not counted as hits). ``first_violation``:
    drawn examples up to the first violation of plain generation at seeds 0, 1, ... (ci only; None: none within
    ``first_violation_budget`` examples, the budget those runs were given). ``configured`` is the budget the
    catalogue gives the claim under this profile.
    """

    claim_id: str
    profile: str
    examples: int
    applicable: int
    hits: int
    artifacts: int
    seconds: float
    configured: int
    first_violation: tuple[int | None, ...] = ()
    first_violation_applicable: tuple[int | None, ...] = ()
    first_violation_budget: int = 0

    @property
    def rate(self) -> float:
        """Hits per drawn example."""
        return self.hits / self.examples if self.examples else math.nan

    @property
    def rate_applicable(self) -> float:
        """Hits per applicable example."""
        return self.hits / self.applicable if self.applicable else math.nan

    @property
    def lower(self) -> float:
        """Wilson 95% lower bound of the per-drawn-example rate."""
        return wilson_interval(self.hits, self.examples)[0]

    @property
    def lower_applicable(self) -> float:
        """Wilson 95% lower bound of the per-applicable-example rate."""
        return wilson_interval(self.hits, self.applicable)[0]

    @property
    def needed(self) -> int | None:
        """The budget this measurement justifies (None: no hit, no finite budget)."""
        seed0 = self.first_violation[0] if self.first_violation else None
        if self.first_violation and seed0 is None:
            return None  # seed 0 never found it: no safety factor over it can be met
        return needed_budget(self.lower, seed0)

    @property
    def status(self) -> str:
        """OK or TOO LOW."""
        return verdict(self.configured, self.needed)


def false_variants(claims: Sequence[str] | None = None) -> dict[str, Entry]:
    """The catalogue's false variants (all, or the ids given), sorted by id."""
    chosen = sorted(cid for cid, e in CATALOGUE.items() if e.claim.expect == "refuted")
    if claims:
        unknown = set(claims) - set(chosen)
        if unknown:
            msg = f"not false variants of the catalogue: {sorted(unknown)}"
            raise ValueError(msg)
        chosen = [cid for cid in chosen if cid in claims]
    return {cid: CATALOGUE[cid] for cid in chosen}


def configured_budget(entry: Entry, profile: Profile) -> int:
    """The examples a refutation gets: ``Entry.refute_budget`` or the profile's (as ``assert_refuted``).

    ``Entry.cost`` divides only the budgets of claims that should hold (``campaign.budget``, ``property_test``);
    for a false variant it only switches shrinking off.
    """
    return entry.refute_budget or profile.refute_examples


def _quiet(profile: Profile, seed: int) -> Profile:
    return attrs.evolve(profile, seed=seed, database=None)


def _generate(entry: Entry, profile: Profile, *, examples: int, seed: int, stats: SearchStats) -> int:
    """One run of plain generation (``examples`` valid examples at ``seed``), every example counted in ``stats``.

    Returns the float64 artifacts the in-search rung set aside (``stats.artifacts`` keeps only the first few).
    """
    rung = search_rung(profile)
    artifacts = [0]
    settings = hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
    )

    @hypothesis.seed(seed)
    @settings
    @given(entry.instances())
    def draw(instance: object) -> None:
        verdict = evaluate(entry.claim, instance, stats=stats, rung=rung)
        artifacts[0] += verdict.artifact
        if verdict.status == VerdictStatus.NOT_APPLICABLE:
            hypothesis.reject()  # as the search does: a rejected example does not count toward max_examples

    draw()
    return artifacts[0]


def first_violation(entry: Entry, seed: int, budget: int) -> tuple[int | None, int | None]:
    """Drawn and applicable examples up to the first violation of plain ci generation at ``seed`` (None: none).

    ``budget`` is ``max_examples``: Hypothesis shapes its first examples by it (the first ``budget // 10`` are
    its smallest), so this is what a ci run with that budget draws, up to where the target phase would start
    (half the budget).
    """
    profile = _quiet(PROFILES["ci"], seed)
    seen: list[int] = []

    def on_example(stats: SearchStats) -> None:
        if stats.violations and not seen:
            seen.append(stats.applicable)

    _, stats = search(
        entry.claim,
        entry.instances(),
        max_examples=budget,
        profile=profile,
        cost=entry.cost,
        on_example=on_example,
        targeting=False,
        shrinking=False,
    )
    return stats.first_violation_at, seen[0] if seen else None


def _rates(entry: Entry, base: Profile, examples: int, max_seconds: float) -> tuple[SearchStats, int]:
    """Plain generation in runs as long as the profile's budget, at consecutive seeds, until ``examples``."""
    configured = configured_budget(entry, base)
    stats = SearchStats()
    artifacts = 0
    seed = SEED_OFFSET.get(base.name, 0)
    while stats.applicable < examples and stats.seconds < max_seconds:
        chunk = min(configured, examples - stats.applicable)
        before = stats.examples
        artifacts += _generate(entry, _quiet(base, seed), examples=chunk, seed=seed, stats=stats)
        seed += 1
        if stats.examples == before:
            break  # the strategy has nothing left to draw
    return stats, artifacts


def _firsts(
    entry: Entry, lower: float, seeds: int, max_seconds: float
) -> tuple[int, list[tuple[int | None, int | None]]]:
    """Examples to the first violation at seeds ``0..seeds-1``, at the budget the measurement settles on.

    Start from the larger of the configured and the rate-justified budget; while seed 0 misses, or needs more
    than a third of it, raise it (Hypothesis's draws depend on the budget, so re-measure) up to the cap, or
    until ``max_seconds`` are spent.
    """
    started = time.perf_counter()
    trial = max(configured_budget(entry, PROFILES["ci"]), needed_budget(lower) or 0)
    while True:
        seed0 = first_violation(entry, 0, trial)
        need = needed_budget(lower, seed0[0]) if seed0[0] is not None else None
        done = need is not None and need <= trial
        if done or trial >= FIRST_VIOLATION_CAP or time.perf_counter() - started > max_seconds:
            break
        trial = min(FIRST_VIOLATION_CAP, need if need is not None else 2 * trial)
    return trial, [seed0, *(first_violation(entry, s, trial) for s in range(1, seeds))]


def measure(
    profile_name: str,
    examples_per_claim: int,
    *,
    seeds: int = 5,
    claims: Sequence[str] | None = None,
    max_seconds: float = math.inf,
    progress: bool = False,
) -> list[HitRate]:
    """Hit rates of the false variants under one profile (``examples_per_claim`` valid examples each).

    Drawing stops early, after the run in progress, once a claim has taken ``max_seconds``. Under ``ci`` also
    the examples to the first violation at seeds ``0..seeds-1`` (see :func:`_firsts`).
    """
    base = PROFILES[profile_name]
    out = []
    for cid, entry in false_variants(claims).items():
        started = time.perf_counter()
        stats, artifacts = _rates(entry, base, examples_per_claim, max_seconds)
        trial, firsts = 0, []
        if profile_name == "ci" and seeds > 0:
            lower = wilson_interval(stats.violations, stats.examples)[0]
            trial, firsts = _firsts(entry, lower, seeds, max_seconds)
        rate = HitRate(
            cid,
            profile_name,
            stats.examples,
            stats.applicable,
            stats.violations,
            artifacts,
            time.perf_counter() - started,
            configured_budget(entry, base),
            tuple(f for f, _ in firsts),
            tuple(a for _, a in firsts),
            trial,
        )
        if progress:
            print(f"  {_row(rate)}", flush=True)
        out.append(rate)
    return out


HEADER = (
    f"{'claim':<52} {'profile':<7} {'drawn':>6} {'appl':>6} {'hits':>5} {'art':>4} {'rate':>6} {'rate/ap':>7} "
    f"{'wilson':>6} {'1st@seeds (drawn)':<22} {'need':>6} {'conf':>5} {'status':<7} {'s':>5}"
)


def _fmt(x: float) -> str:
    return "  nan" if math.isnan(x) else f"{x:.3f}"


def _row(r: HitRate) -> str:
    firsts = ",".join("-" if f is None else str(f) for f in r.first_violation)
    firsts = f"{firsts} @{r.first_violation_budget}" if firsts else "."
    need = "inf" if r.needed is None else str(r.needed)
    return (
        f"{r.claim_id:<52} {r.profile:<7} {r.examples:>6} {r.applicable:>6} {r.hits:>5} {r.artifacts:>4} "
        f"{_fmt(r.rate):>6} {_fmt(r.rate_applicable):>7} {_fmt(r.lower):>6} {firsts:<22} {need:>6} "
        f"{r.configured:>5} {r.status:<7} {r.seconds:>5.0f}"
    )


def table(rates: Sequence[HitRate]) -> str:
    """The printed table: one row per claim and profile."""
    return "\n".join([HEADER, *(_row(r) for r in rates)])


def summary(rates: Sequence[HitRate]) -> str:
    """One row per claim: the largest need over the profiles measured (``refute_budget`` serves them all)."""
    by_claim: dict[str, list[HitRate]] = {}
    for r in rates:
        by_claim.setdefault(r.claim_id, []).append(r)
    lines = [f"{'claim':<52} {'need (max over profiles)':>24} {'configured':>10} status"]
    for cid, rows in by_claim.items():
        needs = [r.needed for r in rows]
        need = None if None in needs else max(n for n in needs if n is not None)
        configured = min(r.configured for r in rows)
        lines.append(f"{cid:<52} {'inf' if need is None else need:>24} {configured:>10} {verdict(configured, need)}")
    return "\n".join(lines)


def _import_everything() -> None:
    # Hypothesis mixes constants of every loaded local module into generation: load all of theorycheck first,
    # as a pytest session does by its end, so the pool does not grow (and shift generation) halfway through
    for mod in pkgutil.walk_packages(theorycheck.__path__, "theorycheck."):
        import_module(mod.name)


def main(argv: Sequence[str] | None = None) -> None:
    """Measure and print the table."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--profiles", default="ci,default,deep", help="comma-separated profiles")
    p.add_argument("--examples", type=int, default=200, help="valid examples per claim and profile")
    p.add_argument("--seeds", type=int, default=5, help="ci seeds for examples-to-first-violation")
    p.add_argument("--claims", default="", help="comma-separated claim ids (default: every false variant)")
    p.add_argument("--max-seconds", type=float, default=120.0, help="stop drawing a claim's examples after this")
    args = p.parse_args(argv)
    _import_everything()
    claims = [c for c in args.claims.split(",") if c] or None
    started = time.perf_counter()
    rates: list[HitRate] = []
    print(HEADER, flush=True)
    for name in args.profiles.split(","):
        rates += measure(
            name, args.examples, seeds=args.seeds, claims=claims, max_seconds=args.max_seconds, progress=True
        )
    print(
        f"\n{len(rates)} rows in {time.perf_counter() - started:.0f} s. rate: hits per drawn example; rate/ap: per "
        "applicable example; wilson: 95% lower bound of rate; 1st@seeds: drawn examples to the first violation of "
        f"plain ci generation at seeds 0, 1, ... with max_examples @B ('-': none within B); need: ln(1e6)/wilson "
        f"(ci: and >= {SAFETY}x seed 0's); conf: Entry.refute_budget or the profile's refute_examples "
        "(not divided by cost: cost only switches shrinking off for false variants); art: float64 violations the "
        "in-search 113-bit rung does not reproduce (not hits)."
    )
    print("\n" + table(rates))
    print("\n" + summary(rates))


if __name__ == "__main__":
    main()
