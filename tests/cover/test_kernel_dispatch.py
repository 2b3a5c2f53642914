"""The float64 path's two kernels (hand loops, BLAS products): dispatch by shape, agreement, replay, threads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numba
import numpy as np
import pytest

import theorycheck as tc
from tests.common.instances import instance
from theorycheck.dynamics._threads import _scipy_openblas, kernel_threads
from theorycheck.dynamics.gd import BLAS_FROM, choose_kernel


def test_small_models_take_the_hand_loops_and_large_ones_take_blas():
    assert choose_kernel(tc.deep_mf((4, 4, 4, 4, 4)), 4) == "loops"
    assert choose_kernel(tc.deep_mf((16,) * 5), 16) == "blas"
    assert choose_kernel(tc.deep_mf((64, 64)), 64) == "blas"
    # data columns count: a narrow network on many samples is a large product
    assert choose_kernel(tc.deep_mf((4, 4, 4), data_columns=64), 64) == "blas"
    edge = int(BLAS_FROM)
    assert choose_kernel(tc.deep_mf((edge, edge)), edge) == "blas"
    assert choose_kernel(tc.deep_mf((edge - 1, edge - 1)), edge - 1) == "loops"


@pytest.mark.parametrize("field", ["real", "complex"])
def test_the_blas_kernel_agrees_with_the_hand_loops_to_rounding_over_many_steps(field):
    obj = tc.deep_mf((12, 10, 12, 12), field=field) + tc.Balancing(0.3) + tc.WeightDecay((0.1, 0.0, 0.2))
    y, w, _ = instance(obj, np.random.default_rng(3), batch=3, scale=0.4)
    loops = tc.run_gd(obj, y, w, step=0.01, max_steps=200, kernel="loops")
    blas = tc.run_gd(obj, y, w, step=0.01, max_steps=200, kernel="blas")
    assert np.array_equal(loops.status, blas.status)
    scale = np.max(np.abs(loops.final_params))
    # different summation orders: equal to a few hundred ulps after 200 contracting steps, not bit for bit
    assert np.max(np.abs(loops.final_params - blas.final_params)) <= 1e-13 * scale
    assert np.allclose(loops.final_loss, blas.final_loss, rtol=1e-12)


def test_a_large_batched_run_on_the_blas_kernel_equals_its_single_runs_and_its_replay_bit_for_bit():
    obj = tc.deep_mf((20, 20, 20, 20))
    assert choose_kernel(obj, 20) == "blas"
    y, w, _ = instance(obj, np.random.default_rng(4), batch=5, scale=0.3)
    rec = tc.Recording(every=25, observables=("loss", "weights"))
    batched = tc.run_gd(obj, y, w, step=0.01, max_steps=100, record=rec)
    replay = tc.run_gd(obj, y, w, step=0.01, max_steps=100, record=rec)
    assert np.array_equal(batched.final_params, replay.final_params)
    for b in range(5):
        single = tc.run_gd(obj, y[b], w[b], step=0.01, max_steps=100, record=rec)
        assert np.array_equal(single.final_params[0], batched.final_params[b])
        assert np.array_equal(single.observable("weights", 0), batched.observable("weights", b))


def test_an_unknown_kernel_name_is_rejected_with_the_choices():
    obj = tc.deep_mf((2, 2))
    with pytest.raises(tc.InvalidArgument, match=r"kernel.*'blas'"):
        tc.run_gd(obj, np.eye(2), np.ones(4), step=0.1, max_steps=1, kernel="blass")


def test_kernel_threads_cap_numba_at_the_batch_and_blas_at_the_share_left_then_restore_both():
    before = numba.get_num_threads()
    lib = _scipy_openblas()
    blas_before = lib[0]() if lib is not None else None
    with kernel_threads(1, blas=True) as (threads, blas):
        assert threads == 1
        assert numba.get_num_threads() == 1
        if lib is not None:
            assert blas == before
            assert lib[0]() == before
    with kernel_threads(10**6, blas=True) as (threads, blas):
        assert threads == before
        if lib is not None:
            assert blas == 1
            assert lib[0]() == 1
    assert numba.get_num_threads() == before
    if lib is not None:
        assert lib[0]() == blas_before


def test_a_blas_kernel_run_replays_bit_for_bit_in_a_fresh_process():
    # reports are replayed in other processes, which load the kernel from numba's disk cache
    code = (
        "import sys, numpy as np, theorycheck as tc\n"
        "from tests.common.instances import instance\n"
        "obj = tc.deep_mf((20, 20, 20)) + tc.Balancing(0.1)\n"
        "y, w, _ = instance(obj, np.random.default_rng(5), batch=2, scale=0.3)\n"
        "run = tc.run_gd(obj, y, w, step=0.01, max_steps=50)\n"
        "sys.stdout.write(run.final_params.tobytes().hex())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).parents[2]
    )
    obj = tc.deep_mf((20, 20, 20)) + tc.Balancing(0.1)
    y, w, _ = instance(obj, np.random.default_rng(5), batch=2, scale=0.3)
    here = tc.run_gd(obj, y, w, step=0.01, max_steps=50)
    assert out.stdout == here.final_params.tobytes().hex()


_FIRST_RUN_LEAVES_SCIPY_LINALG_ALONE = """
import sys
import numpy as np
import theorycheck as tc
tc.run_gd(tc.deep_mf((3, 3, 3)), np.eye(3), np.full((1, 18), 0.3), step=1e-2, max_steps=10)
import numba.np.arraymath
assert numba.np.arraymath._HAVE_BLAS, "numba's BLAS check failed"
assert "scipy.linalg" not in sys.modules, "a hand-loop run imported scipy.linalg"
assert "scipy.linalg.cython_blas" not in sys.modules, "the seeded BLAS table was left behind"
big = tc.run_gd(tc.deep_mf((9, 9, 9)), np.eye(9), np.full((1, 162), 0.1), step=1e-2, max_steps=5, kernel="blas")
import scipy.linalg
assert scipy.linalg.cython_blas is sys.modules["scipy.linalg.cython_blas"]
assert np.allclose(scipy.linalg.solve(np.eye(2), np.ones(2)), 1.0)
print(big.status[0])
"""


def test_a_first_run_imports_numba_without_scipy_linalg_and_leaves_a_later_scipy_import_whole():
    # theorycheck.dynamics._numba_start: numba's BLAS check sees scipy's BLAS table alone (start-up time)
    out = subprocess.run(
        [sys.executable, "-c", _FIRST_RUN_LEAVES_SCIPY_LINALG_ALONE], capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
