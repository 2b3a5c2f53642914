"""The compiled GD inner loop for larger matrices: the same step as :mod:`._kernel`, products by BLAS.

Every formula, check and stop rule is the one of :func:`theorycheck.dynamics._kernel.gd_advance` (read its
docstring for the order); only the matrix products differ: here each is one ``np.dot`` call (BLAS ``gemm``,
via scipy's BLAS, which numba links) on contiguous per-trajectory blocks, with transposes passed as flags, not
copied. Conjugate transposes of complex blocks go through a per-trajectory conjugated copy (O(d^2) beside the
O(d^3) product). Hand loops win for small matrices, BLAS from about d = 8 (measured crossover, see
:func:`theorycheck.dynamics.gd.choose_kernel` and benchmarks/bench_gd.py).

Rounding: BLAS sums in its own order, so this kernel agrees with the hand loops to rounding, not bit for bit.
Bit-for-bit equality of a batched run and single runs still holds: each trajectory makes the same ``gemm``
calls with the same shapes whatever the batch size, and the dispatch depends on the shapes only, never on B.
Run twice on the same machine with the same BLAS thread setting it is bit-exact (replay).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from theorycheck.dynamics._kernel import DIVERGED, RUNNING, STEP, fit_residual, stop_rule, weight_decay

# Same fast-math choice as the loop kernel (see the comment there): reassociation only, no FMA contraction.
_FASTMATH = {"reassoc"}


@njit(cache=True, inline="always")
def _conj_into(src, dst):  # type: ignore[no-untyped-def]
    for i in range(src.shape[0]):
        for k in range(src.shape[1]):
            dst[i, k] = np.conj(src[i, k])


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
        _conj_into(a, ac)
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
    for b in prange(n_batch):
        if status[b] != RUNNING:
            continue
        row = params[b]
        dt = row.dtype
        q = [np.empty((widths[j], m), dt) for j in range(n_layers + 1)]
        qt = [np.empty((m, widths[j]), dt) for j in range(n_layers + 1)]
        back = [np.empty((widths[j], m), dt) for j in range(n_layers + 1)]
        delta = [np.empty((widths[j], widths[j]), dt) for j in range(n_layers + 1)]
        dtmp = [np.empty((widths[j], widths[j]), dt) for j in range(n_layers + 1)]
        grad = np.empty(n_par, dt)
        gtmp = np.empty(n_par, dt)
        wcon = np.empty(n_par, dt)
        spare = np.empty(n_par, dt)
        if has_data:
            q[0][:, :] = data[b]
        # Two weight buffers, the row and a spare: the update writes W_{t+1} into the one not holding W_t and the
        # roles swap, so a step makes one pass over the weights and no copy (the row gets the last accepted
        # iterate when the trajectory stops or pauses).
        w_row = [row[offsets[j] : offsets[j + 1]].reshape((widths[j + 1], widths[j])) for j in range(n_layers)]
        w_spare = [spare[offsets[j] : offsets[j + 1]].reshape((widths[j + 1], widths[j])) for j in range(n_layers)]
        in_row = True
        g = [grad[offsets[j] : offsets[j + 1]].reshape((widths[j + 1], widths[j])) for j in range(n_layers)]
        gt = [gtmp[offsets[j] : offsets[j + 1]].reshape((widths[j + 1], widths[j])) for j in range(n_layers)]
        wc = [wcon[offsets[j] : offsets[j + 1]].reshape((widths[j + 1], widths[j])) for j in range(n_layers)]
        wt = [np.empty((widths[j], widths[j + 1]), dt) for j in range(n_layers)]
        t = steps[b]
        while True:
            if in_row:
                cur, nxt, w = row, spare, w_row
            else:
                cur, nxt, w = spare, row, w_spare
            if has_data:
                np.dot(w[0], q[0], q[1])
            else:
                q[1][:, :] = w[0]
            for j in range(1, n_layers):
                np.dot(w[j], q[j], q[j + 1])
            f = fit_residual(q[n_layers], target[b], back[n_layers], fit_coef)
            for j in range(n_layers, 0, -1):
                if j == 1 and not has_data:
                    g[0][:, :] = back[1]
                else:
                    _nh(back[j], q[j - 1], qt[j - 1], g[j - 1])
                if j > 1:
                    _hn(w[j - 1], wc[j - 1], back[j], back[j - 1])
            if reg_a != 0.0:
                for j in range(n_layers - 1):
                    dj = delta[j + 1]
                    _nh(w[j], w[j], wt[j], dj)
                    _hn(w[j + 1], wc[j + 1], w[j + 1], dtmp[j + 1])
                    _axpy(-1.0, dtmp[j + 1], dj)
                    s = 0.0
                    for i in range(dj.shape[0]):
                        for k in range(dj.shape[1]):
                            s += _sq(dj[i, k])
                    f += 0.25 * reg_a * s
                    np.dot(dj, w[j], gt[j])
                    _axpy(reg_a, gt[j], g[j])
                    np.dot(w[j + 1], dj, gt[j + 1])
                    _axpy(-reg_a, gt[j + 1], g[j + 1])
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
            row[:] = spare
