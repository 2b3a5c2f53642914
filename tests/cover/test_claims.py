"""The claim vocabulary, ready-made conclusions, profiles and the Hypothesis glue."""

from __future__ import annotations

import math

import attrs
import numpy as np
import pytest
from hypothesis import strategies as st

import theorycheck as tc
import theorycheck.strategies as tcs
from theorycheck import errors
from theorycheck.claims import (
    Assumption,
    Case,
    Claim,
    Outcome,
    Procedure,
    Source,
    check,
    converges_within,
    every_step,
    loss_non_increasing,
    pure,
)
from theorycheck.config import PROFILES, active_profile
from theorycheck.dynamics.instance import Instance, Target
from theorycheck.search.hypothesis import (
    ClaimViolated,
    NotRefuted,
    assert_refuted,
    find_counterexample,
    property_test,
)

SRC = Source("Tester", 2026, "Lemma 1", "paper")
CI = attrs.evolve(PROFILES["ci"], database=None)  # no kept counterexamples: each test starts afresh


def _pure_claim(margin_of, **kwargs):
    return Claim(
        id="test.l1.pure", statement="x >= 0", source=SRC, conclusion=pure("x", lambda c: (margin_of(c), "d")), **kwargs
    )


def _scalar_instance(y=1.0, a0=0.5, eta=0.1, steps=200, tol=0.0):
    target = Target(np.array([[y]]), np.eye(1), np.array([y]), np.eye(1))
    return Instance(tc.deep_mf((1, 1, 1)), target, np.array([a0, a0]), eta, steps, tol=tol)


def test_check_gives_holds_or_violated_with_the_signed_margin():
    claim = _pure_claim(lambda c: c["x"])
    good, bad = check(claim, Case({"x": 0.25})), check(claim, Case({"x": -2.0}))
    assert (good.status, good.margin) == ("holds", 0.25)
    assert (bad.status, bad.margin) == ("violated", -2.0)
    assert bad.violated
    assert "x=-2" in bad.summary()


def test_a_nan_margin_is_a_violation_not_a_pass():
    assert check(_pure_claim(lambda c: math.nan), Case({})).status == "violated"


def test_an_instance_failing_an_assumption_is_not_applicable():
    claim = _pure_claim(lambda c: -1.0, assumptions=(Assumption("x positive", lambda c: c["x"] > 0),))
    verdict = check(claim, Case({"x": -1.0}))
    assert verdict.status == "not_applicable"
    assert verdict.quantity == "x positive"


def test_a_conclusion_can_declare_the_run_not_applicable():
    claim = Claim(
        id="t.a.b", statement="s", source=SRC, conclusion=lambda i, r: Outcome(math.inf, "q", applicable=False)
    )
    assert check(claim, Case({})).status == "not_applicable"


def test_an_every_step_claim_that_applies_at_no_recorded_step_is_not_applicable_not_a_vacuous_pass():
    procedure = Procedure(record=tc.Recording(every=1, observables=("loss",)))
    never = Claim(id="t.e.n", statement="s", source=SRC, procedure=procedure,
                  conclusion=every_step("q", lambda i, r: np.zeros(0), scale=lambda i, r: np.zeros(0)))
    always = attrs.evolve(never, conclusion=every_step("q", lambda i, r: np.ones(3), scale=1.0))
    assert check(never, _scalar_instance(steps=5)).status == "not_applicable"
    assert check(always, _scalar_instance(steps=5)).status == "holds"


def test_converges_within_reports_budget_left_or_decades_short():
    claim = Claim(
        id="t.c.w", statement="s", source=SRC, procedure=Procedure(), conclusion=converges_within(1e-10, lambda i: 1000)
    )
    fast = check(claim, _scalar_instance(steps=1000, tol=1e-10))
    assert fast.status == "holds"
    assert 0.0 < fast.margin < 1.0
    assert fast.step < 1000
    slow = check(claim, _scalar_instance(steps=3, tol=1e-10))
    assert slow.status == "violated"
    assert slow.margin < -1.0  # several decades short after 3 steps


def test_loss_non_increasing_points_at_the_first_increase():
    claim = Claim(
        id="t.l.m",
        statement="s",
        source=SRC,
        procedure=Procedure(record=tc.Recording(every=1, observables=("loss",))),
        conclusion=loss_non_increasing(),
    )
    assert check(claim, _scalar_instance(eta=0.1, steps=50)).status == "holds"
    verdict = check(claim, _scalar_instance(y=1.0, a0=1.2, eta=1.5, steps=10))  # eta > 1/y: oscillation
    assert verdict.status == "violated"
    assert verdict.step is not None


def test_claim_doc_has_the_five_sections():
    doc = _pure_claim(lambda c: 1.0, setting="S", algorithm="A", tightness="T").doc()
    for section in (
        "Setting: S",
        "Algorithm: A",
        "Statement: x >= 0",
        "Reference: Tester 2026, Lemma 1 [paper]",
        "Tightness: T",
    ):
        assert section in doc


def test_source_provenance_and_claim_expectation_are_validated():
    with pytest.raises(errors.InvalidArgument, match="provenance"):
        Source("A", 2020, "Thm 1", "folklore")
    with pytest.raises(errors.InvalidArgument, match="expect"):
        _pure_claim(lambda c: 1.0, expect="maybe")


def test_profiles_come_from_the_argument_then_the_environment(monkeypatch):
    monkeypatch.setenv("THEORYCHECK_PROFILE", "deep")
    assert active_profile().name == "deep"
    assert active_profile("ci").name == "ci"
    monkeypatch.setenv("THEORYCHECK_DATABASE", "")
    assert active_profile().database is None
    monkeypatch.setenv("THEORYCHECK_PROFILE", "quick")
    with pytest.raises(errors.InvalidArgument, match="THEORYCHECK_PROFILE"):
        active_profile()


NONNEG = _pure_claim(lambda c: c["x"])
XS = st.builds(lambda x: Case({"x": x}), tcs.finite_floats(-1.0, 1.0))
POSITIVE_XS = st.builds(lambda x: Case({"x": x}), tcs.finite_floats(0.0, 1.0))


def test_a_property_test_raises_a_readable_claim_violated_with_the_shrunk_instance():
    with pytest.raises(ClaimViolated) as info:
        property_test(NONNEG, XS, profile=CI)()
    message = str(info.value)
    assert message.startswith("test.l1.pure violated (Tester 2026, Lemma 1 [paper])")
    assert info.value.verdict.margin < 0
    assert isinstance(info.value, AssertionError)


def test_find_counterexample_returns_none_for_a_true_claim_and_the_verdict_for_a_false_one():
    assert find_counterexample(NONNEG, POSITIVE_XS, max_examples=20, profile=CI) is None
    verdict = find_counterexample(NONNEG, XS, max_examples=50, profile=CI)
    assert verdict is not None
    assert verdict.violated


def test_assert_refuted_fails_when_the_search_finds_nothing():
    with pytest.raises(NotRefuted, match="not refuted within 20 examples"):
        assert_refuted(NONNEG, POSITIVE_XS, budget=20, profile=CI)


def test_a_search_keeps_the_counterexample_it_finds_and_assert_refuted_neither_keeps_nor_replays(tmp_path):
    from theorycheck.search.store import Counterexamples

    kept = attrs.evolve(CI, database=str(tmp_path / "kept"))
    store = Counterexamples(tmp_path / "kept")
    assert_refuted(NONNEG, XS, budget=50, profile=kept)
    assert store.load(NONNEG.id) == []  # a refutation measures the search: it keeps nothing
    verdict = find_counterexample(NONNEG, XS, max_examples=50, profile=kept)
    assert verdict is not None
    (choices,) = store.load(NONNEG.id)
    # the store's sequence rebuilds the very counterexample found
    from theorycheck.search.draws import replay

    rebuilt = replay(XS, choices)
    assert rebuilt is not None
    assert rebuilt.example == verdict.instance


def test_a_kept_counterexample_no_search_would_find_is_replayed_by_a_search_and_not_by_assert_refuted(tmp_path):
    from theorycheck.search.store import Counterexamples

    needle = 0.123456789
    claim = _pure_claim(lambda c: -1.0 if c["x"] == needle else 1.0)  # false at one float only
    kept = attrs.evolve(CI, database=str(tmp_path / "kept"))
    Counterexamples(tmp_path / "kept").save(claim.id, (needle,))  # as an earlier run would have
    verdict = find_counterexample(claim, POSITIVE_XS, max_examples=20, profile=kept)
    assert verdict is not None
    assert verdict.instance["x"] == needle
    with pytest.raises(NotRefuted):
        assert_refuted(claim, POSITIVE_XS, budget=20, profile=kept)
    fixed = _pure_claim(lambda c: 1.0)  # the same claim id, fixed: the kept sequence no longer fails
    assert find_counterexample(fixed, POSITIVE_XS, max_examples=20, profile=kept) is None
    assert Counterexamples(tmp_path / "kept").load(claim.id) == []  # and is dropped
