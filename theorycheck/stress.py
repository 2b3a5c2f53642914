"""``theorycheck stress``: a time-boxed hunt for the worst instance of a claim, on one machine or a Dask cluster.

The campaign is a stream of *chunks*. A chunk (:func:`run_chunk`, run by a worker) is deterministic given its
spec: a Hypothesis search with ``target()`` on the claim's margin, seeded, without the example database,
which first re-checks the campaign's elite (the worst instances found so far, as explicit examples), then a
local refinement (``search.refine``: Nelder-Mead over singular values, scales, step and angles) from the
chunk's worst instances. A violation found by refinement is fed back through Hypothesis as an explicit
example, then confirmed on the precision ladder; the worker builds its report and ships it as text.

The campaign (:func:`stress`, this process) is the single writer. It runs on the one controller,
:func:`theorycheck.controller.run_tasks` (journal each chunk before it is submitted, its spec being its
reproducer; wait; lost chunks; Ctrl-C), and makes the campaign's decisions in its callbacks: write reports as
results stream back, merge the elite, size the next chunks to about :data:`CHUNK_SECONDS`, and stop when the
budget is spent or a counterexample is confirmed. Specs and results are the typed records of
:mod:`theorycheck.tasks`. Workers on this machine also journal the instance they are about to check, so a
worker killed by an instance leaves that instance in ``crashes/``. Ctrl-C leaves a valid journal and index; ``--resume``
re-runs the interrupted chunks first and carries the counts, the worst instance and the elite forward.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs
import hypothesis
import numpy as np
from hypothesis.errors import HypothesisDeprecationWarning

from theorycheck.campaign import Target, ref_source, resolve_ref
from theorycheck.claims import Claim, Verdict
from theorycheck.config import Profile
from theorycheck.confirm import ConfirmationStatus, confirm
from theorycheck.controller import run_tasks
from theorycheck.dynamics.instance import Instance
from theorycheck.errors import ChunkFailed as ChunkFailed  # noqa: PLC0414  # re-exported (PEP 484): its import path before errors.py held it
from theorycheck.errors import InvalidArgument, OutOfTime, SkipInstance, TaskLost
from theorycheck.journal import Journal, digest
from theorycheck.parallel import Executor
from theorycheck.report import ReportFiles, build, decode, encode, example_code, slug, write_atomic, write_report
from theorycheck.search.draws import Draw
from theorycheck.search.hypothesis import Refinement, SearchStats, evaluate, search, search_rung
from theorycheck.search.refine import refine
from theorycheck.search.store import Counterexamples, decode_choices, encode_choices
from theorycheck.tasks import (
    ChunkResult,
    ChunkSpec,
    ClaimRef,
    Crash,
    EliteEntry,
    InFlight,
    StopReason,
    Worst,
    WorstFile,
)

DEFAULT_BUDGET = 600.0  # seconds of wall time for a fresh campaign given no budget
CHUNK_SECONDS = 4.0  # long enough to amortise a chunk's set-up, short enough for a live progress line
# examples in the first chunk, before any rate is known: few, so refinement over the draws starts at once (on the
# discovery benchmark's planted claims, 2 instead of 8 halved the median time to the first violation)
FIRST_CHUNK = 2
KEEP = 4  # elite size: the worst instances carried between chunks
REFINE_STARTS = 2  # refinements per chunk
REFINE_EVALS = 150  # Nelder-Mead evaluations per refinement: ~80-130 walk a 6-parameter start into a 0.1% band
MAX_ATTEMPTS = 4  # a lost chunk is re-run skipping the instance it died on, at most this many times in all

# ---- worker side -----------------------------------------------------------------------------------------


def _tree(instance: Any) -> Any:
    return encode(instance, inline=True)[0]


def _before_each(path: Path | None, ref: ClaimRef, skip: frozenset[str]) -> Callable[[Any], None] | None:
    """Before each instance: skip it if a worker died on it, else journal it to ``path`` (:class:`InFlight`)."""
    if path is None and not skip:
        return None
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)

    def before(instance: Any) -> None:
        tree = _tree(instance)
        key = digest(tree)
        if key in skip:
            raise SkipInstance
        if path is not None:
            InFlight(ref, tree, key, os.getpid()).write(path)

    return before


def _confirmed_report(
    claim: Claim, verdict: Verdict, target_ref: ClaimRef, how: dict[str, Any], report_dir: str
) -> tuple[str, str, str]:
    conf = confirm(claim, verdict)
    files = build(claim, verdict, conf, claim_ref=target_ref.to_data(), how_found=how, report_root=report_dir)
    stage = f" (found by {how['stage']})" if how.get("stage") else ""
    return conf.status, files.dumps(), f"{conf.status.upper()}{stage}: {verdict.summary()} ({conf.reason})"


def run_chunk(spec: ChunkSpec) -> ChunkResult:
    """One chunk of a stress campaign (runs in a worker). Deterministic given ``spec``."""
    with warnings.catch_warnings():
        # On a Dask worker, the worker's own threads touch the global `random` module while Hypothesis draws;
        # Hypothesis sees the state change and blames the strategy. Our strategies use no `random` (a whole-repo
        # test enforces it), so this one warning is a false positive here.
        warnings.filterwarnings(
            "ignore", message="Do not use the `random` module", category=HypothesisDeprecationWarning
        )
        return _chunk(spec)


def _refined(
    claim: Claim,
    instance: Any,
    stats: SearchStats,
    rung: Any,
    before: Callable[[Any], None] | None,
    deadline: float,
) -> Verdict | None:
    if time.perf_counter() > deadline:
        raise OutOfTime
    try:
        return evaluate(claim, instance, stats=stats, rung=rung, before_example=before)
    except SkipInstance:
        return None


def _refine_elite(
    spec: ChunkSpec,
    target: Target,
    profile: Profile,
    rung: Any,
    before: Callable[[Any], None] | None,
    stats: SearchStats,
) -> tuple[Verdict | None, int]:
    """Refine the chunk's best starts until a violation or the chunk's refinement time is spent.

    Returns the violation (re-checked through Hypothesis as an explicit example) and the evaluations used.
    """
    claim, entry = target.claim, target.entry
    rng = np.random.default_rng(spec.seed)
    starts = [v.instance for v in stats.elite if isinstance(v.instance, Instance)][:REFINE_STARTS]
    deadline = time.perf_counter() + spec.refine_seconds
    used = stats.examples
    for start in starts:
        try:
            found, _ = refine(
                start,
                lambda inst: _refined(claim, inst, stats, rung, before, deadline),
                max_evals=REFINE_EVALS,
                rng=rng,
            )
        except OutOfTime:
            break
        if found is not None and found.violated:
            # fed back as an explicit Hypothesis example: checked by exactly the path every example takes
            violation, _ = search(claim, entry.instances(), max_examples=1, profile=profile, examples=[found.instance])
            if violation is not None:
                return violation, stats.examples - used
    return None, stats.examples - used


def _chunk(spec: ChunkSpec) -> ChunkResult:
    started = time.perf_counter()
    target = resolve_ref(spec.ref, spec.source)
    claim, entry = target.claim, target.entry
    profile = spec.profile
    rung = search_rung(profile)
    before = _before_each(Path(spec.inflight) if spec.inflight else None, spec.ref, frozenset(spec.skip))
    stats = SearchStats(keep=KEEP)
    elite = [decode(t) for t in spec.elite]  # the campaign's worst instances without a draw: explicit examples
    primed = [Draw.from_data(d) for d in spec.primed]  # with one: replayed in the reuse phase
    # counterexamples earlier runs kept (the first chunk of a fresh campaign carries them): tried before anything
    found = [c for c in (decode_choices(t) for t in spec.replay) if c is not None]
    # refinement over the draws and boundary search, in the chunk's refinement time share, for every claim
    refine_seconds = spec.refine_seconds
    refinement = (
        Refinement(share=0.0, starts=REFINE_STARTS, seconds=refine_seconds, min_evals=10**9, offset=spec.index)
        if refine_seconds > 0
        else None  # a re-run after a worker died in this chunk
    )

    def before_drawn(instance: Any) -> None:
        try:
            if before is not None:
                before(instance)
        except SkipInstance:
            hypothesis.reject()  # inside the Hypothesis test: the example is dropped, the search goes on

    try:
        violation, _ = search(
            claim,
            entry.instances(),
            max_examples=spec.examples,
            profile=profile,
            cost=entry.cost,
            examples=elite,
            before_example=before_drawn,
            stats=stats,
            refinement=refinement,
            primed=primed,
            replay=found,
            remember=False,  # the controller keeps what chunks find (a remote worker may not share its disk)
        )
    except hypothesis.errors.Unsatisfiable:
        violation = None  # a short chunk of a claim whose assumptions rarely hold: zero applicable examples
    search_seconds = time.perf_counter() - started
    search_examples = stats.examples - stats.refine_evals
    how: dict[str, Any] = {
        "method": "stress: hypothesis generate+target+shrink, refinement over the draws, boundary search",
        "stage": stats.first_violation_stage,
        "seed": profile.seed,
        "chunk": spec.task,
    }
    refine_evals = stats.refine_evals
    choices = stats.violation_choices if violation is not None else None
    if violation is None and entry.refinable and refinement is not None:
        violation, knob_evals = _refine_elite(spec, target, profile, rung, before, stats)
        refine_evals += knob_evals
        if violation is not None:
            how = {
                **how,
                "method": "stress: local refinement of the instance's knobs (Nelder-Mead), re-checked as an example",
                "stage": "refine",
            }
    reports, statuses, lines = [], [], []
    if violation is not None:
        status, text, line = _confirmed_report(claim, violation, spec.ref, how, spec.report_dir)
        statuses.append(status)
        reports.append(text)
        lines.append(line)
    if stats.artifacts and spec.report_artifacts:
        art_how = {**how, "method": "stress: set aside by the in-search precision rung"}
        status, text, line = _confirmed_report(claim, stats.artifacts[0], spec.ref, art_how, spec.report_dir)
        statuses.append(status)
        reports.append(text)
        lines.append(line)
    worst = stats.worst
    return ChunkResult(
        task=spec.task,
        examples=stats.examples,
        applicable=stats.applicable,
        violations=stats.violations,
        refine_evals=refine_evals,
        artifacts=len(stats.artifacts),
        seconds=time.perf_counter() - started,
        # Hypothesis examples per second (the refinement's evaluations and time are not in it)
        search_rate=search_examples / max(search_seconds - stats.refine_seconds, 1e-6),
        first_violation_at=stats.first_violation_at,
        first_violation_seconds=stats.first_violation_seconds,
        first_violation_stage=stats.first_violation_stage,
        # JSON has no inf or NaN: a non-finite worst margin travels as None plus whether it was a violation
        worst_margin=None if worst is None or not math.isfinite(worst.margin) else worst.margin,
        worst=None
        if worst is None
        else Worst(worst.summary(), worst.described, _tree(worst.instance), worst.violated),
        elite=[
            EliteEntry(e.margin, _tree(e.instance), None if e.draw is None else e.draw.to_data()) for e in stats.elite
        ],
        stage=how["stage"] if violation is not None else None,
        violation_choices=None if choices is None else encode_choices(choices),
        reports=reports,
        statuses=statuses,
        lines=lines,
    )


# ---- controller side -------------------------------------------------------------------------------------


@attrs.define
class Tally:
    """A campaign's running totals (what the progress line shows)."""

    label: str
    budget: float
    workers: int = 1
    examples: int = 0
    applicable: int = 0
    violations: int = 0
    refine_evals: int = 0
    artifacts: int = 0
    counterexamples: int = 0
    artifacts_reported: int = 0  # reports whose ladder said "artifact" (``artifacts``: set aside in the search)
    undecided: int = 0
    lost: int = 0
    first_violation_at: int | None = None  # instances checked when the first float64 violation showed
    first_violation_seconds: float | None = None  # and the wall time (chunk start as seen by the controller)
    first_violation_stage: str | None = None  # generate / target / reuse / refine / boundary
    worst_margin: float = math.inf
    worst: Worst | None = None
    started: float = attrs.field(factory=time.perf_counter)
    before: float = 0.0  # seconds spent by earlier sessions of a resumed campaign

    @property
    def seconds(self) -> float:
        """Wall time of this session."""
        return time.perf_counter() - self.started

    @property
    def unconfirmed(self) -> int:
        """Reports of float64 violations that are artifacts or undecided (what the progress line counts)."""
        return self.artifacts_reported + self.undecided

    @property
    def left(self) -> float:
        """Budget left in this session (seconds, >= 0)."""
        return max(0.0, self.budget - self.seconds)

    def line(self) -> str:
        """``label: N instances (r/s), worst margin m, c counterexamples, t left``."""
        rate = self.examples / max(self.seconds + self.before, 1e-9)
        worst = "n/a" if math.isinf(self.worst_margin) else f"{self.worst_margin:.3g}"
        left = round(self.left)
        found = f" (first found by {self.first_violation_stage})" if self.first_violation_stage else ""
        return (
            f"{self.label}: {self.examples:,} instances ({rate:.0f}/s on {self.workers} workers), "
            f"worst margin {worst}, {self.counterexamples} counterexamples{found}, {self.unconfirmed} unconfirmed, "
            f"{left // 60}m{left % 60:02d}s left"
        )

    def add(self, result: ChunkResult) -> None:
        """Fold a chunk's result in."""
        if self.first_violation_at is None and result.first_violation_at is not None:
            self.first_violation_at = self.examples + result.first_violation_at
            started = result.submitted if result.submitted is not None else self.seconds - result.seconds
            self.first_violation_seconds = started + float(result.first_violation_seconds or 0.0)
            self.first_violation_stage = result.first_violation_stage
        self.examples += result.examples
        self.applicable += result.applicable
        self.violations += result.violations
        self.refine_evals += result.refine_evals
        self.artifacts += result.artifacts
        if result.worst is not None:
            m = result.margin  # a non-finite margin: -inf (or NaN) if it was a violation, else +inf
            if m < self.worst_margin or self.worst is None:
                self.worst_margin, self.worst = m, result.worst


@attrs.frozen
class StressOutcome:
    """What a stress campaign found.

    Attributes:
        claim: the claim.
        tally: totals (instances, worst margin, counterexamples, unconfirmed, lost chunks).
        reports: report folders written in this session.
        lines: one line per violation found (status, instance, margin).
        stopped: why it stopped (budget, counterexample or interrupted).
        folder: the campaign folder (journal, worst instance, crash reproducers).
        refinable: local refinement ran (the claim opted in).
    """

    claim: Claim
    tally: Tally
    reports: tuple[Path, ...]
    lines: tuple[str, ...]
    stopped: StopReason
    folder: Path
    refinable: bool = False

    @property
    def counterexample(self) -> bool:
        """A confirmed or certified counterexample was found."""
        return self.tally.counterexamples > 0

    @property
    def unconfirmed(self) -> bool:
        """Float64 violations the ladder left undecided (exit status 3; artifacts alone leave it at 0)."""
        return self.tally.undecided > 0


def _chunk_seed(base: int, index: int) -> int:
    return (base * 1_000_003 + index * 7_919) % (2**32)


@attrs.define
class _Campaign:
    """The controller's state: journal, elite, reports seen, the next chunk's index and size."""

    target: Target
    folder: Path
    journal: Journal
    profile: Profile
    report_dir: str
    shares_disk: bool
    base_seed: int
    tally: Tally
    elite: list[EliteEntry] = attrs.field(factory=list)
    index: int = 0
    rate: float = 0.0  # Hypothesis examples per second per worker, measured (refinement is faster: no draws)
    total: float = DEFAULT_BUDGET  # the campaign's whole budget (seconds), over all its sessions
    artifact_reported: bool = False
    source: str | None = None
    seen_reports: set[str] = attrs.field(factory=set)
    store: Counterexamples | None = None  # where counterexamples are kept between runs (the profile's database)
    replay: list[str] = attrs.field(factory=list)  # stored counterexamples, encoded: the first chunk tries them

    def spec(self, remaining: float) -> ChunkSpec:
        seed = _chunk_seed(self.base_seed, self.index)
        # about half of a chunk's time goes to Hypothesis examples, the rest to refinement
        share = min(CHUNK_SECONDS, max(remaining, 0.5)) / 2
        size = FIRST_CHUNK if self.rate <= 0 else int(self.rate * share)
        task = f"c{self.index:05d}"
        first = self.index == 0
        self.index += 1
        return ChunkSpec(
            task=task,
            attempt=1,
            seed=seed,
            examples=max(2, min(size, 5000)),
            refine_seconds=share,
            ref=self.target.ref,
            profile=attrs.evolve(self.profile, seed=seed, database=None),
            elite=[e.instance for e in self.elite if not e.draw],
            primed=[e.draw for e in self.elite if e.draw],
            inflight=str(self.folder / "inflight" / f"{task}.json") if self.shares_disk else None,
            report_dir=self.report_dir,
            report_artifacts=not self.artifact_reported,
            replay=self.replay if first else [],  # the first chunk of a fresh campaign
            source=self.source,
        )

    def merge_elite(self, found: Sequence[EliteEntry]) -> None:
        seen = {digest(e.instance) for e in self.elite}
        for e in found:
            key = digest(e.instance)
            if key not in seen:
                seen.add(key)
                self.elite.append(e)
        self.elite.sort(key=lambda e: e.margin)
        del self.elite[KEEP:]

    def count(self, statuses: Sequence[str]) -> None:
        """Count the statuses of newly written reports (confirmed/certified, artifact, undecided)."""
        for status in statuses:
            if status in {ConfirmationStatus.CONFIRMED, ConfirmationStatus.CERTIFIED}:
                self.tally.counterexamples += 1
            else:
                self.tally.artifacts_reported += status == ConfirmationStatus.ARTIFACT
                self.tally.undecided += status == ConfirmationStatus.UNDECIDED


def _folder(report_dir: str, claim: Claim) -> Path:
    return Path(report_dir) / "campaigns" / f"stress-{slug(claim.id)}"


def _restore(c: _Campaign) -> list[ChunkSpec]:
    """Counts, worst, elite, reports and next index from earlier sessions; returns the chunks to re-run."""
    c.tally.before = _spent(list(c.journal.events()))
    for e in c.journal.events():
        if e["event"] in {"start", "resume"} and e.get("budget") is not None:
            c.total = float(e["budget"])  # the whole budget, as the campaign started or a resume replaced it
        if e["event"] == "start":
            c.base_seed = int(e["base_seed"])
        elif e["event"] == "submit":
            c.index = max(c.index, int(e["spec"]["task"][1:]) + 1)
        elif e["event"] == "done":
            r = ChunkResult.from_data(e["result"])
            c.tally.add(r)
            c.count(list(e.get("statuses", [])))
            c.seen_reports.update(e.get("reports", []))
            c.merge_elite(r.elite)
            c.artifact_reported |= bool(e.get("artifact_reported"))
        elif e["event"] == "lost" and "crash" in e:  # counted as in _on_lost: not the innocent chunks re-run
            c.tally.lost += 1
    return [ChunkSpec.from_data(spec, c.source) for spec in c.journal.in_flight()]


def _spent(events: list[dict[str, Any]]) -> float:
    """Wall time the campaign's sessions ran (not the sum over parallel chunks).

    Each ``stop`` event says it; a session killed before its stop (``kill -9``, a power cut) ran until its last
    journaled event.
    """
    spent, session, last = 0.0, None, 0.0
    for e in events:
        now = float(e.get("time", last))
        if e["event"] in {"start", "resume"}:
            if session is not None:  # the session before this one was killed: it ran until its last event
                spent += max(0.0, last - session)
            session = now
        last = now
        if e["event"] == "stop":
            spent += float(e.get("seconds", 0.0))
            session = None
    if session is not None:
        spent += max(0.0, last - session)
    return spent


def _keep_crash(c: _Campaign, spec: ChunkSpec, info: InFlight, reason: str) -> Path:
    """Store the instance a dead worker was checking in ``crashes/`` (a :class:`Crash`, with an ``@example``)."""
    dest = c.folder / "crashes" / f"{spec.task}-{info.digest}.json"
    crash = Crash(info, reason, spec, example_code(c.target.claim, info.instance, str(dest)))
    write_atomic(dest, json.dumps(crash.to_data(), indent=1).encode())
    return dest


def _clear_inflight(spec: ChunkSpec) -> None:
    if spec.inflight:
        inflight = Path(spec.inflight)
        inflight.unlink(missing_ok=True)
        for tmp in inflight.parent.glob(inflight.name + ".*.tmp"):
            tmp.unlink(missing_ok=True)  # a worker killed between writing and renaming


def _write_worst(c: _Campaign) -> None:
    w = c.tally.worst
    if w is None:
        return
    worst = WorstFile(
        claim=c.target.claim.id,
        claim_ref=c.target.ref,
        margin=c.tally.worst_margin if math.isfinite(c.tally.worst_margin) else None,
        summary=w.summary,
        instance=w.instance,
        example=example_code(c.target.claim, w.instance, str(c.folder / "worst.json")),
    )
    write_atomic(c.folder / "worst.json", json.dumps(worst.to_data(), indent=1).encode())


def _on_lost(c: _Campaign, spec: ChunkSpec, exc: TaskLost, rerun: list[ChunkSpec]) -> str | None:
    """Journal a chunk lost with its worker and queue its re-run; returns a line for the user, if any.

    Only the instance the dead worker was checking is lost: the chunk re-runs deterministically, skipping it.
    Chunks that died with a broken local pool but whose worker was healthy re-run unchanged.
    """
    info = InFlight.read(spec.inflight)
    if info is None and exc.culprits is None:  # a remote worker: nothing journaled to skip, a re-run dies too
        c.tally.lost += 1
        c.journal.append("lost", task=spec.task, reason=str(exc), crash=None)
        return f"chunk {spec.task} lost with its worker ({exc}); its spec is in {c.journal.path}"
    # culprits None (Dask): the task itself killed its workers, after Dask's own retries
    guilty = info is not None and (exc.culprits is None or info.pid in exc.culprits)
    _clear_inflight(spec)
    if not guilty:
        rerun.append(spec)
        c.journal.append("lost", task=spec.task, reason=f"re-run: {exc}", retry=spec.to_data())
        return None
    assert info is not None
    crash = _keep_crash(c, spec, info, str(exc))
    c.tally.lost += 1
    retry = None
    if spec.attempt < MAX_ATTEMPTS:
        # the re-run skips the instance and does not refine: refinement would walk straight back into the region
        # that killed the worker (a crash is a finding, kept in crashes/; the chunk's examples still count)
        retry = attrs.evolve(spec, attempt=spec.attempt + 1, skip=(*spec.skip, info.digest), refine_seconds=0.0)
        rerun.append(retry)
    journaled = None if retry is None else retry.to_data()
    c.journal.append("lost", task=spec.task, reason=str(exc), crash=str(crash), retry=journaled)
    return f"chunk {spec.task} lost with its worker ({exc}); the instance that killed it: {crash}"


def _on_done(c: _Campaign, spec: ChunkSpec, result: ChunkResult) -> tuple[list[Path], list[str]]:
    """Write a finished chunk's new reports (one per distinct counterexample), fold it in, journal it."""
    written, lines, statuses = [], [], []
    for text, line, status in zip(result.reports, result.lines, result.statuses, strict=True):
        files = ReportFiles.loads(text)
        if files.name in c.seen_reports:
            continue  # chunks that shrink to the same minimal counterexample: one report, one count
        c.seen_reports.add(files.name)
        written.append(write_report(c.report_dir, files))
        lines.append(line)
        statuses.append(status)
    c.tally.add(result)
    c.count(statuses)
    c.artifact_reported |= ConfirmationStatus.ARTIFACT in statuses
    kept = decode_choices(result.violation_choices) if result.violation_choices else None
    if kept is not None and c.store is not None:
        # a store that cannot be written costs the next run its head start, not this campaign
        with contextlib.suppress(OSError):
            c.store.save(c.target.claim.id, kept)
    c.merge_elite(result.elite)
    measured = result.search_rate
    c.rate = measured if c.rate <= 0 else 0.5 * c.rate + 0.5 * measured
    c.journal.append(
        "done",
        task=spec.task,
        result=result.to_data(with_reports=False),
        reports=[p.name for p in written],
        statuses=statuses,
        artifact_reported=c.artifact_reported,
    )
    _clear_inflight(spec)
    return written, lines


def campaign_journal(report_dir: str, claim: Claim) -> Path:
    """Where the journal of ``claim``'s stress campaign under ``report_dir`` lives."""
    return _folder(report_dir, claim) / "journal.jsonl"


def resumable(target: Target, report_dir: str) -> bool:
    """``report_dir`` holds a stress campaign of ``target``'s claim (journaled, started) to resume."""
    path = campaign_journal(report_dir, target.claim)
    return path.exists() and any(e["event"] == "start" for e in Journal(path).events())


def check_resumable(target: Target, report_dir: str) -> None:
    """Raise unless ``report_dir`` holds a stress campaign of ``target``'s claim to resume.

    Raises:
        InvalidArgument: naming ``--resume``, the folder looked in, and the fix.
    """
    path = campaign_journal(report_dir, target.claim)
    if not resumable(target, report_dir):
        raise InvalidArgument(
            "--resume", str(path.parent), f"holds no stress campaign of {target.claim.id} to resume",
            "pass the --report-dir of the interrupted run, or leave out --resume to start a campaign",
        )


def _begin(c: _Campaign, *, resume: bool, budget: float | None) -> list[ChunkSpec]:
    """Journal the campaign's start (or its resumption: restore it); returns the chunks to re-run first."""
    tally, journal, claim, folder = c.tally, c.journal, c.target.claim, c.folder
    rerun: list[ChunkSpec] = []
    if resume:
        rerun = _restore(c)
        if budget is not None:
            c.total = budget
        tally.budget = max(0.0, c.total - tally.before)  # what was left
        journal.append(
            "resume", time=time.time(), rerun=[s.task for s in rerun], budget=c.total, spent=tally.before,
            left=tally.budget,
        )
    else:
        c.total = tally.budget
        journal.rotate()
        for stale in (folder / "inflight").glob("*"):
            stale.unlink(missing_ok=True)  # an earlier campaign's: never blame its instances on this one's chunks
        if c.store is not None:
            c.replay = [encode_choices(ch) for ch in c.store.load(claim.id)]
        journal.append(
            "start", time=time.time(), claim=claim.id, ref=c.target.ref.to_data(), base_seed=c.base_seed, budget=c.total
        )
    return rerun


def stress(
    target: Target,
    *,
    budget: float | None,
    executor: Executor,
    profile: Profile,
    report_dir: str = "reports",
    resume: bool = False,
    keep_going: bool = False,
    on_progress: Callable[[Tally], None] | None = None,
) -> StressOutcome:
    """Run a stress campaign on ``target`` for ``budget`` seconds of wall time (None: :data:`DEFAULT_BUDGET`).

    Stops early at the first confirmed or certified counterexample unless ``keep_going``. Ctrl-C stops it
    cleanly (``stopped == "interrupted"``): everything finished is journaled and its reports are written.
    ``resume``: continue the campaign journaled under ``report_dir`` (:func:`check_resumable` first): its
    counts, worst instance, elite and reports carry over, and it gets what was left of its budget (``budget``,
    if given, replaces the campaign's whole budget; the time its earlier sessions ran is taken off, a session
    killed without a trace included, up to its last journaled event). A fresh campaign's first chunk first
    tries the counterexamples earlier runs kept for this claim (:mod:`theorycheck.search.store`), and every
    violation a chunk finds is kept there.

    Raises:
        ChunkFailed: a chunk raised an exception (the instance it was checking is kept in ``crashes/``).
    """
    claim = target.claim
    folder = _folder(report_dir, claim)
    if resume:
        check_resumable(target, report_dir)
    journal = Journal(folder / "journal.jsonl")
    tally = Tally(claim.id, DEFAULT_BUDGET if budget is None else budget, workers=executor.workers)
    base = profile.seed if profile.seed is not None else secrets.randbits(31)
    c = _Campaign(target, folder, journal, profile, report_dir, executor.shares_disk, base, tally)
    c.source = ref_source(target)
    c.store = Counterexamples.of(profile)
    rerun = _begin(c, resume=resume, budget=budget)
    reports: list[Path] = []
    lines: list[str] = []
    submitted: dict[str, float] = {}  # task -> session seconds at submission
    show: Callable[[Tally], None] = on_progress or (lambda _: None)

    def next_chunk() -> ChunkSpec | None:
        if not rerun and tally.left <= 0:
            return None
        spec = rerun.pop(0) if rerun else c.spec(tally.left)
        submitted[spec.task] = tally.seconds
        return spec

    def on_done(spec: ChunkSpec, result: ChunkResult) -> None:
        result = attrs.evolve(result, submitted=submitted.pop(spec.task, tally.seconds - result.seconds))
        new, new_lines = _on_done(c, spec, result)
        reports.extend(new)
        lines.extend(new_lines)
        show(tally)

    def on_lost(spec: ChunkSpec, exc: TaskLost) -> None:
        line = _on_lost(c, spec, exc, rerun)
        if line:
            lines.append(line)

    def found() -> bool:
        return tally.counterexamples > 0 and not keep_going

    def why(reason: StopReason | None) -> StopReason:
        # interrupted or error as the controller saw it, else the campaign's own reason to stop
        return reason or (StopReason.COUNTEREXAMPLE if found() else StopReason.BUDGET)

    def on_stop(reason: StopReason | None, pending: list[ChunkSpec]) -> None:
        tasks = [s.task for s in pending]
        journal.append("stop", reason=why(reason), seconds=tally.seconds, pending=tasks)
        _write_worst(c)

    stopped = run_tasks(
        executor,
        journal,
        run_chunk,
        next_chunk,
        on_done=on_done,
        on_lost=on_lost,
        on_failed=lambda spec, exc: _failed(c, spec, exc),
        on_stop=on_stop,
        enough=found,
        overdue=lambda: tally.left <= 0 and tally.seconds > tally.budget + 2 * CHUNK_SECONDS + 10,
        on_wake=lambda: show(tally),
    )
    return StressOutcome(claim, tally, tuple(reports), tuple(lines), why(stopped), folder, target.entry.refinable)


def _failed(c: _Campaign, spec: ChunkSpec, exc: Exception) -> ChunkFailed:
    """Journal a chunk that raised, keep the instance it was checking, and say so in one line."""
    info = InFlight.read(spec.inflight)
    crash = _keep_crash(c, spec, info, f"{type(exc).__name__}: {exc}") if info else None
    _clear_inflight(spec)
    c.journal.append("failed", task=spec.task, error=f"{type(exc).__name__}: {exc}", crash=str(crash or ""))
    where = f"; the instance it was checking: {crash}" if crash else f"; its spec is in {c.journal.path}"
    return ChunkFailed(f"chunk {spec.task} of {c.target.claim.id} raised {type(exc).__name__}: {exc}{where}")
