"""The short form of a claim (@tc.theorem, tc.instances), derived procedures, and the trajectory conclusions."""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import attrs
import numpy as np
import pytest

import theorycheck as tc
from theorycheck import campaign, cli
from theorycheck.claims import Claim, Procedure, Source, check, loss_non_increasing
from theorycheck.config import PROFILES
from theorycheck.dynamics.instance import Instance, Target
from theorycheck.errors import InvalidArgument
from theorycheck.search.hypothesis import NotRefuted, Theorem, find_counterexample, property_test

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
SRC = Source("Tester", 2026, "Lemma 1", "paper")
CI = PROFILES["ci"]


def readme_conjecture() -> str:
    """The first python block of the README's "Your own conjecture" section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Your own conjecture", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


def code_lines(source: str) -> int:
    """Lines that are neither blank nor comments."""
    return sum(1 for line in source.splitlines() if line.strip() and not line.strip().startswith("#"))


def scalar(a0: float = 0.5, eta: float = 0.1, steps: int = 400, y: float = 1.0, depth: int = 2) -> Instance:
    """``min (y - w_N ... w_1)^2 / 2`` from ``w_j = a0``: depth 3 plateaus ~1/(eta a0) steps near the saddle 0."""
    target = Target(np.array([[y]]), np.eye(1), np.array([y]), np.eye(1))
    return Instance(tc.deep_mf((1,) * (depth + 1)), target, np.full(depth, a0), eta, steps, params={"scale": a0})


def claim_of(conclusion, procedure=None) -> Claim:
    return Claim(id="t.c.x", statement="s", source=SRC, conclusion=conclusion, procedure=procedure)


# --- the README's conjecture -------------------------------------------------------------------------------


def test_the_readme_conjecture_is_at_most_six_lines_of_code():
    source = readme_conjecture()
    ast.parse(source)
    assert code_lines(source) <= 6, source


def test_the_readme_conjecture_runs_under_pytest(pytester: pytest.Pytester):
    pytester.makepyfile(test_my_conjecture=readme_conjecture())
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--theorycheck-profile=ci", "-p", "no:randomly")
    result.assert_outcomes(passed=1)


def test_the_readme_conjecture_runs_under_theorycheck_check(tmp_path, capsys):
    file = tmp_path / "my_conjecture.py"
    file.write_text(readme_conjecture(), encoding="utf-8")
    status = cli.main(["check", str(file), "--profile", "ci", "--report-dir", str(tmp_path / "reports")])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "me2026.thm1.loss_monotone" in out
    assert "no violation" in out


def test_a_theorem_under_any_name_is_collected_and_a_violation_fails_it(pytester: pytest.Pytester):
    pytester.makepyfile(
        my_claims="""
import theorycheck as tc

@tc.theorem("t2026.x.too_fast", "T 2026, Remark 1", tc.instances(tc.deep_mf((2, 2, 2)), steps=50))
def too_fast(instance, run):
    '''Fifty steps from a small start reach loss 1e-20 (false).'''
    return tc.converges_within(1e-20, lambda i: 50)(instance, run)
"""
    )
    result = pytester.runpytest_subprocess(
        "my_claims.py", "-p", "no:cacheprovider", "--theorycheck-profile=ci", "--theorycheck-report-dir=none"
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*t2026.x.too_fast violated (T 2026, Remark 1 ?paper?)*"])


def test_check_and_stress_find_the_typed_object_in_a_file(tmp_path):
    file = tmp_path / "claims.py"
    file.write_text(readme_conjecture(), encoding="utf-8")
    entries = campaign.load_file(str(file))
    assert list(entries) == ["loss_monotone"]
    assert entries["loss_monotone"].claim.id == "me2026.thm1.loss_monotone"
    assert campaign.resolve(f"{file}::me2026.thm1.loss_monotone")[0].claim.id == "me2026.thm1.loss_monotone"


def test_property_test_returns_the_typed_object_and_keeps_working():
    claim = claim_of(loss_non_increasing())
    test = property_test(claim, tc.instances(tc.deep_mf((2, 2, 2)), steps=30), cost=3, profile=CI)
    assert isinstance(test, Theorem)
    assert (test.cost, test.__name__, test.__doc__) == (3, "test_t_c_x", "s")
    test()  # holds: runs, raises nothing


# --- @tc.theorem --------------------------------------------------------------------------------------------


def test_theorem_takes_the_statement_from_the_docstring_and_the_source_from_the_citation():
    @tc.theorem("me2026.l2.short", "Doe, Roe 2024, Lemma 2 (iii)", tc.instances(tc.deep_mf((2, 2))), provenance="reconstructed")
    def short(run):
        """The loss never increases."""
        return tc.loss_non_increasing()(None, run)

    claim = short.claim
    assert claim.statement == "The loss never increases."
    assert (claim.source.authors, claim.source.year, claim.source.locator) == ("Doe, Roe", 2024, "Lemma 2 (iii)")
    assert claim.source.provenance == "reconstructed"
    assert claim.procedure.record == tc.Recording(every=1, observables=("loss",))


def test_theorem_derives_the_recording_from_the_conclusion_it_returns():
    @tc.theorem("me2026.l3.spectrum", "Me 2026, Lemma 3", tc.instances(tc.deep_mf((2, 2, 2))))
    def spectrum(instance, run):
        """Singular values of the product grow."""
        return tc.monotone_spectrum("product")

    assert spectrum.claim.procedure.record.observables == ("singular_values",)
    assert spectrum.claim.procedure.record.every == 1


def test_theorem_rejects_a_bad_citation_a_missing_docstring_and_a_short_recording():
    strategy = tc.instances(tc.deep_mf((2, 2)))
    with pytest.raises(InvalidArgument, match="citation"):
        tc.theorem("a.b.c", "no year here", strategy)(lambda run: True)

    def nodoc(run):
        return True

    with pytest.raises(InvalidArgument, match="docstring"):
        tc.theorem("a.b.c", "A 2020, Thm 1", strategy)(nodoc)

    def monotone(instance, run):
        """L non-increasing."""
        return tc.loss_non_increasing()(instance, run)

    with pytest.raises(InvalidArgument, match="every=10"):
        tc.theorem("a.b.c", "A 2020, Thm 1", strategy, record=tc.Recording(every=10, observables=("loss",)))(monotone)


def test_a_theorem_that_reads_the_instance_first_records_the_default_and_still_checks_its_needs():
    @tc.theorem("me2026.l4.saddle", "Me 2026, Lemma 4", tc.instances(tc.deep_mf((1, 1, 1, 1))))
    def saddle(instance, run):
        """Few steps near a saddle."""
        bound = 5 * math.log(1 / instance.params["scale"])
        return tc.time_near_saddle(bound)(instance, run)

    assert saddle.claim.procedure.record.observables == ("loss", "grad_norm")
    verdict = check(saddle.claim, scalar(a0=1e-2, steps=3000, depth=3))
    assert verdict.violated  # a plateau of ~1/(eta a0) steps: far more than 5 ln(100)

    @tc.theorem("me2026.l4.spectrum", "Me 2026, Lemma 4", tc.instances(tc.deep_mf((1, 1, 1))))
    def spectrum(instance, run):
        """Spectrum grows."""
        _ = instance.step
        return tc.monotone_spectrum()(instance, run)

    with pytest.raises(InvalidArgument, match="singular_values not recorded"):
        check(spectrum.claim, scalar())


# --- derived procedures --------------------------------------------------------------------------------------


def test_a_claim_without_a_procedure_gets_one_from_its_conclusion():
    claim = claim_of(loss_non_increasing())
    assert claim.procedure == Procedure(record=tc.Recording(every=1, observables=("loss",)))
    assert check(claim, scalar()).status == "holds"


def test_procedure_without_a_recording_is_completed_instead_of_failing_with_a_key_error():
    claim = claim_of(loss_non_increasing(), Procedure(gtol=1e-12))
    assert claim.procedure.gtol == 1e-12
    assert claim.procedure.record.observables == ("loss",)
    assert check(claim, scalar()).status == "holds"


def test_a_recording_coarser_than_the_conclusion_compares_is_an_error_naming_both():
    with pytest.raises(InvalidArgument) as info:
        claim_of(loss_non_increasing(), Procedure(record=tc.Recording(every=10, observables=("loss",))))
    text = str(info.value)
    assert "every=10" in text
    assert "loss_non_increasing" in text


def test_a_recording_missing_an_observable_is_an_error_naming_it():
    with pytest.raises(InvalidArgument, match="singular_values"):
        claim_of(tc.monotone_spectrum(), Procedure(record=tc.Recording(every=1, observables=("loss",))))


# --- trajectory conclusions: each can fail -------------------------------------------------------------------


def test_time_near_saddle_counts_the_plateau_of_a_small_start():
    # depth 3 from 0.01: |grad| ~ a^2 stays below 1% of its peak until a ~ 0.06, about 830 steps at eta = 0.1
    small, large = scalar(a0=1e-2, steps=4000, depth=3), scalar(a0=0.5, steps=4000, depth=3)
    claim = claim_of(tc.time_near_saddle(100))
    stuck, quick = check(claim, small), check(claim, large)
    assert stuck.violated
    assert quick.status == "holds"
    steps = int(stuck.detail.split(" steps", 1)[0].replace(",", ""))
    assert stuck.margin == pytest.approx((100 - steps) / 100)


def test_escape_time_is_violated_late_and_not_applicable_when_the_horizon_is_short():
    claim = claim_of(tc.escape_time(lambda i: 50))
    assert check(claim, scalar(a0=0.5, steps=400)).status == "holds"
    assert check(claim, scalar(a0=1e-3, steps=400)).violated
    assert check(claim, scalar(a0=1e-3, steps=20)).status == "not_applicable"


def test_tail_linear_rate_compares_the_fitted_contraction_with_the_stated_rate():
    # near w1 = w2 = 1 the residual contracts by 1 - eta (w1^2 + w2^2) = 1 - 2 eta per step, the loss by its square
    inst = scalar(a0=0.9, eta=0.05, steps=300)
    observed = 1 - (1 - 2 * 0.05) ** 2
    assert check(claim_of(tc.tail_linear_rate(0.8 * observed)), inst).status == "holds"
    assert check(claim_of(tc.tail_linear_rate(1.2 * observed)), inst).violated


def test_monotone_spectrum_holds_for_growth_from_a_small_start_and_fails_for_the_wrong_direction():
    inst = scalar(a0=0.1, steps=300)
    assert check(claim_of(tc.monotone_spectrum("product", increasing=True)), inst).status == "holds"
    assert check(claim_of(tc.monotone_spectrum(1, increasing=False)), inst).violated


def test_limit_rank_reads_the_final_product():
    inst = scalar(a0=0.5, steps=400)
    assert check(claim_of(tc.limit_rank(1)), inst).status == "holds"
    assert check(claim_of(tc.limit_rank(0, at_most=True)), inst).violated
    stuck = Instance(inst.objective, inst.target, np.array([0.0, 0.0]), 0.1, 50)  # the origin is stationary
    verdict = check(claim_of(tc.limit_rank(1)), stuck)
    assert verdict.violated
    assert verdict.margin == -math.inf


def test_the_user_story_saddle_time_conjecture_fits_in_a_dozen_lines_and_is_refuted():
    path = ROOT / "docs" / "examples" / "saddle_time.py"
    assert code_lines(path.read_text(encoding="utf-8")) <= 12
    entries = campaign.load_file(str(path))
    (entry,) = entries.values()
    verdict = find_counterexample(entry.claim, entry.instances(), max_examples=60, profile=CI)
    assert verdict is not None, "depth 3 from a small start plateaus for ~1/eps steps, not O(log 1/eps)"
    assert verdict.quantity == "steps near a saddle"


# --- starting points ------------------------------------------------------------------------------------------


def test_theorycheck_new_writes_a_starter_that_checks_and_never_overwrites(tmp_path, capsys):
    file = tmp_path / "my_conjecture.py"
    assert cli.main(["new", str(file)]) == 0
    assert "theorycheck check" in capsys.readouterr().out
    assert "@tc.theorem(" in file.read_text(encoding="utf-8")
    status = cli.main(["check", str(file), "--profile", "ci", "--report-dir", str(tmp_path / "r")])
    assert status in (0, 1), capsys.readouterr()  # it runs; whether the conjecture holds is the user's business
    assert cli.main(["new", str(file)]) == 2
    assert "never overwrites" in capsys.readouterr().err
    assert cli.main(["new", str(tmp_path / "notes.txt")]) == 2


def test_the_template_shows_both_forms_and_both_are_found():
    entries = campaign.load_file(str(ROOT / "properties" / "_template.py"))
    assert {e.claim.id for e in entries.values()} == {
        "mypaper2026.thm1.loss_monotone",
        "mypaper2026.thm1.loss_monotone_long",
    }


def test_a_false_variant_passes_when_refuted_and_fails_when_not():
    family = tc.instances(tc.deep_mf((2, 2, 2)), steps=50)

    @tc.theorem("t2026.x.F_fast", "T 2026, Remark 1", family, expect="refuted")
    def fast(instance, run):
        """FALSE: fifty steps from a small start reach loss 1e-20."""
        return tc.converges_within(1e-20, lambda i: 50)(instance, run)

    @tc.theorem("t2026.x.F_monotone", "T 2026, Remark 2", family, expect="refuted")
    def monotone(instance, run):
        """Not false at all: small steps never increase the loss."""
        return tc.loss_non_increasing()(instance, run)

    attrs.evolve(fast, profile=CI)()  # refuted: passes
    with pytest.raises(NotRefuted):
        attrs.evolve(monotone, profile=CI)()


def test_an_explicit_procedure_that_records_too_little_is_an_error_naming_it():
    def monotone(instance, run):
        """L non-increasing."""
        return tc.loss_non_increasing()(instance, run)

    short = Procedure(record=tc.Recording(every=5, observables=("loss",)))
    with pytest.raises(InvalidArgument, match=r"procedure=.*every=5"):
        tc.theorem("a.b.c", "A 2020, Thm 1", tc.instances(tc.deep_mf((2, 2))), procedure=short)(monotone)
    enough = Procedure(record=tc.Recording(every=1, observables=("loss", "grad_norm")), gtol=1e-14)
    assert tc.theorem("a.b.c", "A 2020, Thm 1", tc.instances(tc.deep_mf((2, 2))), procedure=enough)(
        monotone
    ).claim.procedure is enough


def test_instances_shorthand_meets_its_kappa_range_scale_and_fixed_step():
    from hypothesis import given, settings

    @settings(max_examples=20, deadline=None, database=None)
    @given(tc.instances(tc.deep_mf((2, 3, 2)), kappa=(2, 5), scale=0.01, step=0.05, steps=7))
    def check_one(instance):
        assert 2 - 1e-9 <= instance.target.condition <= 5 + 1e-9
        assert instance.target.shape == (2, 2)
        assert instance.params["scale"] == 0.01
        assert (instance.step, instance.max_steps) == (0.05, 7)

    check_one()


def test_instances_shorthand_names_the_bad_argument():
    with pytest.raises(InvalidArgument, match="init='bogus'"):
        tc.instances(tc.deep_mf((2, 2)), init="bogus")
    with pytest.raises(tc.InvalidType, match="kappa="):
        tc.instances(tc.deep_mf((2, 2)), kappa="x")
    with pytest.raises(InvalidArgument, match="step_range"):
        tc.instances(tc.deep_mf((2, 2)), step_range=0)
