"""What campaign tasks carry across the process boundary: typed, frozen specs and results, and stop reasons.

A :class:`ClaimRef` says how to load a claim again (a catalogue id, or a name in a claim file): targets, task
specs, crash files and reports carry it, and it is built and parsed here only.

A stress chunk (:class:`ChunkSpec` -> :class:`ChunkResult`) and a scale task (:class:`PointsSpec` ->
:class:`PointsResult`) travel to a worker (a process or a Dask cluster) and back as these records, and are
journaled as their ``to_data`` form; ``from_data`` reads that form back (``from_data(to_data(r)) == r``, tested
for every field). A claim of ``check --workers`` travels as a :class:`CheckSpec` and comes back as a
:class:`ClaimSummary`. The journaled form keeps the key names the journal has always had, so a journal written
before these records resumes. A spec's ``source`` (the claim file's text, shipped to workers) is never
journaled: it is passed to ``from_data`` again on resume.

A stress campaign's files are records too: a local worker writes the instance it is about to check as an
:class:`InFlight`, a worker's death leaves a :class:`Crash` in ``crashes/``, and ``worst.json`` is a
:class:`WorstFile`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from theorycheck._data import Data, as_tuple, ints, local, strs
from theorycheck._status import Status
from theorycheck._validation import check_choice
from theorycheck.config import Profile
from theorycheck.errors import InvalidArgument

JSON = Any  # a JSON tree (an encoded instance, a Draw's data): plain data by construction


class StopReason(Status):
    """Why a campaign stopped; the value is what the journal's ``stop`` event and ``scale.json`` record."""

    BUDGET = "budget", "the time budget is spent"
    COUNTEREXAMPLE = "counterexample", "a confirmed or certified counterexample was found"
    INTERRUPTED = "interrupted", "interrupted (Ctrl-C); --resume continues it"
    ERROR = "error", "a task raised an error"
    COMPLETE = "complete", "every task finished"


@attrs.frozen
class ClaimRef:
    """How to load a claim again: ``kind`` "catalogue" with its ``id``, or "file" with its ``file`` and ``name``."""

    kind: str = attrs.field(validator=lambda _i, _a, v: check_choice("claim_ref.kind", v, ("catalogue", "file")))
    id: str | None = None
    file: str | None = None
    name: str | None = None

    def __attrs_post_init__(self) -> None:
        needs = ("id",) if self.kind == "catalogue" else ("file", "name")
        for field in needs:
            if not isinstance(getattr(self, field), str):
                raise InvalidArgument(f"claim_ref.{field}", getattr(self, field), "is missing", f"give the {field}")

    @classmethod
    def catalogue(cls, claim_id: str) -> ClaimRef:
        """A catalogue claim."""
        return cls("catalogue", id=claim_id)

    @classmethod
    def in_file(cls, file: str, name: str) -> ClaimRef:
        """The claim bound to ``name`` in the claim file ``file``."""
        return cls("file", file=file, name=name)

    @property
    def in_catalogue(self) -> bool:
        """A catalogue claim (else a claim file's)."""
        return self.kind == "catalogue"

    @property
    def text(self) -> str:
        """The ``TARGET`` that names it on the command line: the id, or ``FILE::NAME``."""
        return str(self.id) if self.in_catalogue else f"{self.file}::{self.name}"

    @property
    def label(self) -> str:
        """A short name: the id, or the name in the file."""
        return str(self.id if self.in_catalogue else self.name)

    def to_data(self) -> dict[str, str]:
        """``{"kind": "catalogue", "id"}`` or ``{"kind": "file", "file", "name"}`` (reports and journals)."""
        if self.in_catalogue:
            return {"kind": self.kind, "id": str(self.id)}
        return {"kind": self.kind, "file": str(self.file), "name": str(self.name)}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ClaimRef:
        """The inverse of :meth:`to_data`.

        Raises:
            InvalidArgument: an unknown kind (naming the closest) or a missing field.
        """
        return cls(data.get("kind"), id=data.get("id"), file=data.get("file"), name=data.get("name"))  # type: ignore[arg-type]

    @classmethod
    def of(cls, ref: ClaimRef | Mapping[str, Any]) -> ClaimRef:
        """``ref`` itself, or read from its data (an attrs converter)."""
        return ref if isinstance(ref, ClaimRef) else cls.from_data(ref)


def _ref(ref: ClaimRef | Mapping[str, Any]) -> ClaimRef:
    return ClaimRef.of(ref)


def _points(points: Iterable[Sequence[Any]]) -> tuple[tuple[dict[str, float], int], ...]:
    return tuple((dict(p), int(r)) for p, r in points)


@attrs.frozen
class EliteEntry(Data):
    """One of the worst instances a chunk saw: its margin, its encoded instance, and its draw (if it has one)."""

    margin: float
    instance: JSON
    draw: JSON = None  # a Draw's data: replayed in the reuse phase; None: tried as an explicit example


@attrs.frozen
class Worst(Data):
    """A chunk's (or campaign's) worst instance: the verdict's summary, the instance in one line, its tree."""

    summary: str
    described: str
    instance: JSON
    violated: bool

    @classmethod
    def from_data(cls, data: Mapping[str, Any], *local: Any) -> Worst:
        """The inverse of :meth:`to_data`; a journal from before ``described`` shows the whole summary there."""
        return super().from_data({"described": data["summary"], **data}, *local)


@attrs.frozen(kw_only=True)
class ChunkSpec(Data):
    """A stress chunk, deterministic given these fields (its reproducer); journaled in this field order.

    ``elite``: encoded instances tried as explicit examples; ``primed``: Draw data replayed in the reuse phase;
    ``replay``: encoded choice sequences of kept counterexamples; ``skip``: digests of instances a worker died
    on; ``inflight``: where a local worker journals the instance it is checking (None on a remote cluster);
    ``refine_seconds`` 0: no refinement (a re-run after a worker died). ``from_data(data, source)``: the claim
    file's text to ship again.
    """

    task: str
    attempt: int
    seed: int
    examples: int
    refine_seconds: float
    ref: ClaimRef = attrs.field(converter=_ref)
    profile: Profile
    elite: tuple[JSON, ...] = attrs.field(default=(), converter=as_tuple)
    primed: tuple[JSON, ...] = attrs.field(default=(), converter=as_tuple)
    inflight: str | None = None
    report_dir: str
    report_artifacts: bool
    replay: tuple[str, ...] = attrs.field(default=(), converter=strs)
    skip: tuple[str, ...] = attrs.field(default=(), converter=strs)
    source: str | None = local(default=None)  # shipped to workers, never journaled

    @property
    def index(self) -> int:
        """The chunk's number (its task name is ``c`` and five digits)."""
        return int(self.task[1:])


@attrs.frozen(kw_only=True)
class ChunkResult(Data):
    """What a stress chunk sends back: counts, its worst instance and elite, and its reports as text.

    ``reports``, ``statuses`` and ``lines`` are parallel (one per confirmed finding). ``worst_margin`` is None
    when not finite (JSON has no inf or NaN; ``worst.violated`` tells -inf/NaN from +inf). ``submitted``: the
    controller's session time when it submitted the chunk (set by the controller, None from the worker).
    Journaled in this field order.
    """

    task: str
    examples: int
    applicable: int
    violations: int
    refine_evals: int
    first_violation_at: int | None = None
    first_violation_seconds: float | None = None
    first_violation_stage: str | None = None
    artifacts: int
    worst_margin: float | None = None
    worst: Worst | None = None
    elite: tuple[EliteEntry, ...] = attrs.field(default=(), converter=as_tuple)
    stage: str | None = None
    violation_choices: str | None = None
    reports: tuple[str, ...] = attrs.field(default=(), converter=strs)
    statuses: tuple[str, ...] = attrs.field(default=(), converter=strs)
    lines: tuple[str, ...] = attrs.field(default=(), converter=strs)
    seconds: float
    search_rate: float  # Hypothesis examples per second (refinement's evaluations and time are not in it)
    submitted: float | None = None

    @property
    def margin(self) -> float:
        """The worst margin as a float (non-finite restored: -inf for a violation, +inf otherwise)."""
        if self.worst_margin is not None:
            return self.worst_margin
        return -math.inf if self.worst is not None and self.worst.violated else math.inf

    def to_data(self, *, with_reports: bool = True) -> dict[str, Any]:
        """Plain data; ``with_reports=False`` leaves out the report texts and lines (the journal keeps names)."""
        data = super().to_data()
        if not with_reports:
            del data["reports"], data["lines"]
        return data


@attrs.frozen
class CheckSpec(Data):
    """``theorycheck check --workers``: one claim checked in a worker process (re-resolved there).

    The worker sends back a :class:`ClaimSummary`.
    """

    ref: ClaimRef = attrs.field(converter=_ref)
    profile: Profile
    examples: int | None
    report_dir: str


@attrs.frozen
class ClaimSummary:
    """What one claim adds to a ``check`` or ``stress`` run: the line printed for it and its counts.

    The result of a :class:`CheckSpec` (a ``check --workers`` worker sends it back), and what the run's record
    totals (``runs/*.json``: examples, violations, confirmed, artifacts, undecided). ``counterexample``: the
    confirmed or certified counterexamples reported (0 or 1 for ``check``; a stress campaign counts each distinct
    one); ``artifacts``, ``undecided``: reports whose ladder said so; ``unconfirmed``: a float64 violation that is
    not a counterexample; ``interrupted``: a Ctrl-C ended this claim's search (its counts so far).
    """

    claim: str
    expect: str
    line: str
    examples: int
    violation: bool = False
    counterexample: int = 0
    unconfirmed: bool = False
    artifacts: int = 0
    undecided: int = 0
    reports: tuple[str, ...] = attrs.field(default=(), converter=strs)
    interrupted: bool = False

    def to_data(self) -> dict[str, Any]:
        """``{"claim", "expect", "line", "examples", "violation", "counterexample", ..., "interrupted"}``."""
        return {**attrs.asdict(self, recurse=False), "reports": list(self.reports)}

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> ClaimSummary:
        """The inverse of :meth:`to_data`."""
        return cls(
            claim=data["claim"],
            expect=data["expect"],
            line=data["line"],
            examples=int(data["examples"]),
            violation=bool(data.get("violation", False)),
            counterexample=int(data.get("counterexample", 0)),
            unconfirmed=bool(data.get("unconfirmed", False)),
            artifacts=int(data.get("artifacts", 0)),
            undecided=int(data.get("undecided", 0)),
            reports=data.get("reports", ()),
            interrupted=bool(data.get("interrupted", False)),
        )


@attrs.frozen
class PointsSpec(Data):
    """A scale task: build and measure ``points`` (parameter values and a repeat number each) as one batch.

    Journaled without ``source``, ``points`` as ``[params, repeat]`` pairs; ``from_data(data, source)``.
    """

    task: str
    points: tuple[tuple[dict[str, float], int], ...] = attrs.field(converter=_points)
    ref: ClaimRef = attrs.field(converter=_ref)
    source: str | None = local(default=None)  # shipped to workers, never journaled


@attrs.frozen
class PointsResult(Data):
    """A scale task's measurements, one per point: the value (None: not reached or not finite) and horizon."""

    task: str
    values: tuple[float | None, ...] = attrs.field(converter=as_tuple)
    horizons: tuple[int, ...] = attrs.field(converter=ints)
    seconds: float


CRASH_SCHEMA = "theorycheck.crash/1"


@attrs.frozen
class InFlight:
    """The instance a local stress worker is about to check, written to the chunk's in-flight file.

    If the worker dies, the controller reads it back: ``pid`` tells whether this worker was the one that died
    (:attr:`theorycheck.parallel.TaskLost.culprits`), ``digest`` is what the chunk's re-run skips, and the
    instance goes to ``crashes/``.
    """

    claim_ref: ClaimRef = attrs.field(converter=_ref)
    instance: JSON
    digest: str
    pid: int

    def to_data(self) -> dict[str, Any]:
        """``{"claim_ref", "instance", "digest", "pid"}``."""
        return {
            "claim_ref": self.claim_ref.to_data(),
            "instance": self.instance,
            "digest": self.digest,
            "pid": self.pid,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> InFlight:
        """The inverse of :meth:`to_data`."""
        return cls(data["claim_ref"], data["instance"], str(data["digest"]), int(data["pid"]))

    def write(self, path: Path) -> None:
        """Write to ``path`` atomically: a temp file, then a rename.

        No fsync: a killed process still leaves the file (the machine did not die), and this runs before every
        instance.
        """
        tmp = path.with_name(path.name + f".{self.pid}.tmp")
        tmp.write_text(json.dumps(self.to_data()), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def read(cls, path: str | None) -> InFlight | None:
        """The in-flight file at ``path``; None if there is none or it is not one (never written, or torn)."""
        if not path:
            return None
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls.from_data(data)
        except (OSError, ValueError, KeyError, TypeError):  # ValueError: bad JSON, a bad field (InvalidArgument)
            return None


@attrs.frozen
class Crash:
    """A crash file (``crashes/<task>-<digest>.json``, schema ``theorycheck.crash/1``): what a worker was checking.

    ``inflight``: the instance, its digest and the worker's pid; ``reason``: how the worker was lost (or what
    the chunk raised); ``spec``: the chunk (its reproducer); ``example``: a pasteable ``@example``.
    """

    inflight: InFlight
    reason: str
    spec: ChunkSpec
    example: str

    def to_data(self) -> dict[str, Any]:
        """The in-flight fields, then ``reason``, ``chunk_spec``, ``example``, and the ``schema``."""
        return {
            **self.inflight.to_data(),
            "reason": self.reason,
            "chunk_spec": self.spec.to_data(),
            "example": self.example,
            "schema": CRASH_SCHEMA,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any], source: str | None = None) -> Crash:
        """The inverse of :meth:`to_data` (``source``: the claim file's text for the spec, never stored)."""
        return cls(
            InFlight.from_data(data), data["reason"], ChunkSpec.from_data(data["chunk_spec"], source), data["example"]
        )


WORST_SCHEMA = "theorycheck.worst/1"


@attrs.frozen
class WorstFile:
    """A stress campaign's ``worst.json`` (schema ``theorycheck.worst/1``): its worst instance so far.

    ``margin`` is None when not finite (JSON has no inf or NaN); ``example``: a pasteable ``@example``.
    """

    claim: str
    claim_ref: ClaimRef = attrs.field(converter=_ref)
    margin: float | None
    summary: str
    instance: JSON
    example: str

    def to_data(self) -> dict[str, Any]:
        """``{"claim", "claim_ref", "margin", "summary", "instance", "example", "schema"}``."""
        return {
            "claim": self.claim,
            "claim_ref": self.claim_ref.to_data(),
            "margin": self.margin,
            "summary": self.summary,
            "instance": self.instance,
            "example": self.example,
            "schema": WORST_SCHEMA,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> WorstFile:
        """The inverse of :meth:`to_data`."""
        margin = data["margin"]
        return cls(
            data["claim"],
            data["claim_ref"],
            None if margin is None else float(margin),
            data["summary"],
            data["instance"],
            data["example"],
        )
