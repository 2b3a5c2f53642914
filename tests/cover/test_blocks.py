"""The kernels' reference-free block views (theorycheck.dynamics._blocks)."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from numba import njit, prange, types
from numba.extending import intrinsic
from numba.np.arrayobj import make_array

import theorycheck as tc
from tests.common.instances import instance
from theorycheck.dynamics._blocks import block


@intrinsic
def _meminfo_address(typingctx, array):  # the address of an array's owner record (0: none)
    def codegen(context, builder, signature, args):
        meminfo = make_array(signature.args[0])(context, builder, args[0]).meminfo
        return builder.ptrtoint(meminfo, context.get_value_type(types.intp))

    return types.intp(array), codegen


@njit
def _block_facts(base, start, rows, cols):
    view = block(base, start, rows, cols)
    view[rows - 1, cols - 1] = -1.0  # writes through to base
    return view.sum(), view.shape, view.strides, _meminfo_address(view), _meminfo_address(base)


@njit(parallel=True)
def _row_sums(flat, rows, cols):
    out = np.empty(flat.shape[0])
    for b in prange(flat.shape[0]):
        v = block(flat[b], cols, rows, cols)
        s = 0.0
        for i in range(rows):
            for k in range(cols):
                s += v[i, k]
        out[b] = s
    return out


def test_a_block_views_a_contiguous_slice_as_a_matrix_and_writes_through():
    base = np.arange(20.0)
    total, shape, strides, _, _ = _block_facts(base, 3, 2, 5)
    assert shape == (2, 5)
    assert strides == (40, 8)
    assert base[3 + 2 * 5 - 1] == -1.0
    assert total == base[3:13].sum()


def test_a_block_holds_no_reference_to_its_buffer():
    _, _, _, view_owner, base_owner = _block_facts(np.arange(20.0), 0, 4, 5)
    assert base_owner != 0  # an ordinary array carries its owner record...
    assert view_owner == 0  # ...a block does not, so making and dropping one costs no reference-count update


def test_blocks_inside_a_parallel_loop_read_each_trajectory_s_own_buffer():
    flat = np.random.default_rng(0).standard_normal((64, 3 * 4 + 4))
    assert np.allclose(_row_sums(flat, 3, 4), flat[:, 4:16].sum(axis=1))


def test_both_kernels_on_two_threads_equal_one_trajectory_at_a_time_bit_for_bit():
    # the kernels build every per-step view with block(): scratch must stay per trajectory under prange
    obj = tc.deep_mf((9, 8, 9, 9), field="complex", data_columns=5) + tc.Balancing(0.5) + tc.WeightDecay((0.1, 0, 0.2))
    y, w, x = instance(obj, np.random.default_rng(7), batch=6, scale=0.5)
    for kernel in ("loops", "blas"):
        batched = tc.run_gd(obj, y, w, data=x, step=0.02, max_steps=60, kernel=kernel)
        for b in range(6):
            single = tc.run_gd(obj, y[b], w[b], data=x[b], step=0.02, max_steps=60, kernel=kernel)
            assert np.array_equal(single.final_params[0], batched.final_params[b])
            assert single.final_loss[0] == batched.final_loss[b]


def test_a_block_views_only_contiguous_one_dimensional_buffers():
    @numba.njit
    def view_of(base):
        return block(base, 0, 2, 2)[1, 1]

    assert view_of(np.arange(6.0)) == 3.0
    with pytest.raises(numba.TypingError):
        view_of(np.zeros((2, 3)))
