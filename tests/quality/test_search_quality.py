"""The search finds planted bugs: wrong constants and signs in true identities are refuted within budget."""

from __future__ import annotations

import attrs
import numpy as np
import pytest

from theorycheck.catalogue import CATALOGUE
from theorycheck.catalogue._helpers import ah, fit_part, weights_series
from theorycheck.claims import Claim, every_step, pure
from theorycheck.config import PROFILES
from theorycheck.models import gradient, invariants
from theorycheck.search.hypothesis import assert_refuted, property_test

SEEDS = [0, 1, 2]


def _profile(seed, *, shrink=True):
    # finding within the budget is the point of most tests here; shrinking (thousands of re-runs) only where
    # the readability of the shrunk instance is asserted
    return attrs.evolve(PROFILES["ci"], seed=seed, database=None, shrink_cost_limit=float("inf") if shrink else 0)


def _wrong_sign_residual(instance, run):
    """The imbalance recursion with the eta^2 term's sign flipped (a plausible transcription bug)."""
    fit = fit_part(instance.objective)
    w = weights_series(run)
    g = fit.split(gradient(fit, instance.target.matrix, w[0], instance.data))
    before, after = invariants.imbalances(fit, w[0]), invariants.imbalances(fit, w[1])
    worst = 0.0
    for j in range(fit.depth - 1):
        pred = before[j] - instance.step**2 * (ah(g[j + 1]) @ g[j + 1] - g[j] @ ah(g[j]))
        worst = max(worst, float(np.max(np.abs(after[j] - pred))) / max(1e-300, float(np.max(np.abs(w[0]))) ** 2))
    return np.array([1e-12 - worst])


@pytest.mark.parametrize("seed", SEEDS)
def test_a_sign_flipped_imbalance_recursion_is_refuted_within_20_examples(seed):
    entry = CATALOGUE["shared.s0_2.gd_imbalance_recursion"]
    planted = attrs.evolve(
        entry.claim, id="planted.sign", expect="refuted", conclusion=every_step("residual", _wrong_sign_residual)
    )
    verdict = assert_refuted(planted, entry.instances(), budget=20, profile=_profile(seed, shrink=False))
    assert verdict.margin < 0


def _sandwich_with(constant):
    def margin(case):
        u, v, sw = case["u"], case["v"], np.diag(case["sigma_w"])
        a = np.linalg.svd((u + v) @ sw, compute_uv=False)
        return float(np.min(case["sigma_w"] - constant * a, initial=np.inf)) + 1e-12, "planted"

    return margin


@pytest.mark.parametrize("seed", SEEDS)
def test_lemma_20_with_a_constant_above_one_half_is_refuted_and_one_half_survives(seed):
    entry = CATALOGUE["luo2025.lemma20.sandwich"]
    planted = attrs.evolve(
        entry.claim, id="planted.lemma20", expect="refuted", conclusion=pure("slack", _sandwich_with(0.51))
    )
    assert_refuted(planted, entry.instances(), budget=60, profile=_profile(seed, shrink=False))
    exact: Claim = attrs.evolve(entry.claim, id="planted.lemma20.exact", conclusion=pure("slack", _sandwich_with(0.5)))
    property_test(exact, entry.instances(), profile=attrs.evolve(_profile(seed), max_examples=60))()


@pytest.mark.parametrize("seed", SEEDS)
def test_every_false_variant_of_the_catalogue_is_refuted_with_a_shrunk_readable_instance(seed):
    # the cheap ones, at a different seed each time: the refutation does not hinge on one lucky seed
    for cid in (
        "shared.F1_3.gd_conserves_imbalance",
        "yedu2021.F2_5.steps_independent_of_kappa",
        "chen2025.F4_5.critical_points_balanced",
        "luo2025.F1_2.reg_loss_nonincreasing_gd",
    ):
        entry = CATALOGUE[cid]
        verdict = assert_refuted(entry.claim, entry.instances(), budget=entry.refute_budget, profile=_profile(seed))
        assert verdict.violated
        assert len(verdict.summary()) < 600
