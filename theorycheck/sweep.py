"""``theorycheck scale``: sweep a claim's parameters on a log grid, fit the exponents, compare with the stated ones.

The grid is the product of the swept axes' values (``points`` log-spaced values per axis) times ``repeats``
seeds. Tasks (one per repeat and per combination of the axes after the first) run on the executor: each
builds its instances with the claim's :class:`~theorycheck.claims.Scaling` and measures them as one batch.
The tasks run on :func:`theorycheck.controller.run_tasks`, which journals every task before it runs; its
result is journaled when it returns, so an interrupted sweep resumes where it stopped. The record is a
:class:`~theorycheck.report.ScaleRecord`. The fit is ordinary least squares of ``log T`` on the axes'
regressors with 95% t-intervals; each fitted exponent is set beside the stated one ("loose", "consistent",
"exceeds"), and the measured values are checked point by point against the claim's stated bound when it gives
one.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from theorycheck.campaign import Target, ref_source, resolve_ref
from theorycheck.claims import FIT_LEVEL as LEVEL
from theorycheck.claims import FORMS, Axis, ExponentVerdict, Fit, Scaling
from theorycheck.claims import fit_scaling as fit
from theorycheck.controller import run_tasks
from theorycheck.errors import InvalidArgument, TaskFailed, TaskLost
from theorycheck.journal import Journal, digest
from theorycheck.parallel import Executor
from theorycheck.report import (
    SCALE_SCHEMA,
    ScaleClaim,
    ScaleFit,
    ScaleRecord,
    ScaleRow,
    VariedAxis,
    environment,
    slug,
    write_atomic,
)
from theorycheck.tasks import PointsResult, PointsSpec, StopReason

SCHEMA = SCALE_SCHEMA
POOR_FIT = 0.9  # R^2 below this: the power law fits poorly, its exponents are indicative only


@attrs.frozen
class Vary:
    """One ``--vary`` option: an axis and its values."""

    axis: Axis
    values: tuple[float, ...]


def _number(text: str, option: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InvalidArgument("--vary", option, f"{text!r} is not a number", "write e.g. kappa=1..1000") from None


def parse_vary(option: str, scaling: Scaling, points: int) -> Vary:
    """``name=lo..hi[:form]`` (``points`` log-spaced values), ``name=v1,v2,...`` or ``name`` (its default range).

    Raises:
        InvalidArgument: unknown axis (naming the axes), malformed range, values outside the axis's domain.
    """
    name, _, rest = option.partition("=")
    axis = scaling.axis(name.strip())
    form = axis.form
    if ":" in rest:
        rest, _, form = rest.rpartition(":")
        if form not in FORMS:
            raise InvalidArgument("--vary", option, f"{form!r} is not a scaling form", f"use one of {FORMS}")
        try:
            # the stated exponent belongs to the stated form: under another form there is none to compare with
            axis = attrs.evolve(axis, form=form, stated=axis.stated if form == axis.form else None)
        except InvalidArgument:
            problem = f"{axis.name} cannot take the {form} form (its values must lie in (0, 1))"
            raise InvalidArgument("--vary", option, problem, "use the power form") from None
    if not rest:
        lo, hi = axis.lo, axis.hi
        values = np.geomspace(lo, hi, points)
    elif ".." in rest:
        a, _, b = rest.partition("..")
        lo, hi = _number(a, option), _number(b, option)
        if not lo < hi:
            raise InvalidArgument("--vary", option, "has lo >= hi", "write lo..hi with lo < hi")
        values = np.geomspace(axis.check(lo, "--vary"), axis.check(hi, "--vary"), points)
    else:
        values = np.array(sorted({_number(v, option) for v in rest.split(",") if v.strip()}))
    vals = tuple(float(f"{axis.check(float(v), '--vary'):.6g}") for v in values)
    if len(set(vals)) < 2:
        raise InvalidArgument("--vary", option, "gives fewer than two distinct values", "widen the range")
    return Vary(axis, vals)


def plan(scaling: Scaling, options: Sequence[str], points: int) -> list[Vary]:
    """The ``--vary`` options parsed and checked together (each axis at most once; none: the first axis).

    Raises:
        InvalidArgument: see :func:`parse_vary`, or an axis named twice.
    """
    varies = [parse_vary(v, scaling, points) for v in (options or [scaling.axes[0].name])]
    _check_distinct(varies)
    return varies


def _check_distinct(varies: Sequence[Vary]) -> None:
    names = [v.axis.name for v in varies]
    if len(set(names)) != len(names):
        raise InvalidArgument("--vary", names, "names an axis twice", "vary each axis once")


# ---- tasks -------------------------------------------------------------------------------------------------


def run_points(spec: PointsSpec) -> PointsResult:
    """Worker task: build and measure ``spec.points`` (params and repeat) as one batch."""
    started = time.perf_counter()
    target = resolve_ref(spec.ref, spec.source)
    scaling = scaling_of(target)
    instances = [scaling.build(p, r) for p, r in spec.points]
    values = scaling.measure(instances)
    return PointsResult(
        spec.task,
        [None if not math.isfinite(x) else float(x) for x in values],
        [int(i.max_steps) for i in instances],
        time.perf_counter() - started,
    )


def scaling_of(target: Target) -> Scaling:
    """The target's scaling law.

    Raises:
        InvalidArgument: the claim has none.
    """
    if target.entry.scaling is None:
        raise InvalidArgument(
            "TARGET",
            target.claim.id,
            "has no scaling law to sweep",
            "pick a claim with one (theorycheck list marks them 'scale') or pass scaling=Scaling(...) in your file",
        )
    return target.entry.scaling


def _tasks(target: Target, scaling: Scaling, varies: Sequence[Vary], repeats: int) -> list[PointsSpec]:
    fixed = {a.name: a.default for a in scaling.axes}
    first, rest = varies[0], varies[1:]
    tasks = []
    for combo in itertools.product(*[v.values for v in rest]):
        for r in range(repeats):
            points = [
                [{**fixed, **dict(zip([v.axis.name for v in rest], combo, strict=True)), first.axis.name: x}, r]
                for x in first.values
            ]
            tasks.append(PointsSpec(digest(points), points, target.ref))
    return tasks


@attrs.define
class SweepProgress:
    """Totals for the progress line."""

    label: str
    tasks: int
    done: int = 0
    runs: int = 0
    censored: int = 0
    started: float = attrs.field(factory=time.perf_counter)

    @property
    def seconds(self) -> float:
        """Wall time so far."""
        return time.perf_counter() - self.started

    def line(self) -> str:
        """``label: 3/10 tasks, 21 runs (4.2/s), 0 not converged, 12s``."""
        rate = self.runs / max(self.seconds, 1e-9)
        return (
            f"{self.label}: {self.done}/{self.tasks} tasks, {self.runs} runs ({rate:.1f}/s), "
            f"{self.censored} did not reach the target within the horizon, {self.seconds:.0f}s"
        )


@attrs.frozen
class SweepOutcome:
    """A finished (or interrupted) sweep: its record and where it was written."""

    scale: ScaleRecord
    folder: Path
    stopped: StopReason

    @property
    def record(self) -> dict[str, Any]:
        """The record as ``scale.json`` holds it."""
        return self.scale.to_data()

    @property
    def bound_violated(self) -> bool:
        """A measured value beyond the stated bound, or a fitted exponent above the stated one."""
        return self.scale.bound_violated


def _campaign(report_dir: str, target: Target) -> Path:
    return Path(report_dir) / "campaigns" / f"scale-{slug(target.claim.id)}"


def check_resumable(target: Target, report_dir: str) -> None:
    """Raise unless ``report_dir`` holds a sweep of ``target``'s claim to resume.

    Raises:
        InvalidArgument: naming ``--resume``, the folder looked in, and the fix.
    """
    path = _campaign(report_dir, target) / "journal.jsonl"
    if not (path.exists() and any(e["event"] == "start" for e in Journal(path).events())):
        raise InvalidArgument(
            "--resume", str(path.parent), f"holds no scale sweep of {target.claim.id} to resume",
            "pass the --report-dir of the interrupted run, or leave out --resume to start a sweep",
        )


def sweep(
    target: Target,
    varies: Sequence[Vary],
    *,
    repeats: int,
    executor: Executor,
    report_dir: str = "reports",
    resume: bool = False,
    command: str = "",
    on_progress: Callable[[SweepProgress], None] | None = None,
) -> SweepOutcome:
    """Run the sweep, fit, write ``scale.json`` and ``scale.html`` under ``REPORT_DIR/scales/``."""
    scaling = scaling_of(target)
    _check_distinct(varies)
    tasks = _tasks(target, scaling, varies, repeats)
    source = ref_source(target)
    journal = Journal(_campaign(report_dir, target) / "journal.jsonl")
    results: dict[str, PointsResult] = {}
    if resume:
        check_resumable(target, report_dir)
        results = {e["task"]: PointsResult.from_data(e["result"]) for e in journal.events() if e["event"] == "done"}
        journal.append("resume", time=time.time(), done=len(results))
    else:
        journal.rotate()
        journal.append("start", time=time.time(), claim=target.claim.id, command=command)
    todo = [attrs.evolve(t, source=source) for t in tasks if t.task not in results]
    progress = SweepProgress(target.claim.id, len(tasks), done=len(tasks) - len(todo))
    lost: list[str] = []

    def on_done(spec: PointsSpec, result: PointsResult) -> None:
        results[spec.task] = result
        journal.append("done", task=spec.task, result=result.to_data())
        progress.done += 1
        progress.runs += len(result.values)
        progress.censored += sum(v is None for v in result.values)
        if on_progress is not None:
            on_progress(progress)

    def on_lost(spec: PointsSpec, exc: TaskLost) -> None:
        journal.append("lost", task=spec.task, reason=str(exc))
        lost.append(spec.task)

    def on_failed(spec: PointsSpec, exc: Exception) -> Exception:
        error = f"{type(exc).__name__}: {exc}"
        journal.append("failed", task=spec.task, error=error)
        where = f"sweep task {spec.task} of {target.claim.id}"
        return TaskFailed(f"{where} raised {error} (points: {spec.to_data()['points']})")

    def on_stop(reason: StopReason | None, pending: list[PointsSpec]) -> None:
        journal.append("stop", reason=reason or StopReason.COMPLETE, pending=[s.task for s in pending])

    stopped = run_tasks(
        executor,
        journal,
        run_points,
        lambda: todo.pop(0) if todo else None,
        on_done=on_done,
        on_lost=on_lost,
        on_failed=on_failed,
        on_stop=on_stop,
    ) or StopReason.COMPLETE
    record = attrs.evolve(_record(target, scaling, varies, repeats, tasks, results, command, lost), stopped=stopped)
    record, folder = _write(report_dir, target, record)
    return SweepOutcome(record, folder, stopped)


def _check_bound(rows: Sequence[ScaleRow], *, stated: bool) -> tuple[str, bool]:
    """Each run against the stated bound: the sentence for the page, and whether any run violated it.

    A run that never reached the target violates the bound when its horizon was at least the bound, and is
    undecided otherwise.
    """
    if not stated:
        return "the claim states no bound to check point by point", False
    over = [
        (r, r.bound)
        for r in rows
        if r.bound is not None
        and ((r.value is not None and r.value > r.bound) or (r.value is None and r.horizon >= r.bound))
    ]
    ratios = [r.value / r.bound for r in rows if r.bound is not None and r.value is not None]
    undecided = sum(r.bound is not None and r.value is None and r.horizon < r.bound for r in rows)
    if over:
        w, bound = max(over, key=lambda rb: (rb[0].value or math.inf) / rb[1])
        shown = "not reached within the horizon" if w.value is None else f"{w.value:g}"
        text = f"bound violated at {len(over)} of {len(rows)} runs (worst: {shown} > {bound:.4g} at {dict(w.params)})"
    elif ratios:
        text = f"bound holds with slack: measured/bound <= {max(ratios):.3g} over {len(ratios)} runs"
    else:
        text = "no run to compare with the bound"
    if undecided:
        text += f"; {undecided} runs undecided (horizon below the bound, target not reached)"
    return text, bool(over)


def _record(
    target: Target,
    scaling: Scaling,
    varies: Sequence[Vary],
    repeats: int,
    tasks: Sequence[PointsSpec],
    results: Mapping[str, PointsResult],
    command: str,
    lost: Sequence[str],
) -> ScaleRecord:
    rows: list[ScaleRow] = []
    for t in tasks:
        r = results.get(t.task)
        if r is None:
            continue
        for (p, rep), value, horizon in zip(t.points, r.values, r.horizons, strict=True):
            bound = scaling.bound(p) if scaling.bound is not None else None
            if bound is not None and not (math.isfinite(bound) and bound > 0):
                bound = None  # no finite positive statement at these parameters
            rows.append(ScaleRow(p, rep, value, horizon, bound))
    axes = [v.axis for v in varies]
    values = np.array([np.nan if r.value is None else r.value for r in rows])
    fitted: Fit | None = None
    fit_error = None
    if rows:
        try:
            fitted = fit(axes, [r.params for r in rows], values)
        except InvalidArgument as exc:
            fit_error = str(exc)
    bound_text, over = _check_bound(rows, stated=scaling.bound is not None)
    # a fitted exponent above the stated one counts as a violation only when the power law fits the data
    exceeds = (
        fitted is not None
        and fitted.r2 >= POOR_FIT
        and any(f.verdict == ExponentVerdict.EXCEEDS for f in fitted.axes)
    )
    return ScaleRecord(
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        command=command,
        claim=ScaleClaim(
            target.claim.id, target.claim.statement, target.claim.source.cite(), target.claim.source.provenance
        ),
        claim_ref=target.ref.to_data(),
        quantity=scaling.quantity,
        stated=scaling.stated,
        setting=scaling.setting,
        varied=[VariedAxis(v.axis.name, v.axis.form, v.values, v.axis.note) for v in varies],
        fixed={a.name: a.default for a in scaling.axes if a.name not in {v.axis.name for v in varies}},
        repeats=repeats,
        tasks=len(tasks),
        tasks_done=sum(t.task in results for t in tasks),
        tasks_lost=lost,
        rows=rows,
        censored=int(np.sum(~np.isfinite(values))) if rows else 0,
        fit=None
        if fitted is None
        else ScaleFit(
            model="log T = " + " + ".join(f"a_{a.name} * log {a.term()}" for a in axes) + " + c",
            level=LEVEL,
            **attrs.asdict(fitted, recurse=False),  # the fit's own fields: axes, intercept, r2, n, dof
        ),
        fit_error=fit_error,
        bound=bound_text,
        bound_violated=over or exceeds,
        environment=environment(),
    )


def summary_line(record: ScaleRecord | Mapping[str, Any]) -> str:
    """One line: the fitted law and the verdicts (of a record, or of ``scale.json``'s data)."""
    r = record if isinstance(record, ScaleRecord) else ScaleRecord.from_data(record)
    head = f"{r.claim.id}: {len(r.rows)} runs"
    if r.fit is None:
        return f"{head}; no fit ({r.fit_error}); {r.bound}"
    law = "; ".join(a.text() for a in r.fit.axes)
    return f"{head}; {law}; R^2 {r.fit.r2:.3f}{_poor(r.fit.r2)}; {r.bound}"


def _poor(r2: float) -> str:
    return " (below 0.9: the power law fits poorly, the exponents are indicative only)" if r2 < POOR_FIT else ""


def _write(report_dir: str, target: Target, record: ScaleRecord) -> tuple[ScaleRecord, Path]:
    from theorycheck.report import render_scale

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    folder = Path(report_dir) / "scales" / f"{slug(target.claim.id)}-{stamp}"
    record = attrs.evolve(record, folder=str(folder))
    write_atomic(folder / "scale.json", json.dumps(record.to_data(), indent=1, allow_nan=False).encode())
    write_atomic(folder / "scale.html", render_scale(record).encode())
    return record, folder
