"""The ``theorycheck`` command: list, check, stress, scale, replay, report, demo.

Exit statuses (``check``, ``stress``, ``replay``, ``demo``): 0 no violation found (demo: every fact as
expected); 1 a confirmed or certified counterexample; 2 a usage or input error (one line on stderr, never a
traceback); 3 a float64 violation the precision ladder left undecided (float64 artifacts alone exit 0: they
are reported, not findings); 130 interrupted (Ctrl-C: reports, journal and index are complete; ``--resume``
continues). ``scale``: 0 the stated bound and exponents hold, 1 violated.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import math
import os
import re
import secrets
import shlex
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

import attrs

from theorycheck.errors import InvalidArgument, TheorycheckError
from theorycheck.errors import UsageError as UsageError  # noqa: PLC0414  # re-exported (PEP 484): its import path before errors.py held it
from theorycheck.tasks import CheckSpec, ClaimSummary, StopReason

OK, FOUND, USAGE, UNCONFIRMED = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _int_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: an integer >= ``minimum`` (argparse turns the error into one usage line)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            msg = f"{text} must be >= {minimum}"
            raise argparse.ArgumentTypeError(msg)
        return value

    return parse


_positive = _int_at_least(1)
_seed = _int_at_least(0)


class Progress:
    """A live status line on a terminal; plain lines every ``every`` seconds otherwise."""

    def __init__(self, stream: TextIO, label: str, *, every: float = 10.0) -> None:
        self.stream = stream
        self.label = label
        self.tty = stream.isatty()
        self.every = every if not self.tty else 0.2
        self.last = 0.0
        self.started = time.perf_counter()

    def __call__(self, stats: Any) -> None:
        """Called after every example: redraw (terminal) or print a line when ``every`` seconds passed.

        ``stats`` is a search's :class:`SearchStats` or anything with a ``line()`` method (campaign tallies).
        """
        now = time.perf_counter()
        if now - self.last < self.every:
            return
        self.last = now
        own = getattr(stats, "line", None)
        line = own() if callable(own) else self.line(stats)
        if self.tty:
            self.stream.write("\r\x1b[2K" + line[:200])
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def line(self, stats: Any) -> str:
        """``label: N examples (r/s), worst margin m, v violations``."""
        rate = stats.examples / max(stats.seconds, 1e-9)
        worst = "n/a" if math.isinf(stats.worst_margin) else f"{stats.worst_margin:.3g}"
        stage = f" [{stats.stage}]" if getattr(stats, "stage", None) else ""
        return (
            f"{self.label}{stage}: {stats.examples} examples ({rate:.1f}/s), worst margin {worst}, "
            f"{stats.violations} violations, {len(stats.artifacts)} float64 artifacts"
        )

    def done(self) -> None:
        """End the live line."""
        if self.tty and self.last:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()


def _parser() -> _Parser:
    p = _Parser(prog="theorycheck", description="Executable theorems about gradient descent on matrix factorisation.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    ls = sub.add_parser("list", help="the theorem catalogue")
    ls.add_argument("--json", action="store_true", help="a JSON array (id, paper, locator, provenance, expect, ...)")
    ls.add_argument("--markdown", action="store_true", help="the catalogue document (docs/catalogue.md)")
    ck = sub.add_parser("check", help="search a claim for counterexamples, confirm them, write reports")
    ck.add_argument("target", metavar="TARGET", help="a catalogue id, a claim file, or FILE::NAME")
    _search_options(ck)
    ck.add_argument("--workers", type=_positive, default=1, help="processes (claims run in parallel)")
    st = sub.add_parser("stress", help="a time-boxed targeted search for the worst instance (Hypothesis + refinement)")
    st.add_argument("target", metavar="TARGET", help="a catalogue id, a claim file, or FILE::NAME")
    st.add_argument(
        "--budget", type=_duration, default=None,
        help="wall time, e.g. 90s, 10m, 1h (default 10m; with --resume, what the campaign had left)",
    )
    _search_options(st, examples=False)
    _executor_options(st)
    st.add_argument("--resume", action="store_true", help="continue the interrupted campaign of this claim")
    st.add_argument("--keep-going", action="store_true", help="do not stop at the first confirmed counterexample")
    sc = sub.add_parser("scale", help="sweep a claim's parameters on a log grid and fit its exponents")
    sc.add_argument("target", metavar="TARGET", help="a claim with a scaling law (theorycheck list marks them)")
    sc.add_argument("--vary", action="append", default=[], metavar="NAME=LO..HI[:FORM]",
                    help="an axis to sweep (repeatable): a range, a list v1,v2,..., or just NAME for its default range")
    sc.add_argument("--points", type=_int_at_least(2), default=7, help="log-spaced values per range (default 7)")
    sc.add_argument("--repeats", type=_positive, default=3, help="seeds per grid point (default 3)")
    sc.add_argument("--report-dir", default="reports", help="where the page goes (default: reports)")
    _executor_options(sc)
    sc.add_argument("--resume", action="store_true", help="skip the tasks an interrupted sweep finished")
    rp = sub.add_parser("replay", help="re-run a report's stored instance exactly and print the verdict")
    rp.add_argument("report", metavar="REPORT_DIR")
    rp.add_argument("--no-ladder", action="store_true", help="float64 only")
    rb = sub.add_parser("report", help="rebuild the index page of a report folder")
    rb.add_argument("dir", metavar="DIR", nargs="?", default="reports")
    nw = sub.add_parser("new", help="write a commented starting file for your own conjecture")
    nw.add_argument("file", metavar="FILE", help="a new .py file (never overwritten)")
    dm = sub.add_parser("demo", help="check a handful of catalogue claims, true and false (< 2 minutes)")
    dm.add_argument("--seed", type=_seed, default=0)
    dm.add_argument("--report-dir", default="reports/demo")
    return p


_DURATION = re.compile(r"(\d+(?:\.\d+)?)([hms]?)")


def parse_duration(text: str) -> float:
    """Seconds in ``"10m"``, ``"90s"``, ``"1h30m"``, ``"45"`` (plain numbers are seconds).

    Raises:
        InvalidArgument: not a positive duration.
    """
    spec = text.strip().lower()
    parts = _DURATION.findall(spec)
    unitless_among_others = len(parts) > 1 and any(not u for _, u in parts)
    if not spec or "".join(n + u for n, u in parts) != spec or unitless_among_others:
        raise InvalidArgument("--budget", text, "is not a duration", "write e.g. 90s, 10m, 1h30m")
    seconds = sum(float(n) * {"h": 3600, "m": 60, "s": 1, "": 1}[u] for n, u in parts)
    if seconds <= 0:
        raise InvalidArgument("--budget", text, "is not a positive duration", "give at least 1s")
    return seconds


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except TheorycheckError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _executor_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--workers", type=_positive, default=None,
        help="local processes (default: every core); with --scheduler, at most this many tasks at once",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", default=None, metavar="ADDRESS", help="a Dask scheduler, tcp://HOST:PORT")
    where.add_argument("--dask-local", type=_positive, default=None, metavar="N",
                       help="start a Dask LocalCluster of N workers on 127.0.0.1")


def _search_options(p: argparse.ArgumentParser, *, examples: bool = True) -> None:
    from theorycheck.config import PROFILES

    if examples:
        p.add_argument("--examples", type=_positive, default=None, help="examples per claim (default: the profile's)")
    p.add_argument("--seed", type=_seed, default=None, help="Hypothesis seed (default: the profile's)")
    p.add_argument("--profile", choices=sorted(PROFILES), default=None, help="ci | default | deep")
    p.add_argument("--report-dir", default="reports", help="where reports go (default: reports)")


def cmd_list(args: argparse.Namespace, out: TextIO) -> int:
    """Print the catalogue."""
    from theorycheck.catalogue import CATALOGUE

    rows = [
        {
            "id": cid,
            "paper": e.claim.source.paper,
            "locator": e.claim.source.locator,
            "provenance": e.claim.source.provenance,
            "expect": e.claim.expect,
            "arxiv": e.claim.source.arxiv,
            "statement": e.claim.statement,
            "scaling": e.scaling is not None,
        }
        for cid, e in sorted(CATALOGUE.items())
    ]
    if args.json:
        out.write(json.dumps(rows, indent=1) + "\n")
        return OK
    if args.markdown:
        from theorycheck.catalogue import render_markdown as render

        out.write(render(CATALOGUE))
        return OK
    for r in rows:
        mark = "holds  " if r["expect"] == "holds" else "refuted"
        scale = "scale" if r["scaling"] else "     "
        out.write(f"{r['id']:<62} {mark} {scale} {r['provenance']:<13} {r['paper']}, {r['locator']}\n")
    out.write(f"{len(rows)} claims\n")
    return OK


def _profile(args: argparse.Namespace) -> Any:
    from theorycheck.config import active_profile

    prof = active_profile(args.profile)
    if args.seed is not None:
        prof = attrs.evolve(prof, seed=args.seed)
    return prof


def _outcome_line(o: Any) -> str:
    s = o.stats
    refined = f" ({s.refine_evals} by refinement)" if s.refine_evals else ""
    head = f"{o.claim.id} ({o.claim.source.cite()}): {s.examples} examples{refined} in {s.seconds:.1f}s"
    if s.first_violation_stage is not None and o.violation is not None:
        head += f"; found by {s.first_violation_stage}"
    if o.violation is None:
        worst = "n/a" if math.isinf(s.worst_margin) else f"{s.worst_margin:.3g}"
        text = f"{head}; no violation, worst margin {worst}"
    else:
        c = o.confirmation
        step = f" at step {o.violation.step:,}" if o.violation.step is not None else ""
        text = (
            f"{head}; {c.status.upper()}: {o.violation.quantity} margin {o.violation.margin:.3g}{step} "
            f"({c.reason}) on {o.violation.described}"
        )
    for a in o.artifacts:
        text += f"; float64 artifact set aside ({a.status}: {a.reason})"
    if o.reports:
        text += "; report: " + ", ".join(str(p / "report.html") for p in o.reports)
    return text


def _summary(o: Any) -> ClaimSummary:
    from theorycheck.confirm import ConfirmationStatus

    return ClaimSummary(
        claim=o.claim.id,
        expect=o.claim.expect,
        line=_outcome_line(o),
        examples=o.stats.examples,
        violation=o.violation is not None,
        counterexample=int(o.counterexample),
        unconfirmed=o.unconfirmed,
        artifacts=sum(a.status == ConfirmationStatus.ARTIFACT for a in o.artifacts)
        + (o.confirmation is not None and o.confirmation.status == ConfirmationStatus.ARTIFACT),
        undecided=sum(a.status == ConfirmationStatus.UNDECIDED for a in o.artifacts)
        + (o.confirmation is not None and o.confirmation.status == ConfirmationStatus.UNDECIDED),
        reports=[str(p) for p in o.reports],
    )


def _check_one(spec: CheckSpec) -> ClaimSummary:
    """One claim in a worker process (re-resolved there: claims hold functions, which do not pickle)."""
    from theorycheck.campaign import check_target, resolve

    (target,) = resolve(spec.ref.text)
    return _summary(check_target(target, profile=spec.profile, examples=spec.examples, report_dir=spec.report_dir))


def _finish(
    report_dir: str,
    summaries: list[ClaimSummary],
    command: str,
    started: float,
    out: TextIO,
    *,
    extra: dict[str, Any] | None = None,
) -> int:
    """Store the run's summary (a ``report.RunRecord``), rebuild the index, print the totals; the exit status.

    ``violations`` counts the float64 violations reported (each confirmed, certified, artifact or undecided),
    so the three numbers in brackets always add up to it. ``extra``: the record's fields only this command
    writes (``check``: seed, interrupted, store; ``stress``: interrupted, resumed).
    """
    from theorycheck.report import RunRecord, rebuild_index, write_run

    run = RunRecord(
        started=dt.datetime.fromtimestamp(time.time() - (time.perf_counter() - started), dt.UTC).isoformat(
            timespec="seconds"
        ),
        command=command,
        claims=len(summaries),
        examples=sum(s.examples for s in summaries),
        violations=sum(s.counterexample + s.artifacts + s.undecided for s in summaries),
        confirmed=sum(s.counterexample for s in summaries),
        artifacts=sum(s.artifacts for s in summaries),
        undecided=sum(s.undecided for s in summaries),
        seconds=time.perf_counter() - started,
        **(extra or {}),
    )
    write_run(report_dir, run)
    index = rebuild_index(report_dir)
    out.write(
        f"{run.claims} claims, {run.examples} examples, {run.violations} violations "
        f"({run.confirmed} confirmed, {run.artifacts} artifacts, {run.undecided} undecided) "
        f"in {run.seconds:.1f}s; index: {index}\n"
    )
    if run.confirmed:
        return FOUND
    return UNCONFIRMED if any(s.unconfirmed for s in summaries) else OK


def _kept(profile: Any) -> str:
    """Where counterexamples are kept (and replayed first from), for a header or a final line."""
    if not profile.database:
        return "counterexamples not kept ($THEORYCHECK_DATABASE is empty)"
    return f"counterexamples kept in {Path(profile.database).resolve()} (replayed first next run)"


def _check_command(args: argparse.Namespace, seed: int) -> str:
    """The command that runs this check again, with the seed this run used (pasteable)."""
    parts = ["theorycheck", "check", args.target, "--seed", str(seed), "--report-dir", args.report_dir]
    if args.profile:
        parts += ["--profile", args.profile]
    if args.examples is not None:
        parts += ["--examples", str(args.examples)]
    if args.workers > 1:
        parts += ["--workers", str(args.workers)]
    return shlex.join(parts)


def _check_parallel(
    targets: list[Any],
    profile: Any,
    args: argparse.Namespace,
    out: TextIO,
    interrupts: Any,
    summaries: list[ClaimSummary],
) -> None:
    """The claims in worker processes (which die with this one, even by ``kill -9``), in order of the targets."""
    from theorycheck.controller import WAKE
    from theorycheck.parallel import ProcessExecutor

    pool = ProcessExecutor(min(args.workers, len(targets)))
    try:
        specs = [CheckSpec(t.ref, profile, args.examples, args.report_dir) for t in targets]
        handles = [pool.submit(_check_one, spec) for spec in specs]
        for h in handles:
            while not pool.wait([h], WAKE):
                interrupts.check()
            summaries.append(pool.result(h))
            out.write(summaries[-1].line + "\n")
            out.flush()
    finally:
        pool.close()


def _check_here(
    targets: list[Any], profile: Any, args: argparse.Namespace, out: TextIO, err: TextIO, interrupts: Any,
    summaries: list[ClaimSummary],
) -> None:
    """The claims one after the other in this process; an interrupted one is summarised with what it checked."""
    from theorycheck.campaign import check_target

    current: list[Any] = []  # the claim being searched and its latest statistics
    try:
        for t in targets:
            progress = Progress(err, t.claim.id)

            def on_example(stats: Any, progress: Progress = progress, claim: Any = t.claim) -> None:
                current[:] = [claim, stats]
                interrupts.check()  # a Ctrl-C that landed where Python could not raise it
                progress(stats)

            outcome = check_target(
                t, profile=profile, examples=args.examples, report_dir=args.report_dir, on_example=on_example
            )
            progress.done()
            current.clear()
            summaries.append(_summary(outcome))
            out.write(summaries[-1].line + "\n")
            out.flush()
    except KeyboardInterrupt:
        if current:  # the examples the interrupted search checked still count (it found no violation)
            claim, stats = current
            line = f"{claim.id}: interrupted after {stats.examples} examples"
            summaries.append(ClaimSummary(claim.id, claim.expect, line, stats.examples, interrupted=True))
        raise


def cmd_check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Search each claim of TARGET, confirm, report; Ctrl-C stores what finished, rebuilds the index, exit 130.

    A profile without a seed gets one drawn here and printed: every search is then seeded (so an interrupted one
    prints no Hypothesis ``@seed`` line, which would not reproduce a ``check``), and the run can be repeated.
    """
    from theorycheck.campaign import resolve
    from theorycheck.parallel import Interrupts
    from theorycheck.report import check_writable

    started = time.perf_counter()
    targets = resolve(args.target)
    profile = _profile(args)
    if profile.seed is None:
        profile = attrs.evolve(profile, seed=secrets.randbelow(2**31))
    args.again = f"Run again: {_check_command(args, profile.seed)}"  # also for main's Ctrl-C handler
    check_writable(args.report_dir)  # before the search: its findings must have somewhere to go
    summaries: list[ClaimSummary] = []
    interrupted = False
    with Interrupts() as interrupts:
        try:
            if args.workers > 1 and len(targets) > 1:
                _check_parallel(targets, profile, args, out, interrupts, summaries)
            else:
                _check_here(targets, profile, args, out, err, interrupts, summaries)
        except KeyboardInterrupt:
            interrupted = True
    command = _check_command(args, profile.seed)
    status = _finish(
        args.report_dir, summaries, f"theorycheck check {args.target}", started, out,
        extra={"seed": profile.seed, "interrupted": interrupted, "store": profile.database},
    )
    if interrupted:
        err.write(
            f"theorycheck: interrupted after {sum(not s.interrupted for s in summaries)} of {len(targets)} "
            f"claims; reports written and the index are complete. Run again: {command}\n"
        )
        return 130
    err.write(f"theorycheck check: seed {profile.seed}; {_kept(profile)}; again: {command}\n")
    return status


def _open_executor(args: argparse.Namespace) -> Any:
    from theorycheck.parallel import open_executor

    return open_executor(workers=args.workers, scheduler=args.scheduler, dask_local=args.dask_local)


def _stress_line(o: Any) -> str:
    t = o.tally
    refined = f"{t.refine_evals:,} by refinement over the draws and boundary search (half of each chunk's time)"
    if o.refinable:
        refined += ", with the instance-knob moves the claim allows (refinable=True)"
    head = f"{o.claim.id} ({o.claim.source.cite()}): {t.examples:,} instances in {t.seconds:.1f}s ({refined})"
    if o.lines:
        head += "; " + "; ".join(o.lines)
    if not t.counterexamples and not t.unconfirmed:
        worst = "n/a" if t.worst is None else f"{t.worst_margin:.3g} on {t.worst.described}"
        head += f"; no violation, worst margin {worst}"
    if t.worst is not None:
        head += f"; worst instance: {o.folder / 'worst.json'}"
    if o.reports:
        head += "; report: " + ", ".join(str(p / "report.html") for p in o.reports)
    return head


def _executor_flags(args: argparse.Namespace) -> list[str]:
    """The options that chose where tasks ran (for a pasteable resume command)."""
    flags = []
    if args.workers is not None:
        flags += ["--workers", str(args.workers)]
    if args.scheduler is not None:
        flags += ["--scheduler", args.scheduler]
    if args.dask_local is not None:
        flags += ["--dask-local", str(args.dask_local)]
    return flags


def _stress_resume_command(args: argparse.Namespace) -> str:
    """``theorycheck stress TARGET --resume`` with every option the campaign needs to carry on where it was.

    No ``--budget`` (a resumed campaign gets what it had left) and no ``--seed`` (it keeps its journaled one).
    """
    parts = ["theorycheck", "stress", args.target, "--resume", "--report-dir", args.report_dir]
    if args.keep_going:
        parts.append("--keep-going")
    if args.profile:
        parts += ["--profile", args.profile]
    return shlex.join(parts + _executor_flags(args))


def cmd_stress(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Targeted, time-boxed search of each claim of TARGET (the budget split between them)."""
    from theorycheck.campaign import resolve
    from theorycheck.report import check_writable
    from theorycheck.stress import DEFAULT_BUDGET, check_resumable, resumable, stress

    started = time.perf_counter()
    targets = resolve(args.target)
    profile = _profile(args)
    check_writable(args.report_dir)  # before the search: its findings must have somewhere to go
    resume = {t.claim.id: args.resume and resumable(t, args.report_dir) for t in targets}
    if args.resume and not any(resume.values()):
        check_resumable(targets[0], args.report_dir)  # nothing to resume: say so, with the fix
    budget = None if args.budget is None else args.budget / len(targets)
    args.again = f"Resume: {_stress_resume_command(args)}"  # also for main's Ctrl-C handler
    executor = _open_executor(args)
    summaries: list[ClaimSummary] = []
    interrupted = False
    try:
        shown = "what each campaign had left" if budget is None else f"{budget * len(targets):.0f}s"
        err.write(
            f"theorycheck stress: {len(targets)} claim(s), {shown}, on {executor.description}; {_kept(profile)}\n"
        )
        for t in targets:  # a ChunkFailed ends the command (one line, exit 2); its reports are on disk
            progress = Progress(err, t.claim.id)
            fresh = DEFAULT_BUDGET / len(targets)  # a claim an interrupted run never reached starts afresh
            o = stress(
                t,
                budget=budget if budget is not None or resume[t.claim.id] else fresh,
                executor=executor,
                profile=profile,
                report_dir=args.report_dir,
                resume=resume[t.claim.id],
                keep_going=args.keep_going,
                on_progress=progress,
            )
            progress.done()
            line = _stress_line(o)
            out.write(line + "\n")
            out.flush()
            summaries.append(
                ClaimSummary(
                    claim=t.claim.id,
                    expect=t.claim.expect,
                    line=line,
                    examples=o.tally.examples,
                    violation=o.tally.violations > 0,
                    counterexample=o.tally.counterexamples,  # reports, counted once each (also after --resume)
                    unconfirmed=o.unconfirmed,
                    artifacts=o.tally.artifacts_reported,
                    undecided=o.tally.undecided,
                    reports=[str(p) for p in o.reports],
                )
            )
            if o.stopped == StopReason.INTERRUPTED:
                interrupted = True
                break
    finally:
        executor.close()
    status = _finish(
        args.report_dir, summaries, f"theorycheck stress {args.target}", started, out,
        extra={"interrupted": interrupted, "resumed": bool(args.resume)},
    )
    if interrupted:
        err.write(
            "theorycheck: interrupted; reports and the journal are complete. "
            f"Resume: {_stress_resume_command(args)}\n"
        )
        return 130
    return status


def cmd_scale(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Sweep, fit, compare with the stated exponents; write the page."""
    from theorycheck.campaign import resolve
    from theorycheck.report import check_writable, rebuild_index
    from theorycheck.sweep import check_resumable, plan, scaling_of, summary_line, sweep

    resolved = resolve(args.target)
    targets = [t for t in resolved if t.entry.scaling is not None] or resolved[:1]
    if len(targets) > 1:
        names = ", ".join(t.ref.label for t in targets)
        problem = f"holds {len(targets)} claims with a scaling law ({names})"
        raise UsageError(f"TARGET={args.target!r}: {problem}. Fix: pick one as FILE::NAME")
    (target,) = targets
    scaling = scaling_of(target)
    options = args.vary or [scaling.axes[0].name]
    varies = plan(scaling, options, args.points)
    check_writable(args.report_dir)  # before the sweep: its page must have somewhere to go
    if args.resume:
        check_resumable(target, args.report_dir)
    executor = _open_executor(args)
    parts = ["theorycheck", "scale", args.target]
    for v in options:
        parts += ["--vary", v]
    command = shlex.join([*parts, "--points", str(args.points), "--repeats", str(args.repeats)])
    resume_command = shlex.join(
        [*shlex.split(command), "--report-dir", args.report_dir, *_executor_flags(args), "--resume"]
    )
    args.again = f"Resume: {resume_command}"  # also for a Ctrl-C that lands after the sweep (main's handler)
    try:
        err.write(f"theorycheck scale: on {executor.description}\n")
        progress = Progress(err, target.claim.id)
        o = sweep(
            target,
            varies,
            repeats=args.repeats,
            executor=executor,
            report_dir=args.report_dir,
            resume=args.resume,
            command=command,
            on_progress=progress,
        )
        progress.done()
    finally:
        executor.close()
    out.write(summary_line(o.scale) + f"\npage: {o.folder / 'scale.html'}\n")
    index = rebuild_index(args.report_dir)
    out.write(f"index: {index}\n")
    if o.stopped == StopReason.INTERRUPTED:
        err.write(
            "theorycheck: interrupted; the journal and the page of what finished are written. "
            f"Resume: {resume_command}\n"
        )
        return 130
    return FOUND if o.bound_violated else OK


def cmd_replay(args: argparse.Namespace, out: TextIO) -> int:
    """Re-run a stored instance and print the verdict."""
    from theorycheck.campaign import replay
    from theorycheck.confirm import ConfirmationStatus

    r = replay(args.report, ladder=not args.no_ladder)
    out.write(r.verdict.summary() + "\n")
    same = "bit-identical to the stored margin" if r.identical else f"DIFFERS from the stored {r.stored_margin!r}"
    out.write(f"float64 margin {r.verdict.margin!r}: {same}\n")
    if r.confirmation is not None:
        out.write(f"precision ladder: {r.confirmation.status}: {r.confirmation.reason}\n")
        if r.confirmation.is_counterexample:
            return FOUND
        return OK if r.confirmation.status == ConfirmationStatus.ARTIFACT else UNCONFIRMED
    return UNCONFIRMED if r.verdict.violated else OK


def cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    """Rebuild the index page."""
    from theorycheck.report import rebuild_index

    out.write(f"{rebuild_index(args.dir)}\n")
    return OK


def cmd_new(args: argparse.Namespace, out: TextIO) -> int:
    """Write the starting file and say how to run it."""
    from theorycheck.starter import write_starter

    file = write_starter(args.file)
    out.write(f"wrote {file}: edit the instances, the statement and the conclusion, then\n")
    out.write(f"  pytest {file}\n  theorycheck check {file}\n")
    return OK


def cmd_demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """The built-in example."""
    from theorycheck.demo import run_demo

    return int(run_demo(seed=args.seed, report_dir=args.report_dir, out=out, err=err))


def _index_after_interrupt(folder: str | None) -> Path | None:
    """Rebuild the index of ``folder`` if it exists (a Ctrl-C must not leave a stale index); None if not done."""
    from theorycheck.report import rebuild_index

    if not folder or not Path(folder).is_dir():
        return None
    try:
        return rebuild_index(folder)
    except (OSError, TheorycheckError, KeyboardInterrupt):
        return None


def _interrupt_soon(finished: threading.Event, pending: threading.Lock) -> None:
    time.sleep(0.05)  # let the hook (and the collector that called it) return first
    # released before the signal: should the re-sent Ctrl-C land in a collector callback again, it is re-sent again
    pending.release()
    # not once the command has returned: at exit a SIGINT finds the default handler and kills the process
    # (exit -2 instead of the command's 130)
    if not finished.is_set():
        os.kill(os.getpid(), signal.SIGINT)


@contextlib.contextmanager
def interrupts_not_lost() -> Iterator[None]:
    """A Ctrl-C whose KeyboardInterrupt CPython cannot raise where it landed is raised again, not printed.

    CPython reports an exception raised inside a garbage-collector callback (Hypothesis installs one) or a
    ``__del__`` as "Exception ignored ... Traceback" on stderr and drops it: the user's Ctrl-C would print a
    traceback and be lost. This hook swallows such a KeyboardInterrupt and sends SIGINT again from a helper
    thread, so it is raised in ordinary code a moment later and the command's own Ctrl-C handling runs (exit 130,
    index written).
    """
    previous = sys.unraisablehook
    finished = threading.Event()
    pending = threading.Lock()  # held while a re-sent SIGINT is on its way: one Ctrl-C is re-sent once

    def hook(unraisable: Any) -> None:
        if isinstance(unraisable.exc_value, KeyboardInterrupt):
            handler = signal.getsignal(signal.SIGINT)
            if handler not in (signal.SIG_DFL, signal.SIG_IGN, None) and pending.acquire(blocking=False):
                # from another thread: the main thread's handler then runs at its next bytecode, outside this hook
                # (raised here, in the hook, it would be ignored again)
                threading.Thread(target=_interrupt_soon, args=(finished, pending), daemon=True).start()
            return
        previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        finished.set()
        sys.unraisablehook = previous


def main(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Entry point; returns the exit status. User mistakes print one line on stderr and return 2."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = _parser().parse_args(argv)
        commands: dict[str, Callable[[], int]] = {
            "list": lambda: cmd_list(args, out),
            "check": lambda: cmd_check(args, out, err),
            "stress": lambda: cmd_stress(args, out, err),
            "scale": lambda: cmd_scale(args, out, err),
            "replay": lambda: cmd_replay(args, out),
            "report": lambda: cmd_report(args, out),
            "demo": lambda: cmd_demo(args, out, err),
            "new": lambda: cmd_new(args, out),
        }
        with interrupts_not_lost():
            return commands[args.command]()
    except (TheorycheckError, OSError) as exc:  # ours name the argument and the fix; anything else is a bug
        err.write(f"theorycheck: error: {' '.join(str(exc).split())}\n")
        return USAGE
    except Exception as exc:  # never a traceback, and never exit 1 ("counterexample") for a crash
        if os.environ.get("THEORYCHECK_DEBUG"):
            raise
        err.write(
            f"theorycheck: error: {type(exc).__name__}: {' '.join(str(exc).split())} "
            "(set THEORYCHECK_DEBUG=1 for the traceback)\n"
        )
        return USAGE
    except KeyboardInterrupt:  # one that landed outside a command's own handling (e.g. while it wrote its summary)
        parsed = locals().get("args")
        index = _index_after_interrupt(getattr(parsed, "report_dir", None))
        where = f"index: {index}" if index else "theorycheck report DIR rebuilds the index"
        again = getattr(parsed, "again", None)
        err.write(f"theorycheck: interrupted; reports written so far are complete ({where})"
                  + (f". {again}" if again else "") + "\n")
        return 130
    except SystemExit as exc:  # --help
        return int(exc.code or 0)


def run() -> NoReturn:
    """The ``theorycheck`` command: :func:`main`, then exit with its status, which no late Ctrl-C changes.

    Once the status is decided, SIGINT is ignored. A Ctrl-C that arrived during interpreter shutdown (a SIGINT
    this module re-sends, see :func:`interrupts_not_lost`, or the user's second one) would otherwise meet the
    default disposition CPython restores there and end the process by signal (exit -2) instead of 130; a
    fresh-clone CI run saw that. An ignored disposition survives the shutdown.
    """
    code = main()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
