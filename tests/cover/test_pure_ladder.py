"""Pure claims on the precision ladder: margins written once against a numeric context (issue 12)."""

from __future__ import annotations

import collections
import math
from typing import Any

import numpy as np
import pytest

from theorycheck.claims import Case, Claim, Source, check, pure
from theorycheck.confirm import confirm, rounding_level
from theorycheck.precision import numeric as num

SOURCE = Source("Tests", 2026, "planted", "reconstructed")

_EXACT = num.context("mp", 400)  # reference values far beyond the enclosures' 113-128 bits


def _encloses(interval: Any, value: Any) -> bool:
    lo, hi = interval._mpi_
    return bool(_EXACT.mpf(lo) <= _EXACT.mpf(value) <= _EXACT.mpf(hi))


def _norm_vs_sum(constant: float) -> Any:
    """``sqrt(a^2 + b^2) >= c (a + b)``: true for c <= 1/sqrt(2), false by about 5% at a = b for c = 0.75."""

    def margin(ctx: Any, case: Case) -> tuple[Any, str, float]:
        a, b = num.lift(ctx, case["a"]), num.lift(ctx, case["b"])
        lhs, rhs = ctx.sqrt(a * a + b * b), (a + b) * num.lift(ctx, constant)
        return lhs - rhs, f"lhs {num.to_float(lhs):.6g}", max(num.to_float(lhs), num.to_float(rhs))

    return margin


def _cauchy_schwarz(ctx: Any, case: Case) -> tuple[Any, str, float]:
    """``|u| |v| - |<u, v>|``: true, with equality at u = v (the rounding-level violations of a tight claim)."""
    u = [num.lift(ctx, x) for x in case["u"]]
    v = [num.lift(ctx, x) for x in case["v"]]
    nu, nv = ctx.sqrt(sum(x * x for x in u)), ctx.sqrt(sum(x * x for x in v))
    inner = sum(x * y for x, y in zip(u, v, strict=True))
    return nu * nv - abs(inner), "", num.to_float(nu * nv)


def _claim(margin: Any, **kwargs: Any) -> Claim:
    return Claim(id="test.pure", statement="s", source=SOURCE, conclusion=pure("q", margin, **kwargs))


def test_a_false_pure_claim_five_percent_off_is_confirmed_and_certified_in_intervals() -> None:
    claim = _claim(_norm_vs_sum(0.75), numeric=True)
    verdict = check(claim, Case({"a": 1.0, "b": 1.0}))
    assert verdict.violated
    assert verdict.margin / verdict.scale == pytest.approx(-0.0572, abs=1e-3)
    plain = confirm(claim, verdict, certify=False)
    assert plain.status == "confirmed", plain.reason
    assert [r.precision for r in plain.rungs] == ["float64", "mpmath:113", "mpmath:256"]
    assert all(r.margin < 0 for r in plain.rungs)
    certified = confirm(claim, verdict)
    assert certified.status == "certified", certified.reason
    assert certified.certification is not None
    assert 0 < certified.certification.lower <= certified.certification.upper


def test_the_interval_certificate_declines_a_claim_that_holds_exactly() -> None:
    true_margin = _norm_vs_sum(0.5)

    def planted(ctx: Any, case: Case) -> tuple[Any, str]:
        # the rounded rungs are planted to agree on a violation; intervals evaluate the true margin
        return (true_margin(ctx, case)[0], "") if num.is_interval(ctx) else (ctx.mpf(-1), "planted")

    claim = _claim(planted, numeric=True)
    case = Case({"a": 1.0, "b": 2.0})
    lo, hi, _ = claim.conclusion.enclose(case, 256)  # type: ignore[attr-defined]
    assert 0 < lo <= hi
    conf = confirm(claim, check(claim, case))
    assert conf.status == "artifact"
    assert "interval arithmetic disproves" in conf.reason
    assert conf.certification is not None
    assert conf.certification.status == "not_certified"


def test_a_tight_true_pure_claim_with_equality_cases_is_never_confirmed() -> None:
    claim = _claim(_cauchy_schwarz, numeric=True)
    rng = np.random.default_rng(0)
    statuses: collections.Counter[str] = collections.Counter()
    for _ in range(200):
        u = rng.standard_normal(3)
        verdict = check(claim, Case({"u": u, "v": u}))
        if verdict.violated:
            assert rounding_level(verdict.margin, verdict.scale)
            statuses[confirm(claim, verdict).status] += 1
    assert sum(statuses.values()) >= 10, "the planted equality cases must produce float64 violations to classify"
    assert not statuses.keys() & {"confirmed", "certified"}, statuses
    assert statuses["artifact"] > 0


def test_a_float64_only_margin_keeps_working_and_stays_undecided_with_its_reason() -> None:
    claim = _claim(lambda case: (case["x"] - 1.0, "d"), why_float64="it calls a float64 library")
    verdict = check(claim, Case({"x": 0.5}))
    assert verdict.violated
    assert verdict.margin == -0.5
    conf = confirm(claim, verdict)
    assert conf.status == "undecided"
    assert "no high-precision re-run: it calls a float64 library" in conf.reason
    unexplained = confirm(_claim(lambda case: (case["x"] - 1.0, "d")), verdict)
    assert "numeric=True" in unexplained.reason


def test_the_margin_is_evaluated_in_the_arithmetic_of_each_rung() -> None:
    seen: list[str] = []

    def margin(ctx: Any, case: Case) -> tuple[Any, str]:
        seen.append(num.label(ctx))
        third = num.lift(ctx, case["x"]) / 3
        return third * 3 - num.lift(ctx, case["x"]) - ctx.mpf(1), ""

    claim = _claim(margin, numeric=True)
    verdict = check(claim, Case({"x": 0.1}))
    conf = confirm(claim, verdict)
    assert seen == ["fp (float64)", "mp:113", "mp:256", "iv:256"]
    assert conf.status == "certified"
    assert all(math.isclose(r.margin, -1.0) for r in conf.rungs)


def test_a_margin_that_cannot_run_in_intervals_leaves_the_certificate_unavailable_not_a_crash() -> None:
    def margin(ctx: Any, case: Case) -> tuple[Any, str, float]:
        x = num.lift(ctx, case["x"])
        return np.sqrt(x * x) - 2 * x, "numpy's sqrt: mpf has a sqrt method, an interval has none", 1.0

    claim = _claim(margin, numeric=True)
    conf = confirm(claim, check(claim, Case({"x": 1.0})))
    assert conf.status == "confirmed", conf.reason
    assert conf.certification is not None
    assert conf.certification.status == "unavailable"
    assert "TypeError" in conf.certification.detail


@pytest.mark.parametrize("kind", ["fp", "mp", "iv"])
def test_spectral_helpers_agree_across_contexts_and_intervals_enclose(kind: str) -> None:
    ctx = num.context(kind, 113)
    m = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, 0.0], [0.0, 0.0, 1.0 + 2**-40]])
    eig = [num.to_float(x) for x in num.eigvalsh(ctx, num.lift(ctx, m))]
    assert eig == pytest.approx(list(np.linalg.eigvalsh(m)), rel=1e-14)
    sv = [num.to_float(x) for x in num.svdvals(ctx, num.lift(ctx, m[:, :2]))]
    assert sv == pytest.approx(list(np.linalg.svd(m[:, :2], compute_uv=False)), rel=1e-14)
    if kind == "iv":
        five = _EXACT.sqrt(5)
        exact = sorted([(5 - five) / 2, 1 + _EXACT.mpf(2) ** -40, (5 + five) / 2])
        for x, want in zip(num.eigvalsh(ctx, num.lift(ctx, m)), exact, strict=True):
            assert _encloses(x, want)
            lo, hi = x._mpi_
            assert _EXACT.mpf(hi) - _EXACT.mpf(lo) <= _EXACT.mpf(2) ** -100 * want  # a 113-bit enclosure: ~2^-110 wide


def test_interval_eigenvalues_of_a_repeated_eigenvalue_enclose_it_with_multiplicity() -> None:
    import flint

    ctx = num.context("iv", 128)
    ones = np.ones((3, 3))  # eigenvalues 0, 0, 3: flint's eig() cannot isolate the double 0, Gershgorin does
    with num.flint_precision(128), pytest.raises(ValueError, match="isolate"):
        flint.acb_mat(ones.tolist()).eig()
    vals = num.eigvalsh(ctx, num.lift(ctx, ones))
    assert len(vals) == 3
    for v, want in zip(vals, (0, 0, 3), strict=True):
        assert _encloses(v, want)
        lo, hi = v._mpi_
        assert _EXACT.mpf(hi) - _EXACT.mpf(lo) < 1e-30


def test_interval_eigenvalues_of_a_rounded_rotation_of_2i_enclose_its_exact_eigenvalues() -> None:
    ctx = num.context("iv", 128)
    q = np.array([[0.6, 0.8], [-0.8, 0.6]])
    m = q @ np.diag([2.0, 2.0]) @ q.T  # 2 I rounded: its exact eigenvalues are 2 -+ 5.3e-17, not 2
    exact = sorted(_EXACT.eigsy(_EXACT.matrix(m.tolist()), eigvals_only=True))
    vals = num.eigvalsh(ctx, num.lift(ctx, m))
    assert len(vals) == 2
    for v, want in zip(vals, exact, strict=True):
        assert _encloses(v, want)
        assert not _encloses(v, 2)  # 2 itself is not an eigenvalue of the rounded matrix


def test_an_undecided_branch_in_intervals_is_reported_as_no_enclosure() -> None:
    ctx = num.context("iv", 113)
    with pytest.raises(num.NoEnclosure):
        num.is_negative(ctx, ctx.mpf([-1e-30, 1e-30]))
    assert num.is_negative(ctx, ctx.mpf([-2, -1]))
    assert not num.is_negative(ctx, ctx.mpf([0, 1]))


def test_an_unknown_context_kind_is_a_clear_error() -> None:
    from theorycheck.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match="kind='quad'"):
        num.context("quad", 113)


def test_the_report_ladder_shows_each_rungs_arithmetic_margin_and_margin_relative_to_scale() -> None:
    from theorycheck.report import build

    claim = _claim(_norm_vs_sum(0.75), numeric=True)
    verdict = check(claim, Case({"a": 1.0, "b": 1.0}))
    conf = confirm(claim, verdict)
    files = build(claim, verdict, conf, claim_ref={"kind": "inline"}, how_found={"method": "explicit"})
    ladder = files.record["precision_ladder"]
    assert [r["precision"] for r in ladder] == ["float64", "mpmath:113", "mpmath:256"]
    for rung in ladder:
        assert rung["relative"]["value"] == pytest.approx(rung["margin"]["value"] / rung["scale"]["value"])
        assert rung["relative"]["value"] == pytest.approx(-0.0572, abs=1e-3)
    assert "margin / scale" in files.html
    assert files.record["status"] == "certified"


def test_the_exact_hessian_in_a_context_matches_float64_and_intervals_enclose_its_lambda_min() -> None:
    import theorycheck as tc
    from theorycheck.models import hessian, hessian_in

    obj = tc.deep_mf((2, 3, 2), fit_coef=1.0) + tc.WeightDecay((0.5, 2.0), coef=1.0)
    w = np.linspace(-0.7, 0.9, obj.n_params)
    y = np.diag([2.0, 0.5])
    ref = np.linalg.eigvalsh(hessian(obj, y, w))[0]
    for kind in ("fp", "mp", "iv"):
        ctx = num.context(kind, 113)
        lam = num.lambda_min(ctx, hessian_in(ctx, obj, y, w))
        assert num.to_float(lam) == pytest.approx(ref, rel=1e-12, abs=1e-12)
    lo, hi = num.bounds(num.lambda_min(num.context("iv", 200), hessian_in(num.context("iv", 200), obj, y, w)))
    mp_value = num.to_float(num.lambda_min(num.context("mp", 200), hessian_in(num.context("mp", 200), obj, y, w)))
    assert lo <= mp_value <= hi


def test_interval_minimum_and_bounds_keep_the_working_precision_and_round_outward() -> None:
    from fractions import Fraction

    ctx = num.context("iv", 200)
    third = ctx.mpf(1) / 3
    nudged = third + ctx.mpf(2) ** -150  # equal to a float64 rounding, different at 200 bits
    smallest = num.minimum(ctx, [nudged, third, ctx.mpf(2)])
    lo, hi = smallest.a, smallest.b
    assert lo == third.a
    assert hi == third.b  # not nudged's: the comparison is exact, not at 53 bits
    assert num.maximum(ctx, [third, nudged]).a == nudged.a
    flo, fhi = num.bounds(third)
    assert Fraction(flo) < Fraction(1, 3) < Fraction(fhi)


def test_the_ported_paper_claims_run_on_the_mpmath_rungs_and_agree_with_float64() -> None:
    from theorycheck.catalogue import CATALOGUE
    from theorycheck.confirm import no_precision_path
    from theorycheck.precision import Precision

    w = np.array([[1.0, 0.3, 0.0], [0.2, -0.7, 0.1], [0.0, 0.4, 0.9]])
    assert np.linalg.det(w) < 0
    cases = {
        "luo2025.thm6.negative_det_zero_hermitian_term": Case({"d": 3, "W": w}),
        "luo2025.thm3.negative_sign_zero_x": Case({"d": 3, "W": w}),
        "yedu2021.eq15.lemma3_2_at_beta_half": Case(
            {"d": 2, "sigma": np.diag([1.0, 0.5]), "sigma_d": 0.5, "sigma_1": 1.0, "S": np.diag([0.3, 1.0]),
             "eta": 1.0 / 16}
        ),
    }
    for claim_id, case in cases.items():
        claim = CATALOGUE[claim_id].claim
        assert no_precision_path(claim) is None, claim_id
        low = check(claim, case)
        for bits in (113, 256):
            high = check(claim, case, precision=Precision("mpmath", bits))
            assert high.status == low.status == "holds", (claim_id, high.detail)
            assert high.margin == pytest.approx(low.margin, rel=1e-9, abs=1e-15), claim_id
            assert high.scale == low.scale
