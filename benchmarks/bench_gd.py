"""GD throughput: theorycheck's batched kernel and high-precision backends against plain loops.

Run:  python benchmarks/bench_gd.py            (full grid, ~3 minutes on 2 cores)
      python benchmarks/bench_gd.py --quick    (d=4 only)

Prints, for (d, depth, batch) in {4, 16, 64} x {2, 4} x {1, 64, 1024}, trajectory-steps per second of
* ``kernel``: theorycheck.run_gd in float64 (numba, parallel over trajectories), GFLOP/s and % of one
  core's measured dgemm peak;
* ``plain``: a straightforward per-trajectory numpy loop (2-D matmuls) on the same problem;
* ``flint``: theorycheck.run_gd at 113 bits (python-flint, radius dropped each step), one trajectory;
* ``mpmath``: a straightforward mpmath matrix loop at 113 bits (d <= 16).
Everything is measured side by side in this one process (timings on shared machines vary 25-40%).
Kernel rates are marginal (the loop itself); the fixed cost of one call is printed per row.
The problem: deep MF 1/2||W_N..W_1 - I||^2, d x d layers, init 0.3 N(0,1)/sqrt(d), eta = 1e-3.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import mpmath
import numpy as np

import theorycheck as tc


def peak_gflops(threads: int) -> float:
    """dgemm n=2000 in a subprocess with ``threads`` BLAS threads (the env var must precede numpy's import)."""
    code = (
        "import numpy as np,time\n"
        "a=np.random.rand(2000,2000);b=np.random.rand(2000,2000);a@b\n"
        "best=min((lambda t:(a@b,time.perf_counter()-t)[1])(time.perf_counter()) for _ in range(3))\n"
        "print(2*2000**3/best/1e9)"
    )
    env = dict(
        os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads)
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def flops_per_step(d: int, depth: int) -> float:
    # forward N-1, backward N-1, per-layer gradients N-1 products of d x d matrices, 2 d^3 flops each
    return 3 * (depth - 1) * 2.0 * d**3 if depth > 1 else 0.0


def plain_step(ws: list[np.ndarray], y: np.ndarray, eta: float) -> list[np.ndarray]:
    n = len(ws)
    prefix = [ws[0]]
    for j in range(1, n):
        prefix.append(ws[j] @ prefix[-1])
    back = prefix[-1] - y
    grads: list[np.ndarray] = [back] * n
    for j in range(n - 1, 0, -1):
        grads[j] = back @ prefix[j - 1].T
        back = ws[j].T @ back
    grads[0] = back
    return [w - eta * g for w, g in zip(ws, grads, strict=True)]


def timed(fn, min_seconds: float) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    """Call fn(reps) with growing reps until it takes min_seconds; return (seconds, reps)."""
    reps = 1
    while True:
        t = time.perf_counter()
        fn(reps)
        dt = time.perf_counter() - t
        if dt >= min_seconds:
            return dt, reps
        reps *= max(2, int(min_seconds / max(dt, 1e-6)))


def bench_kernel(d: int, depth: int, batch: int, min_s: float) -> float:
    rng = np.random.default_rng(0)
    obj = tc.deep_mf((d,) * (depth + 1))
    w = 0.3 / np.sqrt(d) * rng.standard_normal((batch, obj.n_params))
    y = np.eye(d)
    tc.run_gd(obj, y, w, step=1e-3, max_steps=2)  # compile / load the cache outside the timing
    # Marginal rate: (time for 2n steps) - (time for n steps) removes the per-call costs (input checks,
    # copies into the immutable RunResult: 134 MB per array at d=64, B=1024), which are printed apart.
    dt, reps = timed(lambda n: tc.run_gd(obj, y, w, step=1e-3, max_steps=n), min_s)
    t = time.perf_counter()
    tc.run_gd(obj, y, w, step=1e-3, max_steps=2 * reps)
    dt2 = time.perf_counter() - t
    return reps * batch / max(dt2 - dt, 1e-9)


def call_overhead(d: int, depth: int, batch: int) -> float:
    """Seconds of a zero-step run_gd call: validation, default cap, result record."""
    rng = np.random.default_rng(0)
    obj = tc.deep_mf((d,) * (depth + 1))
    w = 0.3 / np.sqrt(d) * rng.standard_normal((batch, obj.n_params))
    t = time.perf_counter()
    tc.run_gd(obj, np.eye(d), w, step=1e-3, max_steps=0)
    return time.perf_counter() - t


def bench_plain(d: int, depth: int, min_s: float) -> float:
    rng = np.random.default_rng(0)
    ws0 = [0.3 / np.sqrt(d) * rng.standard_normal((d, d)) for _ in range(depth)]
    y = np.eye(d)

    def run(n: int) -> None:
        ws = ws0
        for _ in range(n):
            ws = plain_step(ws, y, 1e-3)

    dt, reps = timed(run, min_s)
    return reps / dt


def bench_flint(d: int, depth: int, min_s: float) -> float:
    rng = np.random.default_rng(0)
    obj = tc.deep_mf((d,) * (depth + 1))
    w = 0.3 / np.sqrt(d) * rng.standard_normal((1, obj.n_params))
    prec = tc.Precision("flint", 113)
    dt, reps = timed(lambda n: tc.run_gd(obj, np.eye(d), w, step=1e-3, max_steps=n, precision=prec), min_s)
    return reps / dt


def bench_mpmath(d: int, depth: int, min_s: float) -> float:
    rng = np.random.default_rng(0)
    ctx = mpmath.MPContext()
    ctx.prec = 113
    ws0 = [ctx.matrix((0.3 / np.sqrt(d) * rng.standard_normal((d, d))).tolist()) for _ in range(depth)]
    y = ctx.eye(d)
    eta = ctx.mpf(1e-3)

    def run(n: int) -> None:
        ws = ws0
        for _ in range(n):
            prefix = [ws[0]]
            for j in range(1, depth):
                prefix.append(ws[j] * prefix[-1])
            back = prefix[-1] - y
            grads = [back] * depth
            for j in range(depth - 1, 0, -1):
                grads[j] = back * prefix[j - 1].T
                back = ws[j].T * back
            grads[0] = back
            ws = [w - eta * g for w, g in zip(ws, grads, strict=True)]

    dt, reps = timed(run, min_s)
    return reps / dt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="d = 4 only")
    parser.add_argument("--seconds", type=float, default=0.4, help="minimum timing window per cell")
    args = parser.parse_args()
    dims = (4,) if args.quick else (4, 16, 64)
    peak1, peak2 = peak_gflops(1), peak_gflops(os.cpu_count() or 1)
    print(f"machine: {os.cpu_count()} cores; dgemm peak float64: {peak1:.1f} GFLOP/s on 1 core, {peak2:.1f} on all")
    print(f"numpy {np.__version__}, theorycheck {tc.__version__}\n")
    head = (
        f"{'d':>3} {'N':>2} {'B':>5} | {'kernel traj-steps/s':>19} {'GFLOP/s':>8} {'%1core':>6} | "
        f"{'plain loop':>11} {'x plain':>8} | {'call cost':>9}"
    )
    print(head)
    print("-" * len(head))
    hp_rows = []
    for d in dims:
        for depth in (2, 4):
            plain = bench_plain(d, depth, args.seconds)
            for batch in (1, 64, 1024):
                # the biggest cell gets a longer window
                batch_s = args.seconds * 3 if d == 64 and batch == 1024 else args.seconds
                rate = bench_kernel(d, depth, batch, batch_s)
                gflops = rate * flops_per_step(d, depth) / 1e9
                print(
                    f"{d:>3} {depth:>2} {batch:>5} | {rate:>19,.0f} {gflops:>8.2f} {100 * gflops / peak1:>5.0f}% | "
                    f"{plain:>11,.0f} {rate / plain:>7.1f}x | {call_overhead(d, depth, batch) * 1e3:>7.1f}ms",
                    flush=True,
                )
            flint_rate = bench_flint(d, depth, args.seconds)
            mp_rate = bench_mpmath(d, depth, args.seconds) if d <= 16 else float("nan")
            hp_rows.append((d, depth, flint_rate, mp_rate))
    print("\nhigh precision, 113 bits, one trajectory (steps/s):")
    print(f"{'d':>3} {'N':>2} | {'theorycheck flint':>17} | {'plain mpmath loop':>17} | {'ratio':>6}")
    for d, depth, flint_rate, mp_rate in hp_rows:
        ratio = flint_rate / mp_rate if mp_rate == mp_rate else float("nan")
        print(f"{d:>3} {depth:>2} | {flint_rate:>17,.1f} | {mp_rate:>17,.1f} | {ratio:>5.1f}x")


if __name__ == "__main__":
    main()
