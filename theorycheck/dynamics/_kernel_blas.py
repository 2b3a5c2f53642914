"""The compiled GD inner loop for larger matrices: the same step as :mod:`._kernel`, products by BLAS.

Every formula, check and stop rule is the one of :func:`theorycheck.dynamics._kernel.gd_advance` (read its
docstring for the order); only the matrix products differ: here each is one ``np.dot`` call (BLAS ``gemm``,
via scipy's BLAS, which numba links) on contiguous per-trajectory blocks of flat scratch buffers, made by
:func:`theorycheck.dynamics._blocks.block` (no reference counting per step). A transposed second operand and
conjugate transposes of complex blocks go through a per-trajectory copy (O(d^2) beside the O(d^3) product; why
in :func:`_nh`). Hand loops win for small matrices, BLAS from about d = 8 (measured crossover, see
:func:`theorycheck.dynamics.gd.choose_kernel` and benchmarks/bench_gd.py).

Rounding: BLAS sums in its own order, so this kernel agrees with the hand loops to rounding, not bit for bit.
Bit-for-bit equality of a batched run and single runs still holds: each trajectory makes the same ``gemm``
calls with the same shapes whatever the batch size, and the dispatch depends on the shapes only, never on B.
Run twice on the same machine with the same BLAS thread setting it is bit-exact (replay).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from theorycheck.dynamics._blocks import block
from theorycheck.dynamics._kernel import (
    DIVERGED,
    RUNNING,
    STEP,
    copy_into,
    fit_residual,
    scratch_offsets,
    stop_rule,
    weight_decay,
)

# Same fast-math choice as the loop kernel (see the comment there): reassociation only, no FMA contraction.
_FASTMATH = {"reassoc"}
#: entries between scratch blocks: one 64-byte cache line of float64 (see the layout comment in the kernel)
_PAD = 8


@njit(cache=True, inline="always")
def _nh(a, b, bt, out):  # type: ignore[no-untyped-def]  # out = a @ b^H (bt: scratch of b^T's shape)
    # b^H is copied out contiguous and BLAS gets a plain product: a product with its second operand transposed
    # (np.dot(a, b.T)) does not scale over threads with scipy's OpenBLAS 0.3.30 (measured at d = 8..64: two
    # numba threads ran it slower than one, where every other transpose pattern ran 2x faster; it leaves
    # OpenBLAS's small-matrix path and takes a shared buffer). The copy is O(d^2) beside the O(d^3) product.
    for k in range(b.shape[1]):  # writes bt row by row (contiguous), reads b down a column
        for i in range(b.shape[0]):
            bt[k, i] = np.conj(b[i, k])
    np.dot(a, bt, out)


@njit(cache=True, inline="always")
def _hn(a, ac, b, out):  # type: ignore[no-untyped-def]  # out = a^H @ b (ac: scratch of a's shape)
    if np.iscomplexobj(a):
        for i in range(a.shape[0]):
            for k in range(a.shape[1]):
                ac[i, k] = np.conj(a[i, k])
        np.dot(ac.T, b, out)
    else:
        np.dot(a.T, b, out)


@njit(cache=True, inline="always")
def _axpy(alpha, x, out):  # type: ignore[no-untyped-def]  # out += alpha * x
    for i in range(x.shape[0]):
        for k in range(x.shape[1]):
            out[i, k] += alpha * x[i, k]


@njit(cache=True, inline="always")
def _sq(x):  # type: ignore[no-untyped-def]
    return (x * np.conj(x)).real


@njit(parallel=True, cache=True, fastmath=_FASTMATH)
def gd_advance_blas(  # type: ignore[no-untyped-def]
    params,
    target,
    data,
    has_data,
    widths,
    offsets,
    eta,
    mult,
    t_end,
    max_steps,
    fit_coef,
    reg_a,
    lam,
    decay_coef,
    tol,
    gtol2,
    cap,
    status,
    steps,
    loss,
    gsq,
):
    """Same arguments and contract as :func:`theorycheck.dynamics._kernel.gd_advance`."""
    n_batch, n_par = params.shape
    n_layers = widths.shape[0] - 1
    m = target.shape[2]
    # Flat per-trajectory scratch, each a buffer of blocks: layer j's W_j (widths[j+1] x widths[j]) and anything of
    # its shape at offsets[j]; q_j = W_j..W_1 X and back_j (widths[j] x m), and q_j^H (m x widths[j]), at qo[j];
    # delta_j (widths[j] x widths[j]) at do[j]; W_j^H (widths[j] x widths[j+1]) at offsets[j].
    # The q/back/delta blocks are a cache line apart, and the three q-shaped buffers start at different offsets
    # (large allocations are page-aligned): blocks read or written together then never sit at the same offset in
    # a 4 KiB page, where they would compete for the same L1 sets (d = 64: 5-7% faster, measured).
    qo, do = scratch_offsets(widths, m, _PAD)
    for b in prange(n_batch):
        if status[b] != RUNNING:
            continue
        row = params[b]
        dt = row.dtype
        # numba hoists these allocations to the start of each worker's share of the loop (parallel_diagnostics):
        # a worker reuses them for its trajectories, never shares them; a trajectory writes every entry it reads
        q = np.empty(qo[n_layers + 1], dt)
        qt = np.empty(qo[n_layers + 1] + 3 * _PAD, dt)[3 * _PAD :]
        back = np.empty(qo[n_layers + 1] + 6 * _PAD, dt)[6 * _PAD :]
        delta = np.empty(do[n_layers + 1], dt)
        dtmp = np.empty(do[n_layers + 1], dt)
        wt = np.empty(n_par, dt)
        grad = np.empty(n_par, dt)
        gtmp = np.empty(n_par, dt)
        wcon = np.empty(n_par, dt)
        spare = np.empty(n_par, dt)
        if has_data:
            copy_into(data[b], block(q, qo[0], widths[0], m))
        # Two weight buffers, the row and a spare: the update writes W_{t+1} into the one not holding W_t and the
        # roles swap, so a step makes one pass over the weights and no copy (the row gets the last accepted
        # iterate when the trajectory stops or pauses).
        in_row = True
        t = steps[b]
        while True:
            if in_row:
                cur, nxt = row, spare
            else:
                cur, nxt = spare, row
            if has_data:
                w0 = block(cur, offsets[0], widths[1], widths[0])
                np.dot(w0, block(q, qo[0], widths[0], m), block(q, qo[1], widths[1], m))
            else:
                copy_into(block(cur, offsets[0], widths[1], widths[0]), block(q, qo[1], widths[1], m))
            for j in range(1, n_layers):
                wj = block(cur, offsets[j], widths[j + 1], widths[j])
                np.dot(wj, block(q, qo[j], widths[j], m), block(q, qo[j + 1], widths[j + 1], m))
            top, w_top = qo[n_layers], widths[n_layers]
            f = fit_residual(block(q, top, w_top, m), target[b], block(back, top, w_top, m), fit_coef)
            for j in range(n_layers, 0, -1):
                back_j = block(back, qo[j], widths[j], m)
                g_j = block(grad, offsets[j - 1], widths[j], widths[j - 1])
                if j == 1 and not has_data:
                    copy_into(back_j, g_j)
                else:
                    _nh(back_j, block(q, qo[j - 1], widths[j - 1], m), block(qt, qo[j - 1], m, widths[j - 1]), g_j)
                if j > 1:
                    w_j = block(cur, offsets[j - 1], widths[j], widths[j - 1])
                    wc_j = block(wcon, offsets[j - 1], widths[j], widths[j - 1])
                    _hn(w_j, wc_j, back_j, block(back, qo[j - 1], widths[j - 1], m))
            if reg_a != 0.0:
                for j in range(n_layers - 1):
                    k0, k1, k2 = widths[j], widths[j + 1], widths[j + 2]
                    wj = block(cur, offsets[j], k1, k0)
                    wj1 = block(cur, offsets[j + 1], k2, k1)
                    dj = block(delta, do[j + 1], k1, k1)
                    dtj = block(dtmp, do[j + 1], k1, k1)
                    _nh(wj, wj, block(wt, offsets[j], k0, k1), dj)
                    _hn(wj1, block(wcon, offsets[j + 1], k2, k1), wj1, dtj)
                    _axpy(-1.0, dtj, dj)
                    s = 0.0
                    for i in range(k1):
                        for k in range(k1):
                            s += _sq(dj[i, k])
                    f += 0.25 * reg_a * s
                    gt_j = block(gtmp, offsets[j], k1, k0)
                    np.dot(dj, wj, gt_j)
                    _axpy(reg_a, gt_j, block(grad, offsets[j], k1, k0))
                    gt_j1 = block(gtmp, offsets[j + 1], k2, k1)
                    np.dot(wj1, dj, gt_j1)
                    _axpy(-reg_a, gt_j1, block(grad, offsets[j + 1], k2, k1))
            f = weight_decay(f, cur, grad, offsets, lam, decay_coef)
            # One pass: ||G||^2, the candidate W_t - h G_t written into the spare buffer, and a finiteness probe of
            # it (x * 0 is 0 for finite x, NaN otherwise: branch-free, so it vectorises where an isfinite test per
            # entry does not). The stop rules below then see the exact ||G_t||^2 and F(W_t); the candidate is only
            # adopted (the buffers swap) if they let the step happen and it is finite, so W_t is what stays.
            h = eta[b] * mult[min(t, mult.shape[0] - 1)]  # the table's last entry repeats (Schedule.multipliers)
            gs = 0.0
            probe = 0.0
            for p in range(n_par):
                gp = grad[p]
                v = cur[p] - h * gp
                gs += _sq(gp)
                probe += _sq(v * 0.0)
                nxt[p] = v
            loss[b] = f
            gsq[b] = gs
            steps[b] = t
            rule = stop_rule(f, gs, cap[b], tol, gtol2, t, max_steps, t_end)
            if rule != STEP:
                status[b] = rule  # RUNNING when pausing at t_end
                break
            if not np.isfinite(probe):
                status[b] = DIVERGED
                break
            in_row = not in_row
            t += 1
        if not in_row:
            for p in range(n_par):  # a loop, not row[:] = spare (see theorycheck.dynamics._blocks)
                row[p] = spare[p]
