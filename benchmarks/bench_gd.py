"""GD throughput: theorycheck next to peers written here, on the same problem, in the same run.

Run:  python benchmarks/bench_gd.py                 (all three tables, ~3-4 minutes on 2 cores)
      python benchmarks/bench_gd.py --only float64  (or hp, startup, crossover)
      python benchmarks/bench_gd.py --rounds 5
      python benchmarks/bench_gd.py --only float64 --d 16 --d 64   (only those rows)

The problem: deep matrix factorisation of depth 4, F = 1/2 ||W_4 W_3 W_2 W_1 - I||^2 with d x d layers,
init 0.3 N(0, 1)/sqrt(d) (seed 0), eta = 1e-3, a fixed number of GD steps from the same init. Every
implementation computes the loss at every step (a GD loop with a stop rule needs it) and the same gradient.

float64 table, for the five configs of issue 15, trajectory-steps per second (median over rounds, min-max):
* ``theorycheck``: ``run_gd`` as a user calls it (input checks, default cap, result record included);
* ``numba loops``: a numba ``prange`` kernel over trajectories with hand-written matrix loops;
* ``numba np.dot``: the same kernel with ``np.dot`` (BLAS) on contiguous per-trajectory blocks;
* ``numba np.dot nn``: the same, with ``a @ b^T`` given to BLAS as ``a @ (contiguous copy of b^T)`` (scipy's
  OpenBLAS serialises the transposed-second-operand product between threads; theorycheck does the same copy);
* ``numpy stacked``: stacked ``np.matmul`` over (B, d, d) arrays in this process;
* ``numpy 2 proc``: the same split over two spawned single-threaded-BLAS processes (timed end to end:
  sending the halves, running, returning);
* ``numpy loop``: a plain per-trajectory loop of 2-D numpy products (on the first 16 trajectories).
Rounds are interleaved (every implementation once per round, in a rotated order), so a load change on the
machine hits all of them. ``vs best`` is theorycheck over the best peer's median; ``%peak`` is theorycheck's
GFLOP/s (18 d^3 flops per trajectory-step) over a dgemm (n = 2000) measured here on all cores;
``max rel diff`` is the largest ``max |W - W_ref| / max |W_ref|`` over the implementations' final weights,
W_ref from the stacked numpy run.

hp table, one trajectory at 113 bits, steps per second: theorycheck's flint backend, a plain loop over
python-flint ``arb_mat`` (same products, the loss each step, radius dropped each step), the same loop without
the loss, and a plain mpmath matrix loop. The runs are long enough (400 steps at d = 4, 100 at d = 16) that the
rate is the per-step one; theorycheck's per-call cost (input checks, conversions, and F and grad F at the final
iterate, which the plain loops never compute) is shown apart as the time of a 0-step run, next to one plain step.
theorycheck's high-precision runs step in compiled code (``precision/_arb_descent``) once the process has
stepped 20,000 steps in Python (loading it costs ~0.4 s); the calibration calls get there, so the rounds measure
the compiled loop.

startup: a fresh ``python`` process importing theorycheck and running a first 10-step GD (d = 3), with the
numba cache warm: in-process seconds (import, first run) and the whole process's wall time.
"""

from __future__ import annotations

import argparse
import functools
import multiprocessing
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit, prange

import theorycheck as tc

DEPTH = 4
ETA = 1e-3
#: (d, B, steps): steps enough that one theorycheck call takes ~0.05-1 s, so the fixed cost of a call (input checks,
#: the immutable result's copies: ~25 ms at 8 MB of weights) is a few percent, as in a real run
CONFIGS = [(4, 1, 50000), (4, 1024, 1000), (16, 1024, 300), (64, 64, 200), (64, 1, 500)]
#: the per-trajectory numpy loop runs this many of the B trajectories (its cost is linear in B; all of them
#: would take minutes at B = 1024); its rate is per trajectory-step like the others'
LOOP_SUBSET = 16


# ---------------------------------------------------------------------------------------------- the problem
def problem(d: int, batch: int) -> np.ndarray:
    """Initial weights (B, DEPTH, d, d)."""
    rng = np.random.default_rng(0)
    return 0.3 / np.sqrt(d) * rng.standard_normal((batch, DEPTH, d, d))


def flops_per_step(d: int) -> float:
    # forward N-1, backward N-1, gradients N-1 products of d x d matrices, 2 d^3 flops each
    return 3 * (DEPTH - 1) * 2.0 * d**3


# ---------------------------------------------------------------------------------------------- peers
@njit(parallel=True, cache=True)
def _numba_loops(ws, n_steps, eta):  # noqa: PLR0912  # ws (B, N, d, d), in place
    n_batch, depth, d, _ = ws.shape
    for b in prange(n_batch):
        w = ws[b]
        pre = np.empty((depth, d, d))
        back = np.empty((d, d))
        nxt = np.empty((d, d))
        g = np.empty((depth, d, d))
        for _ in range(n_steps):
            pre[0] = w[0]
            for j in range(1, depth):
                for i in range(d):
                    for k in range(d):
                        pre[j, i, k] = 0.0
                    for p in range(d):
                        s = w[j, i, p]
                        for k in range(d):
                            pre[j, i, k] += s * pre[j - 1, p, k]
            f = 0.0
            for i in range(d):
                for k in range(d):
                    r = pre[depth - 1, i, k] - (1.0 if i == k else 0.0)
                    f += r * r
                    back[i, k] = r
            for j in range(depth - 1, 0, -1):
                for i in range(d):  # g[j] = back @ pre[j-1]^T
                    for k in range(d):
                        s = 0.0
                        for p in range(d):
                            s += back[i, p] * pre[j - 1, k, p]
                        g[j, i, k] = s
                for i in range(d):  # back = w[j]^T @ back
                    for k in range(d):
                        nxt[i, k] = 0.0
                for p in range(d):
                    for i in range(d):
                        s = w[j, p, i]
                        for k in range(d):
                            nxt[i, k] += s * back[p, k]
                back[:, :] = nxt
            g[0] = back
            for j in range(depth):
                for i in range(d):
                    for k in range(d):
                        w[j, i, k] -= eta * g[j, i, k]


@njit(parallel=True, cache=True)
def _numba_dot(ws, n_steps, eta, copy_transposed):  # a peer's variant, not an API
    """Hand-loop kernel's structure with ``np.dot`` (BLAS) products on contiguous per-trajectory blocks.

    ``copy_transposed``: give ``back @ pre^T`` to BLAS as a plain product on a contiguous copy of ``pre^T``.
    scipy's OpenBLAS 0.3.30 runs ``np.dot(a, b.T)`` (second operand transposed) off its small-matrix path and
    serialised between threads; the copying peer knows that, as theorycheck's BLAS kernel does.
    """
    n_batch, depth, d, _ = ws.shape
    for b in prange(n_batch):
        w = ws[b]
        pre = np.empty((depth, d, d))
        back = np.empty((d, d))
        nxt = np.empty((d, d))
        pt = np.empty((d, d))
        g = np.empty((depth, d, d))
        for _ in range(n_steps):
            pre[0] = w[0]
            for j in range(1, depth):
                np.dot(w[j], pre[j - 1], pre[j])
            f = 0.0
            for i in range(d):
                for k in range(d):
                    r = pre[depth - 1, i, k] - (1.0 if i == k else 0.0)
                    f += r * r
                    back[i, k] = r
            for j in range(depth - 1, 0, -1):
                if copy_transposed:
                    pt[:, :] = pre[j - 1].T
                    np.dot(back, pt, g[j])
                else:
                    np.dot(back, pre[j - 1].T, g[j])
                np.dot(w[j].T, back, nxt)
                back[:, :] = nxt
            g[0] = back
            for j in range(depth):
                for i in range(d):
                    for k in range(d):
                        w[j, i, k] -= eta * g[j, i, k]


def numpy_stacked(ws: np.ndarray, n_steps: int, eta: float) -> np.ndarray:
    """Stacked matmul over the batch: ws (B, N, d, d) -> final weights."""
    w = [np.array(ws[:, j], order="C") for j in range(DEPTH)]  # copies: updated in place below
    eye = np.eye(ws.shape[-1])
    for _ in range(n_steps):
        pre = [w[0]]
        for j in range(1, DEPTH):
            pre.append(w[j] @ pre[-1])
        back = pre[-1] - eye
        _ = np.einsum("bij,bij->b", back, back)  # the loss
        grads: list[np.ndarray] = [back] * DEPTH
        for j in range(DEPTH - 1, 0, -1):
            grads[j] = back @ np.swapaxes(pre[j - 1], 1, 2)
            back = np.swapaxes(w[j], 1, 2) @ back
        grads[0] = back
        for j in range(DEPTH):
            w[j] -= eta * grads[j]
    return np.stack(w, axis=1)


def numpy_loop(ws: np.ndarray, n_steps: int, eta: float) -> np.ndarray:
    """One trajectory at a time, 2-D products."""
    out = np.empty_like(ws)
    eye = np.eye(ws.shape[-1])
    for b in range(ws.shape[0]):
        w = [ws[b, j].copy() for j in range(DEPTH)]
        for _ in range(n_steps):
            pre = [w[0]]
            for j in range(1, DEPTH):
                pre.append(w[j] @ pre[-1])
            back = pre[-1] - eye
            _ = float(np.vdot(back, back))
            grads: list[np.ndarray] = [back] * DEPTH
            for j in range(DEPTH - 1, 0, -1):
                grads[j] = back @ pre[j - 1].T
                back = w[j].T @ back
            grads[0] = back
            w = [wj - eta * gj for wj, gj in zip(w, grads, strict=True)]
        out[b] = np.stack(w)
    return out


def _stacked_task(args: tuple[np.ndarray, int, float]) -> np.ndarray:
    return numpy_stacked(*args)


class TwoProcesses:
    """A pool of two spawned processes with one BLAS thread each, started and warmed before timing."""

    def __init__(self) -> None:
        saved = {k: os.environ.get(k) for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
        os.environ.update(dict.fromkeys(saved, "1"))  # read by numpy's BLAS when the child imports numpy
        try:
            self.pool = multiprocessing.get_context("spawn").Pool(2)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        self.pool.map(_stacked_task, [(problem(4, 2), 1, ETA)] * 2)

    def __call__(self, ws: np.ndarray, n_steps: int, eta: float) -> np.ndarray:
        half = ws.shape[0] // 2
        parts = self.pool.map(_stacked_task, [(ws[:half], n_steps, eta), (ws[half:], n_steps, eta)])
        return np.concatenate(parts)

    def close(self) -> None:
        self.pool.terminate()
        self.pool.join()


def numba_peer(kernel: Callable[..., None]) -> Callable[[np.ndarray, int, float], np.ndarray]:
    def run(ws: np.ndarray, n_steps: int, eta: float) -> np.ndarray:
        import numba

        before = numba.get_num_threads()
        numba.set_num_threads(max(1, min(before, ws.shape[0])))  # as theorycheck does: no idle threads
        try:
            w = ws.copy()
            kernel(w, n_steps, eta)
            return w
        finally:
            numba.set_num_threads(before)

    return run


def theorycheck_run(ws: np.ndarray, n_steps: int, eta: float) -> np.ndarray:
    d = ws.shape[-1]
    obj = tc.deep_mf((d,) * (DEPTH + 1))
    run = tc.run_gd(obj, np.eye(d), ws.reshape(ws.shape[0], -1), step=eta, max_steps=n_steps)
    return run.final_params.reshape(ws.shape)


# ---------------------------------------------------------------------------------------------- timing
def peak_gflops(threads: int) -> float:
    """dgemm n=2000 in a subprocess with ``threads`` BLAS threads (the env var must precede numpy's import)."""
    code = (
        "import numpy as np,time\n"
        "a=np.random.rand(2000,2000);b=np.random.rand(2000,2000);a@b\n"
        "best=min((lambda t:(a@b,time.perf_counter()-t)[1])(time.perf_counter()) for _ in range(5))\n"
        "print(2*2000**3/best/1e9)"
    )
    env = dict(
        os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads)
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def calibrate(fn: Callable[[], Any], min_seconds: float) -> int:
    """Repetitions of fn that take at least min_seconds (one warm-up call first)."""
    fn()
    t = time.perf_counter()
    fn()
    dt = max(time.perf_counter() - t, 1e-6)
    return max(1, int(np.ceil(min_seconds / dt)))


#: seconds of quiet before each measurement: an OpenBLAS thread pool (numpy's and scipy's are two) keeps its
#: threads spinning for a while after a product, which would tax whichever implementation runs next
SETTLE = 0.3


def timed(fn: Callable[[], Any], reps: int) -> float:
    time.sleep(SETTLE)
    t = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t) / reps


def fmt_rate(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:.2f}M"
    if x >= 1e3:
        return f"{x / 1e3:.1f}k"
    return f"{x:.0f}"


def cell(rates: list[float]) -> str:
    return f"{fmt_rate(float(np.median(rates)))} ({fmt_rate(min(rates))}-{fmt_rate(max(rates))})"


def rel_diff(w: np.ndarray, ref: np.ndarray) -> float:
    return float(np.max(np.abs(w - ref)) / np.max(np.abs(ref)))


# ---------------------------------------------------------------------------------------------- tables
def float64_table(rounds: int, seconds: float, configs: list[tuple[int, int, int]]) -> None:
    cores = os.cpu_count() or 1
    # best of three each: on a shared machine a single dgemm run measures the other users' load, not the machine
    peak1 = max(peak_gflops(1) for _ in range(3))
    measured = max(peak_gflops(cores) for _ in range(3))
    peak2 = max(measured, cores * peak1)
    print(
        f"dgemm n=2000: {peak1:.1f} GFLOP/s on 1 core, {measured:.1f} on {cores} cores; %peak below is of "
        f"{peak2:.1f} (the larger of the {cores}-core run and {cores} x the 1-core run)"
    )
    two = TwoProcesses()
    peers: dict[str, Callable[[np.ndarray, int, float], np.ndarray]] = {
        "numba loops": numba_peer(_numba_loops),
        "numba np.dot": numba_peer(functools.partial(_numba_dot, copy_transposed=False)),
        "numba np.dot nn": numba_peer(functools.partial(_numba_dot, copy_transposed=True)),
        "numpy stacked": numpy_stacked,
        "numpy 2 proc": two,
        "numpy loop": numpy_loop,
    }
    impls: dict[str, Callable[[np.ndarray, int, float], np.ndarray]] = {"theorycheck": theorycheck_run, **peers}
    names = list(impls)
    head = f"{'d':>3} {'B':>5} {'steps':>5} | " + " | ".join(f"{n:>20}" for n in names)
    head += f" | {'best peer':>13} {'vs best':>7} {'%peak':>6} {'max rel diff':>12}"
    print(head)
    print("-" * len(head))
    try:
        for d, batch, n_steps in configs:
            float64_row(d, batch, n_steps, impls, rounds, seconds, peak2)
    finally:
        two.close()


def float64_row(
    d: int,
    batch: int,
    n_steps: int,
    impls: dict[str, Callable[[np.ndarray, int, float], np.ndarray]],
    rounds: int,
    seconds: float,
    peak2: float,
) -> None:
    names = list(impls)
    ws = problem(d, batch)
    ref = numpy_stacked(ws, n_steps, ETA)
    use = [n for n in names if not (n == "numpy 2 proc" and batch < 2)]
    size = {n: min(batch, LOOP_SUBSET) if n == "numpy loop" else batch for n in use}
    calls = {n: functools.partial(impls[n], ws[: size[n]], n_steps, ETA) for n in use}
    reps = {n: calibrate(calls[n], seconds) for n in use}
    diff = max(rel_diff(calls[n](), ref[: size[n]]) for n in use)
    rates: dict[str, list[float]] = {n: [] for n in use}
    for r in range(rounds):
        for n in use[r % len(use) :] + use[: r % len(use)]:
            rates[n].append(size[n] * n_steps / timed(calls[n], reps[n]))
    med = {n: float(np.median(v)) for n, v in rates.items()}
    best = max((n for n in use if n != "theorycheck"), key=lambda n: med[n])
    gflops = med["theorycheck"] * flops_per_step(d) / 1e9
    cells = " | ".join(f"{cell(rates[n]) if n in rates else '-':>20}" for n in names)
    print(
        f"{d:>3} {batch:>5} {n_steps:>5} | {cells} | {best:>13} {med['theorycheck'] / med[best]:>6.2f}x "
        f"{100 * gflops / peak2:>5.0f}% {diff:>12.1e}",
        flush=True,
    )


def plain_arb(ws0: list[Any], y: Any, eta: Any, n: int, *, with_loss: bool) -> list[Any]:
    """A straightforward python-flint loop: the same products, radius dropped once per step."""
    ws = ws0
    for _ in range(n):
        prefix = [ws[0]]
        for j in range(1, DEPTH):
            prefix.append(ws[j] * prefix[-1])
        back = prefix[-1] - y
        if with_loss:
            _ = (back.transpose() * back).trace() if back.nrows() <= 8 else sum(x * x for x in back.entries())
        grads = [back] * DEPTH
        for j in range(DEPTH - 1, 0, -1):
            grads[j] = back * prefix[j - 1].transpose()
            back = ws[j].transpose() * back
        grads[0] = back
        ws = [(w - eta * g).mid() for w, g in zip(ws, grads, strict=True)]
    return ws


def plain_mpmath(ws0: list[Any], y: Any, eta: Any, n: int) -> list[Any]:
    """A straightforward mpmath matrix loop."""
    import mpmath

    ws = ws0
    for _ in range(n):
        prefix = [ws[0]]
        for j in range(1, DEPTH):
            prefix.append(ws[j] * prefix[-1])
        back = prefix[-1] - y
        _ = mpmath.fsum(x * x for x in back)
        grads = [back] * DEPTH
        for j in range(DEPTH - 1, 0, -1):
            grads[j] = back * prefix[j - 1].T
            back = ws[j].T * back
        grads[0] = back
        ws = [w - eta * g for w, g in zip(ws, grads, strict=True)]
    return ws


HP_NAMES = ["theorycheck flint", "arb_mat loop", "arb_mat loop, no loss", "mpmath loop"]


def hp_row(d: int, n_steps: int, rounds: int, seconds: float) -> None:
    import flint
    import mpmath

    ws = problem(d, 1)
    obj = tc.deep_mf((d,) * (DEPTH + 1))
    flat = ws.reshape(1, -1)
    prec = tc.Precision("flint", 113)
    mp_steps = max(2, n_steps // 20)
    saved = flint.ctx.prec
    flint.ctx.prec = 113  # the plain loops run in the global context, as a user's loop would
    try:
        ws0 = [flint.arb_mat(ws[0, j].tolist()) for j in range(DEPTH)]
        y = flint.arb_mat(np.eye(d).tolist())
        eta = flint.arb(ETA)
        ctx = mpmath.MPContext()
        ctx.prec = 113
        mws0 = [ctx.matrix(ws[0, j].tolist()) for j in range(DEPTH)]
        calls: dict[str, tuple[Callable[[], Any], int]] = {
            "theorycheck flint": (
                functools.partial(tc.run_gd, obj, np.eye(d), flat, step=ETA, max_steps=n_steps, precision=prec),
                n_steps,
            ),
            "arb_mat loop": (functools.partial(plain_arb, ws0, y, eta, n_steps, with_loss=True), n_steps),
            "arb_mat loop, no loss": (functools.partial(plain_arb, ws0, y, eta, n_steps, with_loss=False), n_steps),
            "mpmath loop": (functools.partial(plain_mpmath, mws0, ctx.eye(d), ctx.mpf(ETA), mp_steps), mp_steps),
        }
        ours = tc.run_gd(obj, np.eye(d), flat, step=ETA, max_steps=n_steps, precision=prec).final_params
        theirs = np.stack(
            [np.array([[float(x.mid()) for x in r] for r in w.tolist()]) for w in calls["arb_mat loop"][0]()]
        )
        diff = rel_diff(ours, theirs.reshape(1, -1))
        reps = {n: calibrate(f, seconds) for n, (f, _) in calls.items()}
        rates: dict[str, list[float]] = {n: [] for n in HP_NAMES}
        for r in range(rounds):
            for n in HP_NAMES[r % len(HP_NAMES) :] + HP_NAMES[: r % len(HP_NAMES)]:
                f, steps = calls[n]
                rates[n].append(steps / timed(f, reps[n]))
        zero = functools.partial(tc.run_gd, obj, np.eye(d), flat, step=ETA, max_steps=0, precision=prec)
        one = functools.partial(plain_arb, ws0, y, eta, 1, with_loss=True)
        per_call = float(np.median([timed(zero, calibrate(zero, seconds)) for _ in range(rounds)]))
        plain_step = float(np.median([timed(one, calibrate(one, seconds)) for _ in range(rounds)]))
    finally:
        flint.ctx.prec = saved
    med = {n: float(np.median(v)) for n, v in rates.items()}
    cells = " | ".join(f"{cell(rates[n]):>22}" for n in HP_NAMES)
    print(
        f"{d:>3} {n_steps:>5} | {cells} | {med[HP_NAMES[0]] / med[HP_NAMES[1]]:>14.2f}x "
        f"{med[HP_NAMES[0]] / med[HP_NAMES[2]]:>14.2f}x {diff:>12.1e} "
        f"| {per_call * 1e3:>9.2f} ms {plain_step * 1e3:>7.2f} ms",
        flush=True,
    )


def hp_table(rounds: int, seconds: float) -> None:
    print("\nhigh precision, 113 bits, one trajectory, depth 4 (steps/s, median (min-max)):")
    head = f"{'d':>3} {'steps':>5} | " + " | ".join(f"{n:>22}" for n in HP_NAMES)
    head += f" | {'vs arb_mat loop':>15} {'vs no-loss loop':>15} {'max rel diff':>12}"
    head += f" | {'0-step run':>12} {'1 plain step':>10}"
    print(head)
    print("-" * len(head))
    for d, n_steps in [(4, 400), (16, 100)]:
        hp_row(d, n_steps, rounds, seconds)


STARTUP = """
import time
t0 = time.perf_counter()
import numpy as np
import theorycheck as tc
t1 = time.perf_counter()
obj = tc.deep_mf((3, 3, 3))
tc.run_gd(obj, np.eye(3), np.full((1, obj.n_params), 0.3), step=1e-2, max_steps=10)
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def startup_table(rounds: int) -> None:
    subprocess.run([sys.executable, "-c", STARTUP], check=True, capture_output=True)  # warm the numba cache
    imports, firsts, walls = [], [], []
    for _ in range(max(rounds, 5)):
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", STARTUP], check=True, capture_output=True, text=True)
        walls.append(time.perf_counter() - t)
        a, b = (float(x) for x in out.stdout.split())
        imports.append(a)
        firsts.append(b)
    total = [a + b for a, b in zip(imports, firsts, strict=True)]

    def s(v: list[float]) -> str:
        return f"{np.median(v):.3f} s ({min(v):.3f}-{max(v):.3f})"

    print("\nstart-up, fresh process, warm numba cache (import theorycheck + a first 10-step GD at d=3):")
    print(f"  import theorycheck       {s(imports)}")
    print(f"  first run_gd             {s(firsts)}")
    print(f"  import + first run       {s(total)}   (target <= 0.5 s)")
    print(f"  whole process wall time  {s(walls)}   (adds the interpreter's own start)")


def crossover_table(seconds: float) -> None:
    """theorycheck's two kernels side by side, to place ``BLAS_FROM`` (theorycheck.dynamics.gd)."""
    print("\nkernel crossover, depth 4, trajectory-steps/s (hand loops vs BLAS products):")
    print(f"{'d':>3} {'B':>5} | {'loops':>10} {'blas':>10} | faster")
    for batch in (1024, 1):
        for d in (4, 6, 8, 10, 12, 16, 24):
            ws = problem(d, batch).reshape(batch, -1)
            obj = tc.deep_mf((d,) * (DEPTH + 1))
            n_steps = max(20, int(2e9 / (batch * flops_per_step(d))))  # long enough that per-call costs vanish
            out = {}
            for kernel in ("loops", "blas"):
                fn = functools.partial(tc.run_gd, obj, np.eye(d), ws, step=ETA, max_steps=n_steps, kernel=kernel)
                reps = calibrate(fn, seconds)
                out[kernel] = max(batch * n_steps / timed(fn, reps) for _ in range(3))
            faster = max(out, key=lambda k: out[k])
            print(f"{d:>3} {batch:>5} | {fmt_rate(out['loops']):>10} {fmt_rate(out['blas']):>10} | {faster}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["float64", "hp", "startup", "crossover"], action="append")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per config (>= 3)")
    parser.add_argument("--seconds", type=float, default=0.25, help="minimum timing window per measurement")
    parser.add_argument("--d", type=int, action="append", help="float64 table: only the configs of this d")
    args = parser.parse_args()
    parts = args.only or ["float64", "hp", "startup"]
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(f"numpy {np.__version__}, theorycheck {tc.__version__}\n")
    if "float64" in parts:
        float64_table(args.rounds, args.seconds, [c for c in CONFIGS if not args.d or c[0] in args.d])
    if "hp" in parts:
        hp_table(args.rounds, args.seconds)
    if "startup" in parts:
        startup_table(args.rounds)
    if "crossover" in parts:
        crossover_table(args.seconds)
    load = os.getloadavg()
    print(f"\nload average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
