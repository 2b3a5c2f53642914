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

from collections.abc import Callable
from typing import Any

import hypothesis
from hypothesis import HealthCheck, event, given, note, target
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

from theorycheck.claims import Claim, Verdict, check
from theorycheck.config import Profile, active_profile
from theorycheck.errors import TheorycheckError


class ClaimViolated(TheorycheckError, AssertionError):
    """A claim failed on an instance meeting its assumptions. ``verdict`` holds the instance and margin."""

    def __init__(self, claim: Claim, verdict: Verdict) -> None:
        self.claim = claim
        self.verdict = verdict
        super().__init__(
            f"{claim.id} violated ({claim.source.cite()}): {verdict.quantity} margin {verdict.margin:.3g}"
            + (f" at step {verdict.step:,}" if verdict.step is not None else "")
            + f"; {verdict.detail}; instance: {verdict.summary().split(' on ', 1)[-1]}"
        )


class NotRefuted(TheorycheckError, AssertionError):
    """A false variant survived its whole budget: the search is too weak (or the variant is true)."""


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
        phases=tuple(hypothesis.Phase) if cost <= profile.shrink_cost_limit else _NO_SHRINK,
    )


_NO_SHRINK = tuple(p for p in hypothesis.Phase if p not in (hypothesis.Phase.shrink, hypothesis.Phase.explain))


def _seeded(profile: Profile, test: Callable[..., None]) -> Callable[..., None]:
    return hypothesis.seed(profile.seed)(test) if profile.seed is not None else test


def _checker(claim: Claim) -> Callable[[Any], Verdict]:
    def run_one(instance: Any) -> Verdict:
        verdict = check(claim, instance)
        for tag in verdict.tags:
            event(tag)
        if verdict.status == "not_applicable":
            event("assumption fails")
            hypothesis.reject()
        target(-min(verdict.margin, 1e300), label=f"{claim.id} negative margin")
        note(verdict.summary())
        return verdict

    return run_one


def property_test(
    claim: Claim, instances: st.SearchStrategy[Any], *, profile: Profile | None = None, cost: int = 1
) -> Callable[[], None]:
    """A zero-argument test: passes if no example violates ``claim``; raises :class:`ClaimViolated` if one does.

    The profile is read when the test runs (so a pytest option chosen after import applies).
    """
    run_one = _checker(claim)

    def test() -> None:
        prof = profile or active_profile()

        @hypothesis_settings(prof, max_examples=max(2, prof.max_examples // cost), cost=cost)
        @given(instances)
        def search(instance: Any) -> None:
            verdict = run_one(instance)
            if verdict.violated:
                raise ClaimViolated(claim, verdict)

        _seeded(prof, search)()

    test.__name__ = f"test_{claim.id.replace('.', '_')}"
    test.__doc__ = claim.statement
    return test


def find_counterexample(
    claim: Claim,
    instances: st.SearchStrategy[Any],
    *,
    max_examples: int,
    profile: Profile | None = None,
    cost: int = 1,
) -> Verdict | None:
    """Search up to ``max_examples``; return the shrunk violating verdict, or None if none was found."""
    prof = profile or active_profile()
    run_one = _checker(claim)
    found: list[Verdict] = []

    @hypothesis_settings(prof, max_examples=max_examples, cost=cost)
    @given(instances)
    def search(instance: Any) -> None:
        verdict = run_one(instance)
        if verdict.violated:
            found.append(verdict)
            raise ClaimViolated(claim, verdict)

    try:
        _seeded(prof, search)()
    except ClaimViolated as exc:
        return exc.verdict
    except ExceptionGroup as group:  # several distinct failures: any shrunk one will do
        for inner in group.exceptions:
            if isinstance(inner, ClaimViolated):
                return inner.verdict
        raise
    return None


def assert_refuted(
    claim: Claim,
    instances: st.SearchStrategy[Any],
    *,
    budget: int | None = None,
    profile: Profile | None = None,
    cost: int = 1,
) -> Verdict:
    """Fail unless a counterexample to the false variant ``claim`` is found within the budget."""
    prof = profile or active_profile()
    limit = budget or prof.refute_examples
    verdict = find_counterexample(claim, instances, max_examples=limit, profile=prof, cost=cost)
    if verdict is None:
        msg = f"{claim.id} (expected false) was not refuted within {limit} examples: the search is too weak"
        raise NotRefuted(msg)
    return verdict
