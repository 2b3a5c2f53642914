"""python-flint runs: arb's midpoint-only product (precision/_arb_approx) and the run backend (FlintBackend.for_run)."""

from __future__ import annotations

import flint
import numpy as np
import pytest

import theorycheck as tc
from tests.common.instances import instance
from theorycheck.precision._arb_approx import midpoint_product
from theorycheck.precision._flint import FlintBackend, working_precision


def _with_radii(rng: np.random.Generator, rows: int, cols: int, spread: float) -> flint.arb_mat:
    scale = 10.0 ** rng.uniform(-spread, spread, size=(rows, cols))
    return flint.arb_mat((rng.standard_normal((rows, cols)) * scale).tolist()) * flint.arb(1) / 3  # inexact: radii


@pytest.mark.parametrize("bits", [53, 113, 400])
def test_the_midpoint_product_equals_the_ball_product_s_midpoint_with_radius_zero(bits):
    product = midpoint_product(bits)
    assert product is not None, "libflint's arb_mat_approx_mul was not usable on this install"
    rng = np.random.default_rng(bits)
    with working_precision(bits):
        for rows, inner, cols in [(1, 1, 1), (3, 5, 2), (8, 8, 8), (16, 16, 16), (17, 9, 33), (64, 64, 64)]:
            for spread in (0.0, 8.0):
                a, b = _with_radii(rng, rows, inner, spread), _with_radii(rng, inner, cols, spread)
                fast, ball = product(a, b), a * b
                assert (fast.nrows(), fast.ncols()) == (rows, cols)
                assert [x.mid() for x in fast.entries()] == [x.mid() for x in ball.entries()]
                assert all(x.rad() == 0 for x in fast.entries())


def test_the_midpoint_product_raises_on_mismatched_shapes_and_passes_other_types_to_the_operator():
    product = midpoint_product(113)
    assert product is not None
    with working_precision(113):
        with pytest.raises((ValueError, TypeError)):
            product(flint.arb_mat(2, 3), flint.arb_mat(2, 3))  # python-flint's error, not a libflint abort
        c = flint.acb_mat([[1 + 2j, 0], [0, 1]])
        assert product(c, c).tolist() == (c * c).tolist()


def test_a_real_run_of_size_8_or_more_multiplies_through_the_midpoint_product_and_others_do_not():
    balls = tc.get_backend("flint:113")
    assert balls.for_run(12, False).mm is not balls.mm
    assert balls.for_run(4, False).mm is balls.mm
    assert balls.for_run(12, True) is balls


@pytest.mark.parametrize("shape", [(12, 12, 12, 12), (3, 4, 2)])
def test_a_flint_run_with_its_run_backend_equals_the_plain_ball_run_bit_for_bit(shape, monkeypatch):
    obj = tc.deep_mf(shape) + tc.Balancing(0.3) + tc.WeightDecay((0.1,) * (len(shape) - 1))
    y, w, _ = instance(obj, np.random.default_rng(24), batch=2, scale=0.5)
    record = tc.Recording(every=5, observables=("loss", "grad_norm", "imbalances", "weights"))
    fast = tc.run_gd(obj, y, w, step=0.02, max_steps=30, precision="flint:113", record=record)
    monkeypatch.setattr(FlintBackend, "for_run", lambda self, largest, complex_: self)
    slow = tc.run_gd(obj, y, w, step=0.02, max_steps=30, precision="flint:113", record=record)
    assert np.array_equal(fast.final_params, slow.final_params)
    assert np.array_equal(fast.final_loss, slow.final_loss)
    assert np.array_equal(fast.final_grad_norm, slow.final_grad_norm)
    for a, b in zip(fast.final_params_hp, slow.final_params_hp, strict=True):
        assert [m.tolist() for m in a] == [m.tolist() for m in b]
    assert fast.observables.keys() == slow.observables.keys()
    for name, series in fast.observables.items():
        assert series.tolist() == slow.observables[name].tolist()


def test_the_midpoint_product_of_a_matrix_with_itself_is_the_ball_product_s_midpoint():
    product = midpoint_product(113)
    assert product is not None
    with working_precision(113):
        a = _with_radii(np.random.default_rng(5), 6, 6, 2.0)
        assert [x.mid() for x in product(a, a).entries()] == [x.mid() for x in (a * a).entries()]

