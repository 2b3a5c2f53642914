"""The compiled GD inner loop: numba, parallel over trajectories, allocation-free per step.

One call advances every running trajectory of a batch from its current step to ``t_end`` (or until it
stops). It computes exactly the formulas of :mod:`theorycheck.models._math` with hand-written matrix loops
(BLAS calls do not pay for the small matrices this library runs by the million; see benchmarks/). Each
trajectory runs the same scalar code whatever the batch size, which is what makes batched runs equal
unbatched runs bit for bit.

Per step t, for a running trajectory with weights W_t:

1. evaluate F(W_t) and G_t;
2. stop with DIVERGED if F is not finite or exceeds ``cap``; CONVERGED if F <= tol; STATIONARY if
   ||G_t||^2 <= gtol2; MAX_STEPS if t == max_steps; pause (still RUNNING) if t == t_end;
3. W_{t+1} = W_t - eta * mult[t] * G_t; if that is not finite the trajectory stops DIVERGED and keeps W_t
   (the last finite iterate is the useful one for a report).

``steps[b]`` is always the index of the iterate held in ``params[b]``; ``loss[b]`` and ``gsq[b]`` are F
and ||G||^2 there.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from theorycheck.dynamics._blocks import block

RUNNING, CONVERGED, STATIONARY, DIVERGED, MAX_STEPS = 0, 1, 2, 3, 4

# Reassociation lets LLVM vectorise the dot-product and sum reductions. It keeps IEEE NaN/inf semantics (no
# 'nnan'/'ninf'), so the divergence checks stay valid, and the compiled code is the same for every trajectory, so
# batched runs equal unbatched runs bit for bit. FMA contraction ('contract') is left out on purpose: together with
# 'reassoc' the code numba loads from its disk cache rounded differently from freshly JIT-compiled code (13 of 15
# planted runs differed in the last bits between a fresh process and a cache-loaded one), which broke bit-exact
# replay of reports across processes; 'reassoc' alone measured as fast (71x a plain loop at d=4, depth 4, B=1024).
_FASTMATH = {"reassoc"}


@njit(cache=True, inline="always")
def fit_residual(last, yb, top, fit_coef):  # type: ignore[no-untyped-def]
    """The fit term ``c ||R||^2`` of ``R = last - yb``; writes ``top = 2c R``, the backward pass's start."""
    f = 0.0
    for i in range(top.shape[0]):
        for k in range(top.shape[1]):
            r = last[i, k] - yb[i, k]
            f += _sq(r)
            top[i, k] = (2.0 * fit_coef) * r
    return f * fit_coef


@njit(cache=True, inline="always")
def weight_decay(f, w, grad, offsets, lam, decay_coef):  # type: ignore[no-untyped-def]
    """``f`` plus the weight-decay terms ``c lam_j ||W_j||^2`` of the flat weights ``w``, added layer by layer.

    Adds their gradient to ``grad``.
    """
    for j in range(lam.shape[0]):
        if lam[j] != 0.0:
            c = decay_coef * lam[j]
            s = 0.0
            for p in range(offsets[j], offsets[j + 1]):
                s += _sq(w[p])
                grad[p] += 2.0 * c * w[p]
            f += c * s
    return f


@njit(cache=True, inline="always")
def copy_into(src, dst):  # type: ignore[no-untyped-def]
    """``dst[:, :] = src`` as a loop: the kernels' copies between blocks (see :mod:`theorycheck.dynamics._blocks`)."""
    for i in range(src.shape[0]):
        for k in range(src.shape[1]):
            dst[i, k] = src[i, k]


@njit(cache=True, inline="always")
def scratch_offsets(widths, m, pad):  # type: ignore[no-untyped-def]
    """Block starts in the flat scratch: ``qo[j]`` of a ``widths[j] x m`` block, ``do[j]`` of ``widths[j]^2``.

    ``pad`` entries between consecutive blocks; ``qo[-1]``/``do[-1]`` are the buffers' lengths.
    """
    n = widths.shape[0]
    qo = np.zeros(n + 1, np.int64)
    do = np.zeros(n + 1, np.int64)
    for j in range(n):
        qo[j + 1] = qo[j] + widths[j] * m + pad
        do[j + 1] = do[j] + widths[j] * widths[j] + pad
    return qo, do


#: :func:`stop_rule`'s answer when no rule stops the trajectory and it takes its step
STEP = -1


@njit(cache=True, inline="always")
def stop_rule(f, gs, cap, tol, gtol2, t, max_steps, t_end):  # type: ignore[no-untyped-def]
    """The stop rules at step ``t``, in the module docstring's order.

    Returns the status to end with, RUNNING to pause at ``t_end``, or :data:`STEP`. Both kernels call it, so they
    stop on the same rules.
    """
    if not np.isfinite(f) or f > cap or not np.isfinite(gs):
        return DIVERGED
    if f <= tol:
        return CONVERGED
    if gs <= gtol2:
        return STATIONARY
    if t >= max_steps:
        return MAX_STEPS
    if t >= t_end:
        return RUNNING
    return STEP


@njit(cache=True, inline="always")
def _zero(out):  # type: ignore[no-untyped-def]
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = 0.0


@njit(cache=True, inline="always")
def _mm_nn(a, b, out, alpha, acc):  # type: ignore[no-untyped-def]  # out (+)= alpha * a @ b
    n, k = a.shape
    m = b.shape[1]
    if not acc:
        _zero(out)
    for i in range(n):
        for p in range(k):
            s = alpha * a[i, p]
            for j in range(m):
                out[i, j] += s * b[p, j]


@njit(cache=True, inline="always")
def _mm_hn(a, b, out, alpha, acc):  # type: ignore[no-untyped-def]  # out (+)= alpha * a^H @ b
    k, n = a.shape
    m = b.shape[1]
    if not acc:
        _zero(out)
    for p in range(k):
        for i in range(n):
            s = alpha * np.conj(a[p, i])
            for j in range(m):
                out[i, j] += s * b[p, j]


@njit(cache=True, inline="always")
def _mm_nh(a, b, out, alpha, acc):  # type: ignore[no-untyped-def]  # out (+)= alpha * a @ b^H
    n, k = a.shape
    m = b.shape[0]
    for i in range(n):
        for j in range(m):
            s = a[i, 0] * np.conj(b[j, 0])
            for p in range(1, k):
                s += a[i, p] * np.conj(b[j, p])
            if acc:
                out[i, j] += alpha * s
            else:
                out[i, j] = alpha * s


@njit(cache=True, inline="always")
def _sq(x):  # type: ignore[no-untyped-def]
    return (x * np.conj(x)).real


@njit(parallel=True, cache=True, fastmath=_FASTMATH)
def gd_advance(  # type: ignore[no-untyped-def]
    params,  # (B, P) weights, updated in place
    target,  # (B, d_N, m)
    data,  # (B, d_0, m), ignored unless has_data
    has_data,
    widths,  # (N+1,) int64
    offsets,  # (N+1,) int64
    eta,  # (B,) float64
    mult,  # (k,) float64 schedule multipliers, k <= max_steps+1; the last one repeats
    t_end,
    max_steps,
    fit_coef,
    reg_a,
    lam,  # (N,) float64 weight-decay lambdas (zeros when none)
    decay_coef,
    tol,
    gtol2,
    cap,  # (B,) float64
    status,  # (B,) int8, updated
    steps,  # (B,) int64, updated
    loss,  # (B,) float64, updated
    gsq,  # (B,) float64, updated
):
    n_batch, n_par = params.shape
    n_layers = widths.shape[0] - 1
    m = target.shape[2]
    # Flat per-trajectory scratch, viewed by blocks (no reference counting per step, see _blocks): W_j and G_j
    # (widths[j+1] x widths[j]) at offsets[j]; q_j = W_j..W_1 X and back_j (widths[j] x m) at qo[j]; delta_j
    # (widths[j] x widths[j]) at do[j].
    qo, do = scratch_offsets(widths, m, 0)
    for b in prange(n_batch):
        if status[b] != RUNNING:
            continue
        row = params[b]
        dt = row.dtype
        # numba hoists these allocations to the start of each worker's share of the loop (parallel_diagnostics):
        # a worker reuses them for its trajectories, never shares them; a trajectory writes every entry it reads
        q = np.empty(qo[n_layers + 1], dt)
        back = np.empty(qo[n_layers + 1], dt)
        delta = np.empty(do[n_layers + 1], dt)
        grad = np.empty(n_par, dt)
        new = np.empty(n_par, dt)
        if has_data:
            copy_into(data[b], block(q, qo[0], widths[0], m))
        t = steps[b]
        while True:
            # forward: q[j] = W_j .. W_1 X
            if has_data:
                w0 = block(row, offsets[0], widths[1], widths[0])
                _mm_nn(w0, block(q, qo[0], widths[0], m), block(q, qo[1], widths[1], m), 1.0, False)
            else:
                copy_into(block(row, offsets[0], widths[1], widths[0]), block(q, qo[1], widths[1], m))
            for j in range(1, n_layers):
                wj = block(row, offsets[j], widths[j + 1], widths[j])
                _mm_nn(wj, block(q, qo[j], widths[j], m), block(q, qo[j + 1], widths[j + 1], m), 1.0, False)
            # residual, fit loss, and back[N] = 2c R
            top, w_top = qo[n_layers], widths[n_layers]
            f = fit_residual(block(q, top, w_top, m), target[b], block(back, top, w_top, m), fit_coef)
            # backward: G_j = back[j] q[j-1]^H, back[j-1] = W_j^H back[j]
            for j in range(n_layers, 0, -1):
                back_j = block(back, qo[j], widths[j], m)
                g_j = block(grad, offsets[j - 1], widths[j], widths[j - 1])
                if j == 1 and not has_data:
                    copy_into(back_j, g_j)
                else:
                    _mm_nh(back_j, block(q, qo[j - 1], widths[j - 1], m), g_j, 1.0, False)
                if j > 1:
                    w_j = block(row, offsets[j - 1], widths[j], widths[j - 1])
                    _mm_hn(w_j, back_j, block(back, qo[j - 1], widths[j - 1], m), 1.0, False)
            if reg_a != 0.0:
                for j in range(n_layers - 1):
                    k0, k1, k2 = widths[j], widths[j + 1], widths[j + 2]
                    wj = block(row, offsets[j], k1, k0)
                    wj1 = block(row, offsets[j + 1], k2, k1)
                    dj = block(delta, do[j + 1], k1, k1)
                    _mm_nh(wj, wj, dj, 1.0, False)
                    _mm_hn(wj1, wj1, dj, -1.0, True)
                    s = 0.0
                    for i in range(k1):
                        for k in range(k1):
                            s += _sq(dj[i, k])
                    f += 0.25 * reg_a * s
                    _mm_nn(dj, wj, block(grad, offsets[j], k1, k0), reg_a, True)
                    _mm_nn(wj1, dj, block(grad, offsets[j + 1], k2, k1), -reg_a, True)
            f = weight_decay(f, row, grad, offsets, lam, decay_coef)
            gs = 0.0
            for p in range(n_par):
                gs += _sq(grad[p])
            loss[b] = f
            gsq[b] = gs
            steps[b] = t
            rule = stop_rule(f, gs, cap[b], tol, gtol2, t, max_steps, t_end)
            if rule != STEP:
                status[b] = rule  # RUNNING when pausing at t_end
                break
            h = eta[b] * mult[min(t, mult.shape[0] - 1)]  # the table's last entry repeats (Schedule.multipliers)
            finite = True
            for p in range(n_par):
                v = row[p] - h * grad[p]
                new[p] = v
                if not np.isfinite(v):
                    finite = False
            if not finite:
                status[b] = DIVERGED
                break
            for p in range(n_par):  # a loop, not row[:] = new (see theorycheck.dynamics._blocks)
                row[p] = new[p]
            t += 1
