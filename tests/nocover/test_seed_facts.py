"""Slow integration: the engine reproduces measured facts of theorems.md section 7."""

from __future__ import annotations

import numpy as np
import pytest

import theorycheck as tc
from theorycheck import demo

pytestmark = pytest.mark.slow


def test_complex_small_init_converges_far_more_often_than_real_init_in_four_layer_mf():
    # theorems.md 1.7 F1.1 and section 7: d=3, eps=0.1, a=2, eta=0.01, 3e4 steps.
    facts = demo.four_layer(seed=1, batch=48, steps=30_000)
    assert facts["complex_converged"] >= 0.6
    assert facts["real_converged"] <= facts["complex_converged"] - 0.2
    assert facts["real_det_negative_stuck"] >= 0.5  # most det<0 real seeds sit at L = sigma_1^2/2


def test_ye_du_steps_to_tolerance_grow_about_linearly_in_kappa():
    # theorems.md F2.5: about 26, 94, 350, 1200 steps at kappa = 1, 4, 16, 64.
    steps = demo.kappa_steps(seed=2)
    measured = np.array([steps[k] for k in (1.0, 4.0, 16.0, 64.0)])
    expected = np.array([26, 94, 350, 1200])
    assert np.all(np.abs(measured / expected - 1) < 0.25)
    slope = np.polyfit(np.log([1, 4, 16, 64]), np.log(measured), 1)[0]
    assert 0.85 < slope < 1.05


def test_a_long_complex_high_precision_run_tracks_float64_until_float64_rounding_shows():
    obj = tc.deep_mf((3,) * 5, field="complex") + tc.Balancing(2.0)
    rng = np.random.default_rng(3)
    w = 0.1 * (rng.standard_normal(obj.n_params) + 1j * rng.standard_normal(obj.n_params)) / np.sqrt(2)
    lo = tc.run_gd(obj, np.eye(3), w, step=0.01, max_steps=2000)
    hi = tc.run_gd(obj, np.eye(3), w, step=0.01, max_steps=2000, precision="flint:113")
    assert np.max(np.abs(lo.final_params - hi.final_params)) <= 1e-10
