"""Loss, gradients, Hessians and the algebraic identities of the models (theorems.md 0.1-0.3, 5)."""

from __future__ import annotations

import numpy as np
import pytest

import theorycheck as tc
from tests.common.instances import MODELS, draw, instance

MODEL_PARAMS = [pytest.param(factory, id=name) for name, factory in MODELS]
MULTI_LAYER_PARAMS = [pytest.param(factory, id=name) for name, factory in MODELS if name != "deep_mf_depth1"]


def _central_difference_gradient(obj, y, w, x, h=1e-6):
    eye = np.eye(obj.n_params)
    fd = np.array([(tc.loss(obj, y, w + h * e, x) - tc.loss(obj, y, w - h * e, x)) / (2 * h) for e in eye])
    if obj.is_complex:  # gradient convention d/dRe + i d/dIm (Luo et al. 2025)
        fd = fd + 1j * np.array(
            [(tc.loss(obj, y, w + 1j * h * e, x) - tc.loss(obj, y, w - 1j * h * e, x)) / (2 * h) for e in eye]
        )
    return fd


@pytest.mark.parametrize("factory", MODEL_PARAMS)
def test_the_loss_alone_equals_the_loss_of_loss_and_grads_bit_for_bit(factory):
    # the default divergence cap uses the forward-only loss; replays of stored runs need the same cap bits
    from theorycheck.models._math import loss_and_grads
    from theorycheck.precision._float64 import Float64Backend

    obj = factory()
    y, w, x = instance(obj, np.random.default_rng(2), batch=7)
    full, _ = loss_and_grads(Float64Backend(), obj, obj.split(w), y, x)
    assert np.array_equal(tc.loss(obj, y, w, x), np.asarray(full))


@pytest.mark.parametrize("factory", MODEL_PARAMS)
def test_analytic_gradient_matches_central_differences(factory):
    obj = factory()
    y, w, x = instance(obj, np.random.default_rng(1))
    g = tc.gradient(obj, y, w, x)
    fd = _central_difference_gradient(obj, y, w, x)
    assert np.max(np.abs(g - fd)) <= 1e-6 * max(1.0, np.max(np.abs(g)))


@pytest.mark.parametrize("factory", MODEL_PARAMS)
def test_exact_hessian_matches_differences_of_the_gradient_and_is_symmetric(factory):
    obj = factory()
    y, w, x = instance(obj, np.random.default_rng(2))
    h = tc.hessian(obj, y, w, x)
    n = obj.n_params
    eps = 1e-6
    basis = np.eye(n)
    if obj.is_complex:
        basis = np.concatenate([basis, 1j * basis])
    cols = np.array(
        [(tc.gradient(obj, y, w + eps * e, x) - tc.gradient(obj, y, w - eps * e, x)) / (2 * eps) for e in basis]
    )
    fd = np.concatenate([cols.real, cols.imag], axis=1) if obj.is_complex else cols
    assert h.shape == (basis.shape[0], basis.shape[0])
    assert np.allclose(h, h.T, atol=1e-12)
    assert np.max(np.abs(h - fd)) <= 1e-6 * max(1.0, np.max(np.abs(h)))


def test_hessian_of_chen_objective_at_the_origin_is_twice_lambda_for_depth_three():
    # theorems.md 4.3: for L >= 3 the Hessian at W = 0 is 2 lambda_l I (objective without 1/2 factors).
    lams = (0.5, 1.5, 0.25)
    obj = tc.deep_mf((2, 2, 2, 2), fit_coef=1.0) + tc.WeightDecay(lams, coef=1.0)
    h = tc.hessian(obj, np.diag([3.0, 1.0]), np.zeros(obj.n_params))
    assert np.allclose(h, np.diag(np.repeat([2 * lam for lam in lams], 4)), atol=1e-14)


@pytest.mark.parametrize("field", ["real", "complex"])
@pytest.mark.parametrize("depth", [2, 3, 4, 5])
def test_regulariser_gradient_is_orthogonal_to_the_loss_gradient_at_every_point(field, depth):
    # theorems.md 0.3 / Luo et al. 2025 I1: <grad L_reg, grad L_ori>_Re = 0 for any W.
    rng = np.random.default_rng(depth)
    widths = tuple(int(v) for v in rng.integers(1, 5, size=depth + 1))
    fit = tc.deep_mf(widths, field=field)
    reg_only = tc.deep_mf(widths, field=field, fit_coef=0.0) + tc.Balancing(1.7)
    for _ in range(10):
        y, w, _ = instance(fit, rng, scale=1.5)
        g_fit = tc.gradient(fit, y, w)
        g_reg = tc.gradient(reg_only, y, w)
        inner = np.sum((np.conj(g_reg) * g_fit).real)
        assert np.linalg.norm(g_reg) > 0
        assert abs(inner) <= 1e-12 * np.linalg.norm(g_reg) * np.linalg.norm(g_fit)


@pytest.mark.parametrize("factory", MULTI_LAYER_PARAMS)
def test_loss_is_invariant_under_an_orthogonal_change_of_basis_between_layers(factory):
    # theorems.md 5: W_j -> R W_j, W_{j+1} -> W_{j+1} R^H with R unitary leaves F unchanged when the
    # weight decay is uniform or absent; any layer decay is invariant too since ||R W|| = ||W||.
    obj = factory()
    assert obj.depth >= 2
    rng = np.random.default_rng(3)
    y, w, x = instance(obj, rng)
    layers = list(obj.split(w))
    d1 = obj.widths[1]
    q, r = np.linalg.qr(draw(rng, (d1, d1), complex_=obj.is_complex))
    q = q * (np.diag(r) / np.abs(np.diag(r)))
    layers[0] = q @ layers[0]
    layers[1] = layers[1] @ q.conj().T
    assert np.isclose(tc.loss(obj, y, obj.join(layers), x), tc.loss(obj, y, w, x), rtol=1e-12)


def test_split_and_join_are_inverse_and_follow_the_row_major_layout():
    obj = tc.deep_mf((2, 3, 4))
    flat = np.arange(obj.n_params, dtype=float)
    w1, w2 = obj.split(flat)
    assert w1.shape == (3, 2)
    assert w2.shape == (4, 3)
    assert w1[1, 0] == 2.0
    assert np.array_equal(obj.join([w1, w2]), flat)


def test_two_factor_model_is_u_times_v_transpose():
    obj = tc.asymmetric_mf(4, 3, 2)
    rng = np.random.default_rng(4)
    u, v, sigma = rng.standard_normal((4, 2)), rng.standard_normal((3, 2)), rng.standard_normal((4, 3))
    p = tc.factors_to_params(obj, u, v)
    assert np.isclose(tc.loss(obj, sigma, p), 0.5 * np.linalg.norm(u @ v.T - sigma) ** 2, rtol=1e-14)
    u2, v2 = tc.params_to_factors(obj, p)
    assert np.array_equal(u2, u)
    assert np.array_equal(v2, v)
    g_u, g_v = (u @ v.T - sigma) @ v, (u @ v.T - sigma).T @ u  # Ye & Du 2021, Section 2.1
    g = obj.split(tc.gradient(obj, sigma, p))
    assert np.allclose(g[1], g_u, rtol=1e-13)
    assert np.allclose(g[0], g_v.T, rtol=1e-13)


def test_high_precision_loss_and_gradient_agree_with_float64():
    obj = tc.deep_mf((3, 3, 3), field="complex", data_columns=4) + tc.Balancing(0.5) + tc.WeightDecay((0.1, 0.2))
    y, w, x = instance(obj, np.random.default_rng(5))
    ref_loss = tc.loss(obj, y, w, x)
    ref_grad = tc.gradient(obj, y, w, x)
    from theorycheck.models import loss_and_grads

    for name in ("mpmath", "flint"):
        xp = tc.get_backend(tc.Precision(name, 200))
        with xp.activate():
            f, grads = loss_and_grads(
                xp, obj, [xp.from_numpy(a) for a in obj.split(w)], xp.from_numpy(y), xp.from_numpy(x)
            )
            g = obj.join([xp.to_numpy(a) for a in grads])
            assert abs(xp.to_float(f) - ref_loss) <= 1e-13 * abs(ref_loss)
        assert np.max(np.abs(g - ref_grad)) <= 1e-13 * np.max(np.abs(ref_grad))
