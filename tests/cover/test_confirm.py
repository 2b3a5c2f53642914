"""The precision ladder's rule and the ball-arithmetic certificate (style.md point 8)."""

from __future__ import annotations

import math

import attrs
import pytest

from tests.common.claims import FLOAT_FLOOR, OVERSHOOT, floor_instance, overshoot_instance, precision_dependent
from theorycheck.claims import Case, Claim, Outcome, Procedure, check, iterate_at
from theorycheck.confirm import confirm, confirm_cheaply
from theorycheck.dynamics import RunResult
from theorycheck.precision import Precision


def test_a_planted_floating_point_artifact_is_classified_as_an_artifact_not_confirmed() -> None:
    verdict = check(FLOAT_FLOOR, floor_instance())
    assert verdict.violated  # float64 stalls one ulp from Y: L ~ 1e-33 > 1e-40
    conf = confirm(FLOAT_FLOOR, verdict)
    assert conf.status == "artifact"
    assert not conf.is_counterexample
    assert [r.precision for r in conf.rungs] == ["float64", "flint:113", "flint:256"]
    assert all(r.status == "holds" for r in conf.rungs[1:])
    assert not confirm_cheaply(FLOAT_FLOOR, verdict, Precision("flint", 113))


def test_a_real_violation_is_confirmed_and_certified_in_ball_arithmetic() -> None:
    verdict = check(OVERSHOOT, overshoot_instance())
    assert verdict.violated
    conf = confirm(OVERSHOOT, verdict)
    assert conf.status == "certified", conf.reason
    assert conf.is_counterexample
    assert conf.certification is not None
    assert conf.certification.lower > 0
    assert conf.certification.lower <= conf.certification.upper
    assert confirm_cheaply(OVERSHOOT, verdict, Precision("flint", 113))


def test_without_the_certificate_a_real_violation_is_confirmed() -> None:
    verdict = check(OVERSHOOT, overshoot_instance())
    conf = confirm(OVERSHOOT, verdict, certify=False)
    assert conf.status == "confirmed"
    high = [r.margin for r in conf.rungs[1:]]
    assert all(m < 0 for m in high)
    assert math.isclose(high[0], high[1], rel_tol=1e-2)


def test_the_certificate_declines_a_step_that_does_not_violate() -> None:
    inst = overshoot_instance(step=1e-3)
    verdict = check(OVERSHOOT, inst)
    assert not verdict.violated
    planted = attrs.evolve(verdict, status="violated", step=1)
    assert OVERSHOOT.certificate is not None
    cert = OVERSHOOT.certificate(inst, planted, 256)
    assert cert.status == "not_certified"
    assert cert.upper < 0


def test_the_certificate_uses_the_float64_iterate_bit_for_bit() -> None:
    inst = overshoot_instance(step=0.01)
    w3 = iterate_at(inst, 3)
    assert w3 is not None
    run = attrs.evolve(inst, max_steps=3).run()
    assert (w3 == run.final_params[0]).all()


@pytest.mark.parametrize(
    ("margins", "status", "words"),
    [
        ({"float64": -1.0, "flint:113": 1.0, "flint:256": 1.0}, "artifact", "disappears"),
        ({"float64": -1.0, "flint:113": -1.0, "flint:256": 2.0}, "undecided", "changes sign"),
        ({"float64": -1.0, "flint:113": -1.0, "flint:256": -2.0}, "undecided", "not settled"),
        ({"float64": -1.0, "flint:113": -1.0, "flint:256": -1.001}, "confirmed", "every rung"),
        ({"float64": math.nan, "flint:113": math.nan, "flint:256": math.nan}, "confirmed", "every rung"),
    ],
    ids=["artifact", "sign-flip", "unsettled", "settled", "nan-everywhere"],
)
def test_the_ladder_rule_classifies_each_pattern_of_margins(margins: dict[str, float], status: str, words: str) -> None:
    claim = precision_dependent(margins)
    verdict = check(claim, overshoot_instance(step=0.01))
    conf = confirm(claim, verdict)
    assert conf.status == status
    assert words in conf.reason


@pytest.mark.parametrize(
    ("scale", "status"),
    [(1.0, "undecided"), (1e-3, "confirmed"), (None, "confirmed")],
    ids=["rounding-level", "above-resolution", "no-scale"],
)
def test_a_rounding_level_violation_with_agreeing_rungs_is_not_confirmed(scale: float | None, status: str) -> None:
    # 1e-15 against a scale of 1 is 4.5 float64 ulps: two rungs agreeing on it is the same rounding seen twice
    claim = precision_dependent({"float64": -1e-15, "flint:113": -1e-15, "flint:256": -1e-15}, scale=scale)
    conf = confirm(claim, check(claim, overshoot_instance(step=0.01)))
    assert conf.status == status, conf.reason
    if status == "undecided":
        assert "rounding level" in conf.reason
        assert conf.rungs[0].relative == -1e-15


def test_a_rounding_level_violation_holding_at_high_precision_is_an_artifact() -> None:
    claim = precision_dependent({"float64": -1e-16, "flint:113": 1e-30, "flint:256": 1e-60}, scale=1.0)
    assert confirm(claim, check(claim, overshoot_instance(step=0.01))).status == "artifact"


def test_a_violation_that_is_rounding_level_at_each_rungs_own_precision_is_an_artifact() -> None:
    # a tight true claim broken at each arithmetic's last bits: 1e-20 of the scale in float64, 3e-33 (10 ulps)
    # at 113 bits, 2e-76 (12 ulps) at 256 bits; not shrinking as fast as the roundoff from float64 to 113 bits
    claim = precision_dependent({"float64": -1e-20, "flint:113": -3e-33, "flint:256": -2e-76}, scale=1.0)
    conf = confirm(claim, check(claim, overshoot_instance(step=0.01)))
    assert conf.status == "artifact", conf.reason
    assert "rounding level in every arithmetic" in conf.reason


def test_a_high_rung_violation_above_its_own_rounding_keeps_a_rounding_level_violation_undecided() -> None:
    # -1e-20 is rounding for float64 but 1e13 ulps at 113 bits: the 113-bit rung says something, so no artifact
    claim = precision_dependent({"float64": -1e-16, "flint:113": -1e-20, "flint:256": -1e-77}, scale=1.0)
    conf = confirm(claim, check(claim, overshoot_instance(step=0.01)))
    assert conf.status == "undecided", conf.reason


def test_the_in_search_rung_sets_aside_a_violation_that_is_rounding_at_both_precisions() -> None:
    claim = precision_dependent({"float64": -1e-16, "flint:113": -1e-35}, scale=1.0)
    assert not confirm_cheaply(claim, check(claim, overshoot_instance(step=0.01)), Precision("flint", 113))
    real = precision_dependent({"float64": -1e-16, "flint:113": -1e-20}, scale=1.0)
    assert confirm_cheaply(real, check(real, overshoot_instance(step=0.01)), Precision("flint", 113))


@pytest.mark.parametrize(
    ("margins", "status"),
    [
        # a converged loss at each arithmetic's floor (seen on the README's conjecture): ~eps^2 at every rung
        ({"float64": -8.8e-35, "flint:113": -1.1e-70, "flint:256": -9.0e-158}, "artifact"),
        ({"float64": -1e-3, "flint:113": -1e-22, "flint:256": 1e-60}, "artifact"),
        # a real violation of 1e-40: the two top rungs agree on it, so it does not vanish
        ({"float64": -1e-30, "flint:113": -1e-40, "flint:256": -1e-40}, "confirmed"),
        # shrinking, but only by 2^-40 from float64 to 113 bits: slower than the roundoff, so no verdict
        ({"float64": -1e-3, "flint:113": -1e-15, "flint:256": -1e-58}, "undecided"),
        # holds at 113 bits but violated again at 256: not a vanishing pattern
        ({"float64": -1e-16, "flint:113": 1e-40, "flint:256": -1e-80}, "undecided"),
    ],
    ids=["loss-floor", "vanishes-then-holds", "real-tiny", "too-slow", "holds-then-violated"],
)
def test_a_violation_that_shrinks_with_the_unit_roundoff_is_an_artifact(margins: dict[str, float], status: str) -> None:
    claim = precision_dependent(margins)
    conf = confirm(claim, check(claim, overshoot_instance(step=0.01)))
    assert conf.status == status, conf.reason
    if status == "artifact":
        assert "unit roundoff" in conf.reason


def test_the_in_search_rung_sets_aside_a_violation_that_vanishes_with_the_roundoff() -> None:
    claim = precision_dependent({"float64": -8.8e-35, "flint:113": -1.1e-70})
    assert not confirm_cheaply(claim, check(claim, overshoot_instance(step=0.01)), Precision("flint", 113))


def test_a_conclusion_that_cannot_evaluate_in_a_rungs_arithmetic_leaves_the_violation_undecided() -> None:
    import numpy as np

    from theorycheck.claims import Outcome

    def float64_only(_instance: object, run: object) -> Outcome:
        loss = run.observable("loss", 0)  # type: ignore[attr-defined]
        return Outcome(float(np.linalg.norm(np.vstack([loss, loss]), 2)) - 1e9, "planted")  # svd: float64 only

    claim = attrs.evolve(precision_dependent({}), conclusion=float64_only)
    conf = confirm(claim, check(claim, overshoot_instance(step=0.01)))
    assert conf.status == "undecided"
    assert "flint:113 rung was error" in conf.reason
    assert "TypeError" in conf.reason


def test_a_claim_without_a_gd_procedure_is_undecided_with_the_reason() -> None:
    claim = attrs.evolve(precision_dependent({"float64": -1.0}), procedure=None)
    claim = attrs.evolve(claim, conclusion=lambda _i, _r: __import__("theorycheck").claims.Outcome(-1.0, "q"))
    verdict = check(claim, Case({"x": 1.0}))
    conf = confirm(claim, verdict)
    assert conf.status == "undecided"
    assert "no high-precision re-run" in conf.reason


def test_a_verdict_that_holds_has_nothing_to_confirm() -> None:
    verdict = check(OVERSHOOT, overshoot_instance(step=1e-3))
    assert confirm(OVERSHOOT, verdict).status == "undecided"


def test_the_in_search_rung_sets_float64_artifacts_aside_and_keeps_real_violations() -> None:
    from theorycheck.config import active_profile
    from theorycheck.demo import FLOAT_FLOOR_ENTRY
    from theorycheck.search.hypothesis import search

    profile = attrs.evolve(active_profile("ci"), database=None, search_rung="flint:113")
    violation, stats = search(FLOAT_FLOOR, FLOAT_FLOOR_ENTRY.instances(), max_examples=15, profile=profile)
    assert violation is None
    assert stats.artifacts
    assert stats.violations == 0
    assert all(a.violated for a in stats.artifacts)
    plain = attrs.evolve(profile, search_rung=None)
    violation, stats = search(FLOAT_FLOOR, FLOAT_FLOOR_ENTRY.instances(), max_examples=15, profile=plain)
    assert violation is not None
    assert not stats.artifacts


def test_agreeing_rungs_are_overruled_when_ball_arithmetic_disproves_the_violation() -> None:
    # the rungs say "violated" at every precision (planted), but one exact step in balls shows the loss falls
    claim = attrs.evolve(
        precision_dependent({"float64": -1.0, "flint:113": -1.0, "flint:256": -1.0}),
        procedure=OVERSHOOT.procedure,
        certificate=OVERSHOOT.certificate,
    )
    verdict = check(claim, overshoot_instance(step=1e-3))
    conf = confirm(claim, verdict)
    assert conf.status == "artifact"
    assert "ball arithmetic disproves" in conf.reason


def _stepped(steps: dict[str, int]) -> Claim:
    """Violated by 1 at every rung, at the step ``steps[precision]``; OVERSHOOT's loss certificate."""

    def conclude(_instance: object, run: RunResult | None) -> Outcome:
        assert run is not None
        return Outcome(-1.0, "planted margin", steps[str(run.precision)], "chosen per precision")

    return attrs.evolve(OVERSHOOT, conclusion=conclude)


def test_a_ball_disproof_at_float64s_step_leaves_undecided_a_violation_the_high_rungs_place_elsewhere() -> None:
    # one exact step from W_0 shows the loss falls (step 1e-3), but the high rungs agree on a violation at step 5
    claim = _stepped({"float64": 1, "flint:113": 5, "flint:256": 5})
    conf = confirm(claim, check(claim, overshoot_instance(step=1e-3)))
    assert conf.status == "undecided", conf.reason
    assert "violates at step 5" in conf.reason
    assert [r.step for r in conf.rungs] == [1, 5, 5]


def test_a_ball_disproof_at_the_step_every_rung_violates_at_is_an_artifact() -> None:
    claim = _stepped({"float64": 1, "flint:113": 1, "flint:256": 1})
    conf = confirm(claim, check(claim, overshoot_instance(step=1e-3)))
    assert conf.status == "artifact", conf.reason


def test_a_consecutive_step_certificate_on_a_coarser_recording_is_rejected_at_definition() -> None:
    from theorycheck.dynamics import Recording
    from theorycheck.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match="every=2"):
        attrs.evolve(OVERSHOOT, procedure=Procedure(record=Recording(every=2, observables=("loss",))))
    with pytest.raises(InvalidArgument, match="consecutive GD steps"):
        attrs.evolve(precision_dependent({}), certificate=OVERSHOOT.certificate)


def test_invalid_argument_survives_pickling_for_worker_processes() -> None:
    import pickle

    from theorycheck.errors import InvalidArgument

    exc = pickle.loads(pickle.dumps(InvalidArgument("TARGET", "x.y", "is unknown", "see theorycheck list")))  # noqa: S301
    assert isinstance(exc, InvalidArgument)
    assert str(exc) == "TARGET='x.y': is unknown. Fix: see theorycheck list"
