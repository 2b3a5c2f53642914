"""Quality of the generators: the extremes are reached, and planted failures shrink to readable examples.

Budgets are Hypothesis defaults (shrinking) or a few hundred draws (coverage), seeds 0, 1, 2.
"""

from __future__ import annotations

from random import Random

import numpy as np
import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

import theorycheck as tc
from tests.common import exact
from theorycheck import strategies as S

SEEDS = [0, 1, 2]


def _draws(strategy, n=300, seed=0):
    seen = []

    @settings(max_examples=n, deadline=None, database=None, derandomize=False, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(x):
        seen.append(x)

    collect = pytest.importorskip("hypothesis").seed(seed)(collect)
    collect()
    return seen


@pytest.mark.parametrize("seed", SEEDS)
def test_target_condition_numbers_reach_both_ends_of_the_range(seed):
    targets = _draws(S.target_matrices(max_dim=4, min_condition=1.0, max_condition=100.0), seed=seed)
    kappas = [t.condition for t in targets if t.rank >= 2]
    assert max(kappas) >= 99.0
    assert min(kappas) <= 1.01


@pytest.mark.parametrize("seed", SEEDS)
def test_targets_include_rank_deficient_ones_repeated_values_and_both_rotation_kinds(seed):
    targets = _draws(S.target_matrices(max_dim=4), seed=seed)
    assert any(t.rank < min(t.shape) for t in targets)
    assert any(len(set(t.sigma.tolist())) < len(t.sigma) for t in targets if t.rank >= 3)
    diagonal = [np.allclose(t.u, np.eye(*t.u.shape)) for t in targets if t.rank >= 2]
    assert any(diagonal)
    assert not all(diagonal)


@pytest.mark.parametrize("seed", SEEDS)
def test_init_scales_span_tiny_to_large(seed):
    inits = _draws(S.gaussian_initializations(tc.deep_mf((3, 3, 3)), min_scale=1e-4, max_scale=10.0), seed=seed)
    scales = [i.drawn["scale"] for i in inits]
    assert min(scales) <= 1e-3
    assert max(scales) >= 5.0


@pytest.mark.parametrize("seed", SEEDS)
def test_balanced_real_inits_come_with_both_determinant_signs(seed):
    obj = tc.deep_mf((3, 3, 3, 3, 3))
    inits = _draws(S.balanced_initializations(obj), n=200, seed=seed)
    signs = {exact.product_det_sign(obj, i.weights) for i in inits}
    assert signs == {1, -1}


@pytest.mark.parametrize("seed", SEEDS)
def test_step_sizes_hit_below_at_and_above_the_bound(seed):
    etas = _draws(S.step_sizes(bound=0.5, regimes=S.REGIMES), n=200, seed=seed)
    assert any(e < 0.5 for e in etas)
    assert any(e == 0.5 for e in etas)
    assert any(e > 0.5 for e in etas)


# the default budget (max_examples=100); only the deadline and database are switched off
SHRINK = settings(deadline=None, database=None)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_failure_whenever_kappa_exceeds_50_shrinks_to_a_diagonal_two_by_two_target_with_kappa_51(seed):
    found = find(
        S.target_matrices(max_dim=5, max_condition=1000.0),
        lambda t: t.rank >= 2 and t.condition > 50.0,
        settings=SHRINK,
        random=Random(seed),
    )
    assert found.shape == (2, 2)
    assert found.rank == 2
    assert found.condition == pytest.approx(51.0, rel=1e-12)  # the simplest value above 50
    assert np.array_equal(found.u, np.eye(2))  # identity rotations
    assert np.array_equal(found.v, np.eye(2))
    assert found.sigma[0] == 1.0  # the simplest scale in [0.5, 2]


@pytest.mark.parametrize("seed", SEEDS)
def test_a_failure_on_inits_with_a_zero_column_in_the_target_basis_shrinks_to_the_smallest_such_instance(seed):
    def pairs(n):
        obj = tc.deep_mf((n, n, n))
        return S.target_matrices(shape=(n, n)).flatmap(
            lambda t: S.initializations(obj, t).map(lambda init: (obj, t, init))
        )

    def zero_column(triple):
        obj, t, init = triple
        w1 = obj.split(init.weights)[0]
        cols = np.linalg.norm(w1 @ t.v, axis=0)
        return bool(np.max(cols) > 0 and np.min(cols) <= 1e-12 * np.max(cols))

    obj, t, init = find(st.integers(1, 5).flatmap(pairs), zero_column, settings=SHRINK, random=Random(seed))
    assert obj.widths == (2, 2, 2)  # smallest dimension with a nonzero W_1 and a zero column
    assert t.rank == 1 or np.array_equal(t.u, np.eye(2))
    assert init.kind in {"rank_deficient", "target_orthogonal"}
