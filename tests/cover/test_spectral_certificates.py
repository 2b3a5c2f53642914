"""Ball-arithmetic certificates for singular-value and eigenvalue quantities (issue 12, deliverable 5)."""

from __future__ import annotations

import math

import attrs
import numpy as np
import pytest

from theorycheck.catalogue import CATALOGUE
from theorycheck.claims import Verdict, check, one_step_rise, smallest_eigenvalue, smallest_singular_value
from theorycheck.confirm import confirm
from theorycheck.dynamics.instance import Instance, Target
from theorycheck.models import asymmetric_mf, factors_to_params
from theorycheck.precision import Precision, get_backend

SIGMA_D_U = CATALOGUE["yedu2021.F2_1.sigma_d_u_nondecreasing"].claim
SIGMA_D_A = CATALOGUE["yedu2021.F2_3.sigma_d_a_nondecreasing_any_init"].claim


def _instance(u_scale: float, v_scale: float) -> Instance:
    obj = asymmetric_mf(2, 2, 2)
    target = Target(np.eye(2), np.eye(2), np.ones(2), np.eye(2))
    rot = np.array([[0.6, -0.8], [0.8, 0.6]])
    w = factors_to_params(obj, u_scale * rot @ np.diag([1.0, 0.5]), v_scale * np.eye(2))
    return Instance(obj, target, w, 0.02, 5, params={"U scale": u_scale, "V scale": v_scale})


def _planted(claim_id: str, instance: Instance) -> Verdict:
    """A float64 verdict forced to 'violated at step 1', whatever the run says."""
    return Verdict(claim_id, "violated", -1.0, "planted", 1, "planted", instance)


@pytest.mark.parametrize("claim", [SIGMA_D_U, SIGMA_D_A], ids=["sigma_d(U)", "sigma_d(A)"])
def test_the_sigma_min_certificate_proves_a_fall_and_declines_a_rise(claim: object) -> None:
    assert claim.certificate is not None  # type: ignore[attr-defined]
    falls = _instance(2.0, 1.0)  # U V^T = 2 Sigma-ish: the first step shrinks U (and A)
    cert = claim.certificate(falls, _planted(claim.id, falls), 256)  # type: ignore[attr-defined]
    assert cert.status == "certified", cert.detail
    assert 0 < cert.lower <= cert.upper
    rises = _instance(0.1, 0.1)  # small factors grow toward Sigma
    cert = claim.certificate(rises, _planted(claim.id, rises), 256)  # type: ignore[attr-defined]
    assert cert.status == "not_certified"
    assert cert.upper < 0


def test_the_sigma_monotonicity_false_variants_are_certified_on_the_ladder() -> None:
    inst = _instance(2.0, 1.0)
    for claim in (SIGMA_D_U, SIGMA_D_A):
        verdict = check(claim, inst)
        assert verdict.violated
        conf = confirm(claim, verdict)
        assert conf.status == "certified", conf.reason


def test_the_enclosures_contain_the_exact_values_and_handle_repeated_eigenvalues() -> None:
    import flint

    xp = get_backend(Precision("flint", 200))
    with xp.activate():
        m = xp.from_numpy(np.array([[3.0, 4.0], [0.0, 0.0]]))  # sigma = (5, 0)
        s = smallest_singular_value(lambda _x, _o, layers, _t, _d: layers[0])(xp, None, [m], None, None)  # type: ignore[arg-type]
        assert s.contains(flint.arb(0))  # sigma_min is exactly 0: the enclosure must hold it
        assert float(s.upper().mid()) < 1e-25  # sqrt of a ~2^-200-wide eigenvalue enclosure
        h = xp.from_numpy(np.array([[2.0, 1.0], [1.0, 2.0]]))  # eigenvalues 1, 3
        lam = smallest_eigenvalue(lambda _x, _o, layers, _t, _d: layers[0])(xp, None, [h], None, None)  # type: ignore[arg-type]
        assert lam.contains(flint.arb(1))
        assert float(lam.rad()) < 1e-50
        twice = xp.from_numpy(np.eye(3) * 2.0)  # a triple eigenvalue: flint cannot isolate it, Gershgorin can
        lam = smallest_eigenvalue(lambda _x, _o, layers, _t, _d: layers[0])(xp, None, [twice], None, None)  # type: ignore[arg-type]
        assert lam.contains(flint.arb(2))
        assert math.isclose(float(lam.mid()), 2.0)


def test_a_user_certificate_composes_with_one_step_rise_for_eigenvalues() -> None:
    cert = one_step_rise("lambda_min(U^T U)", smallest_eigenvalue(
        lambda xp, _o, layers, _t, _d: xp.mm(xp.ah(layers[1]), layers[1])), increasing=True)
    falls = _instance(2.0, 1.0)
    assert cert(falls, _planted("x", falls), 256).status == "certified"
    rises = _instance(0.1, 0.1)
    assert attrs.evolve(cert(rises, _planted("x", rises), 256)).status == "not_certified"
