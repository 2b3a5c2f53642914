"""``theorycheck demo``: check a handful of catalogue claims, true and false, and write their reports.

Three theorems that must hold, five false variants that must be refuted with a confirmed counterexample (GD
claims, a pure closed-form claim and a gradient-flow claim, each on its own precision ladder),
and one planted claim that float64 violates and exact arithmetic does not (the precision ladder must call it
an artifact, not a counterexample). Budgets are the ``ci`` profile's; the run takes well under two minutes
(about 16 s of it is numba's one-time compilation on a fresh install).
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

import attrs
from hypothesis import strategies as st

import theorycheck.strategies as tcs
from theorycheck.campaign import ClaimOutcome, Target, check_target, resolve
from theorycheck.catalogue import Entry
from theorycheck.claims import Claim, Procedure, Source, converges_within
from theorycheck.config import active_profile
from theorycheck.confirm import ConfirmationStatus
from theorycheck.dynamics import Recording
from theorycheck.dynamics.instance import Instance
from theorycheck.models import deep_mf
from theorycheck.report import RunRecord, rebuild_index, write_run
from theorycheck.tasks import ClaimRef

THEOREMS = (
    "shared.s0_2.gd_imbalance_recursion",
    "luo2025.thm4.skew_error_nonincreasing",
    "yedu2021.s3.gd_imbalance_identity",
)
FALSE_VARIANTS = (
    "luo2025.F1_2.reg_loss_nonincreasing_gd",
    "yedu2021.F2_1.sigma_d_u_nondecreasing",
    "yedu2021.F2_5.steps_independent_of_kappa",
    "chen2025.F4_5.critical_points_balanced",  # a pure claim: its margin re-evaluated in mpmath, certified in intervals
    "yedu2021.P2_6.gf_time_bound_as_sketched",  # gradient flow: re-solved at rtol 1e-13 and by mpmath's Taylor solver
)

FLOAT_FLOOR_EPS = 1e-40


@st.composite
def _least_squares(draw: Any) -> Instance:
    d = draw(st.integers(1, 3))
    obj = deep_mf((d, d))
    target = draw(tcs.target_matrices(shape=(d, d), min_condition=1.0, max_condition=10.0))
    init = draw(tcs.gaussian_initializations(obj, min_scale=0.5, max_scale=2.0))
    eta = draw(tcs.finite_floats(0.3, 0.7))
    return Instance(obj, target, init.weights, eta, 200, tol=FLOAT_FLOOR_EPS, params={"eta": eta, **init.drawn})


FLOAT_FLOOR = Claim(
    id="planted.float_floor.least_squares_reaches_1e-40",
    statement=(
        "PLANTED (true in exact arithmetic, false in float64): GD on L(W) = ||W - Y||_F^2 / 2 with eta in "
        "[0.3, 0.7] reaches L <= 1e-40 within 200 steps."
    ),
    source=Source(
        "theorycheck", 2026, "demo", "reconstructed",
        note="L_t = (1 - eta)^(2t) L_0 exactly, <= 0.7^400 L_0 ~ 1e-62 L_0 at t = 200; float64 iterates stall one ulp "
        "from Y (L ~ 1e-33), 113-bit ones near 1e-68",
    ),
    setting="depth 1 (W in R^{d x d}, d <= 3), kappa(Y) <= 10, Gaussian init scale in [0.5, 2]",
    algorithm="GD, eta in [0.3, 0.7], 200 steps",
    procedure=Procedure(record=Recording(observables=("loss",))),
    conclusion=converges_within(FLOAT_FLOOR_EPS, lambda inst: inst.max_steps),
    expect="refuted",
    tightness="Exact: a float64 artifact by construction; the precision ladder must not call it a counterexample.",
)
FLOAT_FLOOR_ENTRY = Entry(FLOAT_FLOOR, _least_squares, refute_budget=20)


def _line(kind: str, o: ClaimOutcome, ok: bool) -> str:
    mark = "ok  " if ok else "FAIL"
    s = o.stats
    if o.violation is None:
        what = f"no violation in {s.examples} examples (worst margin {s.worst_margin:.3g})"
    else:
        c = o.confirmation
        where = f" at step {o.violation.step:,}" if o.violation.step is not None else ""
        label = c.status.upper() if c else "?"
        what = f"{label} in {s.examples} examples: {o.violation.quantity} margin {o.violation.margin:.3g}{where}"
    return f"[{mark}] {kind:<13} {o.claim.id}: {what} ({s.seconds:.1f}s)"


def run_demo(
    *, seed: int = 0, report_dir: str = "reports/demo", out: TextIO = sys.stdout, err: TextIO = sys.stderr
) -> int:
    """Run the demo; 0 when every expectation is met, else 1.

    Expectations: every theorem held, every false variant was refuted with a confirmed (or certified)
    counterexample, and the planted float64 artifact was classified as an artifact.
    """
    started = time.perf_counter()
    profile = attrs.evolve(active_profile("ci"), seed=seed, database=None)
    out.write(f"theorycheck demo: profile ci, seed {seed}, reports in {report_dir}\n")
    ok = True
    examples = violations = confirmed = artifacts = undecided = 0
    jobs: list[tuple[str, Target]] = [("theorem", resolve(cid)[0]) for cid in THEOREMS]
    jobs += [("false variant", resolve(cid)[0]) for cid in FALSE_VARIANTS]
    jobs.append(("planted", Target(FLOAT_FLOOR_ENTRY, ClaimRef.in_file(__file__, "FLOAT_FLOOR_ENTRY"))))
    for kind, target in jobs:
        o = check_target(target, profile=profile, report_dir=report_dir)
        status = o.confirmation.status if o.confirmation is not None else None
        if kind == "theorem":
            good = o.violation is None
        elif kind == "false variant":
            good = o.counterexample
        else:
            good = status == ConfirmationStatus.ARTIFACT
        ok &= good
        examples += o.stats.examples
        violations += o.violation is not None
        confirmed += o.counterexample
        artifacts += status == ConfirmationStatus.ARTIFACT
        undecided += status == ConfirmationStatus.UNDECIDED
        out.write(_line(kind, o, good) + "\n")
        if o.confirmation is not None:
            out.write(f"       {o.confirmation.reason}\n")
        out.writelines(f"       report: {path / 'report.html'}\n" for path in o.reports)
        out.flush()
    seconds = time.perf_counter() - started
    write_run(
        report_dir,
        RunRecord(
            started=time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - seconds)),
            command=f"theorycheck demo --seed {seed}",
            claims=len(jobs), examples=examples, violations=violations, confirmed=confirmed,
            artifacts=artifacts, undecided=undecided, seconds=seconds,
        ),
    )
    index = rebuild_index(report_dir)
    verdict = (
        "every theorem held, every false variant refuted with a confirmed counterexample, the planted "
        "float64 artifact recognised"
        if ok
        else "SOMETHING DID NOT GO AS EXPECTED (see FAIL lines)"
    )
    out.write(f"{verdict}; {seconds:.1f}s; index: {index}\n")
    if not ok:
        err.write("theorycheck demo: unexpected outcome\n")
    return 0 if ok else 1
