"""The glue between claims and Hypothesis: property tests, targeting on the margin, and refutation.

* :func:`property_test` turns a claim and an instance strategy into a zero-argument test function:
  each example is checked, the negated margin is reported through ``target()`` (so the search moves toward
  violations), regime tags through ``event()``, and a violation raises :class:`ClaimViolated`, carrying
  the verdict, which Hypothesis then shrinks.
* :func:`find_counterexample` runs the same search and returns the shrunk violating verdict, or None.
* :func:`assert_refuted` is how the catalogue pins a false variant: a counterexample must be found within
  the profile's budget, so a weaker search fails CI.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import hypothesis
from hypothesis import HealthCheck, event, given, note, target
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

from theorycheck.claims import Claim, Verdict, VerdictStatus, check
from theorycheck.config import Profile, active_profile
from theorycheck.confirm import confirm_cheaply
from theorycheck.errors import BudgetSpent, CandidateFound
from theorycheck.errors import ClaimViolated as ClaimViolated  # noqa: PLC0414  # re-exported (PEP 484): its import path before errors.py held it
from theorycheck.errors import NotRefuted as NotRefuted  # noqa: PLC0414  # re-exported (PEP 484): its import path before errors.py held it
from theorycheck.precision import Precision
from theorycheck.search.descent import Budget, refine_draw
from theorycheck.search.draws import Choice, Draw, PrimedDatabase, current_draw, current_phase, replay
from theorycheck.search.store import Counterexamples


def hypothesis_settings(profile: Profile, *, max_examples: int | None = None, cost: int = 1) -> hypothesis.settings:
    """Hypothesis settings for a profile.

    ``deadline=None``: numerical examples take very different times, and a deadline is the most-cited
    source of flaky numeric tests (ecosystem.md).
    """
    return hypothesis.settings(
        max_examples=max_examples or profile.max_examples,
        deadline=None,
        database=DirectoryBasedExampleDatabase(profile.database) if profile.database else None,
        # filter_too_much: claims about limits ("if GD converges") mark non-converged runs not applicable, and
        # that can be half the draws (reported as the event "assumption fails", never as a pass)
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        print_blob=True,
        # one violation is all a search reports: without this Hypothesis keeps generating after the first
        # failure (up to 10 s more, or to max_examples) hunting for distinct ones, and shrinks each
        report_multiple_bugs=False,
        phases=tuple(hypothesis.Phase) if cost <= profile.shrink_cost_limit else _NO_SHRINK,
    )


_NO_SHRINK = tuple(p for p in hypothesis.Phase if p not in (hypothesis.Phase.shrink, hypothesis.Phase.explain))


def _seeded(profile: Profile, test: Callable[..., None], *, primed: bool = False) -> Callable[..., None]:
    """``test`` with the profile's seed, if any.

    ``hypothesis.seed`` also switches the example database off (a seeded run neither loads nor saves
    failures), which would drop a :class:`PrimedDatabase` too: for a primed run the seed is set the way
    ``hypothesis.seed`` sets it, without that (internal attribute, pinned Hypothesis range, tested), and the
    primed database carries no real one below it (``_hypothesis_test`` sees to that).
    """
    if profile.seed is None:
        return test
    if primed:
        test._hypothesis_internal_use_seed = profile.seed  # type: ignore[attr-defined]  # noqa: SLF001
        return test
    return hypothesis.seed(profile.seed)(test)


@attrs.frozen
class Elite:
    """One of the worst non-violating examples a search saw: its verdict and the draw that built it (or None)."""

    verdict: Verdict
    draw: Draw | None = None

    @property
    def margin(self) -> float:
        """The verdict's margin."""
        return self.verdict.margin

    @property
    def instance(self) -> Any:
        """The example."""
        return self.verdict.instance


@attrs.define
class SearchStats:
    """What a search saw: examples checked, applicable ones, the worst margin, float64 artifacts set aside.

    ``elite`` keeps the ``keep`` applicable, holding verdicts of smallest finite margin (distinct
    instances), with their draws: the starting points of refinement; ``first_violation_at`` is the example
    count when the first violation showed, ``first_violation_stage`` the stage that found it ("generate",
    "target", "reuse" (the example database), "explicit" (an ``@example``), "refine" or "boundary").
    ``refine_evals`` counts the examples refinement and boundary search built. ``violation_choices``: the
    choices that built the last violating example (the shrunk one, once a search ends), None if it was an
    explicit example; what :mod:`theorycheck.search.store` keeps.
    """

    examples: int = 0
    applicable: int = 0
    violations: int = 0
    worst_margin: float = math.inf
    worst: Verdict | None = None
    artifacts: list[Verdict] = attrs.field(factory=list)
    started: float = attrs.field(factory=time.perf_counter)
    keep: int = 0
    elite: list[Elite] = attrs.field(factory=list)
    first_violation_at: int | None = None
    first_violation_seconds: float | None = None  # wall time from the start to the first violation
    first_violation_stage: str | None = None
    refine_evals: int = 0
    refine_seconds: float = 0.0
    stage: str | None = None  # set by the refinement while it runs; None: Hypothesis's own phases
    violation_choices: tuple[Choice, ...] | None = None

    @property
    def seconds(self) -> float:
        """Wall time since the search started."""
        return time.perf_counter() - self.started

    def record(self, verdict: Verdict, draw: Draw | None = None, *, seconds: float | None = None) -> None:
        """Count an applicable verdict: violations, worst margin, the elite.

        ``seconds``: when the float64 check showed the violation (before the in-search rung re-checked it);
        the first violation's time is that, so a search is timed by when it found, not by what confirming cost.
        """
        self.applicable += 1
        self.violations += verdict.violated
        if verdict.violated and self.first_violation_at is None:
            self.first_violation_at = self.examples
            self.first_violation_seconds = self.seconds if seconds is None else seconds
            self.first_violation_stage = self.stage or current_phase()
        if verdict.margin < self.worst_margin or (math.isnan(verdict.margin) and self.worst is None):
            self.worst_margin, self.worst = verdict.margin, verdict
        # the elite are starting points for refinement and explicit examples of later chunks: a violation
        # there would make every later chunk stop at its first explicit example
        if self.keep and math.isfinite(verdict.margin) and not verdict.violated:
            if any(e.instance is verdict.instance or e.margin == verdict.margin for e in self.elite):
                return  # Hypothesis re-runs an example while shrinking and targeting: keep distinct points
            self.elite.append(Elite(verdict, draw))
            self.elite.sort(key=lambda e: e.margin)
            del self.elite[self.keep :]


def search_rung(profile: Profile) -> Precision | None:
    """The profile's in-search precision rung (``Profile.search_rung`` parsed), or None for float64 only."""
    return Precision.parse(profile.search_rung) if profile.search_rung else None


def evaluate(
    claim: Claim,
    instance: Any,
    *,
    stats: SearchStats,
    rung: Precision | None = None,
    before_example: Callable[[Any], None] | None = None,
    draw: Draw | None = None,
) -> Verdict:
    """Check one instance and count it in ``stats``; the in-search precision rung sets float64 artifacts aside.

    Usable outside a Hypothesis test (local refinement calls it). A violation that the cheap rung (``rung``)
    does not reproduce is kept in ``stats.artifacts`` and returned as holding with margin 0, so neither
    shrinking nor targeting climbs toward rounding effects.
    """
    if before_example is not None:
        before_example(instance)  # e.g. journal it: a worker killed by this instance leaves its reproducer
    verdict = check(claim, instance)
    checked_at = stats.seconds
    stats.examples += 1
    if verdict.status == VerdictStatus.NOT_APPLICABLE:
        return verdict
    if verdict.violated and rung is not None and not confirm_cheaply(claim, verdict, rung):
        if len(stats.artifacts) < _MAX_ARTIFACTS:
            stats.artifacts.append(verdict)
        verdict = attrs.evolve(
            verdict, status=VerdictStatus.HOLDS, margin=0.0, detail=f"{_ARTIFACT}: {verdict.detail}", artifact=True
        )
    stats.record(verdict, draw, seconds=checked_at)
    return verdict


_ARTIFACT = "float64 artifact"


def _checker(
    claim: Claim,
    *,
    rung: Precision | None = None,
    stats: SearchStats | None = None,
    on_example: Callable[[SearchStats], None] | None = None,
    before_example: Callable[[Any], None] | None = None,
) -> Callable[[Any], Verdict]:
    stats = stats if stats is not None else SearchStats()

    def run_one(instance: Any) -> Verdict:
        draw = current_draw() if stats.keep else None
        verdict = evaluate(claim, instance, stats=stats, rung=rung, before_example=before_example, draw=draw)
        if verdict.violated:  # Hypothesis runs the shrunk example last: its choices are what a store keeps
            drawn = draw if draw is not None else current_draw()
            stats.violation_choices = drawn.choices if drawn is not None else None
        for tag in verdict.tags:
            event(tag)
        if verdict.status == VerdictStatus.NOT_APPLICABLE:
            event("assumption fails")
            if on_example is not None:
                on_example(stats)
            hypothesis.reject()
        if verdict.artifact:
            event(f"{_ARTIFACT} (holds at {rung})")
        if on_example is not None:
            on_example(stats)
        target(target_score(verdict.margin), label=f"{claim.id} negative margin")
        note(verdict.summary())
        return verdict

    return run_one


_MAX_ARTIFACTS = 5
_HUGE = 1e300


def target_score(margin: float) -> float:
    """What ``target()`` maximises for a margin: ``-margin``, finite (Hypothesis rejects NaN and infinities).

    A NaN margin is a violation as bad as it gets (the conclusion could not be evaluated): ``1e300``; ``-inf``
    likewise, ``+inf`` (holds without bound) ``-1e300``.
    """
    if math.isnan(margin):
        return _HUGE
    return -min(max(margin, -_HUGE), _HUGE)


def _hypothesis_test(
    claim: Claim,
    instances: st.SearchStrategy[Any],
    settings: hypothesis.settings,
    run_one: Callable[[Any], Verdict],
    examples: Sequence[Any],
    profile: Profile,
) -> Callable[[], None]:
    """The one @given test every search runs: raise :class:`ClaimViolated` on a violation."""
    primed = isinstance(settings.database, PrimedDatabase)
    if primed and profile.seed is not None:
        db = settings.database
        assert isinstance(db, PrimedDatabase)
        settings = hypothesis.settings(settings, database=db.without_inner())  # seeded: no real database

    @settings
    @given(instances)
    def search_claim(instance: Any) -> None:
        verdict = run_one(instance)
        if verdict.violated:
            raise ClaimViolated(claim, verdict)

    # Hypothesis keys its example database by the test's source, which is this one function for every claim:
    # mix the claim id in (as Hypothesis's own pytest integration does for parametrised tests), so each
    # claim replays its own past failures, in pytest and in `theorycheck check` alike.
    search_claim.hypothesis.inner_test._hypothesis_internal_add_digest = claim.id.encode()  # type: ignore[attr-defined]  # noqa: SLF001
    test: Callable[[], None] = search_claim
    for ex in reversed(examples):
        test = hypothesis.example(ex)(test)
    return _seeded(profile, test, primed=primed)


@attrs.frozen
class Refinement:
    """How much refinement over the draws (and boundary search) follows Hypothesis's phases.

    Attributes:
        share: refinement evaluations as a fraction of the examples Hypothesis ran (0: none).
        starts: elite examples refined, worst first.
        seconds: a wall-time cap (None: twice the Hypothesis phase's time times ``share``, at least 1 s).
        min_evals: evaluations at least, however few examples Hypothesis ran.
        offset: rotates the order the floats are scanned in (stress passes the chunk's index).
    """

    share: float
    starts: int = 4
    seconds: float | None = None
    min_evals: int = 200
    offset: int = 0

    @classmethod
    def of(cls, profile: Profile) -> Refinement | None:
        """The profile's refinement (``Profile.refine_share``), or None when it has none (``ci``)."""
        return cls(profile.refine_share) if profile.refine_share > 0 else None

    def budget(self, stats: SearchStats) -> Budget:
        """The evaluations and deadline for a search that has run so far as ``stats`` says."""
        seconds = self.seconds if self.seconds is not None else max(1.0, 2.0 * self.share * stats.seconds)
        evals = max(self.min_evals, int(self.share * stats.examples))
        return Budget(evals, time.perf_counter() + seconds)


@attrs.frozen
class Refined:
    """A violation refinement found: the choices that build it and the stage ("refine" or "boundary")."""

    verdict: Verdict
    choices: tuple[Any, ...]
    stage: str


def refine(
    claim: Claim,
    instances: st.SearchStrategy[Any],
    stats: SearchStats,
    refinement: Refinement,
    *,
    rung: Precision | None = None,
    before_example: Callable[[Any], None] | None = None,
    starts: Sequence[Elite] = (),
    on_example: Callable[[SearchStats], None] | None = None,
) -> Refined | None:
    """Refine the search's elite (and ``starts``) over their draws (``search.descent``) within the budget.

    Every candidate is rebuilt through ``instances`` and checked by :func:`evaluate` (counted in ``stats``,
    the in-search rung applied, journaled by ``before_example``). Returns the first violation, or None.
    """
    budget = refinement.budget(stats)
    pool = sorted([*starts, *stats.elite], key=lambda e: e.margin)
    seen: set[tuple[Any, ...]] = set()
    chosen = []
    for e in pool:
        if e.draw is not None and e.draw.choices not in seen:
            seen.add(e.draw.choices)
            chosen.append(e)
    chosen = chosen[: refinement.starts]

    def probe(choices: tuple[Any, ...], stage: str) -> tuple[Verdict, Draw] | None:
        rebuilt = replay(instances, choices, extend=16)
        if rebuilt is None:
            return None
        stats.refine_evals += 1
        stats.stage = stage
        try:
            verdict = evaluate(
                claim, rebuilt.example, stats=stats, rung=rung, before_example=before_example, draw=rebuilt.draw
            )
        except hypothesis.errors.UnsatisfiedAssumption:
            return None  # before_example skipped it (a worker died on this instance before)
        if on_example is not None:
            on_example(stats)
        return verdict, rebuilt.draw

    began = time.perf_counter()
    try:
        for e in chosen:
            assert e.draw is not None
            try:
                refine_draw(e.draw, e.margin, probe, budget, offset=refinement.offset)
            except CandidateFound as found:
                return Refined(found.verdict, found.choices, found.stage)
            except BudgetSpent:
                return None
    finally:
        stats.stage = None
        stats.refine_seconds += time.perf_counter() - began
    return None


def _recheck(
    claim: Claim,
    instances: st.SearchStrategy[Any],
    settings: hypothesis.settings,
    run_one: Callable[[Any], Verdict],
    profile: Profile,
    found: Refined,
) -> Callable[[], None]:
    """A test that replays a refined violation through Hypothesis (reuse phase), then shrinks it.

    The choices go in as a past non-minimal failure would (the secondary corpus), so Hypothesis re-checks
    them by the path every example takes and, where the claim is cheap enough, shrinks toward simple
    values while the violation persists.
    """
    phases = [p for p in (hypothesis.Phase.reuse, hypothesis.Phase.shrink, hypothesis.Phase.explain)
              if p in settings.phases or p is hypothesis.Phase.reuse]
    inner = settings.database
    primed = hypothesis.settings(
        settings, database=PrimedDatabase(inner, secondary=[found.choices]), phases=phases,
        max_examples=max(settings.max_examples, 2),
    )
    return _hypothesis_test(claim, instances, primed, run_one, (), profile)


def property_test(
    claim: Claim,
    instances: st.SearchStrategy[Any],
    *,
    profile: Profile | None = None,
    cost: int = 1,
    examples: Sequence[Any] = (),
    refinable: bool = False,
    scaling: Any = None,
) -> Theorem:
    """A :class:`Theorem`: a zero-argument test that passes if no example violates ``claim``.

    Calling it raises :class:`ClaimViolated` if an example violates the claim. The profile is read when the
    test runs (so a pytest option chosen after import applies): Hypothesis's phases, then, under profiles
    with a refinement share (``default``, ``deep``), refinement over the draws and boundary search from the
    worst examples (:func:`refine`); a violation that finds is replayed through Hypothesis and shrunk, and
    raises like any other. ``examples`` are instances checked first, every run (pinned counterexamples: a
    report's ``@example`` snippet). ``refinable=True`` also lets refinement move the instances' singular
    values, scales, step and angles directly (``search.refine``, off the strategy's draws): opt in only when
    the claim's assumptions state everything an instance must satisfy and its checks read the instance, not
    ``instance.params``. ``scaling`` is a :class:`theorycheck.claims.Scaling` for ``theorycheck scale``.

    Counterexamples an earlier run found (kept in the profile's database folder, :mod:`theorycheck.search.store`)
    are tried first, whatever the seed, and a violation found is kept there for the next run.
    """
    return Theorem(claim, instances, cost=cost, refinable=refinable, scaling=scaling, examples=tuple(examples),
                   profile=profile)


def _run_property(
    claim: Claim,
    instances: st.SearchStrategy[Any],
    *,
    profile: Profile | None,
    cost: int,
    examples: Sequence[Any],
) -> None:
    prof = profile or active_profile()
    settings = hypothesis_settings(prof, max_examples=max(2, prof.max_examples // cost), cost=cost)
    refinement = Refinement.of(prof)
    stats = SearchStats(keep=refinement.starts if refinement else 0)
    rung = search_rung(prof)
    run_one = _checker(claim, rung=rung, stats=stats)
    store = Counterexamples.of(prof)
    settings = _prime(settings, claim, store)

    def phases() -> None:
        _hypothesis_test(claim, instances, settings, run_one, examples, prof)()
        if refinement is None:
            return
        found = refine(claim, instances, stats, refinement, rung=rung)
        if found is not None:
            stats.stage = found.stage
            stats.violation_choices = found.choices
            _recheck(claim, instances, settings, run_one, prof, found)()
            raise ClaimViolated(claim, found.verdict)  # the replay did not reproduce it: report it as found

    try:
        phases()
    except ClaimViolated as exc:
        _remember(store, claim, stats)
        exc.stage = stats.first_violation_stage
        raise


@attrs.frozen(slots=False, eq=False)
class Theorem:
    """A claim with the strategy of its instances: the typed object pytest collects and the CLI finds.

    Calling it (no arguments) runs the property test under the active profile (:func:`property_test`).
    pytest collects it at module level under any name (the theorycheck plugin), and like a plain test
    function under a ``test_*`` name; ``theorycheck check|stress|scale FILE`` finds every module-level
    Theorem.

    Attributes:
        claim: the claim.
        instances: the Hypothesis strategy of its instances.
        cost: examples are this many times dearer than usual (the profile's budget is divided by it).
        refinable: refinement may move the instance's knobs directly (see :func:`property_test`).
        scaling: a :class:`theorycheck.claims.Scaling` for ``theorycheck scale``, or None.
        examples: instances checked first, every run.
        profile: a fixed profile, or None for the active one (read when the test runs).
        must_refute: the test passes when a counterexample is found within the profile's refutation budget
            (a false variant, ``@theorem(..., expect="refuted")``) and fails with :class:`NotRefuted` otherwise.
    """

    __theorycheck_theorem__ = True

    claim: Claim
    instances: st.SearchStrategy[Any] = attrs.field(repr=False)
    cost: int = 1
    refinable: bool = False
    scaling: Any = attrs.field(default=None, repr=False)
    examples: tuple[Any, ...] = attrs.field(default=(), repr=False)
    profile: Profile | None = attrs.field(default=None, repr=False)
    must_refute: bool = False

    def __attrs_post_init__(self) -> None:
        def test() -> None:
            if self.must_refute:
                assert_refuted(self.claim, self.instances, profile=self.profile, cost=self.cost)
                return
            _run_property(self.claim, self.instances, profile=self.profile, cost=self.cost, examples=self.examples)

        name = f"test_{self.claim.id.replace('.', '_')}"
        test.__name__ = test.__qualname__ = name
        test.__doc__ = self.claim.statement
        # pytest reads these: the name and statement for reports, __wrapped__ for the (empty) signature
        object.__setattr__(self, "__name__", name)
        object.__setattr__(self, "__doc__", self.claim.statement)
        object.__setattr__(self, "__wrapped__", test)

    def __call__(self) -> None:
        """Run the property test; raise :class:`ClaimViolated` on a violation."""
        self.__wrapped__()  # type: ignore[attr-defined]


def _prime(
    settings: hypothesis.settings,
    claim: Claim,
    store: Counterexamples | None,
    *,
    replay: Sequence[Sequence[Choice]] = (),
    primary: Sequence[Sequence[Choice]] = (),
) -> hypothesis.settings:
    """``settings`` whose reuse phase first offers the claim's stored counterexamples, ``replay`` and ``primary``.

    ``store``'s sequences and ``replay`` (counterexamples found before) go in as found, so a stale one is
    forgotten by the store; ``primary`` (a campaign's elite) as plain primed sequences.
    """
    found = [*(store.load(claim.id) if store is not None else ()), *replay]
    if not found and not primary:
        return settings
    forget = None if store is None else (lambda value: store.forget(claim.id, value))
    return hypothesis.settings(
        settings,
        database=PrimedDatabase(settings.database, primary=primary, found=found, forget=forget),
        phases=sorted({*settings.phases, hypothesis.Phase.reuse}, key=lambda p: p.value),
    )


def _remember(store: Counterexamples | None, claim: Claim, stats: SearchStats) -> None:
    """Keep the violation's choices in the store (a store that cannot be written is not fatal to a search)."""
    if store is not None and stats.violation_choices is not None:
        try:
            store.save(claim.id, stats.violation_choices)
        except OSError:
            return


def _violation(run: Callable[[], None]) -> Verdict | None:
    """Run a search test; the shrunk violating verdict it raised, or None."""
    try:
        run()
    except ClaimViolated as exc:
        found: Verdict = exc.verdict
        return found
    except ExceptionGroup as group:  # several distinct failures: any shrunk one will do
        for inner in group.exceptions:
            if isinstance(inner, ClaimViolated):
                shrunk: Verdict = inner.verdict
                return shrunk
        raise
    return None


def search(
    claim: Claim,
    instances: st.SearchStrategy[Any],
    *,
    max_examples: int,
    profile: Profile | None = None,
    cost: int = 1,
    examples: Sequence[Any] = (),
    on_example: Callable[[SearchStats], None] | None = None,
    before_example: Callable[[Any], None] | None = None,
    stats: SearchStats | None = None,
    targeting: bool = True,
    shrinking: bool = True,
    refinement: Refinement | None = None,
    primed: Sequence[Draw] = (),
    replay: Sequence[Sequence[Choice]] = (),
    remember: bool = True,
) -> tuple[Verdict | None, SearchStats]:
    """Search up to ``max_examples``; return the shrunk violating verdict (or None) and the statistics.

    Hypothesis's phases first (``primed`` draws replayed at the start, in the reuse phase, so they also
    seed the target phase); then, with a ``refinement``, refinement over the draws and boundary search from
    the worst examples seen; a violation found there is replayed through Hypothesis and shrunk.
    ``stats.first_violation_stage`` says which stage found it. ``targeting=False`` drops Hypothesis's target
    phase (plain random generation, the baseline the stress search is measured against);
    ``shrinking=False`` returns the first violation as found.

    Counterexamples found before are tried first, whatever the seed: those kept in the profile's database
    folder for this claim (:mod:`theorycheck.search.store`; ``remember=False``: neither load nor save) and
    ``replay`` (choice sequences, e.g. the store's contents handed to a stress chunk by its controller).
    A violation's choices are saved to the store (``stats.violation_choices`` has them too).
    """
    prof = profile or active_profile()
    stats = stats if stats is not None else SearchStats()
    if refinement is not None:
        stats.keep = max(stats.keep, refinement.starts)
    rung = search_rung(prof)
    run_one = _checker(claim, rung=rung, stats=stats, on_example=on_example, before_example=before_example)

    settings = hypothesis_settings(prof, max_examples=max_examples, cost=cost)
    dropped = {hypothesis.Phase.target} if not targeting else set()
    if not shrinking:
        dropped |= {hypothesis.Phase.shrink, hypothesis.Phase.explain}
    if dropped:
        settings = hypothesis.settings(settings, phases=[p for p in settings.phases if p not in dropped])
    store = Counterexamples.of(prof) if remember else None
    settings = _prime(settings, claim, store, replay=replay, primary=[d.choices for d in primed])
    violation = _violation(_hypothesis_test(claim, instances, settings, run_one, examples, prof))
    if violation is not None or refinement is None:
        if violation is not None:
            _remember(store, claim, stats)
        return violation, stats
    found = refine(claim, instances, stats, refinement, rung=rung, before_example=before_example, on_example=on_example)
    if found is None:
        return None, stats
    stats.stage = found.stage
    stats.violation_choices = found.choices
    try:
        violation = _violation(_recheck(claim, instances, settings, run_one, prof, found))
    finally:
        stats.stage = None
    _remember(store, claim, stats)
    return (violation if violation is not None else found.verdict), stats


def find_counterexample(
    claim: Claim,
    instances: st.SearchStrategy[Any],
    *,
    max_examples: int,
    profile: Profile | None = None,
    cost: int = 1,
    remember: bool = True,
) -> Verdict | None:
    """Search up to ``max_examples``; return the shrunk violating verdict, or None if none was found.

    ``remember``: try the claim's stored counterexamples first and keep the one found (see :func:`search`).
    """
    return search(claim, instances, max_examples=max_examples, profile=profile, cost=cost, remember=remember)[0]


def assert_refuted(
    claim: Claim,
    instances: st.SearchStrategy[Any],
    *,
    budget: int | None = None,
    profile: Profile | None = None,
    cost: int = 1,
) -> Verdict:
    """Fail unless a counterexample to the false variant ``claim`` is found within the budget.

    The search starts afresh (no stored counterexample is replayed, none is kept): this measures its power.
    """
    prof = profile or active_profile()
    limit = budget or prof.refute_examples
    verdict = find_counterexample(claim, instances, max_examples=limit, profile=prof, cost=cost, remember=False)
    if verdict is None:
        msg = f"{claim.id} (expected false) was not refuted within {limit} examples: the search is too weak"
        raise NotRefuted(msg)
    return verdict
